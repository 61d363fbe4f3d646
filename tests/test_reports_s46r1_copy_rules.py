# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s46r1 of task s46a's copy rules (987c233d, 22af2855).

A copy naming the domain a report is about takes the place of one whose domain is only the
address's filled in (names_over_filled) when it says the same otherwise: a later copy with
a policy-domain written in and other figures must not replace the report counted (a post
under a predictable report-id would hide its failures), also when another of its policies
states its domain. And the reparse docs/reports.md names makes the two reports stored
before s46a one."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s44r_domains import body
from tests.test_reports_s46a_fallback import SUB, mailed_about, no_domain, other_door

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("stated", ["example.com", "other.example"])
def test_a_later_copy_stating_a_domain_does_not_replace_a_report_counted(
    address: ReportAddress, stated: str, door: str
) -> None:
    real = body(None, 40, "no-policy-found", failed=5)
    forged = body(stated, 40, "no-policy-found", failed=0)
    assert _post(Client(), address.token, real).status_code == 201
    parse_pending()
    if door == "posted":
        assert _post(Client(), address.token, forged).status_code == 201
        parse_pending()
    else:
        assert ingest_many([(address, forged, "report.json.gz")]) == Counter(
            {"duplicate" if stated == "example.com" else "parsed": 1}
        )
    report = TlsReport.objects.get(submitter="small sender")
    assert (report.total_failed, report.policy_domain, report.counted) == (5, "example.com", True)
    first, later = RawReport.objects.order_by("pk")
    if stated == "example.com":
        assert (first.parse_status, later.parse_status) == (RawReport.PARSED, RawReport.DUPLICATE)
    else:
        # Other figures about another domain: the address's example.com is read as written,
        # so the later post is other.example's report beside it, not counted here, and
        # hides nothing (task s47a; a resend of the report counted before).
        assert (first.parse_status, later.parse_status) == (RawReport.PARSED, RawReport.PARSED)
        beside = TlsReport.objects.get(submitter="small sender for other.example")
        assert (beside.policy_domain, beside.counted) == ("other.example", False)


@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "other-first"])
def test_the_two_reports_stored_before_s46a_become_one_on_the_reparse_docs_name(
    address: ReportAddress, dns_stub: Any, settings: Any, door: str, mail_first: bool
) -> None:
    """docs/reports.md §4: `reparse --parsed --with-warning "policy-domain is missing"` makes
    the two reports stored before s46a (the address's domain filled in read as stated) one,
    whichever copy was stored first (the key without a domain is the first's). The signed
    mail beside a post is tests.test_reports_s46a_fallback's; here unsigned (no signature
    decides: names_over_filled does), the other copy posted or imported."""
    settings.TLSRPT_REQUIRE_DKIM = False
    mail = mailed_about(address, no_domain(), "header", None)
    steps = [lambda: ingest(mail), lambda: other_door(address, no_domain(), door)]
    with (
        mock.patch("reports.models.address_filled", return_value=False),
        mock.patch("reports.ingest.address_filled", return_value=False),
    ):
        for step in steps if mail_first else steps[::-1]:
            step()
            parse_pending()
    assert TlsReport.objects.count() == 2
    call_command("reparse", "--parsed", "--with-warning", "policy-domain is missing")
    rows = list(RawReport.objects.order_by("pk"))
    assert TlsReport.objects.count() == 1, [(r.source, r.parse_status, r.error) for r in rows]
    report = TlsReport.objects.get()
    assert (report.total_successful, report.policy_domain) == (40, SUB)
    assert sorted(r.parse_status for r in rows) == [RawReport.DUPLICATE, RawReport.PARSED]


def mixed_report() -> bytes:
    """A report of a no-policy-found policy without policy-domain (Postfix's) and of an sts
    policy stating SUB, under the day-only report-id."""
    policies = [
        ({"policy-type": "no-policy-found"}, 10),
        ({"policy-type": "sts", "policy-domain": SUB, "mx-host": ["mx.example.com"]}, 30),
    ]
    report = {
        "organization-name": "Small Sender",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": "2026-06-01",
        "policies": [
            {
                "policy": policy,
                "summary": {"total-successful-session-count": ok, "total-failure-session-count": 0},
            }
            for policy, ok in policies
        ],
    }
    return gzip.compress(json.dumps(report).encode(), mtime=0)


@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("mail_first", [True, False], ids=["mail-first", "other-first"])
def test_a_report_stating_one_policy_domain_and_leaving_one_out_is_stored_alike_in_either_order(
    address: ReportAddress, dns_stub: Any, settings: Any, door: str, mail_first: bool
) -> None:
    """22af2855's promise (the domain stored does not depend on the order) for a report whose
    sts policy states its domain beside a no-policy-found policy leaving it out: the
    unsigned mail naming SUB in TLS-Report-Domain is the copy counted, posted first or not."""
    settings.TLSRPT_REQUIRE_DKIM = False
    mail = mailed_about(address, mixed_report(), "header", None)
    steps = [lambda: ingest(mail), lambda: other_door(address, mixed_report(), door)]
    for step in steps if mail_first else steps[::-1]:
        step()
        parse_pending()
    report = TlsReport.objects.get()
    rows = list(report.policies.values_list("policy_domain", "domain_from_address"))
    assert (report.total_successful, report.policy_domain) == (40, SUB)
    assert rows == [(SUB, False), (SUB, False)]
    counted, other = sorted(RawReport.objects.all(), key=lambda r: r.parse_status != "parsed")
    assert (counted.source, counted.parse_status) == (RawReport.EMAIL, RawReport.PARSED)
    assert other.parse_status == RawReport.DUPLICATE
