# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s46a 1: a report whose policy leaves policy-domain out (Postfix's no-policy-found,
RFC 8460 §4.4 makes it required) sent to both of a domain's report addresses is one report.

Mailed, the domain it is about comes from its TLS-Report-Domain header (§5.3) or its
attachment's §5.1 file name, and may be a subdomain of the address's; posted (or imported
from a file without such a name), nothing says it and the parser fills in the address's
domain. That domain is nobody's statement, so it does not make the copy another policy
domain's report (reports.models._another_domains); two domains both stated by the sender
still make two reports."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, make_message, sign, signer  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s44r_domains import body, sessions_by_domain

pytestmark = pytest.mark.django_db

SUB = "sub.example.com"


def no_domain(ok: int = 40) -> bytes:
    """Postfix's no-policy-found report: its policy has no policy-domain."""
    return body(None, ok, "no-policy-found")


def mailed_about(address: ReportAddress, report: bytes, how: str, signer: Any) -> bytes:
    """`report` mailed to `address`, naming SUB in its TLS-Report-Domain header or, without
    the header, in its attachment's RFC 8460 §5.1 name; signed by its reporter when `signer`."""
    if how == "header":
        message = make_message(address, body=report).replace(
            b"TLS-Report-Domain: example.com", f"TLS-Report-Domain: {SUB}".encode()
        )
    else:
        message = make_message(address, body=report, headers=False).replace(
            b"!example.com!", f"!{SUB}!".encode()
        )
    return sign(message, signer) if signer is not None else message


def other_door(address: ReportAddress, report: bytes, door: str) -> None:
    if door == "posted":
        assert _post(Client(), address.token, report).status_code == 201
    else:  # manage.py ingest_files of a file whose name names no policy domain
        assert ingest_many([(address, report, "report.json.gz")]) in (
            Counter({"parsed": 1}),
            Counter({"duplicate": 1}),
            Counter({"superseded": 1}),
        )


@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("named_by", ["header", "file name"])
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "other-first"])
def test_the_two_copies_of_a_report_naming_no_domain_are_one_report(
    address: ReportAddress,
    dns_stub: Any,
    signer: Any,
    settings: Any,
    door: str,
    named_by: str,
    signed: bool,
    mail_first: bool,
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = signed
    mail = mailed_about(address, no_domain(), named_by, signer if signed else None)
    steps = [lambda: ingest(mail), lambda: other_door(address, no_domain(), door)]
    for step in steps if mail_first else steps[::-1]:
        step()
        parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert len(rows) == 2
    assert TlsReport.objects.count() == 1, [(r.source, r.parse_status, r.error) for r in rows]
    assert rows[0].report_id == rows[1].report_id
    assert sorted(r.parse_status != RawReport.PARSED for r in rows) == [False, True]
    report = TlsReport.objects.get()
    assert (report.total_successful, report.submitter) == (40, "small sender")
    # The mailed copy is the one counted, whichever came first: it names the domain where
    # the other names none (names_over_filled), and the other is a resend. Signed or not:
    # the two say the same, their domain apart, so a signed mail does not set the other
    # aside as one that "differs … may be forged" (task s47a; it did from s46a).
    # Either way the domain stored is the one the sender named.
    counted = next(r for r in rows if r.parse_status == RawReport.PARSED)
    other = next(r for r in rows if r.parse_status != RawReport.PARSED)
    assert counted.source == RawReport.EMAIL
    assert other.parse_status == RawReport.DUPLICATE
    assert other.error == "resend of report '2026-06-01' already stored"
    assert report.policy_domain == SUB
    assert report.policies.get().domain_from_address is False
    # Parsed again (manage.py reparse), each stays what it is.
    before = [(r.parse_status, r.report_id) for r in rows]
    for raw in rows:
        raw.process(force=True)  # as reparse does: without force a parsed row is left alone
    assert [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")] == before
    assert TlsReport.objects.count() == 1


@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "import-first"])
def test_two_domains_both_stated_by_the_sender_stay_two_reports(
    address: ReportAddress, dns_stub: Any, settings: Any, mail_first: bool
) -> None:
    """The mail's header names SUB; the imported file's §5.1 name names example.com: the
    sender said both, so they are two domains' reports (as in tests.test_reports_s44r)."""
    settings.TLSRPT_REQUIRE_DKIM = False
    name = "sender.example!example.com!1780272000!1780358399!001.json.gz"
    steps = [
        lambda: ingest(mailed_about(address, no_domain(40), "header", None)),
        lambda: ingest_many([(address, no_domain(70), name)]),
    ]
    for step in steps if mail_first else steps[::-1]:
        step()
        parse_pending()
    assert sessions_by_domain() == {SUB: 40, "example.com": 70}
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert sessions_by_domain() == {SUB: 40, "example.com": 70}


