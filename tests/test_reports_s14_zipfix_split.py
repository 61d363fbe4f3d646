# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""`manage.py reparse --split-zips` after review of 2a7db83: an interrupted split is finished
by the next run, the new reports of a zip imported by ingest_files raise no alerts (as the
import raised none), bodies left unsplit make the command fail, the table is read a page at a
time and only rows that can hold several reports are read, and a stored message holding more
than ten reports (two zips of six, stored as two rows by an earlier release) still reads."""

from __future__ import annotations

import gzip
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import ingest
from reports.ingest import ingest_many, split_stored
from reports.intake import IntakeError, accept_email
from reports.mail import header_summary
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import _zip, nothing_lost_nor_doubled
from tests.test_reports_s13_zip import ZIP, day_ids, mail, report, report_ids
from tests.test_reports_s14_zip_backfill import OLD_WARNING, split, stored_before_the_split


def split_failing(*args: str) -> tuple[list[str], str, str]:
    """Run --split-zips expecting it to fail: (stdout lines, stderr, the error)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("reparse", "--split-zips", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines(), err.getvalue(), str(failed.value)


def three() -> bytes:
    return _zip(("a.json", report(1)), ("b.json", report(2)), ("c.json", report(3)))


# --- 1. An interrupted split ---------------------------------------------------------------


def test_a_split_interrupted_before_its_parse_is_finished_by_the_next_run(address) -> None:
    body = three()
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    TlsReport.objects.filter(pk=old.report_id).update(warnings=[OLD_WARNING])
    # A run stopped (killed, the machine rebooted) once it had stored the new rows and
    # before it parsed them or read row 0 again.
    stored = split_stored(RawReport.objects.get(pk=old.pk))
    assert stored is not None and len(stored.added) == 2
    assert RawReport.objects.filter(parse_status=RawReport.PENDING).count() == 2

    lines = split()
    assert lines[-1] == (
        "split-zips: 1 body finished, 2 pending raw reports parsed (2 parsed), "
        "1 stale raw report read again"
    )
    new = list(RawReport.objects.filter(report_index__gt=0).order_by("report_index"))
    assert lines[0] == (
        f"{old.public_id}: zip of 3 reports stored as 3; parsed the pending "
        f"report 2 as {new[0].public_id}: parsed, report 3 as {new[1].public_id}: parsed; "
        "read again report 1: parsed"
    )
    assert report_ids() == day_ids(1, 2, 3)
    assert OLD_WARNING not in RawReport.objects.get(pk=old.pk).report.warnings
    nothing_lost_nor_doubled()
    assert split() == ["split-zips: 1 body split already"]


def test_a_split_interrupted_before_row_0_was_read_again_reads_it(address) -> None:
    body = three()
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    TlsReport.objects.filter(pk=old.report_id).update(warnings=[OLD_WARNING])
    stored = split_stored(RawReport.objects.get(pk=old.pk))
    assert stored is not None
    for row in stored.added:
        assert row.process() == RawReport.PARSED
    lines = split()
    assert lines == [
        f"{old.public_id}: zip of 3 reports stored as 3; read again report 1: parsed",
        "split-zips: 1 body finished, 1 stale raw report read again",
    ]
    assert OLD_WARNING not in RawReport.objects.get(pk=old.pk).report.warnings
    assert split() == ["split-zips: 1 body split already"]


# --- 3. The reports of an imported zip raise no alerts --------------------------------------


def imported_first_report_only(address: ReportAddress, body: bytes) -> RawReport:
    """A zip as ingest_files imported it before 2a7db83: row 0 and its report only, the
    report marked evaluated (an import raises no alerts)."""
    assert ingest_many([(address, body)]) == {"parsed": 3}
    later = RawReport.objects.filter(sha256=RawReport.objects.get(report_index=0).sha256)
    gone = list(later.filter(report_index__gt=0).values_list("report_id", flat=True))
    later.filter(report_index__gt=0).delete()
    TlsReport.objects.filter(pk__in=gone).delete()
    first = RawReport.objects.get(report_index=0)
    assert first.report.alerts_evaluated_at is not None
    return first


def test_the_new_reports_of_an_imported_zip_are_marked_evaluated_as_imports_are(
    address,
) -> None:
    first = imported_first_report_only(address, three())
    lines = split()
    assert lines[-1] == "split-zips: 1 body split, 2 raw reports added (2 parsed)"
    assert "imported: its new reports raise no alerts, as the import raised none" in lines[0]
    new = TlsReport.objects.exclude(pk=first.report_id)
    assert new.count() == 2
    assert all(r.alerts_evaluated_at is not None for r in new)
    # The report stored before keeps its mark.
    assert TlsReport.objects.get(pk=first.report_id).alerts_evaluated_at is not None


def test_the_new_reports_of_an_imported_zip_are_parsed_here_with_queue(
    address, monkeypatch
) -> None:
    from reports import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.parse_raw_report, "delay", lambda pk, force=False: sent.append(pk))
    imported_first_report_only(address, three())
    lines = split("--queue")
    # Queued, a worker's parse would create them to be alerted on: parsed here instead.
    assert sent == []
    assert lines[-1] == "split-zips: 1 body split, 2 raw reports added (2 parsed)"
    assert all(r.alerts_evaluated_at is not None for r in TlsReport.objects.all())
    nothing_lost_nor_doubled()


def test_the_new_reports_of_a_body_the_intake_stored_are_left_to_the_alerts(address) -> None:
    old = stored_before_the_split(address, three(), source=RawReport.HTTPS)
    split()
    new = TlsReport.objects.exclude(pk=old.report_id)
    assert new.count() == 2
    # Never evaluated: the alert task (queued) or the sweep evaluates them.
    assert all(r.alerts_evaluated_at is None for r in new)


