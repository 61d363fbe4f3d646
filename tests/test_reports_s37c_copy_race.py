"""Task s37c, item 2: a bulk import's COPY and a live parse storing copies of one report at
the same instant store it once.

The live parse holds the report's identity (lock_identity, s36r) where none is stored; the
import (reports.ingest._store_once) looked for stored reports and wrote by COPY without it.
Two copies of one report-id whose ranges overlap but count on different days (12:00 to
12:00 counts on its middle's day) were then both stored, one by each path, the overlap's
sessions counted twice; the unique index only told copies of the same day apart (the
control below: one path's IntegrityError, then decided again, nothing lost). On PostgreSQL,
the import and a parse worker (two connections) both look before either stores; there must
be one report, the other copy a recognised duplicate, both raw copies kept."""

from __future__ import annotations

import contextlib
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from reports import ingest
from reports import models as report_models
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_s36r_race import ACROSS, DAY1, IN_CI, Worker, copy_of

# Another body of DAY1's day (ends at the next 00:00): the unique index's case.
DAY1_TO_MIDNIGHT = ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "imported", [ACROSS, DAY1_TO_MIDNIGHT], ids=["overlapping, another day", "same day"]
)
def test_an_import_and_a_live_parse_of_one_report_at_once_store_it_once(
    imported: tuple[str, str],
) -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("two writers at once: PostgreSQL's (SQLite has one writer; no COPY)")
    address = ReportAddress.objects.create(domain_name="example.com")
    live = RawReport.store(address, copy_of(*DAY1), source=RawReport.HTTPS)[0]
    looked = threading.Barrier(2, timeout=10)
    waited: set[int] = set()

    def meet() -> None:
        me = threading.get_ident()
        if me not in waited:
            waited.add(me)
            # Broken (timed out): the other was kept from looking, not at once.
            with contextlib.suppress(threading.BrokenBarrierError):
                looked.wait()

    real_same, real_copies = report_models.same_report, ingest._stored_copies

    def same_report(*args: Any, **kwargs: Any) -> Any:
        found = real_same(*args, **kwargs)
        meet()
        return found

    def stored_copies(*args: Any, **kwargs: Any) -> Any:
        meet()  # the import has looked (STORED_REPORTS) and not written yet
        return real_copies(*args, **kwargs)

    with (
        mock.patch.object(report_models, "same_report", same_report),
        mock.patch.object(ingest, "_stored_copies", stored_copies),
        mock.patch("reports.tasks.alert_on_report.delay"),
    ):
        parse = Worker(lambda: RawReport.objects.get(pk=live.pk).process())
        imports = Worker(lambda: str(dict(ingest.ingest_many([(address, copy_of(*imported))]))))
        for worker in (parse, imports):
            worker.start()
        for worker in (parse, imports):
            worker.join(60)
            assert not worker.is_alive()
    assert not isinstance(parse.outcome, BaseException), parse.outcome
    assert not isinstance(imports.outcome, BaseException), imports.outcome
    report = TlsReport.objects.get()  # one report, its sessions counted once
    stored = RawReport.objects.order_by("pk")
    assert stored.count() == 2  # nothing lost
    assert [r.report_id for r in stored] == [report.pk, report.pk]
    assert sorted(r.parse_status for r in stored) == [RawReport.DUPLICATE, RawReport.PARSED]
