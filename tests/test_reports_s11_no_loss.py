"""No report lost, every duplicate recognised, every task idempotent (docs/reports.md):
the parse task killed mid-way and run again, `manage.py reparse` over every raw report run
twice, a bulk import over files the live intake stored already, a resend with another gzip
timestamp, and the same report-id from another submitter. Each counts the rows of every
table and what the dashboard adds up."""

from __future__ import annotations

import datetime
import gzip
import io
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports.dashboard import summarise
from reports.ingest import ingest_many
from reports.models import FailureDetail, PolicyResult, RawReport, ReportAddress, TlsReport
from reports.tasks import parse_raw_report
from tests.test_reports_alerts import report

pytestmark = pytest.mark.django_db

YESTERDAY = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()


@pytest.fixture
def address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def bad_day(org: str = "Sender Example Mail Ltd.", rid: str = "r-1", mtime: int = 1) -> bytes:
    """Yesterday's report of `org`: 900 sessions fine, 100 failed of two types, one policy."""
    body = report(
        YESTERDAY,
        rid=rid,
        org=org,
        ok=900,
        failed=100,
        types=("certificate-expired", "starttls-not-supported"),
    )
    return gzip.compress(body, mtime=mtime)


def posted(address: ReportAddress, body: bytes) -> RawReport:
    """As the HTTPS intake stores a body, and the parse task then parses it."""
    raw, _ = RawReport.store(address, body, source=RawReport.HTTPS)
    parse_raw_report.apply(args=[raw.pk])
    raw.refresh_from_db()
    return raw


def rows() -> dict[str, int]:
    return {
        "raw": RawReport.objects.count(),
        "reports": TlsReport.objects.count(),
        "policies": PolicyResult.objects.count(),
        "details": FailureDetail.objects.count(),
    }


def dashboard(address: ReportAddress) -> tuple[int, int, dict[str, int]]:
    """The dashboard's session totals and its failed sessions by result type."""
    summary = summarise(address)
    by_type = {kind.name: count for kind, count, _ in summary.by_result_type}
    return summary.successful, summary.failed, by_type


ONE_REPORT = (900, 100, {"certificate-expired": 50, "starttls-not-supported": 50})


def statuses() -> list[str]:
    return list(RawReport.objects.order_by("pk").values_list("parse_status", flat=True))


def test_a_parse_killed_between_statements_is_run_again_and_stores_the_report_once(
    address: ReportAddress,
) -> None:
    raw, _ = RawReport.store(address, bad_day(), source=RawReport.HTTPS)
    # The worker is killed (SIGKILL: no exception handler runs) after the report and its
    # policies were inserted, before the failure details: nothing of it may stay.
    with (
        mock.patch("reports.models.store_details", side_effect=SystemExit("SIGKILL")),
        pytest.raises(SystemExit),
    ):
        raw.process()
    assert statuses() == [RawReport.PENDING]
    assert rows() == {"raw": 1, "reports": 0, "policies": 0, "details": 0}
    # The task redelivered (acks_late), twice over: one report.
    for _ in range(2):
        parse_raw_report.apply(args=[raw.pk])
    assert statuses() == [RawReport.PARSED]
    assert rows() == {"raw": 1, "reports": 1, "policies": 1, "details": 2}
    assert dashboard(address) == ONE_REPORT


def test_reparsing_every_raw_report_twice_changes_nothing(address: ReportAddress) -> None:
    posted(address, bad_day(mtime=1))
    posted(address, bad_day(mtime=2))  # a resend
    posted(address, bad_day(org="Other Mail Inc.", mtime=1))
    posted(address, b"not a report")
    before = (statuses(), rows(), dashboard(address))
    assert before[:2] == (
        [RawReport.PARSED, RawReport.DUPLICATE, RawReport.PARSED, RawReport.REJECTED],
        {"raw": 4, "reports": 2, "policies": 2, "details": 4},
    )
    every = [f"--id={pk}" for pk in RawReport.objects.values_list("public_id", flat=True)]
    for _ in range(2):
        call_command("reparse", *every, stdout=io.StringIO())
        assert (statuses(), rows(), dashboard(address)) == before
    assert dashboard(address) == (
        1800,
        200,
        {"certificate-expired": 100, "starttls-not-supported": 100},
    )


def test_a_bulk_import_over_files_the_intake_stored_adds_only_what_is_new(
    address: ReportAddress, tmp_path: Path
) -> None:
    same_bytes, resend, new = bad_day(mtime=1), bad_day(mtime=7), bad_day(rid="r-2", mtime=1)
    posted(address, same_bytes)
    assert ingest_many([(address, same_bytes), (address, resend), (address, new)]) == {
        "already stored": 1,
        "duplicate": 1,
        "parsed": 1,
    }
    assert statuses() == [RawReport.PARSED, RawReport.DUPLICATE, RawReport.PARSED]
    assert rows() == {"raw": 3, "reports": 2, "policies": 2, "details": 4}
    # The same files again, through the command: nothing stored twice.
    for i, body in enumerate((same_bytes, resend, new)):
        (tmp_path / f"sender.example!example.com!1!2!{i}.json.gz").write_bytes(body)
    out = io.StringIO()
    call_command("ingest_files", str(tmp_path), stdout=out)
    assert out.getvalue().strip() == "3 already stored"
    assert rows() == {"raw": 3, "reports": 2, "policies": 2, "details": 4}
    assert dashboard(address) == (
        1800,
        200,
        {"certificate-expired": 100, "starttls-not-supported": 100},
    )
    # And a live resend of an imported report is a duplicate too.
    assert posted(address, bad_day(rid="r-2", mtime=9)).parse_status == RawReport.DUPLICATE
    assert rows()["reports"] == 2


def test_a_resend_with_another_gzip_timestamp_is_kept_and_counted_once(
    address: ReportAddress,
) -> None:
    first, again = bad_day(mtime=1), bad_day(mtime=2)
    assert first != again and gzip.decompress(first) == gzip.decompress(again)
    assert posted(address, first).parse_status == RawReport.PARSED
    resend = posted(address, again)
    assert resend.parse_status == RawReport.DUPLICATE
    assert resend.report == TlsReport.objects.get()
    assert rows() == {"raw": 2, "reports": 1, "policies": 1, "details": 2}
    assert dashboard(address) == ONE_REPORT


def test_the_same_report_id_from_another_submitter_is_another_report(
    address: ReportAddress,
) -> None:
    # RFC 8460 §4.4: report-id is unique per submitter only; two organisations may use one.
    posted(address, bad_day(org="Sender Example Mail Ltd.", rid="2026-06-01_example.com"))
    other = posted(address, bad_day(org="Other Mail Inc.", rid="2026-06-01_example.com"))
    assert other.parse_status == RawReport.PARSED
    assert rows() == {"raw": 2, "reports": 2, "policies": 2, "details": 4}
    assert dashboard(address) == (
        1800,
        200,
        {"certificate-expired": 100, "starttls-not-supported": 100},
    )
    by_org = {row["organization_name"] for row in summarise(address).by_organisation}
    assert len(by_org) == 2, by_org
