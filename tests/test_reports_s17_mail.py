# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Reports by mail, session 17: loose ends of the e-mail reader and `reparse --split-zips`.

1. A forwarded message read by decoding its base64 comes after the message's own reports, so
   a raw report stored before forwards were decoded reads the same report on a reparse.
2. A forward sent quoted-printable-encoded (Outlook, Exchange, some MTAs) is read as the base64
   one is, judged by its own DKIM signature.
3. A message of very many MIME parts is refused before the email package reads it (it took
   minutes), kept and rejected with the reason.
4. `reparse --split-zips` fails when a row it parses fails, naming the row.
5. An SMTP line over the listener's 64 KiB limit: a 500 to the sender, nothing stored; 76
   character base64 lines, as senders write them, still arrive.
6. A contact-info written `MAILTO:` or with `?subject=` is read as `mailto:` is.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import quopri
import smtplib
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from reports import conf
from reports.intake import accept_email
from reports.mail import (
    MAX_MIME_PARTS,
    TooManyParts,
    embedded_messages,
    extract_report,
    extract_reports,
    make_dnsfunc,
    report_count,
    verify_dkim,
)
from reports.models import RawReport, ReportAddress
from reports.smtp import build_controller
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    eager,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import (
    FILENAME,
    GOOGLE,
    GOOGLE_GZ,
    GZ,
    _text_block,
    _zip,
    both_readers,
    google,
    multipart,
    part,
    raw_json,
    sign_any,
)
from tests.test_reports_s13_blind import b64, raw_part
from tests.test_reports_s13_zip import report
from tests.test_reports_s14_zip_backfill import stored_before_the_split


def _other() -> bytes:
    """A second report, told apart from GOOGLE by its report-id."""
    other = google()
    other["report-id"] = "2026-06-01T00:00:00Z_other@sender.example"
    return raw_json(other)


OTHER_GZ = gzip.compress(_other())


def original(a: ReportAddress, signer: Any) -> bytes:
    """The reporter's message, signed by sender.example (relaxed/relaxed, as sign_any)."""
    return sign_any(multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)


