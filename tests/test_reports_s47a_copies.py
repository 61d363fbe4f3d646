# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s47a: three edge cases of the copy rules session 44 / s46a left (docs/reports.md §4).

A Postfix no-policy-found report leaves its policy-domain out; posted (or imported from a
file whose name names no domain) the parser fills in the address's domain, mailed the
TLS-Report-Domain's (here SUB). s46a made the two one report, as the address's domain is
nobody's word. That holds when they say the same otherwise; with other figures the address's
domain is read as the sender's, as when it is written (two domains' reports, both counted),
and a signed copy of the same figures is not said to differ."""

from __future__ import annotations

import datetime
import gzip
import io
import json
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from reports.ingest import ingest_many
from reports.models import OTHER_DOMAIN, RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport
from tests.test_reports_email import (  # noqa: F401
    address,
    dns_stub,
    ingest,
    make_message,
    sign,
    signer,
)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import SUB, mailed_about, other_door

pytestmark = pytest.mark.django_db


def npf(
    failed: int = 0, result_type: str = "validation-failure", domain: str | None = None
) -> bytes:
    """Postfix's no-policy-found report of 2026-06-01 (40 sessions successful, `failed`
    failed of `result_type`), its policy-domain left out unless `domain`."""
    policy: dict[str, Any] = {"policy-type": "no-policy-found"}
    if domain is not None:
        policy["policy-domain"] = domain
    entry: dict[str, Any] = {
        "policy": policy,
        "summary": {"total-successful-session-count": 40, "total-failure-session-count": failed},
    }
    if failed:
        entry["failure-details"] = [
            {
                "result-type": result_type,
                "receiving-mx-hostname": "mx.example.com",
                "failed-session-count": failed,
            }
        ]
    report = {
        "organization-name": "Small Sender",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": "2026-06-01",
        "policies": [entry],
    }
    return gzip.compress(json.dumps(report).encode(), mtime=0)


# The mailed copy and the other one: other counts, or the same counts and other details.
FIGURES = {
    "counts": (npf(0), npf(5)),
    "details": (npf(5, "validation-failure"), npf(5, "starttls-not-supported")),
}


def stored() -> set[tuple[str, str, int, int, tuple[str, ...]]]:
    return {
        (
            r.submitter,
            r.policy_domain,
            r.total_successful,
            r.total_failed,
            tuple(r.failure_details.values_list("result_type", flat=True)),
        )
        for r in TlsReport.objects.all()
    }


@pytest.mark.parametrize("differ", ["counts", "details"])
@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "other-first"])
def test_copies_with_other_figures_are_two_domains_reports(
    address: ReportAddress,
    dns_stub: Any,
    signer: Any,
    settings: Any,
    differ: str,
    door: str,
    signed: bool,
    mail_first: bool,
) -> None:
    """Item 1: the mailed copy names SUB, the other names no domain but the address's filled
    in, and they say other figures: the address's domain is read as the sender's, as when the
    post writes it (another_domains_key), so each is counted, in either order and by either
    door. The one stored second has its key with ' for <its domain>' and the warning."""
    settings.TLSRPT_REQUIRE_DKIM = signed
    mailed, other = FIGURES[differ]
    mail = mailed_about(address, mailed, "header", signer if signed else None)
    steps = [lambda: ingest(mail), lambda: other_door(address, other, door)]
    for step in steps if mail_first else steps[::-1]:
        step()
        parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == ["parsed", "parsed"], [r.error for r in rows]
    second = "example.com" if mail_first else SUB
    keys = {SUB: "small sender", "example.com": "small sender"}
    keys[second] += f" for {second}"
    mail_types = ("validation-failure",) if differ == "details" else ()
    other_failed = 5
    other_types = ("starttls-not-supported",) if differ == "details" else ("validation-failure",)
    assert stored() == {
        (keys[SUB], SUB, 40, 5 if differ == "details" else 0, mail_types),
        (keys["example.com"], "example.com", 40, other_failed, other_types),
    }
    later = TlsReport.objects.get(policy_domain=second)
    assert [w for w in later.warnings if w.startswith(OTHER_DOMAIN)]
    # Parsed again (manage.py reparse), each stays what it is.
    before = [(r.parse_status, r.report_id) for r in rows]
    for raw in rows:
        raw.process(force=True)
    assert [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")] == before
    assert TlsReport.objects.count() == 2


@pytest.mark.parametrize("named_first", [True, False], ids=["named-first", "unnamed-first"])
@pytest.mark.parametrize("how", ["one batch", "two imports"])
def test_imported_copies_with_other_figures_are_two_domains_reports(
    address: ReportAddress, named_first: bool, how: str
) -> None:
    """Item 1 by ingest_files alone: a file whose §5.1 name names SUB and one naming no domain,
    with other counts, in one batch (an earlier file's parse) or two (a stored report)."""
    named = (address, npf(0), f"sender.example!{SUB}!1780272000!1780358399!001.json.gz")
    unnamed = (address, npf(5), "report.json.gz")
    items = [named, unnamed] if named_first else [unnamed, named]
    if how == "one batch":
        assert ingest_many(items) == Counter({"parsed": 2})
    else:
        for item in items:
            assert ingest_many([item]) == Counter({"parsed": 1})
    assert {(r.policy_domain, r.total_failed) for r in TlsReport.objects.all()} == {
        (SUB, 0),
        ("example.com", 5),
    }


def test_copies_of_the_same_figures_stay_one_report(address: ReportAddress, settings: Any) -> None:
    """Item 1's control: the same figures are s46a's one report (not two)."""
    settings.TLSRPT_REQUIRE_DKIM = False
    ingest(mailed_about(address, npf(5), "header", None))
    other_door(address, npf(5), "posted")
    parse_pending()
    assert stored() == {("small sender", SUB, 40, 5, ("validation-failure",))}


def staff(client: Client) -> Client:
    client.force_login(User.objects.create_user("staff", "staff@example.org", is_staff=True))
    return client


@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "other-first"])
def test_a_signed_copy_of_the_same_figures_is_not_said_to_differ(
    address: ReportAddress, dns_stub: Any, signer: Any, settings: Any, door: str, mail_first: bool
) -> None:
    """Item 2: the signed mail names SUB, the other copy no domain (the address's filled in),
    and the figures are the same: nothing differs. The mail is counted (its domain the
    sender's word), the other is a resend of it, and no page says "differs" or "forged"."""
    settings.TLSRPT_REQUIRE_DKIM = True
    mail = mailed_about(address, npf(5), "header", signer)
    steps = [lambda: ingest(mail), lambda: other_door(address, npf(5), door)]
    for step in steps if mail_first else steps[::-1]:
        step()
        parse_pending()
    report = TlsReport.objects.get()
    assert (report.policy_domain, report.total_successful, report.total_failed) == (SUB, 40, 5)
    rows = list(RawReport.objects.order_by("pk"))
    counted = next(r for r in rows if r.source == RawReport.EMAIL)
    other = next(r for r in rows if r is not counted)
    assert (counted.parse_status, other.parse_status) == (RawReport.PARSED, RawReport.DUPLICATE)
    assert other.error == "resend of report '2026-06-01' already stored"
    client = staff(Client())
    page = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/").content.decode()
    assert "differs" not in page and "forged" not in page
    morning_after = datetime.datetime(2026, 6, 2, 8, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=morning_after):
        dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert "Small Sender" in dashboard and "differing unsigned copy" not in dashboard
    before = [(r.parse_status, r.report_id, r.error) for r in rows]
    for raw in rows:
        raw.process(force=True)
    after = [(r.parse_status, r.report_id, r.error) for r in RawReport.objects.order_by("pk")]
    assert after == before


