"""Task s45d, item 3: a bulk import and a live parse taking another policy domain's key at
the same instant wait for each other in one lock order, without a deadlock.

The parse task locks the report it found (lock_report: its copies, then its row FOR UPDATE)
and then, for a report about another policy domain under the same report-id and day, that
domain's key (lock_identity). The bulk import (reports.ingest._store_once) took its batch's
identities, then that domain's key, and only at its COPY the rows its copies point at (the
foreign key's KEY SHARE lock): with the parse holding the row and asking for the key the
import held, PostgreSQL found a deadlock and ended one of the two (the import's batch was
retried, or the parse task's attempt raised). The import now takes those rows (KEY SHARE)
before any further key, as the parse task does: it waits for the parse, which finishes."""

from __future__ import annotations

import gzip
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from reports import ingest
from reports import models as report_models
from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_s36r_race import IN_CI, Worker
from tests.test_reports_s44r_domains import body


def again(report: bytes, mtime: int) -> bytes:
    """The same report gzipped anew: a resend (another sha256, the same report)."""
    return gzip.compress(gzip.decompress(report), mtime=mtime)


def waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_an_import_and_a_parse_taking_another_domains_key_at_once_do_not_deadlock() -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("two writers at once: PostgreSQL's (SQLite has one writer; no COPY)")
    address = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(address, body("example.com", 120))]) == {"parsed": 1}
    # mail.example.com's report under the same sender, report-id and day, stored by the intake.
    live = RawReport.store(address, body("mail.example.com", 80), source=RawReport.HTTPS)[0]
    started = threading.Barrier(2, timeout=20)
    batch_pid: list[int] = []
    batches: list[int] = []
    real_lock, real_store = report_models.lock_report, ingest._store_once

    def lock_report(address: Any, submitter: str, *args: Any) -> Any:
        if submitter.endswith(" for mail.example.com"):
            # The parse holds example.com's report (FOR UPDATE): the import, started, runs
            # until it waits for a lock; only then does the parse ask for the domain's key.
            deadline = time.monotonic() + 20
            while not waits_for_a_lock(batch_pid[0]):
                assert time.monotonic() < deadline, "the import never waited for the parse"
                time.sleep(0.02)
        found = real_lock(address, submitter, *args)
        if submitter == "small sender":
            started.wait()  # the report row is held: the import starts
        return found

    def store_once(*args: Any) -> Any:
        batches.append(1)
        return real_store(*args)

    def import_both() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            batch_pid.append(cursor.fetchone()[0])
        started.wait()
        # A resend of example.com's report (its raw row points at that row) and one of
        # mail.example.com's: another domain's report, its key taken by the import too.
        files = [again(body("example.com", 120), 1), again(body("mail.example.com", 80), 2)]
        return str(dict(ingest_many([(address, f) for f in files])))

    with (
        mock.patch.object(report_models, "lock_report", lock_report),
        mock.patch.object(ingest, "_store_once", store_once),
        mock.patch("reports.tasks.alert_on_report.delay"),
    ):
        parse = Worker(lambda: RawReport.objects.get(pk=live.pk).process())
        imports = Worker(import_both)
        for worker in (parse, imports):
            worker.start()
        for worker in (parse, imports):
            worker.join(60)
            assert not worker.is_alive()
    # Neither side was ended by a deadlock: the parse's one attempt stored its report, the
    # import's batch went in at its first try, its two files copies of the two reports.
    assert not isinstance(parse.outcome, BaseException), parse.outcome
    assert parse.outcome == RawReport.PARSED
    assert imports.outcome == "{'duplicate': 2}", imports.outcome
    assert len(batches) == 1
    # Every report stored once, each raw report pointing at its own.
    reports = {r.policy_domain: r for r in TlsReport.objects.all()}
    assert {d: r.total_successful for d, r in reports.items()} == {
        "example.com": 120,
        "mail.example.com": 80,
    }
    rows = [(r.parse_status, r.report.policy_domain) for r in RawReport.objects.order_by("pk")]
    assert rows == [
        (RawReport.PARSED, "example.com"),
        (RawReport.PARSED, "mail.example.com"),
        (RawReport.DUPLICATE, "example.com"),
        (RawReport.DUPLICATE, "mail.example.com"),
    ]
