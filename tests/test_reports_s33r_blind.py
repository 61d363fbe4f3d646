# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round s33r: TLS-RPT report intake for the RPT ids earlier blind rounds tried least
(checklist §12.1 RPT-02 to RPT-08, RPT-10, RPT-13, RPT-14; RFC 8460 §4, §5, RFC 3339,
RFC 9110 §8.3-§8.4, RFC 2045/2046): time frames across UTC midnight, at -05:00 to the next
midnight, ending before they start, with milliseconds at +00:00, over a daylight-saving
change both ways and of exactly 48 hours; contact-info sub-addressed or an array, an empty
organization-name, Microsoft's report without policy-string or mx-host, a report-id in angle
brackets; sts, tlsa and no-policy-found in one report, a tlsa entry naming the domain, a
policy-type 'dane'; TLSA RDATA in capitals, policy-string null or a bare string;
policy-domains below, beside and empty; mx-host as a string; counts past 2^32, a summary
missing a member, a day of no sessions; every MTA-STS and DANE result-type, Microsoft's
fetch error without addresses, an invented type; HTTPS labels with a parameter or in
capitals, x-gzip and GZIP codings, a form, a +json label on gzip; mails with nested
multiparts, padded base64 lines, names and labels lying about the part, lower-case
TLS-Report headers, quoted-printable gzip; a resend re-serialised, report-ids differing in
case, a report-id used for two days.

The inputs are the files under tests/data/tlsrpt/s33r/ (its build.py writes them) and their
expectations tests/data/tlsrpt/s33r_expectations.json, each naming its RPT ids, committed
before any was run. Door "body": both parse readers, gzip-POSTed over HTTPS, mailed gzipped
and DKIM-signed through `manage.py ingest_email` (tests/blind_reports.py). Door "post": the
body exactly as a sender POSTs it, with its Content-Type and headers; a 2xx stores the raw
bytes first and the parse then ends as expected, a 4xx stores nothing. Door "email": the
case's mail, signed as sender.example, piped into `manage.py ingest_email`. Door "pair":
two bodies POSTed one after the other. Door "shown": the report of yesterday gzip-POSTed,
parsed, then read on the dashboard, the report page and the CSV as the owner reads them. A
case whose expectation was later found wrong says so there (`corrected`); one the product
still gets wrong is a strict xfail naming why (`open`).

