"""Review s48r3 of task s48e: an import's judging again (reports.ingest._judge_again, after
its batch commits) and a live parse of another copy of the same report at the same instant.
The judging again locks the report's copies first, then the report (RawReport.process, as
the parse task; docs/reports.md's lock order); the live parse, finding the report, asks for
the same copies (lock_report): it waits for the judging again instead of deadlocking with
it, and is then judged against the report as it is: each report counted once.

Posts naming no domain, 5 then 0 failed (a resend "with other counts"), and a second post
of the 0-failed report (another gzip) stored, its parse held; then a file named for
sub.example.com with the first's figures is imported: it takes the report over, and while
the 0-failed post is judged again (it is example.com's report now), the held parse runs."""

from __future__ import annotations

import gzip
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s36r_race import IN_CI, Worker
from tests.test_reports_s45d_lock_order import waits_for_a_lock
from tests.test_reports_s46a_fallback import SUB
from tests.test_reports_s47a_copies import npf, stored
from tests.test_reports_s48e_import_takeover import NAMED


@pytest.mark.django_db(transaction=True)
def test_a_live_parse_during_an_imports_judging_again_waits_and_counts_once(
    client: Any, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("two writers at once: PostgreSQL's (SQLite has one writer; no COPY)")
    settings.TLSRPT_REQUIRE_DKIM = False
    address = ReportAddress.objects.create(domain_name="example.com")
    with mock.patch("reports.tasks.alert_on_report.delay"):
        for body in (npf(5), npf(0)):
            assert _post(client, address.token, body).status_code == 201
            parse_pending()
    resend = RawReport.objects.order_by("pk").last()
    assert resend.parse_status == RawReport.DUPLICATE
    live = RawReport.store(
        address, gzip.compress(gzip.decompress(npf(0)), mtime=3), source=RawReport.HTTPS
    )[0]
    go = threading.Event()
    parse_pid: list[int] = []
    waited: list[bool] = []
    real = RawReport._save_parsed

    def save_parsed(self: RawReport, *args: Any, **kwargs: Any) -> Any:
        if self.pk == resend.pk and not go.is_set():
            # The import's judging again holds the report's copies: the live parse starts,
            # and goes on until it waits for a lock.
            go.set()
            deadline = time.monotonic() + 20
            while not (parse_pid and waits_for_a_lock(parse_pid[0])):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            else:
                waited.append(True)
        return real(self, *args, **kwargs)

    def parse() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            parse_pid.append(cursor.fetchone()[0])
        assert go.wait(30)
        return RawReport.objects.get(pk=live.pk).process()

    def imports() -> str:
        return str(
            dict(ingest_many([(address, gzip.compress(gzip.decompress(npf(5)), mtime=1), NAMED)]))
        )

    with (
        mock.patch.object(RawReport, "_save_parsed", save_parsed),
        mock.patch("reports.tasks.alert_on_report.delay"),
    ):
        workers = [Worker(parse), Worker(imports)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
            assert not w.is_alive()
    for w in workers:
        assert not isinstance(w.outcome, BaseException), w.outcome
    assert waited == [True], "the live parse never waited for the judging again"
    assert stored() == {
        ("small sender", SUB, 40, 5, ("validation-failure",)),
        ("small sender for example.com", "example.com", 40, 0, ()),
    }
    rows = [(r.parse_status, r.report.policy_domain) for r in RawReport.objects.order_by("pk")]
    assert rows == [
        (RawReport.DUPLICATE, SUB),
        (RawReport.PARSED, "example.com"),
        (RawReport.DUPLICATE, "example.com"),
        (RawReport.PARSED, SUB),
    ]