# --- 5. Bodies not split fail the command -----------------------------------------------------


def test_bodies_over_the_limits_fail_the_command_once_listed(address, settings) -> None:
    body = three()
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    other = _zip(("a.json", report(5)), ("b.json", report(6)))
    stored_before_the_split(address, other, source=RawReport.HTTPS)
    settings.TLSRPT_MAX_BODY_BYTES = len(body)  # three copies: over twice the cap
    lines, _, error = split_failing()
    assert lines[0].startswith(f"{old.public_id}: body holds 3 reports, stored as one copy")
    assert lines[-1] == (
        "split-zips: 1 body split, 1 raw report added (1 parsed), "
        "1 body not split (over the limits, listed)"
    )
    assert error == "1 body was not split (listed above)"
    assert report_ids() == day_ids(1, 5, 6)


def test_a_body_whose_split_fails_fails_the_command(address, monkeypatch) -> None:
    first = stored_before_the_split(address, three(), source=RawReport.HTTPS)
    stored_before_the_split(
        address, _zip(("a.json", report(5)), ("b.json", report(6))), source=RawReport.HTTPS
    )
    real = ingest.split_stored

    def refused_for_the_first(raw: RawReport) -> Any:
        # The database refusing one body (a fault injected around the real function).
        if raw.pk == first.pk:
            raise RuntimeError("disk full")
        return real(raw)

    from reports.management.commands import reparse

    monkeypatch.setattr(reparse, "split_stored", refused_for_the_first)
    lines, err, error = split_failing()
    assert f"{first.public_id}: could not be split: disk full" in err
    assert lines[-1] == (
        "split-zips: 1 body split, 1 raw report added (1 parsed), 1 body failed (listed)"
    )
    assert error == "1 body was not split (listed above)"
    assert report_ids() == day_ids(1, 5, 6)


# --- 6. Large tables: a page at a time, only rows that can hold several reports -------------


def test_only_rows_that_can_hold_several_reports_are_read_a_page_at_a_time(
    address, monkeypatch, signer
) -> None:
    from reports.management.commands import reparse

    monkeypatch.setattr(reparse, "SPLIT_PAGE", 3)
    zips = []
    for day in range(1, 8):
        # Six single-report bodies (gzip, JSON) between the zips.
        stored_before_the_split(address, gzip.compress(report(day + 10)), source=RawReport.HTTPS)
        RawReport.store(address, b"garbage %d" % day, source=RawReport.HTTPS)[0].process()
        if day % 3 == 1:
            zips.append(
                stored_before_the_split(
                    address,
                    _zip(("a.json", report(day)), ("b.json", report(day + 1))),
                    source=RawReport.HTTPS,
                )
            )
    message = mail(address, signer, (ZIP, _zip(("a.json", report(20)), ("b.json", report(21)))))
    mailed = stored_before_the_split(
        address, message, source=RawReport.EMAIL, headers=header_summary(message)
    )
    read: list[int] = []
    real = reparse.split_stored

    def spy(raw: RawReport) -> Any:
        read.append(raw.pk)
        return real(raw)

    monkeypatch.setattr(reparse, "split_stored", spy)
    with CaptureQueriesContext(connection) as queries:
        lines = split()
    assert lines[-1] == "split-zips: 4 bodies split, 4 raw reports added (4 parsed)"
    # Only the zip bodies and the e-mail row were read, in order of id.
    assert read == [z.pk for z in zips] + [mailed.pk]
    listing = [q["sql"] for q in queries.captured_queries if "LIMIT 3" in q["sql"]]
    # Pages of 3 candidates: 4 candidates make two pages and an empty third.
    assert len(listing) >= 2
    assert "SELECT" in listing[0]
    assert report_ids() == day_ids(1, 2, 4, 5, 7, 8, 20, 21, *range(11, 18))


# --- 7. A stored message of more than ten reports still reads ------------------------------


def test_rows_of_a_message_stored_before_zips_were_split_read_as_they_did(address, signer) -> None:
    """Two zips of six reports each: two reports before 3996dfd (one per part), twelve
    since; the intake refuses such a message now, but the rows stored then keep reading."""
    first = _zip(*((f"{d}.json", report(d)) for d in range(1, 7)))
    second = _zip(*((f"{d}.json", report(d)) for d in range(7, 13)))
    message = mail(address, signer, (ZIP, first), (ZIP, second))
    rows = [
        RawReport.store(
            address,
            message,
            source=RawReport.EMAIL,
            headers=header_summary(message),
            report_index=index,
        )[0]
        for index in (0, 1)
    ]
    for row in rows:
        assert row.process() == RawReport.PARSED, row.error
    assert report_ids() == day_ids(1, 7)
    assert rows[1].report_json() == report(7)
    # --recheck-dkim (or any reparse) keeps them.
    call_command(
        "reparse", "--id", str(rows[0].public_id), "--id", str(rows[1].public_id),
        "--recheck-dkim", stdout=io.StringIO(),
    )  # fmt: skip
    assert [r.parse_status for r in RawReport.objects.order_by("report_index")] == [
        RawReport.PARSED,
        RawReport.PARSED,
    ]
    assert report_ids() == day_ids(1, 7)
    # The limit stays the intake's: the message is refused there, and not split here.
    with pytest.raises(IntakeError, match="message carries 12 reports; at most 10"):
        accept_email(address, message)
    lines, _, error = split_failing()
    assert lines[0] == (
        f"{rows[0].public_id}: message holds 12 reports; at most 10 are stored from one; not split"
    )
    assert error == "1 body was not split (listed above)"
    assert RawReport.objects.count() == 2 and report_ids() == day_ids(1, 7)
