"""Task s37c, item 1: lock_report finds a report's stored copy by index, not by reading every
report of its report-id.

A sender reusing one report-id for every day (seen in the wild) made each parse's look
(address, submitter, report-id, and day = d OR ranges overlap) read all that id's reports: the
OR left PostgreSQL only the unique index's (address, submitter, report-id) prefix. The look is
now the day's report by the unique index, else the overlapping ones among a window of days of
that index and the long ranges' partial index (reports.models.stored_report). Same answers as
same_report over all the id's reports; on PostgreSQL the rows read stay a few for 2,000 days."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import ReportAddress, TlsReport, lock_report, same_report

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SUBMITTER = "reuser.example"
RID = "the-same-id"
FIRST = datetime(2020, 1, 1, tzinfo=UTC)


def _span(start: datetime, hours: float) -> tuple[datetime, datetime, date]:
    end = start + timedelta(hours=hours)
    return start, end, (start + (end - start) / 2).date()


def _store(address: ReportAddress, spans: list[tuple[datetime, datetime, date]]) -> None:
    TlsReport.objects.bulk_create(
        TlsReport(
            address=address,
            organization_name="Reuser",
            submitter=SUBMITTER,
            report_id=RID,
            start=s,
            end=e,
            day=d,
        )
        for s, e, d in spans
    )


def _days(n: int) -> list[tuple[datetime, datetime, date]]:
    """n reports of one id, one a day, each 00:00 to 23:59:59, every 7th day left out."""
    return [_span(FIRST + timedelta(days=i), 24 - 1 / 3600) for i in range(n) if i % 7 != 3]


def _reference(address: ReportAddress, span: tuple[datetime, datetime, date]) -> int | None:
    """What same_report says over every report of the id (the old look's answer)."""
    rows = TlsReport.objects.filter(address=address, submitter=SUBMITTER, report_id=RID)
    found = same_report(rows.order_by("start", "pk"), *span)
    return None if found is None else found.pk


PROBES = {
    "a stored day": _span(FIRST + timedelta(days=10), 24),
    "a day left out": _span(FIRST + timedelta(days=17), 24 - 1 / 3600),
    "across two days": _span(FIRST + timedelta(days=16, hours=12), 24),
    "touching the day before only": _span(FIRST + timedelta(days=3), 24 - 1 / 3600),
    "inside the long range": _span(FIRST + timedelta(days=400, hours=6), 6),
    "after every report": _span(FIRST + timedelta(days=900), 24),
    "a week long": _span(FIRST + timedelta(days=30), 24 * 7),
    "a local day at +14:00": (
        FIRST + timedelta(days=44, hours=-14),
        FIRST + timedelta(days=45, hours=-14),
        (FIRST + timedelta(days=44)).date(),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("probe", PROBES)
def test_lock_report_finds_what_same_report_finds_over_every_report_of_the_id(probe: str) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    # 60 days of one id, a long range (10 days, warned by the parser) far after them.
    _store(address, _days(60) + [_span(FIRST + timedelta(days=398), 24 * 10)])
    span = PROBES[probe]
    want = _reference(address, span)
    found = lock_report(address, SUBMITTER, RID, span)
    assert (None if found is None else found.pk) == want


@pytest.mark.django_db
def test_the_long_range_is_found_before_a_later_short_one() -> None:
    """same_report's order: the first by start whose range overlaps, long or short."""
    address = ReportAddress.objects.create(domain_name="example.com")
    _store(
        address,
        [_span(FIRST, 24 * 5), _span(FIRST + timedelta(days=3, hours=6), 24)],
    )
    span = _span(FIRST + timedelta(days=3, hours=12), 24)
    long = TlsReport.objects.get(start=FIRST)
    assert _reference(address, span) == long.pk
    found = lock_report(address, SUBMITTER, RID, span)
    assert found is not None and found.pk == long.pk


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows the plan's scans produced or read and threw away, every node together."""
    n = 0
    if "Scan" in plan.get("Node Type", ""):
        n += int(plan.get("Actual Rows", 0)) * int(plan.get("Actual Loops", 1))
        n += int(plan.get("Rows Removed by Filter", 0))
        n += int(plan.get("Rows Removed by Index Recheck", 0))
    return n + sum(_rows_read(p) for p in plan.get("Plans", []))


def _explain(sql: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (doc,) = cursor.fetchone()
    return (json.loads(doc) if isinstance(doc, str) else doc)[0]["Plan"]


@pytest.mark.django_db
def test_looking_for_a_new_day_of_an_id_used_for_2000_days_reads_a_few_rows() -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("the plan is PostgreSQL's")
    address = ReportAddress.objects.create(domain_name="example.com")
    _store(address, _days(2334))  # 2,000 days
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_tlsreport")
        # A small table may be read whole either way: the question is what the indexes allow.
        cursor.execute("SET LOCAL enable_seqscan = off")
    # Control: the look before s37c (day = d OR overlapping) reads every day of the id.
    sql, params = (
        TlsReport.objects.filter(address=address, submitter=SUBMITTER, report_id=RID)
        .extra(
            where=['(day = %s OR (start < %s AND "end" > %s))'],
            params=[date(2026, 1, 1), FIRST, FIRST],
        )
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (doc,) = cursor.fetchone()
    old_plan = (json.loads(doc) if isinstance(doc, str) else doc)[0]["Plan"]
    assert _rows_read(old_plan) >= 2000, old_plan

    span = _span(FIRST + timedelta(days=3), 24 - 1 / 3600)  # a day left out
    with CaptureQueriesContext(connection) as looked:
        assert lock_report(address, SUBMITTER, RID, span) is None
    selects = [q["sql"] for q in looked.captured_queries if "reports_tlsreport" in q["sql"]]
    assert 0 < len(selects) <= 6, selects  # three looks, twice (before and after the lock)
    read = [_rows_read(_explain(s)) for s in selects]
    assert sum(read) <= 30, (read, selects)

    span = _span(FIRST + timedelta(days=1500), 24 - 1 / 3600)  # a stored day
    with CaptureQueriesContext(connection) as looked:
        assert lock_report(address, SUBMITTER, RID, span) is not None
    selects = [
        q["sql"]
        for q in looked.captured_queries
        if "reports_tlsreport" in q["sql"] and "FOR UPDATE" not in q["sql"]
    ]
    assert len(selects) == 1, selects
    assert _rows_read(_explain(selects[0])) <= 2
