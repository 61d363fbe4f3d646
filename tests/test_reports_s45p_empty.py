# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s45p (review s45r3 of c9ef516a): a report with policies after a stored report whose
`policies` array is empty (same reporter, report-id and day) takes that report's place under
its key, rather than getting a key of its own: the empty report says nothing about any session
(checklist M09), so nothing is lost, and no key depends on the door a report came through.

What broke with a key of its own (' for <stored_policy_domain>'):
1. a DANE-only report's own key named its first tlsa MX host when posted and the
   TLS-Report-Domain when mailed, so the same report posted and then mailed (or posted again
   with its policies in another order) was counted twice;
2. the rule was applied at the first lookup only: a domain's report whose key switched to
   ' for <domain>' (another policy domain's report under the same id) and met an empty report
   stored there became its duplicate 'with other counts', its sessions lost.
And, at HEAD already: a DKIM-signed empty report mailed after an unsigned report with policies
took its place (a signed copy beats an unsigned one that differs), its figures replaced with
zeros. An empty report never takes the place of a report with policies, signed or not."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, sign, signer  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s44r_domains import body, mailed
from tests.test_reports_s45i_empty import arrive

pytestmark = pytest.mark.django_db

# What the empty report's raw row says, whichever came first (resend_reason's words).
EMPTY_ERROR = (
    "resend of report '2026-06-01' already stored, with other counts: 0 successful and 0 "
    "failed sessions here, 120 and 3 in the stored copy, which is the one counted"
)


def empty(mtime: int = 0) -> bytes:
    """Small Sender's report of 2026-06-01 (report-id '2026-06-01', as body()) without policies."""
    report = json.loads(gzip.decompress(body("example.com", 0)))
    report["policies"] = []
    return gzip.compress(json.dumps(report).encode(), mtime=mtime)


def rezip(b: bytes, mtime: int) -> bytes:
    return gzip.compress(gzip.decompress(b), mtime=mtime)


def dane(order: list[str], mtime: int = 0) -> bytes:
    """A DANE-only report of 120 sessions, one tlsa policy per MX host of `order`."""
    report = json.loads(gzip.decompress(body("mx1.example.com", 60, "tlsa")))
    pol = report["policies"][0]
    report["policies"] = [
        {**pol, "policy": {"policy-type": "tlsa", "policy-domain": h}} for h in order
    ]
    return gzip.compress(json.dumps(report).encode(), mtime=mtime)


def counted() -> dict[str, int]:
    return {r.submitter: r.total_successful for r in TlsReport.objects.filter(counted=True)}


def raws() -> list[tuple[str, int | None]]:
    return [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")]


@pytest.mark.parametrize("how", ["posted", "mailed", "imported", "imported in one batch"])
@pytest.mark.parametrize("empty_first", [True, False])
def test_a_report_with_policies_and_an_empty_one_end_the_same_in_either_order(
    address: ReportAddress, dns_stub: Any, settings: Any, how: str, empty_first: bool
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    full = body("example.com", 120, failed=3)
    arrive(address, how, *([empty(), full] if empty_first else [full, empty()]))
    [report] = TlsReport.objects.all()
    assert (report.submitter, report.total_successful, report.total_failed) == (
        "small sender",
        120,
        3,
    )
    assert report.counted and report.policies.count() == 1
    assert not any("policies is empty" in w or "no policies" in w for w in report.warnings)
    rows = list(RawReport.objects.order_by("pk"))
    [e] = [r for r in rows if not json.loads(r.report_json())["policies"]]
    [f] = [r for r in rows if json.loads(r.report_json())["policies"]]
    assert (f.parse_status, f.report_id) == (RawReport.PARSED, report.pk), f.error
    assert (e.parse_status, e.report_id, e.error) == (RawReport.DUPLICATE, report.pk, EMPTY_ERROR)
    # A resend of each is its copy, over either door, and nothing more is stored.
    assert _post(Client(), address.token, rezip(full, 9)).status_code == 201
    assert ingest_many([(address, rezip(empty(), 9))]) == Counter({"duplicate": 1})
    parse_pending()
    assert raws()[2:] == [(RawReport.DUPLICATE, report.pk)] * 2
    before = [(r.parse_status, r.report_id, r.error) for r in RawReport.objects.order_by("pk")]
    # Parsed again, each stays where it is.
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    after = [(r.parse_status, r.report_id, r.error) for r in RawReport.objects.order_by("pk")]
    assert after == before
    assert counted() == {"small sender": 120}


@pytest.mark.parametrize("with_empty", [True, False])
@pytest.mark.parametrize("second", ["mailed", "posted reordered", "imported reordered"])
def test_a_dane_only_report_after_an_empty_one_is_counted_once_over_any_door(
    address: ReportAddress, dns_stub: Any, settings: Any, second: str, with_empty: bool
) -> None:
    """Review item 1: its key named the first tlsa MX host when posted, the TLS-Report-Domain
    when mailed: the same report counted twice (240)."""
    settings.TLSRPT_REQUIRE_DKIM = False
    if with_empty:
        assert _post(Client(), address.token, empty()).status_code == 201
        parse_pending()
    first = dane(["mx1.example.com", "mx2.example.com"])
    assert _post(Client(), address.token, first).status_code == 201
    parse_pending()
    if second == "mailed":
        assert ingest(mailed(address, rezip(first, 7), "example.com")) == 0
    elif second == "posted reordered":
        again = dane(["mx2.example.com", "mx1.example.com"], 7)
        assert _post(Client(), address.token, again).status_code == 201
    else:
        ingest_many([(address, dane(["mx2.example.com", "mx1.example.com"], 7))])
    parse_pending()
    assert counted() == {"small sender": 120}, raws()


@pytest.mark.parametrize("how", ["posted", "imported"])
def test_a_domains_report_meeting_its_empty_one_under_its_own_key_is_counted(
    address: ReportAddress, dns_stub: Any, settings: Any, how: str
) -> None:
    """Review item 2: example.com's report, then an empty one mailed with TLS-Report-Domain
    sub.example.com (its own report, ' for sub.example.com', s44m), then sub.example.com's
    report of 50 sessions: it met the empty one under that key and became its duplicate."""
    settings.TLSRPT_REQUIRE_DKIM = False
    assert _post(Client(), address.token, body("example.com", 120)).status_code == 201
    parse_pending()
    assert ingest(mailed(address, empty(), "sub.example.com")) == 0
    parse_pending()
    sub = body("sub.example.com", 50)
    if how == "posted":
        assert _post(Client(), address.token, sub).status_code == 201
    else:
        ingest_many([(address, sub)])
    parse_pending()
    assert counted() == {"small sender": 120, "small sender for sub.example.com": 50}, raws()
    mine = TlsReport.objects.get(submitter="small sender for sub.example.com")
    assert [(s, r == mine.pk) for s, r in raws()] == [
        (RawReport.PARSED, False),
        (RawReport.DUPLICATE, True),
        (RawReport.PARSED, True),
    ]


@pytest.mark.parametrize("empty_first", [True, False])
def test_a_signed_empty_report_never_replaces_a_reports_figures(
    address: ReportAddress, signer: Any, empty_first: bool
) -> None:
    """Signed by its reporter or not, an empty report says nothing about any session: the
    unsigned report with policies is counted (at HEAD the signed empty one mailed after it
    took its place with zeros)."""
    arrivals = [
        lambda: _post(Client(), address.token, body("example.com", 120)).status_code == 201,
        lambda: ingest(sign(mailed(address, empty(), "example.com"), signer)) == 0,
    ]
    for arrived in arrivals[::-1] if empty_first else arrivals:
        assert arrived()
        parse_pending()
    assert counted() == {"small sender": 120}, raws()
    assert sorted(s for s, _ in raws()) == [RawReport.DUPLICATE, RawReport.PARSED]


@pytest.mark.parametrize("signed_last", [True, False])
def test_a_signed_copy_still_beats_an_unsigned_one_after_an_empty_report(
    address: ReportAddress, signer: Any, signed_last: bool
) -> None:
    arrivals = [
        lambda: _post(Client(), address.token, body("example.com", 99)).status_code == 201,
        lambda: ingest(sign(mailed(address, body("example.com", 120), "example.com"), signer)) == 0,
    ]
    assert _post(Client(), address.token, empty()).status_code == 201
    parse_pending()
    for arrived in arrivals if signed_last else arrivals[::-1]:
        assert arrived()
        parse_pending()
    assert counted() == {"small sender": 120}, raws()
    statuses = {r.source: r.parse_status for r in RawReport.objects.exclude(body=empty())}
    assert statuses == {RawReport.HTTPS: RawReport.SUPERSEDED, RawReport.EMAIL: RawReport.PARSED}


def test_one_batch_with_an_empty_report_first_counts_the_report_once(
    address: ReportAddress,
) -> None:
    ingest_many(
        [
            (address, empty()),
            (address, body("example.com", 120)),
            (address, rezip(body("example.com", 120), 5)),
            (address, body("example.com", 99)),
        ]
    )
    assert counted() == {"small sender": 120}
    [report] = TlsReport.objects.all()
    assert raws() == [
        (RawReport.DUPLICATE, report.pk),
        (RawReport.PARSED, report.pk),
        (RawReport.DUPLICATE, report.pk),
        (RawReport.DUPLICATE, report.pk),
    ]


def test_an_import_after_a_stored_empty_report_takes_its_place(address: ReportAddress) -> None:
    assert _post(Client(), address.token, empty()).status_code == 201
    parse_pending()
    [stored] = TlsReport.objects.all()
    ingest_many([(address, body("example.com", 120)), (address, body("example.com", 99))])
    assert _post(Client(), address.token, body("example.com", 77)).status_code == 201
    assert _post(Client(), address.token, rezip(empty(), 3)).status_code == 201
    parse_pending()
    assert counted() == {"small sender": 120}
    report = TlsReport.objects.get()
    assert report.pk == stored.pk and report.alerts_evaluated_at is not None
    assert raws() == [
        (RawReport.DUPLICATE, report.pk),
        (RawReport.PARSED, report.pk),
        (RawReport.DUPLICATE, report.pk),
        (RawReport.DUPLICATE, report.pk),
        (RawReport.DUPLICATE, report.pk),
    ]
    assert RawReport.objects.order_by("pk").first().error == EMPTY_ERROR.replace(
        "120 and 3", "120 and 0"
    )
