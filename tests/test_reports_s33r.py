# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Round s33r's fix (tests/test_reports_s33r_blind.py, case N56): a report-id a reporter used
for two reports of other days. The later one was kept as a copy of the stored report, but
its reason said only "resend … with other counts", which reads as a report regenerated for
the same day; it then said the copy covers another time, so its day's sessions are not in
the figures, and why. Since s35i such a report is a report of its own, with a warning
(tests/test_reports_s35i.py)."""

from __future__ import annotations

import gzip
import json

from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending


def body(day: str, ok: int, report_id: str = "example.com") -> bytes:
    report = {
        "organization-name": "mail.sender.example",
        "date-range": {
            "start-datetime": f"{day}T00:00:00Z",
            "end-datetime": f"{day}T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": report_id,
        "policies": [
            {
                "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
                "summary": {
                    "total-successful-session-count": ok,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }
    return gzip.compress(json.dumps(report).encode(), mtime=0)


def post_both(client: Client, address: ReportAddress, first: bytes, second: bytes) -> RawReport:
    for data in (first, second):
        assert _post(client, address.token, data).status_code == 201
    parse_pending()
    return RawReport.objects.order_by("pk").last()


def test_a_report_id_used_again_for_another_day_says_so(
    client: Client, address: ReportAddress
) -> None:
    # Since s35i a report of its own, counted (tests/test_reports_s35i.py); before, a copy
    # of the first day's whose reason said so and whose sessions were left out.
    later = post_both(client, address, body("2026-06-01", 120), body("2026-06-02", 80))
    assert later.parse_status == RawReport.PARSED
    assert later.report.warnings[-1].startswith(
        "This sender reused report-id 'example.com' of 2026-06-01 for this report of "
        "2026-06-02T00:00:00Z to 2026-06-02T23:59:59Z"
    )
    assert sorted(TlsReport.objects.values_list("total_successful", flat=True)) == [80, 120]
    assert RawReport.objects.count() == 2


def test_a_resend_of_the_same_time_with_other_counts_reads_as_before(
    client: Client, address: ReportAddress
) -> None:
    later = post_both(client, address, body("2026-06-01", 120), body("2026-06-01", 130))
    assert later.parse_status == RawReport.DUPLICATE
    assert later.error == (
        "resend of report 'example.com' already stored, with other counts: 130 successful "
        "and 0 failed sessions here, 120 and 0 in the stored copy, which is the one counted"
    )
