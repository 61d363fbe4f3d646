# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s45d: leftovers of the copy rules (docs/reports.md §4).

1. A mailed DANE-only report (its policies only `tlsa`, whose policy-domain is an MX host; its
   TLS-Report-Domain header names the domain it is about, RFC 8460 §5.3) stored FIRST, then
   another policy domain's report of the same sender, report-id and day: the stored report
   names its domain in its stored policy domain (stored_policy_domain), so the later one is a
   report of its own, not its copy (s44m fixed the other order only). A true resend of either
   is still recognised once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s44r_domains import body, mailed, sessions_by_domain

pytestmark = pytest.mark.django_db


def dane(ok: int) -> bytes:
    """A DANE-only report: its one policy a tlsa one, about the MX host (RFC 8460 §1.1)."""
    return body("mx1.mail.example.net", ok, "tlsa")


def arrive(address: ReportAddress, report: bytes, how: str) -> None:
    """`report` (about a domain its policies name) arriving over `how`."""
    if how == "posted":
        assert _post(Client(), address.token, report).status_code == 201
    elif how == "mailed":
        assert ingest(mailed(address, report, "example.com")) == 0
    else:
        assert ingest_many([(address, report)]) in (
            Counter({"parsed": 1}),
            Counter({"duplicate": 1}),
        )
    parse_pending()


@pytest.mark.parametrize(
    "dane_domain, other, how",
    [
        ("mail.example.com", "example.com", "posted"),
        ("mail.example.com", "example.com", "mailed"),
        ("mail.example.com", "example.com", "imported"),
        ("example.com", "mail.example.com", "posted"),
    ],
)
def test_a_report_after_a_mailed_dane_only_report_of_another_domain_is_its_own(
    address: ReportAddress, dns_stub: Any, settings: Any, dane_domain: str, other: str, how: str
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    assert ingest(mailed(address, dane(80), dane_domain)) == 0
    parse_pending()
    arrive(address, body(other, 120), how)
    assert sessions_by_domain() == {dane_domain: 80, other: 120}, [
        (r.parse_status, r.error) for r in RawReport.objects.order_by("pk")
    ]
    second = TlsReport.objects.get(policy_domain=other)
    assert second.submitter == f"small sender for {other}"
    # True resends, each recognised once: the DANE-only one mailed again, the other posted.
    assert ingest(mailed(address, dane(80), dane_domain)) == 0
    assert _post(Client(), address.token, body(other, 120, "no-policy-found")).status_code == 201
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == ["parsed", "parsed", "duplicate", "duplicate"], [
        r.error for r in rows
    ]
    assert [r.report_id for r in rows[2:]] == [rows[0].report_id, rows[1].report_id]
    assert sessions_by_domain() == {dane_domain: 80, other: 120}
    # Parsed again, each stays where it is.
    for raw in rows:
        raw.process()
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == [
        r.parse_status for r in rows
    ]
    assert TlsReport.objects.count() == 2


def test_a_dane_only_report_over_https_names_no_domain_and_stays_a_copy(
    address: ReportAddress,
) -> None:
    """Posted, a DANE-only report says no domain (its policy domain stored is the MX host's):
    a later report of the same id and day is still taken for its copy, as before."""
    assert _post(Client(), address.token, dane(80)).status_code == 201
    parse_pending()
    assert _post(Client(), address.token, body("mail.example.com", 120)).status_code == 201
    parse_pending()
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == ["parsed", "duplicate"]
    assert TlsReport.objects.count() == 1
