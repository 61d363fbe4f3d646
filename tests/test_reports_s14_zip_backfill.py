# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""`manage.py reparse --split-zips`: a raw report stored before the intakes split zip
archives holds a zip of several reports of which only the first was read. The command finds
such bodies and stores each missing report as a raw report of its own (the same bytes, the
next report_index), as the intake stores them today, and parses it; the rows and bytes
stored before are not changed, and a second run adds nothing."""

from __future__ import annotations

import gzip
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.intake import accept_https
from reports.mail import header_summary
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import GZ, _zip, nothing_lost_nor_doubled
from tests.test_reports_s13_zip import ZIP, day_ids, mail, report, report_ids

# The warning the parse gave such a body before archives were split.
OLD_WARNING = "zip archive holds 3 reports; only the first, 'a.json', was read"


def split(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("reparse", "--split-zips", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()


def stored_before_the_split(address: ReportAddress, body: bytes, **kw: Any) -> RawReport:
    """A row as the intake stored a body before archives were split: report 0 only, parsed."""
    raw, _ = RawReport.store(address, body, **kw)
    assert raw.process() == RawReport.PARSED, raw.error
    return raw


def test_it_stores_the_reports_of_a_zip_body_read_as_one(address) -> None:
    body = _zip(
        ("a.json", report(1)),
        ("README", b"hello\n"),
        ("b.json.gz", gzip.compress(report(2))),
        ("c.json", report(3)),
    )
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    TlsReport.objects.filter(pk=old.report_id).update(warnings=[OLD_WARNING])
    # Bodies holding one report are left alone, garbage too.
    plain = stored_before_the_split(address, gzip.compress(report(9)), source=RawReport.HTTPS)
    assert RawReport.store(address, b"garbage", source=RawReport.HTTPS)[0].process() == "rejected"
    assert report_ids() == day_ids(1, 9)

    lines = split()
    assert lines[-1] == "split-zips: 1 body split, 2 raw reports added (2 parsed)"
    assert len(lines) == 2 and lines[0].startswith(f"{old.public_id}: zip of 3 reports stored as 1")
    rows = list(RawReport.objects.filter(sha256=old.sha256).order_by("report_index"))
    assert [r.report_index for r in rows] == [0, 1, 2]
    for n, row in enumerate(rows[1:], start=2):
        assert f"report {n} as {row.public_id}: parsed" in lines[0]
    assert "read again report 1: parsed" in lines[0]
    # The bytes kept are the bytes received, in every row; the first row is the same row.
    assert all(bytes(r.body) == body and r.size == len(body) for r in rows)
    assert rows[0].pk == old.pk and rows[0].report_id == old.report_id
    assert {r.received_at for r in rows} == {old.received_at}
    assert [r.report_json() for r in rows] == [report(1), report(2), report(3)]
    assert report_ids() == day_ids(1, 2, 3, 9)
    # The first report no longer says the others were not read.
    assert OLD_WARNING not in RawReport.objects.get(pk=old.pk).report.warnings
    assert RawReport.objects.get(pk=plain.pk).report_index == 0
    nothing_lost_nor_doubled()

    # Again: nothing is added; a resend of the body is recognised as every one of its rows.
    assert split() == ["split-zips: 1 body split already"]
    assert RawReport.objects.count() == 5
    assert not any(a.created for a in accept_https(address, body, "application/zip", []))
    assert RawReport.objects.count() == 5 and TlsReport.objects.count() == 4


def test_a_report_of_the_zip_stored_since_is_a_duplicate(address) -> None:
    body = _zip(("a.json", report(1)), ("b.json", report(2)))
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    stored_before_the_split(address, gzip.compress(report(2)), source=RawReport.HTTPS)
    lines = split()
    assert f"{old.public_id}: zip of 2 reports stored as 1; added report 2 as " in lines[0]
    assert ": duplicate (resend of report" in lines[0]
    assert lines[-1] == "split-zips: 1 body split, 1 raw report added (1 duplicate)"
    assert report_ids() == day_ids(1, 2)
    nothing_lost_nor_doubled()


def test_a_message_keeps_the_dkim_outcome_it_had_when_it_came(address, signer, dns_stub) -> None:
    message = mail(
        address,
        signer,
        (GZ, gzip.compress(report(1))),
        (ZIP, _zip(("a.json", report(2)), ("b.json", report(3)))),
    )
    # Stored before archives were split: one row per part, the zip read as its first file.
    for index in (0, 1):
        stored_before_the_split(
            address,
            message,
            source=RawReport.EMAIL,
            headers=header_summary(message),
            report_index=index,
        )
    assert report_ids() == day_ids(1, 2)
    # The key is gone since (rotated): the outcome recorded then still stands.
    dns_stub.records.clear()
    lines = split()
    assert lines[-1] == "split-zips: 1 body split, 1 raw report added (1 parsed)"
    assert "message of 3 reports stored as 2; added report 3 as" in lines[0]
    assert "read again report 1: parsed, report 2: parsed" in lines[0]
    new = RawReport.objects.get(report_index=2)
    assert bytes(new.body) == message
    assert (new.dkim_result, new.dkim_domain, new.parse_status) == (
        "pass",
        "sender.example",
        RawReport.PARSED,
    )
    assert new.report.report_id == day_ids(3)[0]
    assert any("'b.json'" in w for w in new.report.warnings), new.report.warnings
    assert report_ids() == day_ids(1, 2, 3)
    nothing_lost_nor_doubled()
    assert split() == ["split-zips: 1 body split already"]
    # What the copied outcome spared it: verified now, the signature finds no key.
    call_command("reparse", "--id", str(new.public_id), "--recheck-dkim", stdout=io.StringIO())
    new.refresh_from_db()
    assert (new.dkim_result, new.parse_status) == ("fail", RawReport.REJECTED)


def test_a_body_whose_copies_would_be_over_the_limit_is_left_and_said(address, settings) -> None:
    body = _zip(*((f"{d}.json", report(d)) for d in range(1, 4)))
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    settings.TLSRPT_MAX_BODY_BYTES = len(body)  # three copies: over twice the cap (the 413)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 body was not split"):
        call_command("reparse", "--split-zips", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith(f"{old.public_id}: body holds 3 reports, stored as one copy")
    assert lines[0].endswith("2 times TLSRPT_MAX_BODY_BYTES; not split")
    assert lines[-1] == "split-zips: 1 body not split (over the limits, listed)"
    assert RawReport.objects.count() == 1 and report_ids() == day_ids(1)


def test_nothing_to_split(address) -> None:
    stored_before_the_split(address, gzip.compress(report(1)), source=RawReport.HTTPS)
    assert split() == ["split-zips: nothing to split"]


def test_bodies_read_in_several_chunks_are_all_split(address, monkeypatch) -> None:
    from reports.management.commands import reparse

    monkeypatch.setattr(reparse, "SPLIT_CHUNK", 1)
    for day in (1, 3):
        body = _zip(("a.json", report(day)), ("b.json", report(day + 1)))
        stored_before_the_split(address, body, source=RawReport.HTTPS)
    assert split()[-1] == "split-zips: 2 bodies split, 2 raw reports added (2 parsed)"
    assert report_ids() == day_ids(1, 2, 3, 4)


def test_queue_sends_the_new_rows_to_the_workers(address, monkeypatch) -> None:
    from reports import tasks

    sent: list[tuple[int, bool]] = []
    monkeypatch.setattr(
        tasks.parse_raw_report, "delay", lambda pk, force=False: sent.append((pk, force))
    )
    body = _zip(("a.json", report(1)), ("b.json", report(2)))
    old = stored_before_the_split(address, body, source=RawReport.HTTPS)
    lines = split("--queue")
    new = RawReport.objects.get(report_index=1)
    assert (new.parse_status, bytes(new.body)) == (RawReport.PENDING, body)
    assert sent == [(old.pk, True), (new.pk, False)]
    assert lines[-1] == "split-zips: 1 body split, 1 raw report added (1 queued)"
    # No worker took it yet: a run without --queue parses it (as one left by a run stopped
    # before its parse), then there is nothing left to do.
    assert split()[-1] == "split-zips: 1 body finished, 1 pending raw report parsed (1 parsed)"
    assert split() == ["split-zips: 1 body split already"]
