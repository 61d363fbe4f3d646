# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""s34x item 1: a report of the sender's local day (2026-06-01T00:00-05:00 to
2026-06-02T00:00-05:00) read "covers 2026-06-01T05:00:00+00:00 to 2026-06-02T05:00:00+00:00 (its
day, 2026-06-01, is a UTC day …)": as if 05:00 to 05:00 UTC were the UTC day 2026-06-01. The
report page now says it covers the sender's local day at its offset, when that is in UTC, and
the day its sessions are counted on (its date: docs/reports.md §5, RPT-03), the counting
unchanged."""

from __future__ import annotations

import gzip
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailsec.domains.models import Domain
from reports.models import ReportAddress, TlsReport
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_dashboard_blind import read_page
from tests.test_reports_s34r_blind import owner  # noqa: F401 (fixture)


def report(start: str, end: str, policy_domain: str = "example.com") -> bytes:
    body = {
        "organization-name": "Sender Example Mail Ltd.",
        "date-range": {"start-datetime": start, "end-datetime": end},
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "s34x-1",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": policy_domain},
                "summary": {
                    "total-successful-session-count": 120,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }
    return gzip.compress(json.dumps(body, ensure_ascii=False).encode(), mtime=0)


def report_page(owner: User, data: bytes) -> str:
    address = ReportAddress.for_domain(Domain.objects.get(name="example.com"))
    assert _post(Client(), address.token, data).status_code == 201
    parse_pending()
    stored = TlsReport.objects.get()
    client = Client()
    client.force_login(owner)
    url = f"/tlsrpt/{address.token}/reports/{stored.public_id}/"
    return " ".join(read_page(client.get(url).content).plain.split())


def test_a_local_day_is_said_as_the_senders_day(owner: User) -> None:
    page = report_page(owner, report("2026-06-01T00:00:00-05:00", "2026-06-02T00:00:00-05:00"))
    assert TlsReport.objects.get().day.isoformat() == "2026-06-01"  # counting unchanged
    assert "is a UTC day" not in page
    assert (
        "covers 2026-06-01T00:00:00-05:00 to 2026-06-02T00:00:00-05:00 (the sender's local "
        "day 2026-06-01 at UTC−05:00, that is 05:00 UTC on 1 June 2026 to 05:00 UTC on "
        "2 June 2026)"
    ) in page
    assert "Its sessions are counted on 2026-06-01, the date of the sender's day" in page


def test_a_local_day_ending_at_235959_across_a_dst_change(owner: User) -> None:
    page = report_page(owner, report("2026-10-25T00:00:00+02:00", "2026-10-25T23:59:59+01:00"))
    assert (
        "covers 2026-10-25T00:00:00+02:00 to 2026-10-25T23:59:59+01:00 (the sender's local "
        "day 2026-10-25 at UTC+02:00, then UTC+01:00, that is 22:00 UTC on 24 October 2026 "
        "to 22:59:59 UTC on 25 October 2026)"
    ) in page
    assert "Its sessions are counted on 2026-10-25" in page


def test_a_utc_day_reads_as_before(owner: User) -> None:
    page = report_page(owner, report("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z"))
    assert "(its day, 2026-06-01, is a UTC day, as every TLS report's: RFC 8460)" in page
    assert "local day" not in page


@pytest.mark.parametrize(
    ("start", "end", "day"),
    [
        ("2026-06-01T20:30:15Z", "2026-06-02T20:30:15Z", "2026-06-02"),  # no day at an offset
        ("2026-06-01T00:00:00-05:00", "2026-06-02T12:00:00-05:00", "2026-06-01"),  # 36 hours
    ],
)
def test_a_range_that_is_no_day_reads_as_before(
    owner: User, start: str, end: str, day: str
) -> None:
    page = report_page(owner, report(start, end))
    assert f"(its day, {day}, is a UTC day" in page
    assert "local day" not in page
