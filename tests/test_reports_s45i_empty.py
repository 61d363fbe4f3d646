# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s45i item 2: a report whose `policies` array is empty is accepted and stored (checklist
M09: accept and warn, 'policies is empty: the report says nothing about any session'). Stored
FIRST, it was read as naming no domain, so a later report of the same reporter, report-id
and day that carries policies was taken for its copy: a duplicate 'with other counts', its
sessions never counted. What a person expects: the sessions the later report carries shown.
It now takes the empty report's place (task s45p, after review s45r3: a key of its own, as
c9ef516a gave it, depended on the door and counted a DANE-only report twice), the empty
report's raw copy its duplicate, whichever way it comes; a true resend of either is still a
copy, and an empty report after a report with policies is still that one's copy (nothing
to count). tests/test_reports_s45p_empty.py has both orders and the review's cases."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s44r_domains import body, mailed

pytestmark = pytest.mark.django_db


def empty() -> bytes:
    """Small Sender's report of 2026-06-01 (report-id '2026-06-01', as body()) without policies."""
    report = json.loads(gzip.decompress(body("example.com", 0)))
    report["policies"] = []
    return gzip.compress(json.dumps(report).encode(), mtime=0)


def arrive(address: ReportAddress, how: str, *reports: bytes) -> None:
    if how == "imported in one batch":
        ingest_many([(address, r) for r in reports])
    for r in reports if how != "imported in one batch" else ():
        if how == "posted":
            assert _post(Client(), address.token, r).status_code == 201
        elif how == "mailed":
            assert ingest(mailed(address, r, "example.com")) == 0
        else:
            ingest_many([(address, r)])
        parse_pending()


def counts() -> dict[str, int]:
    return {r.submitter: r.total_successful for r in TlsReport.objects.all()}


@pytest.mark.parametrize("how", ["posted", "mailed", "imported", "imported in one batch"])
def test_a_report_with_policies_after_an_empty_one_is_counted(
    address: ReportAddress, dns_stub: Any, settings: Any, how: str
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    arrive(address, how, empty(), body("example.com", 120, failed=3))
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == ["duplicate", "parsed"], [r.error for r in rows]
    assert rows[0].report_id == rows[1].report_id
    assert "0 successful and 0 failed sessions here, 120 and 3" in rows[0].error
    later = TlsReport.objects.get(pk=rows[1].report_id)
    assert (later.total_successful, later.total_failed, later.counted) == (120, 3, True)
    assert later.submitter == "small sender"
    assert counts() == {"small sender": 120}
    # A true resend of each is its copy, over either door, and nothing more is stored.
    resend = gzip.compress(gzip.decompress(body("example.com", 120, failed=3)), mtime=9)
    assert _post(Client(), address.token, resend).status_code == 201
    assert ingest_many([(address, gzip.compress(gzip.decompress(empty()), mtime=9))]) == Counter(
        {"duplicate": 1}
    )
    parse_pending()
    again = list(RawReport.objects.order_by("pk"))[2:]
    assert [(r.parse_status, r.report_id) for r in again] == [
        (RawReport.DUPLICATE, later.pk),
        (RawReport.DUPLICATE, rows[0].report_id),
    ], [r.error for r in again]
    # Parsed again, each stays where it is.
    for raw in RawReport.objects.order_by("pk"):
        raw.process()
    assert [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")] == [
        (r.parse_status, r.report_id) for r in [*rows, *again]
    ]
    assert counts() == {"small sender": 120}


@pytest.mark.parametrize("how", ["posted", "imported in one batch"])
def test_an_empty_report_after_one_with_policies_is_its_copy(
    address: ReportAddress, how: str
) -> None:
    """Nothing to count in it: a copy of the stored report (as before), whose sessions stand."""
    arrive(address, how, body("example.com", 120), empty())
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == ["parsed", "duplicate"], [r.error for r in rows]
    assert rows[1].report_id == rows[0].report_id
    assert "0 successful and 0 failed sessions here, 120 and 0" in rows[1].error
    assert counts() == {"small sender": 120}
