# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s45d: leftovers of the copy rules (docs/reports.md §4).

1. A mailed DANE-only report (its policies only `tlsa`, whose policy-domain is an MX host; its
   TLS-Report-Domain header names the domain it is about, RFC 8460 §5.3) stored FIRST, then
   another policy domain's report of the same sender, report-id and day: the stored report
   names its domain in its stored policy domain (stored_policy_domain), so the later one is a
   report of its own, not its copy (s44m fixed the other order only). A true resend of either
   is still recognised once.

2. Two reporters, one organisation name (docs/reports.md §4): an unsigned copy whose contact
   domain is another organisation's than the stored report's joins that reporter's report
   when it was split off already (a DKIM-signed copy of it came), else it is a copy of the
   stored one (RFC 8460 §4.4: the report-id is unique per submitter; nothing unsigned proves
   whose it is). The bulk import's files are all unsigned: it decides as the parse task
   decides an unsigned copy posted over HTTPS (before s45d it matched by name and report-id
   alone, so a file of the split-off reporter was taken for the other's copy)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s26 import _by
from tests.test_reports_s26_blind import report, sts
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


# --- 2. Two reporters, one organisation name: the bulk import decides as the parse task ----


def other_reporters(domain: str, ok: int) -> bytes:
    """The unsigned file of 'TLSRPT Reporter' writing from `domain` (tests.test_reports_s26)."""
    r = report(
        org="TLSRPT Reporter",
        contact=f"smtp-tls-reporting@{domain}",
        rid="2026-report-1",
        policies=[sts(ok=ok)],
    )
    return gzip.compress(json.dumps(r).encode(), mtime=0)


@pytest.mark.parametrize("how", ["posted (the reference)", "imported", "imported one by one"])
def test_an_unsigned_file_joins_its_reporters_report_split_off_else_is_a_copy(
    address: ReportAddress, signer: Any, how: str
) -> None:
    assert ingest(_by(address, signer, "sender.example", 100)) == 0
    assert ingest(_by(address, signer, "other.example", 60)) == 0  # split off: signed
    parse_pending()
    by_contact = {r.contact_info: r.pk for r in TlsReport.objects.all()}
    files = [other_reporters("other.example", 60), other_reporters("third.example", 30)]
    if how == "imported":
        ingest_many([(address, f) for f in files])
    for f in files if how != "imported" else []:
        if how == "imported one by one":
            ingest_many([(address, f)])
        else:
            assert _post(Client(), address.token, f).status_code == 201
            parse_pending()
    joined, third = RawReport.objects.order_by("pk")[2:]
    # other.example's resend: a duplicate of its own reporter's report.
    assert (joined.parse_status, joined.report_id) == (
        RawReport.DUPLICATE,
        by_contact["smtp-tls-reporting@other.example"],
    ), joined.error
    # third.example's was never split off: nothing proves whose it is, a copy of the report
    # stored under the name (set aside: its counts differ from that signed copy's).
    assert (third.parse_status, third.report_id) == (
        RawReport.SUPERSEDED,
        by_contact["smtp-tls-reporting@sender.example"],
    ), third.error
    assert TlsReport.objects.count() == 2
    assert {r.contact_info: r.total_successful for r in TlsReport.objects.all()} == {
        "smtp-tls-reporting@sender.example": 100,
        "smtp-tls-reporting@other.example": 60,
    }