@pytest.mark.parametrize("signed_first", [True, False], ids=["signed-first", "unsigned-first"])
def test_a_signed_copy_naming_no_domain_stays_counted_beside_an_unsigned_one_naming_it(
    address: ReportAddress, dns_stub: Any, signer: Any, settings: Any, signed_first: bool
) -> None:
    """Item 2, the other way round: the signed mail has neither TLS-Report-Domain nor a §5.1
    attachment name (the address's domain filled in), the unsigned one names SUB, the same
    figures. The signature decides first: the signed copy is counted in either order, the
    other a resend (not set aside as differing; nor, arriving second, in the signed one's
    place on naming its domain: names_over_filled is for copies no signature decides)."""
    settings.TLSRPT_REQUIRE_DKIM = False
    plain = make_message(address, body=npf(5), headers=False).replace(
        b"sender.example!example.com!1780272000!1780358399!001.json.gz", b"report.json.gz"
    )
    steps = [
        lambda: ingest(sign(plain, signer)),
        lambda: ingest(mailed_about(address, npf(5), "header", None)),
    ]
    for step in steps if signed_first else steps[::-1]:
        step()
        parse_pending()
    report = TlsReport.objects.get()
    assert (report.policy_domain, report.total_failed) == ("example.com", 5)
    rows = list(RawReport.objects.order_by("pk"))
    signed = rows[0] if signed_first else rows[1]
    unsigned = rows[1] if signed_first else rows[0]
    assert signed.dkim_domain == "sender.example"
    assert (signed.parse_status, unsigned.parse_status) == (RawReport.PARSED, RawReport.DUPLICATE)
    assert unsigned.error == "resend of report '2026-06-01' already stored"