First run: 45 of 51 cases as written. The three planted wrong expectations (N05's day
2026-03-28, N17's rate 3.13 %, N54's re-serialised resend as a second report) all failed
and were set right. Wrong expectations of mine, corrected with their reasons: N23 and N24
(a policy-domain of another domain is warned about by the stored report, when it meets the
address; the parser, which knows no address, rightly says nothing, so the warning is
asserted on the stored report). One failure was this module's: door "post" sent the body
through Django's test client, which re-encodes bytes into a charset the Content-Type
names ('charset=binary', N39); it now POSTs the bytes as they are. No product fault made a
case fail. One held as written and was a product fault all the same, fixed with
tests/test_reports_s33r.py: N56 (a report-id used for two days: the later day is kept as a
duplicate, as docs §4 say, but its reason read "resend … with other counts" as if the same
day were sent again; it now says the copy covers another date-range and its sessions are
not counted). Held as written, among others: a local day across UTC midnight, at -05:00 to
the next midnight and over both daylight-saving changes (each on its date, with a note);
end before start rejected; an empty organization-name rejected naming it; contact-info as
an array warned; sts, tlsa and no-policy-found in one report all counted; policy-type
'dane' warned and kept; a bare TLSA string wrapped with a warning; a summary missing a
count drops that entry only; counts of 3,000,000,000 and 2,500,000,000 stored and shown
whole; every MTA-STS and DANE result-type kept in order; x-gzip and GZIP codings undone;
a form refused with 415; nested multiparts, padded base64 lines, a name or label lying
about the part (application/pdf warned), lower-case TLS-Report headers, quoted-printable
gzip all read.
"""

from __future__ import annotations

import gzip

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from tests.blind_reports import ReportsRound, stored_first
from tests.test_reports_email import address, dns_stub, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import _post
from tests.test_reports_s18_dashboard_blind import dated, read_page
from tests.test_reports_s25_blind import check_csv, check_dashboard

ROUND = ReportsRound("s33r")
CASES = ROUND.cases

# Door "body": both readers, HTTPS, mail.
test_a_report_body_reads_alike_through_both_readers = ROUND.reads_alike_test("body")
test_a_report_body_posted_over_https_ends_as_expected = ROUND.posted_test("body")
test_a_report_body_mailed_signed_ends_as_over_https = ROUND.mailed_test("body")

# Door "email": the case's own mail, signed, through ingest_email.
test_a_report_mail_piped_into_ingest_email_ends_as_expected = ROUND.piped_test("email")


# --- Door "post": a body as sent, with its Content-Type and headers -------------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("post"))
def test_a_body_posted_as_sent_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = ROUND.input(case_id, ".bin")
    # generic(): client.post would re-encode the bytes into a charset the type names.
    url = f"/tlsrpt/{address.token}"
    extra = case.get("headers", {})
    response = client.generic("POST", url, body, case["content_type"], **extra)
    assert response.status_code == case["http"], response.content
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        return
    stored_first(case, [body])
    ROUND.finish(case)


# --- Door "pair": two bodies POSTed one after the other -------------------------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("pair"))
def test_two_bodies_posted_one_after_the_other_end_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    bodies = [gzip.compress(ROUND.input(case_id + s, ".json"), mtime=0) for s in "ab"]
    codes = [_post(client, address.token, body).status_code for body in bodies]
    assert codes == case["http"]
    stored_first(case, bodies)
    ROUND.finish(case)


# --- Door "shown": the dashboard, the report page and the CSV -------------------------------------


@pytest.fixture
def owner(db: None) -> User:
    """alice, whose team monitors example.com (verified)."""
    cache.clear()  # a person's time zone is cached by user id, which a flushed table reuses
    alice = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team)
    Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())
    return alice


@pytest.mark.parametrize("case_id", ROUND.ids("shown"))
def test_a_report_of_yesterday_is_shown_as_expected(case_id: str, owner: User) -> None:
    case = CASES[case_id]
    address = ReportAddress.for_domain(Domain.objects.get(name="example.com"))
    body = gzip.compress(dated(ROUND.input(case_id, ".json").decode()).encode(), mtime=0)
    response = _post(Client(), address.token, body)
    assert response.status_code == 201, response.content
    stored_first(case, [body])
    ROUND.finish(case)
    ROUND.check(case, TlsReport.objects.get())
    client = Client()
    client.force_login(owner)
    page = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert page.status_code == 200
    check_dashboard(case["shown"], read_page(page.content))
    report = TlsReport.objects.get()
    assert client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/").status_code == 200
    export = client.get(f"/tlsrpt/{address.token}/export.csv")
    assert export.status_code == 200
    check_csv(case["shown"], export.content)


SUFFIXES = {
    "body": [".json"],
    "shown": [".json"],
    "post": [".bin"],
    "email": [".eml"],
    "pair": ["a.json", "b.json"],
}


def test_every_case_has_its_input_its_rpt_ids_and_a_door() -> None:
    assert len(CASES) == 51
    for case_id, case in CASES.items():
        for suffix in SUFFIXES[case["door"]]:
            assert (ROUND.inputs / f"{case_id}{suffix}").exists(), case_id
        assert case["rpt"] and all(r.startswith("RPT-") for r in case["rpt"]), case_id
        assert case["why"] and case["shape"], case_id
        if case["outcome"] == "rejected":
            assert case["reason"], case_id
        if case["door"] == "post":
            assert case["http"] in (201, 415), case_id
            assert (case["outcome"] == "refused") is (case["http"] == 415), case_id