def quoted_printable(message: bytes) -> bytes:
    """`message` quoted-printable-encoded as a mail client writes it: CRLF line ends, soft
    line breaks at 76 characters, every "=" written "=3D"."""
    return quopri.encodestring(message.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")


def forward(a: ReportAddress, attached: bytes, *after: bytes) -> bytes:
    """An administrator's forward as attachment: a note, the attached part, then `after`."""
    note = raw_part(["Content-Type: text/plain; charset=utf-8"], b"Forwarded report attached.")
    fields = [
        ("From", "Postmaster <postmaster@example.com>"),
        ("To", a.mailto),
        ("Subject", "FW: Report Domain: example.com Submitter: sender.example"),
        ("Date", "Wed, 03 Jun 2026 09:00:00 +0200"),
        ("Message-ID", "<fw.17@example.com>"),
        ("MIME-Version", "1.0"),
    ]
    body = b"".join(b"--o1\r\n" + p for p in [note, attached, *after])
    return (
        _text_block(fields)
        + b'Content-Type: multipart/mixed; boundary="o1"\r\n\r\n'
        + body
        + b"--o1--\r\n"
    )


def attached(message: bytes, cte: str) -> bytes:
    """`message` as a message/rfc822 part, encoded with `cte`."""
    text = {"base64": b64, "quoted-printable": quoted_printable}[cte](message)
    return raw_part(
        [
            'Content-Type: message/rfc822; name="report.eml"',
            f"Content-Transfer-Encoding: {cte}",
            'Content-Disposition: attachment; filename="report.eml"',
        ],
        text,
    )


def report_ids(message: bytes) -> list[str]:
    return [json.loads(gzip.decompress(r.payload))["report-id"] for r in extract_reports(message)]


GOOGLE_ID = json.loads(GOOGLE)["report-id"]
OTHER_ID = json.loads(_other())["report-id"]


# --- 1. Decoded forwards come after the message's own reports -----------------------------


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_a_decoded_forward_comes_after_a_report_attached_after_it(
    address: ReportAddress, signer: Any, cte: str
) -> None:
    # Before forwards were decoded, this message held one report, the direct one: its raw
    # report has report_index 0 and must read that report again.
    message = forward(address, attached(original(address, signer), cte), part(GZ, OTHER_GZ))
    assert report_ids(message) == [OTHER_ID, GOOGLE_ID]
    assert not extract_report(message, 0).forwarded
    assert extract_report(message, 1).forwarded


def test_a_decoded_forward_comes_after_the_further_reports_of_a_zip(
    address: ReportAddress, signer: Any
) -> None:
    archive = _zip(("a.json", report(1)), ("b.json", report(2)))
    zipped = part("application/zip", archive, filename="reports.zip")
    message = forward(address, attached(original(address, signer), "base64"), zipped)
    reports = extract_reports(message)
    assert [(r.forwarded, r.member) for r in reports] == [(False, 0), (False, 1), (True, None)]


def test_the_messages_own_json_part_keeps_its_place_beside_a_decoded_forward(
    address: ReportAddress, signer: Any
) -> None:
    # A JSON part not declared as a report counts when no part of the message is declared;
    # a report declared inside the decoded forward does not take that place away.
    plain = raw_part(["Content-Type: application/json"], _other())
    message = forward(address, attached(original(address, signer), "base64"), plain)
    [first, second] = extract_reports(message)
    assert json.loads(first.payload)["report-id"] == OTHER_ID and not first.forwarded
    assert second.forwarded and gzip.decompress(second.payload) == GOOGLE


def test_the_same_report_direct_and_in_a_decoded_forward_counts_once_as_the_direct_one(
    address: ReportAddress, signer: Any
) -> None:
    message = forward(address, attached(original(address, signer), "base64"), part(GZ, GOOGLE_GZ))
    [only] = extract_reports(message)
    assert not only.forwarded


# --- 2. Quoted-printable forwards -----------------------------------------------------------


def test_a_forward_encoded_quoted_printable_is_cut_out_as_its_original_bytes(
    address: ReportAddress, signer: Any
) -> None:
    signed = original(address, signer)
    encoded = quoted_printable(signed)
    assert b"=3D" in encoded and b"=\r\n" in encoded  # escapes and soft line breaks
    message = forward(address, attached(signed, "quoted-printable"))
    assert embedded_messages(message) == [signed]
    [found] = extract_reports(message)
    assert found.forwarded and found.submitter == "sender.example"
    assert gzip.decompress(found.payload) == GOOGLE


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_an_encoded_forward_is_judged_by_its_own_signature(
    address: ReportAddress, signer: Any, dns_stub: Any, cte: str
) -> None:
    message = forward(address, attached(original(address, signer), cte))
    dnsfunc = make_dnsfunc((("127.0.0.1", dns_stub.port),))
    outcome = verify_dkim(message, dnsfunc, "sender.example")
    assert (outcome.result, outcome.domain) == ("pass", "sender.example")
    assert "forwarded as an attachment" in outcome.detail


def test_a_quoted_printable_forward_is_stored_and_parsed(address, signer, eager) -> None:
    message = forward(address, attached(original(address, signer), "quoted-printable"))
    assert ingest(message) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert (raw.dkim_result, raw.dkim_domain) == ("pass", "sender.example")
    assert raw.body == message


def test_a_forward_labelled_quoted_printable_but_sent_plain_is_read_as_it_stands(
    address: ReportAddress, signer: Any
) -> None:
    signed = original(address, signer)
    labelled = raw_part(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: quoted-printable"], signed
    )
    message = forward(address, labelled)
    # The signature's "v=1;" is no quoted-printable escape: the message was never encoded.
    assert embedded_messages(message) == [signed]
    [found] = extract_reports(message)
    assert found.forwarded and gzip.decompress(found.payload) == GOOGLE


# --- 3. Very many MIME parts -----------------------------------------------------------------


def _many_parts(a: ReportAddress, count: int) -> bytes:
    tiny = b"Content-Type: text/plain\r\n\r\nx\r\n"
    return multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME), *[tiny] * count])


def test_a_message_of_too_many_parts_is_kept_and_rejected_saying_why(address) -> None:
    message = _many_parts(address, MAX_MIME_PARTS)
    assert report_count(message) == 1  # stored once, for the parse to reject and keep
    with pytest.raises(TooManyParts, match=rf"at most {MAX_MIME_PARTS} parts"):
        extract_reports(message)
    [accepted] = accept_email(address, message)
    raw = accepted.raw
    assert raw.process() == RawReport.REJECTED
    raw.refresh_from_db()
    assert "MIME boundary lines" in raw.error and f"at most {MAX_MIME_PARTS}" in raw.error
    assert bytes(raw.body) == message
    # Fewer parts are read as always.
    assert len(extract_reports(_many_parts(address, MAX_MIME_PARTS - 10))) == 1


