"""Task s36r, item 1: a sender reusing one report-id for many days costs linear work.

Since s35i a report-id reused for another day is a report of its own, warned "This sender
reused report-id X of <days>". Finding the report a copy is and naming those days looked at
every report of the id each time: the parse task (with_reused_warning) read every day of
the id for each new one, and the bulk import (_match) went through every report of the id,
stored or earlier in its batch, and sorted all their days, for each file. A sender (or a
forger: the HTTPS address is open) using one id for thousands of days, bounded only by the
intake quota, made that quadratic. Work is counted here, not timed: the Python lines run in
reports/ingest.py and reports/models.py for an import, and the rows the parse task's
queries bring back."""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, date, datetime, timedelta
from types import FrameType
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import reports.ingest
import reports.models
from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport, with_reused_warning
from reports.parse import parse_report

pytestmark = pytest.mark.django_db

REPORT_ID = "one-id-for-every-day"
FIRST = date(2020, 1, 1)


def report_of(day: date, ok: int = 10) -> dict[str, Any]:
    return {
        "organization-name": "mail.sender.example",
        "date-range": {
            "start-datetime": f"{day.isoformat()}T00:00:00Z",
            "end-datetime": f"{day.isoformat()}T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": REPORT_ID,
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


def body(day: date, ok: int = 10) -> bytes:
    return gzip.compress(json.dumps(report_of(day, ok)).encode(), mtime=0)


def days(n: int) -> list[date]:
    return [FIRST + timedelta(days=i) for i in range(n)]


def lines_run(job: Any) -> int:
    """The lines of reports/ingest.py and reports/models.py executed while `job` runs."""
    files = {reports.ingest.__file__, reports.models.__file__}
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename in files else None

    sys.settrace(tracer)
    try:
        job()
    finally:
        sys.settrace(None)
    return count


def import_one_id(n: int) -> int:
    """Import n reports of one id, one per day (in two batches, so the second half is
    matched against stored reports and its own batch): the lines run."""
    address = ReportAddress.objects.create(domain_name="example.com")
    items = [(address, body(day)) for day in days(n)]
    # A resend of every tenth day, matched to its report.
    items += [
        (address, gzip.compress(gzip.decompress(body(day)), mtime=1)) for day in days(n)[::10]
    ]
    count = lines_run(lambda: ingest_many(items, batch=n // 2 + 1))
    assert TlsReport.objects.filter(address=address).count() == n
    duplicates = RawReport.objects.filter(address=address, parse_status=RawReport.DUPLICATE)
    assert duplicates.count() == len(days(n)[::10])
    return count


def test_importing_2000_reports_of_one_id_is_linear_work() -> None:
    small, large = import_one_id(500), import_one_id(2000)
    # Four times the reports: four times the lines, give or take the batches' fixed part;
    # quadratic matching runs sixteen times as many.
    assert large / small < 5, (small, large)


def test_the_imported_reports_name_the_first_days_and_how_many_more() -> None:
    import_one_id(40)
    last = TlsReport.objects.get(day=FIRST + timedelta(days=39))
    (warning,) = [w for w in last.warnings if w.startswith(reports.models.REUSED)]
    assert warning.startswith(
        f"This sender reused report-id {REPORT_ID!r} of 2020-01-01, 2020-01-02, 2020-01-03 "
        "and 36 more days for this report of "
    )


def store_days(address: ReportAddress, n: int) -> None:
    """n reports of one id, one per day, as stored rows (no raw copies: only the reports'
    rows are read here)."""
    now = datetime.now(UTC)
    TlsReport.objects.bulk_create(
        TlsReport(
            address=address,
            organization_name="mail.sender.example",
            submitter="mail.sender.example",
            report_id=REPORT_ID,
            start=datetime.combine(day, datetime.min.time(), UTC),
            end=datetime.combine(day, datetime.max.time(), UTC),
            day=day,
            created=now,
        )
        for day in days(n)
    )


def rows_read(job: Any) -> tuple[int, int]:
    """(queries, rows they return) of `job`: each SELECT it ran is run again to count."""
    with CaptureQueriesContext(connection) as queries:
        job()
    rows = 0
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute(query["sql"])
                rows += len(cursor.fetchall())
    return len(queries.captured_queries), rows


@pytest.mark.parametrize("stored", [2000, 4000])
def test_the_parse_tasks_reused_warning_reads_a_few_rows_for_2000_days(stored: int) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    store_days(address, stored)
    parsed = parse_report(json.dumps(report_of(date(2031, 1, 1))).encode())
    queries, rows = rows_read(
        lambda: with_reused_warning(parsed, address, "mail.sender.example", None)
    )
    assert queries <= 2 and rows <= 4, (queries, rows)
    (warning,) = [w for w in parsed.warnings if w.startswith(reports.models.REUSED)]
    assert warning.startswith(
        f"This sender reused report-id {REPORT_ID!r} of 2020-01-01, 2020-01-02, 2020-01-03 "
        "and over 997 more days for this report of 2031-01-01"
    )


def test_the_parse_tasks_reused_warning_counts_the_days_exactly_up_to_1000() -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    store_days(address, 1000)
    parsed = parse_report(json.dumps(report_of(date(2031, 1, 1))).encode())
    with_reused_warning(parsed, address, "mail.sender.example", None)
    (warning,) = [w for w in parsed.warnings if w.startswith(reports.models.REUSED)]
    assert "2020-01-03 and 997 more days for this report" in warning
    # Parsed again as the report of 2020-01-02 (stored second): only the first day before it.
    again = parse_report(json.dumps(report_of(date(2020, 1, 2))).encode())
    second = TlsReport.objects.get(address=address, day=date(2020, 1, 2))
    with_reused_warning(again, address, "mail.sender.example", second)
    (warning,) = [w for w in again.warnings if w.startswith(reports.models.REUSED)]
    assert f"report-id {REPORT_ID!r} of 2020-01-01 for this report" in warning
