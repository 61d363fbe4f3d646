# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""s19r (c): a line with no colon in a report mail's headers.

* Right above the blank line that ends the message's header block (a relay's stray line added
  after signing): dkimpy refused the header block ("Unexpected characters in RFC822 header"),
  DKIM read as failed and the report was rejected. It is now read past, as a stray line
  between fields already was; when the signature does not verify so, the other reading — the
  line as the first line of a body written without its blank line, what a signer behind an
  MTA that ended the headers there signed — is tried. The DKIM verdict names the line and
  the reading that verified, or that neither did.
* In a MIME part's header block: the email package ended the part's headers there, the part
  lost its transfer encoding and the report was rejected as "not gzip, zip or JSON". Such a
  line is now read past, with a warning naming it.

Driven through `manage.py ingest_email` with a real DKIM key in a DNS stub."""

from __future__ import annotations

import dkim

from reports.models import RawReport, TlsReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SIGNED_HEADERS,
    address,
    dns_stub,
    ingest,
    make_message,
    sign,
    signer,
)
from tests.test_reports_s13_zip import parse_pending

LINE = b"X-Broken-Relay-Line"


def above_blank_line(message: bytes, line: bytes = LINE) -> bytes:
    """`message` with `line` put right above the blank line that ends its header block."""
    head, blank, body = message.partition(b"\r\n\r\n")
    return head + b"\r\n" + line + blank + body


def the_row() -> RawReport:
    parse_pending()
    return RawReport.objects.get()


def test_a_stray_line_added_above_the_blank_line_after_signing_is_read_past(
    address, signer
) -> None:
    assert ingest(above_blank_line(sign(make_message(address), signer))) == 0
    raw = the_row()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass"
    assert "header line" in raw.dkim_detail and repr(LINE.decode()) in raw.dkim_detail
    assert "stray header line" in raw.dkim_detail
    report = TlsReport.objects.get()
    assert any(repr(LINE.decode()) in w and "read past" in w for w in report.warnings)


def test_a_line_the_signer_read_as_the_first_line_of_the_body_verifies_so(address, signer) -> None:
    # The signer saw the header block end above the line (a blank line inserted there, as an
    # MTA that ends the headers at a line with no colon hands it on), and signed that body.
    head, blank, body = make_message(address).partition(b"\r\n\r\n")
    signed_form = head + blank + LINE + blank + body
    text = signed_form.decode().lower()
    signature = dkim.sign(
        signed_form,
        b"tlsrpt2026",
        b"sender.example",
        signer.private,
        include_headers=[h for h in SIGNED_HEADERS if h.decode() + ":" in text],
    )
    # On the wire the blank line is not there: the line stands above the one that is.
    sent = signature + head + b"\r\n" + LINE + blank + body
    assert ingest(sent) == 0
    raw = the_row()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass"
    assert "as the first line of the body" in raw.dkim_detail


def test_a_stray_line_on_a_message_that_does_not_verify_either_way_says_so(address, signer) -> None:
    message = above_blank_line(sign(make_message(address), signer))
    message = message.replace(b"This is an aggregate", b"This is a forged", 1)
    assert ingest(message) == 0
    raw = the_row()
    assert raw.parse_status == RawReport.REJECTED
    assert raw.dkim_result == "fail"
    assert "nor as the first line of the body" in raw.dkim_detail
    assert repr(LINE.decode()) in raw.error  # the rejection names the line


def test_two_stray_lines_above_the_blank_line_are_read_as_before(address, signer) -> None:
    # A body begun without its blank line: not read past (its lines are the body's).
    message = above_blank_line(above_blank_line(sign(make_message(address), signer)), b"more")
    assert ingest(message) == 0
    raw = the_row()
    assert raw.dkim_result == "fail"
    assert "could not be read for DKIM" in raw.dkim_detail


def _in_report_part(message: bytes, *, above_blank: bool) -> bytes:
    """`message` with a stray line in the header block of its report part: after its
    Content-Type, or right above the blank line that ends that block."""
    start = message.index(b"Content-Type: application/tlsrpt+gzip")
    if above_blank:
        end = message.index(b"\r\n\r\n", start)
        return message[:end] + b"\r\nbroken part line" + message[end:]
    end = message.index(b"\r\n", start)
    return message[:end] + b"\r\nbroken part line" + message[end:]


def test_a_stray_line_in_a_part_header_block_is_read_past_with_a_warning(address, signer) -> None:
    assert ingest(sign(_in_report_part(make_message(address), above_blank=False), signer)) == 0
    raw = the_row()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass"
    report = TlsReport.objects.get()
    assert any("MIME part's header line 'broken part line'" in w for w in report.warnings)


def test_a_stray_line_above_a_part_s_blank_line_is_read_past(address, signer) -> None:
    assert ingest(sign(_in_report_part(make_message(address), above_blank=True), signer)) == 0
    raw = the_row()
    assert raw.parse_status == RawReport.PARSED, raw.error
