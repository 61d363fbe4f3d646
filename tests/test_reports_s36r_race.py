"""Task s36r, item 2: two overlapping copies of different days parsed at once are one report.

Under one report-id, overlapping date-ranges are one report (reports.models.same_report,
s35i): the second copy parsed is a duplicate of the first. The unique index (address,
submitter, report-id, day) decides between two workers storing copies of the same day at
once, but not between two copies counted on different days (12:00 to 12:00 counts on its
middle's day): both workers looked, found nothing stored, and both stored a report, so the
overlap's sessions were counted twice. On PostgreSQL, two workers (two connections) reach
that point together here; the raw copies are stored first, and both must end one report and
one recognised duplicate."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections

from reports import models as report_models
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import SAMPLE

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The sample's day, and a range of the next day's middle overlapping it by 12 hours.
DAY1 = ("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z")
ACROSS = ("2026-06-01T12:00:00Z", "2026-06-02T12:00:00Z")


def copy_of(start: str, end: str) -> bytes:
    report = json.loads(SAMPLE)
    report["date-range"] = {"start-datetime": start, "end-datetime": end}
    return gzip.compress(json.dumps(report).encode(), mtime=0)


class Worker(threading.Thread):
    """One parse worker, with its own database connection."""

    def __init__(self, job: Callable[[], str]) -> None:
        super().__init__(daemon=True)
        self.job = job
        self.outcome: str | BaseException | None = None

    def run(self) -> None:
        try:
            self.outcome = self.job()
        except BaseException as e:  # the test's finding
            self.outcome = e
        finally:
            connections["default"].close()


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_copies_of_other_days_parsed_at_once_are_one_report() -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("two workers at once: PostgreSQL's (SQLite has one writer)")
    address = ReportAddress.objects.create(domain_name="example.com")
    # Raw first, as the intakes store them.
    raws = [
        RawReport.store(address, copy_of(*span), source=RawReport.HTTPS)[0]
        for span in (DAY1, ACROSS)
    ]
    # Each worker has looked for a stored copy (and found none) before either stores: the
    # instant both parse at once.
    looked = threading.Barrier(2, timeout=10)
    first_look: dict[int, bool] = {}
    real = report_models.same_report

    def same_report(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        me = threading.get_ident()
        if me not in first_look:
            first_look[me] = True
            # Broken (timed out): the other worker was kept from looking, not at once.
            with contextlib.suppress(threading.BrokenBarrierError):
                looked.wait()
        return found

    with (
        mock.patch.object(report_models, "same_report", same_report),
        mock.patch("reports.tasks.alert_on_report.delay"),
    ):
        workers = [Worker(lambda pk=raw.pk: RawReport.objects.get(pk=pk).process()) for raw in raws]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
            assert not worker.is_alive()
    outcomes = sorted(str(w.outcome) for w in workers)
    assert outcomes == [RawReport.DUPLICATE, RawReport.PARSED], outcomes
    report = TlsReport.objects.get()  # one report, its sessions counted once
    stored = RawReport.objects.order_by("pk")
    assert [r.report_id for r in stored] == [report.pk, report.pk]  # nothing lost
    duplicate = stored.get(parse_status=RawReport.DUPLICATE)
    assert "overlap" in duplicate.error