@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "post-first"])
def test_a_signed_copy_that_differs_is_still_said_to(
    address: ReportAddress, dns_stub: Any, signer: Any, settings: Any, mail_first: bool
) -> None:
    """Item 2's control: a post writing SUB with other figures than the signed mail naming SUB
    is set aside with the reason, which is true there."""
    settings.TLSRPT_REQUIRE_DKIM = True
    mail = mailed_about(address, npf(5), "header", signer)
    steps = [lambda: ingest(mail), lambda: other_door(address, npf(0, domain=SUB), "posted")]
    for step in steps if mail_first else steps[::-1]:
        step()
        parse_pending()
    assert stored() == {("small sender", SUB, 40, 5, ("validation-failure",))}
    post = RawReport.objects.get(source=RawReport.HTTPS)
    assert post.parse_status == RawReport.SUPERSEDED
    assert post.error.startswith(
        "set aside: a copy of report '2026-06-01' DKIM-signed by sender.example differs from "
        "this one and is the one counted (40 successful and 5 failed sessions there, 40 and 0 "
        "here)."
    )


def mixed(failed: int = 0) -> bytes:
    """A report of a no-policy-found policy leaving its policy-domain out (Postfix's), first,
    and of an sts policy writing SUB."""
    report = json.loads(gzip.decompress(npf(failed)))
    report["policies"].append(
        {
            "policy": {"policy-type": "sts", "policy-domain": SUB, "mx-host": ["mx.example.com"]},
            "summary": {"total-successful-session-count": 30, "total-failure-session-count": 0},
        }
    )
    return gzip.compress(json.dumps(report).encode(), mtime=0)


@pytest.mark.parametrize("door", ["posted", "imported"])
def test_a_mixed_report_is_about_the_domain_it_writes(address: ReportAddress, door: str) -> None:
    """Item 3: posted, a report whose first policy leaves its policy-domain out (the address's
    example.com filled in) and whose other writes SUB is about SUB, the sender's word: stored
    under it, and beside the sender's report about example.com under the same report-id its
    key says " for sub.example.com", not " for example.com" a second time (both reports read
    as example.com's, the warning naming the domain the key names)."""
    other_door(address, npf(0, domain="example.com"), "posted")
    parse_pending()
    other_door(address, mixed(), door)
    parse_pending()
    assert {(r.submitter, r.policy_domain) for r in TlsReport.objects.all()} == {
        ("small sender", "example.com"),
        (f"small sender for {SUB}", SUB),
    }
    later = TlsReport.objects.get(policy_domain=SUB)
    assert later.counted
    (warning,) = [w for w in later.warnings if w.startswith(OTHER_DOMAIN)]
    assert "also for its report about example.com of the same day" in warning


