# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Report e-mails nobody listed (RFC 8460 §5.3, checklist §12): the MIME shapes, encodings and
line endings real reporters, relays and pipes produce, read the same way by ingest_email."""

from __future__ import annotations

import base64
import gzip
import io
import quopri
import zipfile

import dkim
import pytest

from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SAMPLE,
    SIGNED_HEADERS,
    address,
    dns_stub,
    eager,
    ingest,
    signer,
)


def sign(message: bytes, signer, domain: bytes = b"sender.example") -> bytes:
    """DKIM-sign (relaxed/simple, dkimpy's default) the headers of SIGNED_HEADERS present; the
    message may hold 8-bit bytes."""
    head = "\n" + message.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    names = [h for h in SIGNED_HEADERS if "\n" + h.decode() + ":" in head]
    return (
        dkim.sign(message, b"tlsrpt2026", domain, signer.private, include_headers=names) + message
    )


def report_mail(
    address: ReportAddress,
    part_head: bytes,
    part_body: bytes,
    *,
    headers: list[bytes] | None = None,
) -> bytes:
    """A multipart/report; report-type=tlsrpt message, written line by line as a reporter's
    MTA sends it (CRLF), with one report part of the given headers and (encoded) body."""
    if headers is None:
        headers = [b"TLS-Report-Domain: example.com", b"TLS-Report-Submitter: sender.example"]
    lines = [
        b"From: noreply-smtp-tls-reporting@sender.example",
        b"To: " + address.mailto.encode(),
        b"Subject: Report Domain: example.com Submitter: sender.example"
        b" Report-ID: 2026-06-01T00:00:00Z_example.com@sender.example",
        b"Date: Tue, 02 Jun 2026 03:12:40 +0000",
        b"Message-ID: <unseen.1@sender.example>",
        *headers,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type="tlsrpt"; boundary="R3P0RT"',
        b"",
        b"--R3P0RT",
        b"Content-Type: text/plain; charset=us-ascii",
        b"",
        b"This is an aggregate TLS report from sender.example",
        b"",
        b"--R3P0RT",
        part_head,
        b"",
        part_body,
        b"--R3P0RT--",
        b"",
    ]
    return b"\r\n".join(lines)


def parsed_only() -> RawReport:
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass"
    return raw


GZIP_B64 = base64.encodebytes(gzip.compress(SAMPLE)).replace(b"\n", b"\r\n").rstrip()


def test_a_message_behind_a_byte_order_mark_is_read(address, signer, eager) -> None:
    # An .eml saved by a Windows editor and piped in: the BOM is no part of any header
    # (RFC 5322 §2.2), and the reporter's signature never covered it.
    message = sign(
        report_mail(
            address,
            b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64",
            GZIP_B64,
        ),
        signer,
    )
    assert ingest(b"\xef\xbb\xbf" + message) == 0  # the To header names the address
    raw = parsed_only()
    assert raw.headers["tls-report-domain"] == "example.com"
    assert bytes(raw.body).startswith(b"\xef\xbb\xbf")  # kept as it came


def _zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _b64(data: bytes, width: int = 76, linesep: bytes = b"\r\n") -> bytes:
    text = base64.b64encode(data)
    return linesep.join(text[i : i + width] for i in range(0, len(text), width))


CRLF_SAMPLE = SAMPLE.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
# (report part headers, encoded body, a warning expected among the report's, or None)
PARTS = {
    "octet-stream named .json.gz": (
        b'Content-Type: application/octet-stream; name="sender.example!example.com!1780272000'
        b'!1780358399.json.gz"\r\nContent-Transfer-Encoding: base64',
        GZIP_B64,
        "declared application/octet-stream",
    ),
    "application/gzip without a name": (
        b"Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64",
        GZIP_B64,
        "declared application/gzip",
    ),
    "application/zip holding one .json": (
        b'Content-Type: application/zip; name="r.zip"\r\nContent-Transfer-Encoding: base64',
        _b64(_zipped("r.json", SAMPLE)),
        "declared application/zip",
    ),
    "text/plain JSON": (b"Content-Type: text/plain; charset=utf-8", CRLF_SAMPLE, "text/plain"),
    "quoted-printable JSON": (
        b"Content-Type: application/tlsrpt+json\r\nContent-Transfer-Encoding: quoted-printable",
        quopri.encodestring(SAMPLE).replace(b"\n", b"\r\n"),
        None,
    ),
    "base64 with stray spaces": (
        b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64",
        _b64(gzip.compress(SAMPLE), 60, b" \r\n "),
        None,
    ),
    "8bit gzip bytes without a transfer encoding": (
        b"Content-Type: application/tlsrpt+gzip",
        gzip.compress(SAMPLE),
        None,
    ),
    "inline disposition": (
        b"Content-Type: application/tlsrpt+json\r\nContent-Disposition: inline",
        CRLF_SAMPLE,
        None,
    ),
    "JSON behind a byte order mark": (
        b"Content-Type: application/tlsrpt+json",
        b"\xef\xbb\xbf" + CRLF_SAMPLE,
        "byte order mark",
    ),
}


# The Postfix pipe hands the message over with LF line endings: dkimpy canonicalises them
# to CRLF, so the reporter's signature still verifies. Raw 8-bit gzip bytes cannot be
# rewritten line by line, so that shape is only sent with CRLF.
SHAPES_AND_LINE_ENDINGS = [
    pytest.param(shape, linesep, id=f"{shape}-{name}")
    for shape in PARTS
    for linesep, name in ((b"\r\n", "smtp-crlf"), (b"\n", "postfix-pipe-lf"))
    if not (linesep == b"\n" and "8bit" in shape)
]


@pytest.mark.parametrize(("shape", "linesep"), SHAPES_AND_LINE_ENDINGS)
def test_every_report_part_shape_is_read(address, signer, eager, shape, linesep) -> None:
    head, body, warned = PARTS[shape]
    message = sign(report_mail(address, head, body), signer)
    if linesep == b"\n":
        message = message.replace(b"\r\n", b"\n")
    assert ingest(message) == 0
    warnings = parsed_only().report.warnings
    if warned is None:
        assert warnings == []
    else:
        assert any(warned in w for w in warnings), warnings


@pytest.mark.parametrize(
    "headers",
    [
        [b"TLS-Report-Domain:\r\n example.com", b"TLS-Report-Submitter:\r\n\tsender.example"],
        [
            b"TLS-Report-Domain: =?utf-8?q?example.com?=",
            b"TLS-Report-Submitter: =?UTF-8?B?c2VuZGVyLmV4YW1wbGU=?=",
        ],
    ],
    ids=["folded", "encoded-words"],
)
def test_folded_and_encoded_report_headers_are_read(address, signer, eager, headers) -> None:
    head = b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
    assert ingest(sign(report_mail(address, head, GZIP_B64, headers=headers), signer)) == 0
    raw = parsed_only()
    assert raw.report_submitter == "sender.example"
    assert raw.report.warnings == []


def test_missing_report_headers_only_warn(address, signer, eager) -> None:
    head = b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
    assert ingest(sign(report_mail(address, head, GZIP_B64, headers=[]), signer)) == 0
    warnings = parsed_only().report.warnings
    assert any("TLS-Report-Domain header is missing" in w for w in warnings)
    assert any("TLS-Report-Submitter header is missing" in w for w in warnings)


@pytest.mark.parametrize(
    "envelope",
    [
        b"From noreply-smtp-tls-reporting@sender.example  Tue Jun  2 03:12:41 2026\n",
        b"Return-Path: <noreply-smtp-tls-reporting@sender.example>\n",
    ],
    ids=["pipe-flags-F", "pipe-flags-R"],
)
def test_what_postfix_pipe_adds_before_the_message_is_no_trouble(
    address, signer, eager, envelope
) -> None:
    head = b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
    message = sign(report_mail(address, head, GZIP_B64), signer).replace(b"\r\n", b"\n")
    assert ingest(envelope + message, "--recipient", address.mailto) == 0
    parsed_only()


def test_a_report_forwarded_inline_is_judged_by_the_forwarders_signature(
    address, signer, eager
) -> None:
    # A client that nests the original multipart/report in its own multipart/mixed (no
    # message/rfc822): the reporter's signature is gone, the forwarder's vouches for nothing.
    head = b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
    original = report_mail(address, head, GZIP_B64)
    inner_head, inner_body = original.split(b"\r\n\r\n", 1)
    content_type = next(h for h in inner_head.split(b"\r\n") if h.startswith(b"Content-Type"))
    forward = b"\r\n".join(
        [
            b"From: postmaster@example.com",
            b"To: " + address.mailto.encode(),
            b"Subject: Fwd: Report Domain: example.com",
            b"MIME-Version: 1.0",
            b'Content-Type: multipart/mixed; boundary="F0RWARD"',
            b"",
            b"--F0RWARD",
            b"Content-Type: text/plain",
            b"",
            b"see below",
            b"--F0RWARD",
            content_type,
            b"",
            inner_body,
            b"--F0RWARD--",
            b"",
        ]
    )
    assert ingest(sign(forward, signer, domain=b"other.example")) == 0
    raw = RawReport.objects.get()  # kept
    assert raw.parse_status == RawReport.REJECTED
    assert "DKIM signing domain other.example is not the submitter" in raw.error
    assert TlsReport.objects.count() == 0


def test_a_message_over_the_size_cap_is_refused_and_not_stored(address, dns_stub, settings) -> None:
    head = b"Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
    message = report_mail(address, head, GZIP_B64)
    settings.TLSRPT_MAX_MESSAGE_BYTES = len(message) - 1
    assert ingest(message) == 65  # EX_DATAERR: the MTA bounces it with the reason
    assert RawReport.objects.count() == 0


DMARC_XML = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\r\n<feedback>\r\n  <report_metadata>\r\n'
    b"    <org_name>google.com</org_name>\r\n    <report_id>1549929600</report_id>\r\n"
    b"  </report_metadata>\r\n  <policy_published><domain>example.com</domain>"
    b"</policy_published>\r\n</feedback>\r\n"
)
DMARC_PARTS = {
    "xml.gz": (
        b'Content-Type: application/gzip; name="google.com!example.com!1549929600!1550015999'
        b'.xml.gz"\r\nContent-Transfer-Encoding: base64',
        _b64(gzip.compress(DMARC_XML)),
    ),
    "zip": (
        b'Content-Type: application/zip; name="google.com!example.com!1549929600!1550015999'
        b'.zip"\r\nContent-Transfer-Encoding: base64',
        _b64(_zipped("google.com!example.com!1549929600!1550015999.xml", DMARC_XML)),
    ),
    "text/xml": (b"Content-Type: text/xml", DMARC_XML),
}


@pytest.mark.parametrize("shape", list(DMARC_PARTS))
def test_a_dmarc_aggregate_report_is_kept_and_rejected_with_a_clear_reason(
    address, signer, eager, shape
) -> None:
    # A DMARC rua pointed at the TLS-RPT address (checklist §13 transport: gzip, zip, text/xml).
    head, body = DMARC_PARTS[shape]
    message = sign(report_mail(address, head, body), signer)
    assert ingest(message) == 0  # kept, as any garbage
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED
    assert "DMARC aggregate report" in raw.error, raw.error
    assert "rua" in raw.error
