"""`manage.py ingest_files` after review of 2a7db83: a batch is weighed by what its reports
hold in memory (a zip's bytes once per report), a zip's bytes are rendered for COPY once
whatever its reports, and a zip refused for the intake's limits says what to do with it."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports import ingest
from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress
from tests.test_reports_s12_blind import _zip, nothing_lost_nor_doubled
from tests.test_reports_s13_zip import day_ids, report, report_ids

pytestmark = pytest.mark.django_db

NAME = "sender.example!example.com!1780272000!1780358399"


@pytest.fixture
def address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def zips(count: int, reports: int) -> list[bytes]:
    return [
        _zip(*((f"{n}.json", report(z * reports + n)) for n in range(1, reports + 1)))
        for z in range(count)
    ]


def test_a_batch_weighs_a_zip_once_per_report(address, monkeypatch) -> None:
    """Each report of a zip holds the whole body (parsed with it, stored with it): a batch
    of zips is cut by body size times reports, not by body size."""
    bodies = zips(3, 4)
    # Room for the bytes of the three zips once, or of two zips' four copies each.
    monkeypatch.setattr(ingest, "BATCH_BYTES", 2 * 4 * min(map(len, bodies)))
    batches: list[int] = []
    real = ingest._parse

    def counted(chunk, max_bytes):  # type: ignore[no-untyped-def]
        batches.append(len(chunk))
        return real(chunk, max_bytes)

    monkeypatch.setattr(ingest, "_parse", counted)
    assert ingest_many([(address, b) for b in bodies]) == {"parsed": 12}
    assert batches == [2, 1]
    assert report_ids() == day_ids(*range(1, 13))
    nothing_lost_nor_doubled()


def test_a_batch_counts_reports_against_its_size(address, monkeypatch) -> None:
    batches: list[int] = []
    real = ingest._parse

    def counted(chunk, max_bytes):  # type: ignore[no-untyped-def]
        batches.append(len(chunk))
        return real(chunk, max_bytes)

    monkeypatch.setattr(ingest, "_parse", counted)
    # Three zips of four reports, eight reports a batch: two zips, then one.
    assert ingest_many([(address, b) for b in zips(3, 4)], batch=8) == {"parsed": 12}
    assert batches == [2, 1]


def test_a_zip_is_rendered_for_copy_once_whatever_its_reports(address) -> None:
    """The COPY text of a zip's rows shares one hex rendering of its bytes (on PostgreSQL
    each row stores the whole body: it was rendered once per row, the body's size times
    its reports twice over)."""
    body, single = zips(1, 5)[0], _zip(("a.json", report(9)))
    staged = ingest._stage(
        [(address, body, ingest.reports_in(body), None), (address, single, [None], None)],
        10**7,
        "application/zip",
    )
    rows = [rows for f, rows in staged.files if f.body is body]
    assert len(rows) == 5
    assert all(r.body_hex is rows[0].body_hex for r in rows)
    assert bytes.fromhex(rows[0].body_hex.decode()) == body
    other = next(rows for f, rows in staged.files if f.body is single)
    assert bytes.fromhex(other.body_hex.decode()) == single


def test_every_row_of_a_zip_holds_its_bytes(address) -> None:
    """On both databases (run with DATABASE_URL for the COPY path)."""
    bodies = zips(2, 3)
    assert ingest_many([(address, b) for b in bodies]) == {"parsed": 6}
    for body in bodies:
        rows = RawReport.objects.filter(size=len(body)).order_by("report_index")
        assert [r.report_index for r in rows] == [0, 1, 2]
        assert all(bytes(r.body) == body for r in rows)
    assert report_ids() == day_ids(*range(1, 7))
    nothing_lost_nor_doubled()


# --- A zip over the intake's limits: refused, with what to do -------------------------------


def refused(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 file was not imported"):
        call_command("ingest_files", str(path), stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_a_zip_whose_copies_are_over_the_limit_says_how_to_import_it(
    tmp_path: Path, address, settings
) -> None:
    body = zips(1, 3)[0]
    path = tmp_path / f"{NAME}!1.zip"
    path.write_bytes(body)
    settings.TLSRPT_MAX_BODY_BYTES = len(body)  # three copies: over twice the cap
    needed = math.ceil(3 * len(body) / 2)
    out, err = refused(tmp_path)
    assert out == "no files, 1 skipped"
    assert err == (
        f"skipped {path}: zip archive holds 3 reports, stored as one copy of its {len(body)} "
        f"bytes each: over {2 * len(body)} bytes, 2 times TLSRPT_MAX_BODY_BYTES; not "
        f"imported: unzip it and import its files (with --address when their names give no "
        f"policy domain), or import it with TLSRPT_MAX_BODY_BYTES={needed} or more"
    )
    assert RawReport.objects.count() == 0
    # The figure given is enough, and no less would do.
    settings.TLSRPT_MAX_BODY_BYTES = needed - 1
    refused(tmp_path)
    settings.TLSRPT_MAX_BODY_BYTES = needed
    out = io.StringIO()
    call_command("ingest_files", str(tmp_path), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "3 parsed"
    assert report_ids() == day_ids(1, 2, 3)