def test_a_message_of_tiny_parts_at_the_size_cap_is_answered_at_once(address) -> None:
    head = _text_block([("From", "a@b.example"), ("To", address.mailto), ("MIME-Version", "1.0")])
    head += b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    tiny = b"--b\r\n\r\nx\r\n"
    message = head + tiny * ((conf.max_message_bytes() - len(head) - 9) // len(tiny)) + b"--b--\r\n"
    assert len(message) <= conf.max_message_bytes()
    started = time.monotonic()
    [accepted] = accept_email(address, message)
    assert accepted.raw.process() == RawReport.REJECTED
    # Read whole, the email package took minutes over these 1.4 million parts.
    assert time.monotonic() - started < 20


def test_the_parts_of_decoded_forwards_count_too(address: ReportAddress, signer: Any) -> None:
    tiny = b"Content-Type: text/plain\r\n\r\nx\r\n"
    inner = sign_any(multipart(address, [part(GZ, GOOGLE_GZ), *[tiny] * MAX_MIME_PARTS]), signer)
    message = forward(address, attached(inner, "base64"))
    with pytest.raises(TooManyParts, match="messages forwarded in it"):
        extract_reports(message)


# --- 4. reparse --split-zips fails when a row's parse fails --------------------------------


def test_split_zips_fails_naming_a_row_whose_parse_failed(address, monkeypatch) -> None:
    three = _zip(("a.json", report(1)), ("b.json", report(2)), ("c.json", report(3)))
    old = stored_before_the_split(address, three, source=RawReport.HTTPS)
    real = RawReport.process

    def refused_for_report_2(raw: RawReport, **kw: Any) -> str:
        # The database refusing one row (a fault injected around the real method).
        if raw.report_index == 1:
            raise OperationalError("database is locked")
        return real(raw, **kw)

    monkeypatch.setattr(RawReport, "process", refused_for_report_2)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("reparse", "--split-zips", stdout=out, stderr=err)
    bad = RawReport.objects.get(sha256=old.sha256, report_index=1)
    assert str(bad.public_id) in str(failed.value)
    assert "1 raw report was not parsed" in str(failed.value)
    assert f"{bad.public_id}: could not be reparsed: database is locked" in err.getvalue()
    assert f"{bad.public_id}: report 2 of a split body ended failed" in err.getvalue()
    assert out.getvalue().strip().splitlines()[-1] == (
        "split-zips: 1 body split, 2 raw reports added (1 failed, 1 parsed), "
        "1 raw report not parsed (listed)"
    )
    # The others went on.
    good = RawReport.objects.get(sha256=old.sha256, report_index=2)
    assert good.parse_status == RawReport.PARSED


# --- 5. A line over the SMTP listener's limit --------------------------------------------------


def test_a_line_over_64_kib_gets_a_500_and_nothing_is_stored(
    transactional_db: None, signer: Any
) -> None:
    known = ReportAddress.objects.create(domain_name="example.com")
    message = sign_any(multipart(known, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
    # One base64 line of 96 KiB, not wrapped.
    blob = base64.b64encode(b"\0" * 72 * 1024)
    unwrapped = multipart(known, [part(GZ, GOOGLE_GZ), part("application/octet-stream", b"")])
    unwrapped = unwrapped.replace(b"\r\n\r\n\r\n--b1--", b"\r\n\r\n" + blob + b"\r\n--b1--")
    assert len(blob) > 64 * 1024 and blob in unwrapped
    # part() wraps base64 at 76 characters, as senders do.
    assert base64.b64encode(GOOGLE_GZ)[:76] + b"\r\n" in message
    port = _free_port()
    controller = build_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo("mx.sender.example")
            smtp.mail("noreply@sender.example")
            smtp.rcpt(known.mailto)
            code, text = smtp.data(unwrapped)
            assert (code, text) == (500, b"Line too long (see RFC5321 4.5.3.1.6)")
            assert RawReport.objects.count() == 0
            # The session goes on: the next message, wrapped as senders write, is stored.
            smtp.mail("noreply@sender.example")
            smtp.rcpt(known.mailto)
            code, text = smtp.data(message)
            assert code == 250, text
    finally:
        controller.stop()
    assert [bytes(r.body) for r in RawReport.objects.all()] == [message]


# --- 6. contact-info as a mailto: URI in other spellings -----------------------------------


@pytest.mark.parametrize(
    "contact",
    [
        "MAILTO:smtp-tls-reporting@sender.example",
        "Mailto:smtp-tls-reporting@sender.example",
        "mailto:smtp-tls-reporting@sender.example?subject=TLS%20report",
        "mailto:smtp-tls-reporting%40sender.example",
    ],
)
def test_a_mailto_uri_in_any_spelling_is_read_and_noted(contact: str, monkeypatch) -> None:
    body = google()
    body["contact-info"] = contact
    status, parsed = both_readers(raw_json(body), monkeypatch)
    assert status == "parsed"
    assert parsed.contact_domain == "sender.example"
    assert parsed.warnings == []
    assert any("is a mailto: URI" in n for n in parsed.notes), parsed.notes


def test_a_query_without_the_mailto_scheme_is_still_no_address(monkeypatch) -> None:
    body = google()
    body["contact-info"] = "smtp-tls-reporting@sender.example?subject=x"
    status, parsed = both_readers(raw_json(body), monkeypatch)
    assert status == "parsed"
    assert parsed.contact_domain is None
    assert any("is not an e-mail address" in w for w in parsed.warnings), parsed.warnings


def test_a_forward_labelled_base64_but_sent_plain_is_judged_by_its_own_signature(
    address: ReportAddress, signer: Any, dns_stub: Any
) -> None:
    # Its report was read as it stands; its own signature was never checked (cut out: None).
    signed = original(address, signer)
    labelled = raw_part(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"], signed
    )
    message = forward(address, labelled)
    assert embedded_messages(message) == [signed]
    dnsfunc = make_dnsfunc((("127.0.0.1", dns_stub.port),))
    outcome = verify_dkim(message, dnsfunc, "sender.example")
    assert (outcome.result, outcome.domain) == ("pass", "sender.example")