def test_a_posted_copy_after_a_stated_domains_report_is_still_its_copy(
    address: ReportAddress,
) -> None:
    """Posted twice, once naming example.com and once naming nothing: one report, as before."""
    assert _post(Client(), address.token, body("example.com", 40, "no-policy-found")).status_code
    assert _post(Client(), address.token, no_domain(40)).status_code == 201
    parse_pending()
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == ["parsed", "duplicate"]
    assert TlsReport.objects.count() == 1


@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "posted-first"])
def test_reparse_makes_the_two_reports_stored_before_the_fix_one(
    address: ReportAddress, dns_stub: Any, signer: Any, mail_first: bool
) -> None:
    """Stored before policies kept domain_from_address (every policy then read as stated):
    two reports. `reparse --parsed` reads both copies again; the one that becomes the other
    report's copy leaves its old report without a copy, which goes (settle_report), so the
    sessions are counted once."""
    steps = [
        lambda: ingest(mailed_about(address, no_domain(), "header", signer)),
        lambda: other_door(address, no_domain(), "posted"),
    ]
    with mock.patch("reports.models.address_filled", lambda parsed, policy: False):
        for step in steps if mail_first else steps[::-1]:
            step()
            parse_pending()
    assert TlsReport.objects.count() == 2
    call_command(
        "reparse", "--parsed", "--with-warning", "policy-domain is missing", stdout=io.StringIO()
    )
    rows = list(RawReport.objects.order_by("pk"))
    assert {(r.source, r.parse_status) for r in rows} == {
        (RawReport.EMAIL, RawReport.PARSED),
        (RawReport.HTTPS, RawReport.DUPLICATE),  # the same figures: a resend (task s47a)
    }, [r.error for r in rows]
    report = TlsReport.objects.get()
    assert (report.policy_domain, report.total_successful) == (SUB, 40)
    assert {r.report_id for r in rows} == {report.pk}


@pytest.mark.parametrize("named_first", [True, False], ids=["named-first", "unnamed-first"])
@pytest.mark.parametrize("how", ["one batch", "two imports", "posted then imported"])
def test_an_imported_file_naming_its_domain_and_one_naming_none_are_one_report(
    address: ReportAddress, named_first: bool, how: str
) -> None:
    """Both unsigned: the one whose §5.1 name names SUB is counted, whichever came first, by
    the import alone (one batch or two) or beside the parse task (names_over_filled)."""
    named = (address, no_domain(), f"sender.example!{SUB}!1780272000!1780358399!001.json.gz")
    # Other bytes (another gzip time), as a resend has: the same bytes are stored once.
    unnamed = (address, gzip.compress(gzip.decompress(no_domain()), mtime=9), "report.json.gz")
    items = [named, unnamed] if named_first else [unnamed, named]
    if how == "one batch":
        assert ingest_many(items) == Counter({"parsed": 1, "duplicate": 1})
    elif how == "two imports":
        for item in items:
            ingest_many([item])
    else:
        for item in items:
            if item is unnamed:
                assert _post(Client(), address.token, item[1]).status_code == 201
                parse_pending()
            else:
                ingest_many([item])
    rows = list(RawReport.objects.order_by("pk"))
    assert sorted(r.parse_status for r in rows) == ["duplicate", "parsed"], [r.error for r in rows]
    report = TlsReport.objects.get()
    assert (report.policy_domain, report.total_successful) == (SUB, 40)
    assert {r.report_id for r in rows} == {report.pk}
    for raw in rows:
        raw.process(force=True)
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == [
        r.parse_status for r in rows
    ]
    assert TlsReport.objects.get().policy_domain == SUB
