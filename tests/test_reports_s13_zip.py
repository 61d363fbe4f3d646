# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""A zip archive holding several TLS reports (RFC 8460 §6.3: an archive may hold several
files) is read as several reports, as several attachments are: each report member is a raw
report of its own (the whole message or HTTPS body, and its place in it), parsed and counted
once, recognised on a resend, within the same limits. Files that are no report are ignored
with a warning. Driven through the real doors: `manage.py ingest_email`, the HTTPS view and
the SMTP listener."""

from __future__ import annotations

import gzip
import smtplib
from typing import Any

from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from reports.smtp import build_controller
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import (
    GZ,
    _post,
    _zip,
    edit,
    multipart,
    nothing_lost_nor_doubled,
    part,
    raw_json,
    sign_any,
)

ZIP = "application/zip"


def report(day: int) -> bytes:
    """The Google-style sample for June `day`: another report-id per day."""
    return raw_json(
        edit(
            lambda r: (
                r.update({"report-id": f"2026-06-{day:02d}T00:00:00Z_example.com"}),
                r["date-range"].update(
                    {
                        "start-datetime": f"2026-06-{day:02d}T00:00:00Z",
                        "end-datetime": f"2026-06-{day:02d}T23:59:59Z",
                    }
                ),
            )
        )
    )


def mail(address: ReportAddress, signer: Any, *payloads: tuple[str, bytes]) -> bytes:
    """A signed multipart/report message with each (content type, payload) attached."""
    return sign_any(multipart(address, [part(ctype, data) for ctype, data in payloads]), signer)


def parse_pending() -> None:
    """What the parse task does, run by hand once the intake has answered."""
    for raw in RawReport.objects.filter(parse_status=RawReport.PENDING).order_by("pk"):
        raw.process()


def report_ids() -> list[str]:
    return sorted(TlsReport.objects.values_list("report_id", flat=True))


def day_ids(*days: int) -> list[str]:
    return sorted(f"2026-06-{d:02d}T00:00:00Z_example.com" for d in days)


# --- By e-mail ----------------------------------------------------------------------------------


def test_it_stores_and_counts_every_report_of_a_zip_attachment(address, signer) -> None:
    message = mail(address, signer, (ZIP, _zip(("a.json", report(1)), ("b.json", report(2)))))
    assert ingest(message) == 0
    rows = list(RawReport.objects.order_by("report_index"))
    # Raw first: both rows hold the message exactly as sent, before any parse ran.
    assert [(r.report_index, r.parse_status) for r in rows] == [
        (0, RawReport.PENDING),
        (1, RawReport.PENDING),
    ]
    assert all(bytes(r.body) == message for r in rows)
    parse_pending()
    assert [r.parse_status for r in RawReport.objects.all()] == [RawReport.PARSED] * 2
    assert report_ids() == day_ids(1, 2)
    second = RawReport.objects.get(report_index=1).report
    assert any("'b.json'" in w for w in second.warnings), second.warnings
    # The JSON shown for each row is its own member's.
    assert RawReport.objects.get(report_index=1).report_json() == report(2)
    assert RawReport.objects.get(report_index=0).report_json() == report(1)
    nothing_lost_nor_doubled()


def test_a_zip_sent_again_is_a_duplicate_of_every_member(address, signer) -> None:
    message = mail(address, signer, (ZIP, _zip(("a.json", report(1)), ("b.json", report(2)))))
    assert ingest(message) == 0
    parse_pending()
    assert ingest(message) == 0  # the sender lost our answer and sends the same bytes
    assert RawReport.objects.count() == 2
    # The same reports in a new message (another Message-ID): new rows, counted once.
    again = mail(
        address,
        signer,
        (ZIP, _zip(("a.json", report(1)), ("b.json", report(2)))),
        ("text/plain", b"resent\n"),
    )
    assert ingest(again) == 0
    parse_pending()
    statuses = sorted(RawReport.objects.values_list("parse_status", flat=True))
    assert statuses == sorted([RawReport.PARSED] * 2 + [RawReport.DUPLICATE] * 2)
    assert report_ids() == day_ids(1, 2)
    nothing_lost_nor_doubled()


def test_files_of_a_zip_that_are_no_report_are_ignored_with_a_warning(address, signer) -> None:
    archive = _zip(
        ("README.txt", b"TLS reports of sender.example\n"),
        ("reports/", b""),
        (".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(40)),
        ("a.json", report(1)),
        ("notes.txt.gz", gzip.compress(b"not a report\n")),
        ("b.json.gz", gzip.compress(report(2))),  # a member that is itself a gzip: a report
    )
    assert ingest(mail(address, signer, (ZIP, archive))) == 0
    assert RawReport.objects.count() == 2
    parse_pending()
    assert report_ids() == day_ids(1, 2)
    warnings = RawReport.objects.get(report_index=0).report.warnings
    for name in ("README.txt", ".DS_Store", "notes.txt.gz"):
        assert any(name in w and "not read" in w for w in warnings), (name, warnings)
    assert not any("reports/" in w for w in warnings)  # a directory entry is no file
    nothing_lost_nor_doubled()


def test_a_zip_next_to_another_attachment_keeps_the_first_reports_in_place(address, signer) -> None:
    # Declared reports first (as before), then the zip; each part's first report keeps the
    # place it had before zips were split (rows stored then keep pointing at the same
    # report), and the zip's second file comes last.
    message = mail(
        address,
        signer,
        (GZ, gzip.compress(report(1))),
        (ZIP, _zip(("a.json", report(2)), ("b.json", report(3)))),
        (GZ, gzip.compress(report(4))),
    )
    assert ingest(message) == 0
    parse_pending()
    by_index = {
        r.report_index: r.report.report_id for r in RawReport.objects.select_related("report")
    }
    assert by_index == {
        0: day_ids(1)[0],
        1: day_ids(4)[0],
        2: day_ids(2)[0],
        3: day_ids(3)[0],
    }
    nothing_lost_nor_doubled()


def test_a_message_over_ten_reports_counting_zip_members_is_refused(address, signer) -> None:
    archive = _zip(*((f"{d}.json", report(d)) for d in range(1, 9)))  # 8 members
    message = mail(
        address, signer, (ZIP, archive), *((GZ, gzip.compress(report(d))) for d in (20, 21, 22))
    )
    assert ingest(message) == 65
    assert not RawReport.objects.exists()


def test_a_zip_whose_copies_would_be_too_large_is_refused(address, signer, settings) -> None:
    message = mail(address, signer, (ZIP, _zip(*((f"{d}.json", report(d)) for d in range(1, 4)))))
    settings.TLSRPT_MAX_MESSAGE_BYTES = len(message)  # three copies: over twice the cap
    assert ingest(message) == 65
    assert not RawReport.objects.exists()
    settings.TLSRPT_MAX_MESSAGE_BYTES = len(message) * 2  # three copies fit in twice that
    assert ingest(message) == 0
    assert RawReport.objects.count() == 3


def test_a_zip_of_nine_files_is_nine_reports(address, signer) -> None:
    # s19r: zip archives are read up to parse.MAX_ZIP_FILES (64) files; before, the gzip
    # member cap of 8 applied and all nine reports were rejected.
    archive = _zip(*((f"{d}.json", report(d)) for d in range(1, 10)))
    assert ingest(mail(address, signer, (ZIP, archive))) == 0
    parse_pending()
    assert report_ids() == day_ids(*range(1, 10))
    nothing_lost_nor_doubled()


def test_the_smtp_listener_stores_every_member(transactional_db, signer) -> None:
    known = ReportAddress.objects.create(domain_name="example.com")
    message = mail(known, signer, (ZIP, _zip(("a.json", report(1)), ("b.json", report(2)))))
    port = _free_port()
    controller = build_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo("mx.sender.example")
            reply = smtp.sendmail("noreply@sender.example", [known.mailto], message)
            assert reply == {}
    finally:
        controller.stop()
    rows = list(RawReport.objects.order_by("report_index"))
    assert [r.report_index for r in rows] == [0, 1]
    parse_pending()
    assert report_ids() == day_ids(1, 2)


# --- Over HTTPS ---------------------------------------------------------------------------------


def test_a_zip_body_is_stored_as_one_raw_report_per_member(client: Client, address) -> None:
    body = _zip(
        ("a.json", report(1)), ("README", b"hello\n"), ("b.json.gz", gzip.compress(report(2)))
    )
    response = _post(client, address.token, body, GZ)
    assert response.status_code == 201, response.content
    rows = list(RawReport.objects.order_by("report_index"))
    assert [r.report_index for r in rows] == [0, 1]
    assert all(bytes(r.body) == body for r in rows)  # the archive as sent, in each row
    assert response.json()["ids"] == [str(r.public_id) for r in rows]
    parse_pending()
    assert [r.parse_status for r in RawReport.objects.all()] == [RawReport.PARSED] * 2
    assert report_ids() == day_ids(1, 2)
    assert RawReport.objects.get(report_index=1).report_json() == report(2)
    assert any("README" in w for w in RawReport.objects.get(report_index=0).report.warnings)
    # A resend of the same body is recognised as every member's.
    again = _post(client, address.token, body, GZ)
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "already stored"
    assert RawReport.objects.count() == 2
    nothing_lost_nor_doubled()


def test_a_zip_body_whose_copies_would_be_too_large_is_refused(
    client: Client, address, settings
) -> None:
    body = _zip(*((f"{d}.json", report(d)) for d in range(1, 4)))
    settings.TLSRPT_MAX_BODY_BYTES = len(body)
    response = _post(client, address.token, body, GZ)
    assert response.status_code == 413, response.content
    assert "3 reports" in response.json()["error"]
    assert not RawReport.objects.exists()


def test_a_single_report_zip_body_is_one_raw_report(client: Client, address) -> None:
    body = _zip(("a.json", report(1)))
    assert _post(client, address.token, body, GZ).status_code == 201
    raw = RawReport.objects.get()
    raw.process()
    raw.refresh_from_db()
    assert raw.parse_status == RawReport.PARSED, raw.error
