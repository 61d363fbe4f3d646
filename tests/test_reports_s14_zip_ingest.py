"""`manage.py ingest_files` (reports.ingest.ingest_many) stores every report of a zip holding
several, as the HTTPS intake does: one raw report per report file (report_index 0, 1, …),
each holding the whole file, recognised again by sha256 row by row, within the intake's
limits. Before, only the first report was read and the others stayed inside the bytes."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.ingest import ingest_many
from reports.intake import accept_https
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_s12_blind import _zip, nothing_lost_nor_doubled
from tests.test_reports_s13_zip import day_ids, report, report_ids

pytestmark = pytest.mark.django_db

NAME = "sender.example!example.com!1780272000!1780358399"


@pytest.fixture
def address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def archive() -> bytes:
    return _zip(
        ("a.json", report(1)), ("README", b"hello\n"), ("b.json.gz", gzip.compress(report(2)))
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("ingest_files", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_ingest_files_stores_every_report_of_a_zip(tmp_path: Path, address) -> None:
    body = archive()
    (tmp_path / f"{NAME}!1.zip").write_bytes(body)
    assert run(str(tmp_path)) == "2 parsed"
    rows = list(RawReport.objects.order_by("report_index"))
    assert [(r.report_index, r.parse_status) for r in rows] == [(0, "parsed"), (1, "parsed")]
    assert all(bytes(r.body) == body and r.sha256 == rows[0].sha256 for r in rows)
    assert report_ids() == day_ids(1, 2)
    # Each row reads its own file of the archive, now and on a later reparse.
    assert [r.report_json() for r in rows] == [report(1), report(2)]
    assert not any("only the first" in w for r in rows for w in r.report.warnings)
    assert any("README" in w for w in rows[0].report.warnings)
    # Run again: every row is recognised, nothing stored twice.
    assert run(str(tmp_path)) == "2 already stored"
    assert RawReport.objects.count() == 2 and TlsReport.objects.count() == 2
    nothing_lost_nor_doubled()


def test_it_stores_what_the_https_intake_stores(address) -> None:
    body = archive()
    other = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(address, body)]) == {"parsed": 2}
    for accepted in accept_https(other, body, "application/zip", []):
        accepted.raw.process()

    def stored(a: ReportAddress) -> list[tuple[object, ...]]:
        return [
            (r.report_index, r.sha256, r.parse_status, r.report.report_id, r.report.warnings)
            for r in RawReport.objects.filter(address=a).order_by("report_index")
        ]

    assert stored(address) == stored(other)


def test_an_import_of_the_first_report_only_is_completed_when_run_again(
    tmp_path: Path, address
) -> None:
    """A zip imported before this release was one row, its first report: importing the
    same file again stores the missing reports, and only them."""
    body = archive()
    first, _ = RawReport.store(address, body, source=RawReport.HTTPS)
    first.process()
    (tmp_path / f"{NAME}!1.zip").write_bytes(body)
    assert run(str(tmp_path)) == "1 already stored, 1 parsed"
    assert sorted(RawReport.objects.values_list("report_index", flat=True)) == [0, 1]
    assert bytes(RawReport.objects.get(pk=first.pk).body) == body
    assert report_ids() == day_ids(1, 2)
    nothing_lost_nor_doubled()


def test_reports_of_a_zip_already_stored_elsewhere_are_duplicates(address) -> None:
    single = gzip.compress(report(2))
    body = archive()
    outcome = ingest_many([(address, single), (address, body), (address, body)], batch=500)
    # The repeated archive counts as already stored for each of its reports.
    assert outcome == {"parsed": 2, "duplicate": 1, "already stored": 2}
    assert report_ids() == day_ids(1, 2)
    nothing_lost_nor_doubled()


def test_a_zip_whose_copies_exceed_the_intake_limit_is_skipped(
    tmp_path: Path, address, settings
) -> None:
    body = _zip(*((f"{d}.json", report(d)) for d in range(1, 4)))
    (tmp_path / f"{NAME}!1.zip").write_bytes(body)
    (tmp_path / f"{NAME}!2.json.gz").write_bytes(gzip.compress(report(9)))
    settings.TLSRPT_MAX_BODY_BYTES = len(body)  # three copies: over twice the cap, as at 413
    err = io.StringIO()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 file was not imported"):
        call_command("ingest_files", str(tmp_path), stdout=out, stderr=err)
    assert out.getvalue().strip() == "1 parsed, 1 skipped"
    assert f"{NAME}!1.zip: zip archive holds 3 reports" in err.getvalue()
    assert report_ids() == day_ids(9)
    settings.TLSRPT_MAX_BODY_BYTES = len(body) * 2  # three copies fit in twice that
    assert run(str(tmp_path)) == "1 already stored, 3 parsed"
    assert report_ids() == day_ids(1, 2, 3, 9)
