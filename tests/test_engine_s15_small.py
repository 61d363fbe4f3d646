"""Three info-level and fix-text rules held more exactly (checklist SPF-17, MTASTS-18, DMARC-08/09).

SPF-17 (HELO identity, info): an MX host whose TXT lookup failed was skipped unsaid; one with two
SPF records counted as having one, though a check of that identity is a permerror (RFC 7208
§4.5). Both are said now, at info, and neither takes SPF out of the score.

MTASTS-18 (cache headers on the policy, info): only Cache-Control was read; an Expires far ahead
lets a proxy keep the policy as long (RFC 9111 §4.2.1: Expires minus Date, or minus the time the
response came), unless max-age or s-maxage overrides it (§5.3); an invalid Expires is already
expired (§5.3).

DMARC with pct from 1 to 99 and t=y: no record keeps what receivers apply now (RFC 7489
receivers enforce part, RFC 9989 receivers the next weaker policy), so the record every fix offers
enforces the written policy on all failing mail. It now says so on each fix whose own text does
not (a report-address repair said nothing; "Remove pct" also left out t=y), and DMARC-08 no longer
says RFC 9989 receivers apply the written policy to all failing mail under t=y.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checks import scoring, spf
from checks.findings import Finding, Mechanism, Status
from checks.https import HttpsResult
from checks.mtasts import _fetch_problems, _http_date
from tests.test_fix_s14_trial_step import RUA, applied_to_all, bad_findings, offered
from tests.test_spf import Zone, published, run

# ------------------------------------------------------------------------------- SPF-17

D = "example.test"
OWN_SPF = "v=spf1 mx -all"


def helo_zone(mx_txt: dict[str, list[str] | str]) -> Zone:
    zone: Zone = {
        (D, "MX"): [f"{10 * i} {host}." for i, host in enumerate(mx_txt, 1)],
        (D, "TXT"): [OWN_SPF],
    }
    for i, (host, txt) in enumerate(mx_txt.items(), 1):
        zone[(host, "A")] = [f"192.0.2.{i}"]
        zone[(host, "TXT")] = txt
    return zone


def spf17(mx_txt: dict[str, list[str] | str]) -> tuple[list[Finding], list[Finding]]:
    """(SPF-17 findings, every SPF finding) of the domain with these MX hosts."""
    found = run(spf, D, helo_zone(mx_txt))
    return [f for f in found if f.id == "SPF-17"], found


def test_spf17_says_an_mx_host_it_could_not_look_up_was_not_checked() -> None:
    helo, found = spf17(
        {
            "mx1.example.test": ["v=spf1 a -all"],
            "mx2.example.test": "SERVFAIL",
            "mx3.example.test": [],
        }
    )
    by_host = {tuple(f.evidence["hosts"]): f for f in helo}
    unknown = by_host[("mx2.example.test",)]
    assert unknown.status == Status.INFO
    assert "could not be checked" in unknown.summary
    assert "SERVFAIL for mx2.example.test TXT" in unknown.summary
    assert unknown.fix == ""
    # A failed lookup is not an absence: mx2 gets no record offered, mx3 (answered, none) does.
    missing = by_host[("mx3.example.test",)]
    assert "mx2" not in missing.summary + missing.fix
    assert published(missing.fix) == ("mx3.example.test", "v=spf1 a -all")
    # The rule is info: never a fail or warn, and SPF stays in the score (an error would take
    # it out over a check that never costs points).
    assert {f.status for f in helo} == {Status.INFO}
    assert scoring.score_category(Mechanism.SPF, found).reason == "good"


def test_spf17_a_timeout_is_said_too() -> None:
    (f,), _ = spf17({"mx1.example.test": "TIMEOUT"})
    assert f.status == Status.INFO and "could not be checked" in f.summary


def test_spf17_two_spf_records_at_a_host_are_a_permerror_said_at_info() -> None:
    helo, found = spf17(
        {
            "mx1.example.test": ["v=spf1 a -all", "v=spf1 mx -all"],
            "mx2.example.test": ["v=spf1 a -all"],
        }
    )
    (f,) = helo
    assert f.status == Status.INFO
    assert f.evidence["hosts"] == ["mx1.example.test"]
    assert "mx1.example.test (2 records)" in f.summary
    assert "permerror" in f.summary and "RFC 7208 §4.5" in f.summary
    assert "mx2" not in f.summary
    # One record in their place, with the mechanisms of both, once each.
    assert published(f.fix) == ("mx1.example.test", "v=spf1 a mx -all")
    assert not spf.parse_spf(published(f.fix)[1]).permerror
    assert scoring.score_category(Mechanism.SPF, found).reason == "good"


def test_spf17_a_merge_that_reaches_other_records_is_not_offered() -> None:
    # An include's lookups are not walked for a HELO note: no merge that might pass 10.
    (f,), _ = spf17(
        {"mx1.example.test": ["v=spf1 a -all", "v=spf1 include:_spf.example.test -all"]}
    )
    assert f.status == Status.INFO and "permerror" in f.summary
    assert f.fix == ""


def test_spf17_near_misses_beside_one_record_are_not_a_second_record() -> None:
    helo, _ = spf17({"mx1.example.test": ["v=spf1 a -all", "v=spf10 foo", "verification=x"]})
    assert helo == []


# ---------------------------------------------------------------------------- MTASTS-18

BODY = b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n"
DATE = "Mon, 30 Nov 2026 12:00:00 GMT"


def mtasts18(headers: dict[str, str], values: dict[str, list[str]] | None = None) -> list[str]:
    result = HttpsResult(
        url="https://mta-sts.example.com/.well-known/mta-sts.txt",
        host="mta-sts.example.com",
        status=200,
        headers={"content-type": "text/plain", **headers},
        header_values=values or {},
        body=BODY,
    )
    found = [p for p in _fetch_problems(result) if p.check_id == "MTASTS-18"]
    assert {p.status for p in found} <= {Status.INFO}  # never more (checklist MTASTS-18)
    return [p.message for p in found]


def http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


@pytest.mark.parametrize(
    ("headers", "span"),
    [
        # Expires minus Date (RFC 9111 §4.2.1).
        ({"date": DATE, "expires": "Mon, 07 Dec 2026 12:00:00 GMT"}, "7 days"),
        ({"date": DATE, "expires": "Tue, 30 Nov 2027 12:00:00 GMT"}, "365 days"),
        # Cache-Control without max-age leaves the lifetime to Expires.
        (
            {"cache-control": "public", "date": DATE, "expires": "Mon, 30 Nov 2026 15:00:00 GMT"},
            "3 hours",
        ),
        # The two obsolete HTTP-date forms a recipient must read (RFC 9110 §5.6.7).
        ({"date": DATE, "expires": "Monday, 07-Dec-26 12:00:00 GMT"}, "7 days"),
        ({"date": DATE, "expires": "Mon Dec  7 12:00:00 2026"}, "7 days"),
    ],
)
def test_mtasts18_an_expires_far_ahead_lets_a_proxy_keep_the_old_policy(
    headers: dict[str, str], span: str
) -> None:
    (message,) = mtasts18(headers)
    assert f"Expires: {headers['expires']}." in message
    assert "old policy" in message and f"up to {span} " in message, message
    assert "max-age overrides Expires" in message


def test_mtasts18_without_date_expires_counts_from_the_check() -> None:
    expires = http_date(datetime.now(UTC) + timedelta(days=3, hours=1))
    (message,) = mtasts18({"expires": expires})
    assert "up to 3 days " in message, message


@pytest.mark.parametrize(
    "headers",
    [
        {"date": DATE, "expires": "0"},  # invalid: already expired (RFC 9111 §5.3)
        {"date": DATE, "expires": "Sun, 29 Nov 2026 12:00:00 GMT"},  # in the past
        {"date": DATE, "expires": "Mon, 30 Nov 2026 12:00:30 GMT"},  # 30 s
        {"date": DATE, "expires": "Mon, 30 Nov 2026 14:00:00 +0200"},  # not an HTTP-date
    ],
)
def test_mtasts18_an_expired_or_short_expires_is_only_a_note(headers: dict[str, str]) -> None:
    (message,) = mtasts18(headers)
    assert f"Expires: {headers['expires']}." in message
    assert "old policy" not in message


@pytest.mark.parametrize(
    "cache", ["max-age=60", "s-maxage=30, max-age=86400", "no-store", "no-cache", "private"]
)
def test_mtasts18_cache_control_overrides_or_forbids_what_expires_says(cache: str) -> None:
    (message,) = mtasts18(
        {"cache-control": cache, "date": DATE, "expires": "Tue, 30 Nov 2027 12:00:00 GMT"}
    )
    assert "Expires" not in message, message
    assert f"Cache-Control: {cache}." in message
    assert "old policy" not in message


def test_mtasts18_two_expires_lines_count_by_the_first() -> None:
    # Joined with ", " a date list would read as no date at all (RFC 9111 §4.2.1: the first
    # occurrence may be used).
    first, second = "Mon, 07 Dec 2026 12:00:00 GMT", "Tue, 30 Nov 2027 12:00:00 GMT"
    (message,) = mtasts18(
        {"date": DATE, "expires": f"{first}, {second}"},
        {"expires": [first, second], "date": [DATE]},
    )
    assert "up to 7 days " in message, message


def test_mtasts18_says_nothing_without_either_header() -> None:
    assert mtasts18({"date": DATE}) == []


def test_http_date_reads_rfc_850_years_as_the_recent_past() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert _http_date("Sunday, 06-Nov-94 08:49:37 GMT", now) == datetime(
        1994, 11, 6, 8, 49, 37, tzinfo=UTC
    )
    assert _http_date("Monday, 07-Dec-26 12:00:00 GMT", now) == datetime(
        2026, 12, 7, 12, tzinfo=UTC
    )
    assert _http_date("Mon, 31 Feb 2026 12:00:00 GMT", now) is None


@pytest.mark.parametrize("cache", ["max-age=abc", "max-age=", "s-maxage=soon, max-age=60"])
def test_mtasts18_an_invalid_max_age_still_overrides_expires_and_gives_no_lifetime(
    cache: str,
) -> None:
    # RFC 9111 §5.3: a max-age directive makes caches ignore Expires; §4.2.1: an invalid one
    # is best read as stale. So no "up to 365 days" from the Expires a year ahead.
    (message,) = mtasts18(
        {"cache-control": cache, "date": DATE, "expires": "Tue, 30 Nov 2027 12:00:00 GMT"}
    )
    assert "Expires:" not in message and "old policy" not in message, message
    assert "is not a number of seconds, so proxies treat the policy as stale" in message


@pytest.mark.parametrize(
    "expires",
    [
        "Mon, 7 Dec 2026 12:00:00 GMT",  # day of month without its leading zero
        "mon, 07 dec 2026 12:00:00 gmt",  # lower case
        "Mon, 07 Dec 2026 12:00:00 UTC",
        "Monday, 7-Dec-26 12:00:00 GMT",
    ],
)
def test_mtasts18_reads_dates_as_leniently_as_caches_do(expires: str) -> None:
    (message,) = mtasts18({"date": DATE, "expires": expires})
    assert "up to 7 days " in message, message


def test_mtasts18_a_lifetime_beyond_a_year_is_said_so() -> None:
    (message,) = mtasts18({"date": DATE, "expires": "Fri, 31 Dec 9999 23:59:59 GMT"})
    assert "for more than a year after you change it" in message, message
    assert " days" not in message


def test_mtasts18_an_empty_expires_is_said_empty() -> None:
    (message,) = mtasts18({"date": DATE, "expires": ""})
    assert message.startswith("Expires: (empty). "), message
    assert "old policy" not in message


# --------------------------------------------------------------------- DMARC pct 1-99, t=y

TRIAL = "This record leaves out pct=50 and t=y, ending the trial"
NO_KEEPING = "No record keeps the trial for receivers of both RFCs"


def fixes_by_id(record: str) -> dict[str, Finding]:
    return {f.id: f for f in bad_findings(record) if f.fix}


def test_a_report_address_repair_says_it_ends_a_pct_and_t_y_trial() -> None:
    record = "v=DMARC1; p=reject; pct=50; t=y; rua=ftp://reports.example.org"
    found = fixes_by_id(record)
    fix = found["DMARC-12"].fix
    assert TRIAL in fix, fix
    assert (
        "RFC 7489 receivers will apply p=reject (now reject for 50% of failing mail, "
        "quarantine for the rest)" in fix
    )
    assert "RFC 9989 receivers will apply p=reject (now quarantine)" in fix
    assert NO_KEEPING in fix
    # The record still never offers less than receivers apply (a hold to quarantine would
    # lower the half RFC 7489 receivers reject now).
    assert applied_to_all(offered(found["DMARC-12"])) == ("reject", "reject")


def test_each_trial_finding_says_what_its_own_text_does_not() -> None:
    found = fixes_by_id(f"v=DMARC1; p=reject; pct=50; t=y; {RUA}")
    # "Remove pct" (DMARC-08) and "without pct" (DMARC-19) say the RFC 7489 part; the record
    # also leaves out t=y.
    for finding_id in ("DMARC-08", "DMARC-19"):
        fix = found[finding_id].fix
        assert "This record also leaves out t=y, ending the trial: RFC 9989 receivers will " in fix
        assert "RFC 7489" not in fix.split("ending the trial")[1], fix
    # "remove t=y for full enforcement" (DMARC-09) says the RFC 9989 part.
    fix = found["DMARC-09"].fix
    assert "This record also leaves out pct=50, ending the trial: RFC 7489 receivers will " in fix
    assert "RFC 9989 receivers will" not in fix


def test_dmarc_08_says_what_rfc_9989_receivers_apply_under_t_y() -> None:
    found = fixes_by_id(f"v=DMARC1; p=reject; pct=50; t=y; {RUA}")
    summary = found["DMARC-08"].summary
    assert "RFC 9989 receivers ignore pct and apply the next weaker policy to all of it" in summary
    assert "apply it to all" not in summary


def test_a_subdomain_trial_names_sp_and_dmarc_06_s_own_step_is_not_called_a_trial() -> None:
    found = fixes_by_id(f"v=DMARC1; p=none; sp=reject; pct=50; t=y; {RUA}")
    fix = found["DMARC-06"].fix
    assert "sp=reject (now reject for 50% of failing mail, quarantine for the rest)" in fix
    assert "sp=reject (now quarantine)" in fix
    assert "p=quarantine (now" not in fix  # moving off p=none is DMARC-06's own advice


def test_a_t_y_trial_alone_ended_by_another_fix_is_said() -> None:
    found = fixes_by_id("v=DMARC1; p=reject; t=y; rua=ftp://reports.example.org")
    fix = found["DMARC-12"].fix
    assert (
        "This record leaves out t=y, ending the trial: RFC 9989 receivers will apply "
        "p=reject (now quarantine) to all failing mail. Publish it once" in fix
    ), fix
    assert NO_KEEPING not in fix
    assert "ending the trial" not in found["DMARC-09"].fix  # its own advice


def test_the_published_record_clears_the_trial_findings() -> None:
    found = fixes_by_id("v=DMARC1; p=quarantine; pct=25; t=y; rua=ftp://reports.example.org")
    for finding in found.values():
        left = {f.id for f in bad_findings(offered(finding))}
        assert not left & {"DMARC-08", "DMARC-09", "DMARC-12", "DMARC-19"}, (finding.id, left)


def test_pct_0_with_t_y_still_keeps_what_receivers_apply() -> None:
    for finding in fixes_by_id(f"v=DMARC1; p=reject; pct=0; t=y; {RUA}").values():
        assert "This keeps what receivers apply now (quarantine)" in finding.fix
        assert "ending the trial" not in finding.fix


def test_pct_alone_in_its_own_finding_adds_nothing() -> None:
    found = fixes_by_id(f"v=DMARC1; p=reject; pct=50; {RUA}")
    assert "ending the trial" not in found["DMARC-08"].fix
