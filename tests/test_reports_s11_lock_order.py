"""Workers lock a report's raw copies first, in id order, then the report (reports.models).

A DKIM-signed copy that takes a report over from a forged one judges the report's other
copies again; it used to lock them after the report, while a worker parsing one of those
copies (`manage.py reparse`) holds its copy and then asks for the report: on PostgreSQL
the two waited for each other until one was killed as a deadlock.
"""

from __future__ import annotations

import gzip
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, connections, transaction

from reports.mail import header_summary
from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_forged import REAL_FAILURES, forged, signed_mail

signer = forged_case.signer
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# A row lock statement: the table it reads, and its WHERE clause onwards.
LOCK = re.compile(r'^SELECT .*? FROM "(reports_rawreport|reports_tlsreport)"(.*) FOR UPDATE$', re.S)


def https_copy(address: ReportAddress, body: bytes, mtime: int) -> RawReport:
    raw, created = RawReport.store(
        address, gzip.compress(body, mtime=mtime), source=RawReport.HTTPS
    )
    assert created
    return raw


def mailed_copy(address: ReportAddress, signer: Any) -> RawReport:
    message = signed_mail(address, signer)
    raw, created = RawReport.store(
        address, message, source=RawReport.EMAIL, headers=header_summary(message)
    )
    assert created
    return raw


def forged_twice_then_signed(address: ReportAddress, signer: Any) -> tuple[RawReport, ...]:
    """A forged report posted first (counted), posted again (a resend), and the reporter's
    signed copy stored, not parsed yet: parsing it takes the report over."""
    first = https_copy(address, forged(), mtime=1)
    assert first.process() == RawReport.PARSED
    resend = https_copy(address, forged(), mtime=2)
    assert resend.process() == RawReport.DUPLICATE
    return first, resend, mailed_copy(address, signer)


def assert_taken_over(first: RawReport, resend: RawReport, signed: RawReport) -> None:
    report = TlsReport.objects.get()
    assert (
        report.total_failed,
        sorted(report.failure_details.values_list("result_type", flat=True)),
    ) == (
        17,
        REAL_FAILURES,
    )
    statuses = {raw.pk: (raw.parse_status, raw.report_id) for raw in RawReport.objects.all()}
    assert statuses == {
        first.pk: (RawReport.SUPERSEDED, report.pk),
        resend.pk: (RawReport.SUPERSEDED, report.pk),
        signed.pk: (RawReport.PARSED, report.pk),
    }


# --- the order, read from the SQL a worker sends ------------------------------------------


@contextmanager
def row_locks() -> Iterator[list[tuple[str, int]]]:
    """(table, id) of each row newly locked FOR UPDATE, in the order the rows were locked.

    The rows a statement locks are read by running its FROM … WHERE again for the ids. On
    SQLite, which has no row locks, Django is told it has them, and the FOR UPDATE it then
    writes (as it would for PostgreSQL) is recorded and taken off before SQLite runs it."""
    locked: list[tuple[str, int]] = []
    pretend = connection.vendor != "postgresql"

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        match = LOCK.match(sql) if isinstance(sql, str) else None
        if match is None:
            return execute(sql, params, many, context)
        if pretend:
            sql = sql[: -len(" FOR UPDATE")]
        table, rest = match.groups()
        with connection.cursor() as cursor:
            # The same rows, in the same transaction (params belong to the WHERE clause).
            cursor.execute(f'SELECT "{table}"."id" FROM "{table}"{rest}', params)
            for (pk,) in cursor.fetchall():
                if (table, pk) not in locked:
                    locked.append((table, pk))
        return execute(sql, params, many, context)

    features = connection.features
    had = features.__dict__.get("has_select_for_update")
    if pretend:
        features.has_select_for_update = True
    try:
        with connection.execute_wrapper(record):
            yield locked
    finally:
        if pretend:
            if had is None:
                del features.has_select_for_update
            else:
                features.has_select_for_update = had