def about_before_s47a(self: ParsedReport) -> str | None:
    """ParsedReport.about_domain as it was: the first policy's domain, filled in or not."""
    for policy in self.policies:
        if policy.policy_type in ("sts", "no-policy-found") and policy.policy_domain:
            return policy.policy_domain
    return self.envelope_domain


def test_reparse_stores_a_mixed_report_stored_before_s47a_under_its_domain(
    address: ReportAddress,
) -> None:
    """docs/reports.md §4: `reparse --parsed --with-warning "policy-domain is missing"` (the
    s46a upgrade step) stores such a report again under the domain it writes, its key too."""
    with mock.patch.object(ParsedReport, "about_domain", property(about_before_s47a)):
        other_door(address, npf(0, domain="example.com"), "posted")
        parse_pending()
        other_door(address, mixed(), "posted")
        parse_pending()
    assert {(r.submitter, r.policy_domain) for r in TlsReport.objects.all()} == {
        ("small sender", "example.com"),
        ("small sender for example.com", "example.com"),
    }
    call_command(
        "reparse", "--parsed", "--with-warning", "policy-domain is missing", stdout=io.StringIO()
    )
    assert {(r.submitter, r.policy_domain) for r in TlsReport.objects.all()} == {
        ("small sender", "example.com"),
        (f"small sender for {SUB}", SUB),
    }
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == ["parsed", "parsed"]


def test_a_mixed_report_alone_is_stored_under_the_domain_it_writes(address: ReportAddress) -> None:
    other_door(address, mixed(), "posted")
    parse_pending()
    report = TlsReport.objects.get()
    assert (report.submitter, report.policy_domain, report.counted) == ("small sender", SUB, True)
    rows = list(report.policies.order_by("pk").values_list("policy_domain", "domain_from_address"))
    assert rows == [("example.com", True), (SUB, False)]


@pytest.mark.parametrize("figures", ["same", "other"])
def test_reparse_reused_ids_reads_copies_stored_before_s47a_again(
    address: ReportAddress, dns_stub: Any, signer: Any, settings: Any, figures: str
) -> None:
    """docs/reports.md §4: `reparse --reused-ids` reads every duplicate and set-aside copy
    again. A post of the same figures set aside beside a signed mail before s47a ("differs …
    may be forged") ends a resend. One of other figures stays the mail's copy, set aside
    with a reason that is true: a copy pointing at its report already stays one when parsed
    again (s44r's rule, parsing again changes nothing), so copies merged before s47a are
    not split by a reparse."""
    settings.TLSRPT_REQUIRE_DKIM = True
    ingest(mailed_about(address, npf(5), "header", signer))
    parse_pending()
    other_door(address, npf(5 if figures == "same" else 0), "posted")
    parse_pending()
    # As s46a left it: the post set aside on the mail's report (its own report gone).
    post = RawReport.objects.get(source=RawReport.HTTPS)
    mail_report = TlsReport.objects.get(policy_domain=SUB)
    TlsReport.objects.exclude(pk=mail_report.pk).delete()
    RawReport.objects.filter(pk=post.pk).update(
        parse_status=RawReport.SUPERSEDED, report=mail_report, error="set aside: … may be forged"
    )
    call_command("reparse", "--reused-ids", stdout=io.StringIO())
    post.refresh_from_db()
    assert TlsReport.objects.count() == 1
    assert post.report_id == mail_report.pk
    if figures == "same":
        assert post.parse_status == RawReport.DUPLICATE
        assert post.error == "resend of report '2026-06-01' already stored"
    else:
        assert post.parse_status == RawReport.SUPERSEDED
        assert "(40 successful and 5 failed sessions there, 40 and 0 here)" in post.error
