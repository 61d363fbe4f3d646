# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""s19r (a): a zip of more than 8 files. The gzip member cap (8) applied to zip archives too,
so a sender bundling 9 or 10 reports (within the intake's 10 per body or message), or 8 and a
README, got 201 / 250 / exit 0 and then saw every report of the archive rejected ("zip
archive has more than 8 members"). Now a zip is read up to MAX_ZIP_FILES files; more than
that is refused at the door with its reason, nothing stored; a body the earlier release took
and rejected is recovered by `reparse --all-failed` and `reparse --split-zips`. Driven
through the HTTPS view and `manage.py ingest_email`."""

from __future__ import annotations

import io
from unittest import mock

from django.core.management import call_command
from django.test import Client

from reports import parse
from reports.models import RawReport, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import _post, _zip, nothing_lost_nor_doubled
from tests.test_reports_s13_zip import ZIP, day_ids, mail, parse_pending, report, report_ids


def reports_zip(days: range, *others: tuple[str, bytes]) -> bytes:
    return _zip(*((f"sender.example!example.com!{d}.json", report(d)) for d in days), *others)


def test_a_zip_of_nine_reports_posted_is_nine_reports(address) -> None:
    response = _post(Client(), address.token, reports_zip(range(1, 10)), ZIP)
    assert response.status_code == 201, response.content
    assert len(response.json()["ids"]) == 9
    parse_pending()
    assert report_ids() == day_ids(*range(1, 10))
    nothing_lost_nor_doubled()


def test_eight_reports_and_a_readme_are_eight_reports_and_a_warning(address) -> None:
    body = reports_zip(range(1, 9), ("README.txt", b"daily TLS reports\n"))
    assert _post(Client(), address.token, body, ZIP).status_code == 201
    parse_pending()
    assert report_ids() == day_ids(*range(1, 9))
    first = TlsReport.objects.get(report_id=day_ids(1)[0])
    assert any("'README.txt' is no report" in w for w in first.warnings), first.warnings


def test_a_zip_of_ten_reports_mailed_is_ten_reports(address, signer) -> None:
    assert ingest(mail(address, signer, (ZIP, reports_zip(range(1, 11))))) == 0
    parse_pending()
    assert report_ids() == day_ids(*range(1, 11))
    assert set(RawReport.objects.values_list("parse_status", flat=True)) == {RawReport.PARSED}


def test_a_resend_of_a_nine_report_zip_is_recognised_row_by_row(address) -> None:
    body = reports_zip(range(1, 10))
    assert _post(Client(), address.token, body, ZIP).status_code == 201
    again = _post(Client(), address.token, body, ZIP)
    assert again.status_code == 200, again.content
    assert RawReport.objects.count() == 9


def test_a_zip_of_too_many_files_is_refused_with_its_reason_and_nothing_stored(
    address, signer
) -> None:
    files = parse.MAX_ZIP_FILES + 1
    body = reports_zip(range(1, 3), *((f"note{n}.txt", b"x") for n in range(files - 2)))
    response = _post(Client(), address.token, body, ZIP)
    assert response.status_code == 413
    assert (
        f"zip archive holds {files} files; at most {parse.MAX_ZIP_FILES}"
        in (response.json()["error"])
    )
    err = io.StringIO()
    with mock.patch("sys.stderr", err):
        assert ingest(mail(address, signer, (ZIP, body))) == 65
    assert not RawReport.objects.exists()


def test_a_nine_report_zip_taken_and_rejected_before_is_recovered_by_reparse(
    address, monkeypatch
) -> None:
    body = reports_zip(range(1, 10))
    # As the earlier release stored it: one row, rejected for its file count.
    monkeypatch.setattr(parse, "MAX_ZIP_FILES", 8)
    assert _post(Client(), address.token, body, ZIP).status_code == 201
    parse_pending()
    old = RawReport.objects.get()
    assert old.parse_status == RawReport.REJECTED and "9 files" in old.error
    monkeypatch.undo()

    call_command("reparse", "--all-failed", stdout=io.StringIO(), stderr=io.StringIO())
    assert report_ids() == day_ids(1)
    out = io.StringIO()
    call_command("reparse", "--split-zips", stdout=out, stderr=io.StringIO())
    assert "8 raw reports added" in out.getvalue(), out.getvalue()
    assert report_ids() == day_ids(*range(1, 10))
    # The same result once more: nothing added, every row reads the report it read.
    call_command("reparse", "--split-zips", stdout=io.StringIO(), stderr=io.StringIO())
    rows = list(RawReport.objects.order_by("report_index"))
    call_command("reparse", *(f"--id={r.public_id}" for r in rows), stdout=io.StringIO())
    assert [r.report_index for r in rows] == list(range(9))
    assert report_ids() == day_ids(*range(1, 10))
    nothing_lost_nor_doubled()