def copies_then_report(locked: list[tuple[str, int]]) -> None:
    """Every copy is locked before the report; the copies after the first (the one being
    parsed, locked before its report is known) in id order."""
    tables = [table for table, _ in locked]
    assert "reports_tlsreport" in tables
    first_report = tables.index("reports_tlsreport")
    late = [pk for table, pk in locked[first_report:] if table == "reports_rawreport"]
    assert late == [], f"copies {late} locked after the report ({locked})"
    copies = [pk for table, pk in locked[1:first_report] if table == "reports_rawreport"]
    assert copies == sorted(copies), locked


@pytest.mark.django_db
def test_a_signed_copy_taking_over_locks_the_other_copies_before_the_report(
    signer: Any,
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    first, resend, signed = forged_twice_then_signed(address, signer)
    with transaction.atomic(), row_locks() as locked:
        assert signed.process() == RawReport.PARSED
    assert locked[0] == ("reports_rawreport", signed.pk)
    copies_then_report(locked)
    assert {pk for table, pk in locked if table == "reports_rawreport"} == {
        first.pk,
        resend.pk,
        signed.pk,
    }
    assert_taken_over(first, resend, signed)


@pytest.mark.django_db
def test_reparsing_a_copy_locks_all_the_reports_copies_in_id_order_first(signer: Any) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    first, resend, signed = forged_twice_then_signed(address, signer)
    signed.process()
    # The resend, reparsed: the copies in id order (its own among them), then the report.
    with transaction.atomic(), row_locks() as locked:
        assert resend.process(force=True) == RawReport.SUPERSEDED
    report = TlsReport.objects.get()
    assert locked == [
        ("reports_rawreport", first.pk),
        ("reports_rawreport", resend.pk),
        ("reports_rawreport", signed.pk),
        ("reports_tlsreport", report.pk),
    ]
    assert_taken_over(first, resend, signed)


# --- the deadlock itself, on PostgreSQL ---------------------------------------------------


def blocked(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
        return bool(cursor.fetchone()[0])


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


class Worker(threading.Thread):
    """One worker (its own database connection) running `job`; its backend pid and what
    the job returned or raised."""

    def __init__(self, job: Callable[[], str]) -> None:
        super().__init__(daemon=True)
        self.job = job
        self.pid: int | None = None
        self.started_job = threading.Event()
        self.outcome: str | BaseException | None = None

    def run(self) -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started_job.set()
            self.outcome = self.job()
        except BaseException as e:  # a deadlock victim's error is the test's finding
            self.outcome = e
        finally:
            self.started_job.set()
            connections["default"].close()


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_a_reports_copies_in_turn_do_not_deadlock_on_postgresql(
    signer: Any,
) -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("row locks and deadlocks are PostgreSQL's")
    address = ReportAddress.objects.create(domain_name="example.com")
    first, resend, signed = forged_twice_then_signed(address, signer)
    report = TlsReport.objects.get()
    # The report row is held a moment by a third worker (alert_on_report evaluating it holds
    # it so) while the signed copy is parsed and `manage.py reparse` runs on the resend: both
    # queue for it, the signed copy's worker first.
    with transaction.atomic():
        TlsReport.objects.select_for_update().get(pk=report.pk)
        taking_over = Worker(lambda: RawReport.objects.get(pk=signed.pk).process())
        taking_over.start()
        taking_over.started_job.wait(10)
        assert taking_over.pid is not None
        wait_until(lambda: blocked(taking_over.pid), "the signed copy's worker waits")
        reparse = Worker(lambda: RawReport.objects.get(pk=resend.pk).process(force=True))
        reparse.start()
        reparse.started_job.wait(10)
        assert reparse.pid is not None
        wait_until(lambda: blocked(reparse.pid), "the reparse waits")
    for worker in (taking_over, reparse):
        worker.join(30)
        assert not worker.is_alive()
    assert (taking_over.outcome, reparse.outcome) == (RawReport.PARSED, RawReport.SUPERSEDED)
    assert_taken_over(first, resend, signed)
