# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s48e 1: an import (ingest_files, reports.ingest.ingest_many) that takes a report over
(a file whose RFC 8460 §5.1 name names the domain, over a copy naming none but the address's
filled in) judges the report's other copies again against what it says now, as a live
takeover does (review s47r3), on both of its paths (the ORM, PostgreSQL's COPY). An import
raises no alerts (docs/reports.md: an import is history): the judging again queues none,
and leaves every report marked evaluated."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport, counted_copy
from tests.test_reports_email import address, dns_stub  # noqa: F401
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import SUB, other_door
from tests.test_reports_s47a_copies import npf, stored

pytestmark = pytest.mark.django_db

V = ("validation-failure",)
NAMED = f"sender.example!{SUB}!1780272000!1780358399!001.json.gz"  # RFC 8460 §5.1: SUB
EVALUATED = datetime(2026, 6, 2, tzinfo=UTC)


def file_of(step: tuple[str, int]) -> tuple[bytes, str]:
    """("import", failed): a file whose name names no domain; ("import sub", failed): one
    whose §5.1 name names SUB; ("import writes sub", failed): a file writing SUB itself."""
    how, failed = step
    if how == "import sub":
        # Another gzip of the same report (another timestamp): the same bytes as a copy
        # stored before are "already stored" (task s48e item 2, tests/test_reports_s48e_same_bytes.py).
        return gzip.compress(gzip.decompress(npf(failed)), mtime=1), NAMED
    if how == "import writes sub":
        return npf(failed, domain=SUB), "report.json.gz"
    return npf(failed), "report.json.gz"


def imported(address: ReportAddress, files: list[tuple[str, int]], capture: Any) -> None:
    """One ingest_many of `files`, as a worker-less import: no alert task may be queued,
    and every report stays (or is made) evaluated; but for a report now counted from a
    post that was a resend until the import, never evaluated (review s48r3: live_only)."""
    with mock.patch("reports.tasks.alert_on_report.delay") as delay, capture(execute=True):
        ingest_many([(address, *file_of(f)) for f in files])
    queued = live_only(delay)
    assert not TlsReport.objects.filter(alerts_evaluated_at=None).exclude(pk__in=queued).exists()


def live_only(delay: Any) -> set[int]:
    """The reports an import queued the alert task for: each must be counted from a copy
    that arrived live (a post), not one an import stored (RawReport.stored_by_import)."""
    queued = {call.args[0] for call in delay.call_args_list}
    for pk in queued:
        assert not counted_copy(TlsReport.objects.get(pk=pk)).stored_by_import()
    return queued


def arrive(address: ReportAddress, steps: list[Any], capture: Any) -> None:
    """Each step: ("post", failed) a post naming no domain, ("post sub", failed) a post
    writing SUB, or a list of files imported in one ingest_many (file_of)."""
    for step in steps:
        if isinstance(step, list):
            imported(address, step, capture)
            continue
        how, failed = step
        other_door(address, npf(failed, domain=SUB if how == "post sub" else None), "posted")
        parse_pending()
        # As the alert task does once the parse commits.
        TlsReport.objects.filter(alerts_evaluated_at=None).update(alerts_evaluated_at=EVALUATED)


def unchanged_by_reparse() -> None:
    before = [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")]
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")] == before


BOTH = {
    ("small sender", SUB, 40, 5, V),
    ("small sender for example.com", "example.com", 40, 0, ()),
}


@pytest.mark.parametrize(
    "steps",
    [
        [("post", 5), ("post", 0), [("import sub", 5)]],
        [[("import", 5), ("import", 0)], [("import sub", 5)]],
        [[("import", 5), ("import", 0), ("import sub", 5)]],
        [("post", 5), [("import", 0), ("import sub", 5)]],
    ],
    ids=["posts-then-import", "import-then-import", "one-batch", "post-then-batch"],
)
def test_a_duplicate_judged_again_after_an_import_takes_over_is_its_domains_report(
    address: ReportAddress,
    dns_stub: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    steps: list[Any],
) -> None:
    """A copy naming no domain (5 failed), one naming none with 0 failed (a resend "with
    other counts", nothing tells them apart yet), then an imported file named for SUB with
    the first's figures: the file takes the report over (SUB's, 5 failed), and the 0-failed
    copy is example.com's report, as after a mail naming SUB (s47r3). It stayed a resend of
    SUB's report: example.com's sessions counted nowhere."""
    settings.TLSRPT_REQUIRE_DKIM = False
    arrive(address, steps, django_capture_on_commit_callbacks)
    assert stored() == BOTH
    unchanged_by_reparse()
    assert stored() == BOTH


@pytest.mark.parametrize(
    "steps",
    [
        [("post", 5), ("post sub", 0), [("import sub", 5)]],
        [[("import", 5), ("import writes sub", 0)], [("import sub", 5)]],
        [[("import", 5), ("import writes sub", 0), ("import sub", 5)]],
    ],
    ids=["posts-then-import", "import-then-import", "one-batch"],
)
def test_a_report_split_off_before_an_import_takes_over_is_judged_again(
    address: ReportAddress,
    dns_stub: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    steps: list[Any],
) -> None:
    """The second copy writes SUB with 0 failed: split off as SUB's report beside the first,
    which names no domain. The import then takes the first over for SUB with its figures:
    the second is its resend now, as after a mail naming SUB (s47r3), not a second report
    about SUB under the same report-id and day (SUB's sessions counted twice)."""
    settings.TLSRPT_REQUIRE_DKIM = False
    arrive(address, steps, django_capture_on_commit_callbacks)
    assert stored() == {("small sender", SUB, 40, 5, V)}
    unchanged_by_reparse()
    assert TlsReport.objects.count() == 1
