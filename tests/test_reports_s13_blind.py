# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Blind round 13: report mails and HTTPS/SMTP deliveries nobody listed before (checklist §12,
RFC 8460 §4, §5.3, §5.4, §6.3, RFC 1952, RFC 2045/2046/2231, RFC 6533, RFC 9110), through the
real doors: `manage.py ingest_email`, the HTTPS view and the aiosmtpd listener.

The expected outcomes are in tests/data/tlsrpt/s13_blind_expectations.json, committed before
any of these inputs was run; a case whose expectation was later found wrong says so there
(`corrected`). For every 2xx / 250 / exit 0 the raw bytes must be stored, exactly as sent,
before any parse ran (the parse is run here by hand afterwards); nothing accepted may be
lost and no report counted twice.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import random
import smtplib
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import reports.parse
from reports import conf
from reports.models import RawReport, ReportAddress
from reports.parse import ReportRejected, parse_report
from reports.smtp import build_controller
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import (
    FILENAME,
    GOOGLE,
    GOOGLE_GZ,
    GZ,
    JS,
    TEXT,
    _post,
    _text_block,
    _zip,
    check_raw,
    edit,
    google,
    head,
    multipart,
    nothing_lost_nor_doubled,
    part,
    raw_json,
    sign_any,
)

DATA = Path(__file__).parent / "data" / "tlsrpt"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s13_blind_expectations.json").read_text())["cases"]
}


def ids(door: str) -> list[str]:
    return [k for k, c in CASES.items() if c["door"] == door]


# --- Inputs shared by the doors ---------------------------------------------------------------

# A second report of the same sender (another day, another report-id).
OTHER = raw_json(
    edit(
        lambda r: (
            r.update({"report-id": "2026-06-02T00:00:00Z_example.com"}),
            r["date-range"].update(
                {
                    "start-datetime": "2026-06-02T00:00:00Z",
                    "end-datetime": "2026-06-02T23:59:59Z",
                }
            ),
        )
    )
)
UTF16 = json.dumps(google()).encode("utf-16")  # with its BOM, as Windows tools write it
ARRAY = b"[" + GOOGLE + b",\n" + OTHER + b"]"
BOM = b"\xef\xbb\xbf"


def gzip_with_header_fields(data: bytes, *, header_crc_ok: bool = True, size_ok: bool = True):
    """A gzip member with FEXTRA, FNAME, FCOMMENT and FHCRC set (RFC 1952 §2.3.1), written by
    hand: Python's gzip module writes only FNAME."""
    flags = 0x02 | 0x04 | 0x08 | 0x10  # FHCRC FEXTRA FNAME FCOMMENT
    header = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 1780358400) + b"\x00\x03"
    extra = b"AP" + struct.pack("<H", 4) + b"abcd"  # one subfield, SI1 SI2 LEN data
    header += struct.pack("<H", len(extra)) + extra
    header += b"sender.example!example.com!1780272000!1780358399.json\x00"
    header += b"TLS report written by a hand-made gzip writer\x00"
    crc16 = zlib.crc32(header) & 0xFFFF
    header += struct.pack("<H", crc16 if header_crc_ok else crc16 ^ 0xFFFF)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflater.compress(data) + deflater.flush()
    size = len(data) if size_ok else len(data) + 1
    return header + body + struct.pack("<II", zlib.crc32(data), size & 0xFFFFFFFF)


def members(data: bytes, count: int) -> bytes:
    """`data` as a gzip stream of `count` concatenated members (RFC 1952 §2.2)."""
    step = -(-len(data) // count)
    pieces = [data[i : i + step] for i in range(0, len(data), step)]
    assert len(pieces) == count
    return b"".join(gzip.compress(p) for p in pieces)


def zip_with(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of the entries; a name ending in '/' is a directory entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name) if name.endswith("/") else name, data)
    return out.getvalue()


def quoted_printable_binary(data: bytes) -> bytes:
    """Quoted-printable of any octets (RFC 2045 §6.7): CR and LF encoded too, soft breaks."""
    tokens = [chr(b).encode() if 33 <= b <= 126 and b != 61 else b"=%02X" % b for b in data]
    lines, line = [], b""
    for token in tokens:
        if len(line) + len(token) > 75:
            lines.append(line + b"=")
            line = b""
        line += token
    return b"\r\n".join([*lines, line]) + b"\r\n"


def raw_part(headers: list[str], body: bytes) -> bytes:
    return "\r\n".join(headers).encode() + b"\r\n\r\n" + body + b"\r\n"


def b64(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


# --- E-mail (door "email": manage.py ingest_email) -------------------------------------------


def signed(message: bytes, signer: Any) -> bytes:
    return sign_any(message, signer)


def _global_bounce(a: ReportAddress, signer: Any) -> bytes:
    original = signed(multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
    return b"\r\n".join(
        [
            b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)",
            b"To: " + a.mailto.encode(),
            b"Subject: Undelivered Mail Returned to Sender",
            b"Auto-Submitted: auto-replied",
            b"MIME-Version: 1.0",
            b"Content-Type: multipart/report; report-type=global-delivery-status;",
            b'\tboundary="B0UNCE"',
            b"",
            b"--B0UNCE",
            b"Content-Type: text/plain; charset=utf-8",
            b"",
            b"Your message could not be delivered.",
            b"",
            b"--B0UNCE",
            b"Content-Type: message/global-delivery-status",
            b"",
            b"Reporting-MTA: dns; mx.example.net",
            b"",
            b"Final-Recipient: utf-8; tls@old.example.com",
            b"Action: failed",
            b"Status: 5.1.1",
            b"",
            b"--B0UNCE",
            b"Content-Type: message/global",
            b"",
            original.rstrip(b"\r\n"),
            b"--B0UNCE--",
            b"",
        ]
    )


def _alternative(a: ReportAddress, signer: Any) -> bytes:
    html = raw_part(["Content-Type: text/html; charset=utf-8"], b"<p>TLS report attached</p>")
    mixed = (
        b'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
        + b"".join(b"--mix\r\n" + p for p in [TEXT, part(GZ, GOOGLE_GZ, filename=FILENAME)])
        + b"--mix--\r\n"
    )
    body = b"".join(b"--alt\r\n" + p for p in [html, mixed]) + b"--alt--\r\n"
    message = _text_block(head(a)) + b'Content-Type: multipart/alternative; boundary="alt"\r\n'
    return signed(message + b"\r\n" + body, signer)


def _smime(a: ReportAddress, signer: Any) -> bytes:
    inner = multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)])
    inner = inner[inner.index(b"Content-Type: multipart/report") :]
    signature = raw_part(
        [
            'Content-Type: application/pkcs7-signature; name="smime.p7s"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="smime.p7s"',
        ],
        b64(b"0\x82\x01\x00" + bytes(range(256))),
    )
    body = b"--sig\r\n" + inner + b"--sig\r\n" + signature + b"--sig--\r\n"
    message = _text_block(head(a)) + (
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; '
        b'micalg=sha-256; boundary="sig"\r\n\r\n'
    )
    return signed(message + body, signer)


def _unpadded(a: ReportAddress, signer: Any) -> bytes:
    text = base64.b64encode(GOOGLE_GZ)
    assert text.endswith(b"="), "the sample must need padding for this case"
    report = raw_part(
        [f"Content-Type: {GZ}", "Content-Transfer-Encoding: base64"], text.rstrip(b"=")
    )
    return signed(multipart(a, [report]), signer)


def _forward_in_alternative(a: ReportAddress, signer: Any) -> bytes:
    original = signed(multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
    note = raw_part(["Content-Type: text/plain; charset=utf-8"], b"Forwarding this report.")
    html = raw_part(["Content-Type: text/html; charset=utf-8"], b"<p>Forwarding this.</p>")
    attached = raw_part(
        ["Content-Type: message/rfc822", 'Content-Disposition: attachment; filename="r.eml"'],
        original.rstrip(b"\r\n"),
    )
    mixed = (
        b'Content-Type: multipart/mixed; boundary="fmix"\r\n\r\n'
        + b"".join(b"--fmix\r\n" + p for p in [html, attached])
        + b"--fmix--\r\n"
    )
    body = b"".join(b"--falt\r\n" + p for p in [note, mixed]) + b"--falt--\r\n"
    fields = [
        ("From", "Postmaster <postmaster@example.com>"),
        ("To", a.mailto),
        ("Subject", "Fwd: Report Domain: example.com Submitter: sender.example"),
        ("Date", "Wed, 03 Jun 2026 09:00:00 +0200"),
        ("Message-ID", "<fwd.13@example.com>"),
        ("MIME-Version", "1.0"),
    ]
    head_block = _text_block(fields) + b'Content-Type: multipart/alternative; boundary="falt"\r\n'
    return head_block + b"\r\n" + body


RFC2231_NAME = (
    "filename*=UTF-8''sender.example%21example.com%211780272000%211780358399%21001.json.gz"
)


def _mail(build: Callable[[ReportAddress], bytes]) -> Callable[[ReportAddress, Any], bytes]:
    """A builder of a message signed by the reporter (sender.example) as it stands."""
    return lambda a, signer: signed(build(a), signer)


EMAILS: dict[str, Callable[[ReportAddress, Any], bytes]] = {
    "M01": _global_bounce,
    "M02": _alternative,
    "M03": _mail(
        lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]).replace(
            b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: BASE64"
        )
    ),
    "M04": _mail(
        lambda a: multipart(a, [part(f'{GZ}; name="report.txt"', GOOGLE_GZ, filename="readme.pdf")])
    ),
    "M05": _mail(
        lambda a: multipart(
            a, [part("application/zip", _zip(("a.json", GOOGLE), ("b.json", OTHER)))]
        )
    ),
    "M06": _mail(
        lambda a: multipart(
            a,
            [part("application/zip", zip_with([("reports/", b""), ("reports/r.json", GOOGLE)]))],
        )
    ),
    "M07": _mail(lambda a: multipart(a, [part(GZ, members(GOOGLE, 2), filename=FILENAME)])),
    "M08": _mail(
        lambda a: multipart(a, [part(GZ, gzip_with_header_fields(GOOGLE), filename=FILENAME)])
    ),
    "M09": _mail(
        lambda a: multipart(
            a,
            [
                part(GZ, b"", filename="empty.json.gz"),
                part(GZ, GOOGLE_GZ, filename=FILENAME),
            ],
        )
    ),
    "M10": _mail(
        lambda a: (
            _text_block(head(a))
            + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
            + GOOGLE.replace(b"\n", b"\r\n")
            + b"\r\n"
        )
    ),
    "M11": _mail(lambda a: multipart(a, [part("application/tlsrpt+json; charset=utf-16", UTF16)])),
    "M12": _mail(lambda a: multipart(a, [part(JS, ARRAY)])),
    "M13": _smime,
    "M14": _mail(
        lambda a: multipart(
            a,
            [part(GZ, GOOGLE_GZ, filename=FILENAME)],
            report_type='Multipart/Report; Report-Type="TLSRPT"',
        ).replace(b'; boundary="b1"\r\n', b'; Boundary="b1"\r\n')
    ),
    "M15": _mail(
        lambda a: multipart(
            a,
            [
                raw_part(
                    [
                        f"Content-Type: {GZ}",
                        "Content-Transfer-Encoding: base64",
                        f"Content-Disposition: attachment;\r\n {RFC2231_NAME}",
                    ],
                    b64(GOOGLE_GZ),
                )
            ],
        )
    ),
    "M16": _unpadded,
    "M17": _mail(
        lambda a: multipart(
            a,
            [
                raw_part(
                    [f"Content-Type: {GZ}", "Content-Transfer-Encoding: quoted-printable"],
                    quoted_printable_binary(GOOGLE_GZ),
                )
            ],
        )
    ),
    "M18": _mail(
        lambda a: (
            multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]).replace(
                b'boundary="b1"\r\n\r\n',
                b'boundary="b1"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n',
            )
            + b"\r\nThis is the epilogue; nobody reads it.\r\n"
        )
    ),
    "M19": _mail(
        lambda a: multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]).removesuffix(b"--b1--\r\n")
    ),
    "M20": _mail(
        lambda a: multipart(
            a, [part("application/zip", zip_with([("r.json", GOOGLE)], zipfile.ZIP_BZIP2))]
        )
    ),
    "M21": _mail(
        lambda a: multipart(
            a, [part("application/zip", zip_with([(f"r{n}.json", GOOGLE) for n in range(9)]))]
        )
    ),
    "M22": _mail(lambda a: multipart(a, [part(GZ, gzip.compress(_zip(("r.json", GOOGLE))))])),
    "M23": _mail(
        lambda a: multipart(a, [part("application/tlsrpt+json; charset=utf-8", BOM + GOOGLE)])
    ),
    "M24": _forward_in_alternative,
}


def parse_pending() -> None:
    """What the parse task does, run by hand once the intake has answered."""
    for raw in RawReport.objects.filter(parse_status=RawReport.PENDING).order_by("pk"):
        raw.process()


def check_stored(case: dict[str, Any], sent: bytes) -> None:
    """After a 2xx / 250 / exit 0: the rows hold the bytes exactly as sent, and (the parse task
    not having run) none is parsed yet: stored first, parsed afterwards."""
    rows = list(RawReport.objects.order_by("pk"))
    assert len(rows) == case.get("rows", 1), [r.error for r in rows]
    for raw in rows:
        assert bytes(raw.body) == sent
        assert raw.parse_status in (RawReport.PENDING, RawReport.REJECTED)
        assert raw.report is None


@pytest.mark.parametrize("case_id", ids("email"))
def test_a_report_mail_ends_as_expected(case_id: str, address: ReportAddress, signer) -> None:
    case = CASES[case_id]
    message = EMAILS[case_id](address, signer)
    assert ingest(message) == case["exit"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        return
    check_stored(case, message)
    parse_pending()
    check_raw(case, RawReport.objects.order_by("pk").last())
    nothing_lost_nor_doubled()


# --- HTTPS (door "https") ---------------------------------------------------------------------


def _form_upload(c: Client, a: ReportAddress) -> Any:
    upload = SimpleUploadedFile(FILENAME, GOOGLE_GZ, content_type=GZ)
    return c.post(f"/tlsrpt/{a.token}", {"report": upload})


HTTPS: dict[str, tuple[bytes | None, Callable[[Client, ReportAddress, bytes], Any]]] = {
    # (the body whose bytes must be stored, or None for a refusal; how it is sent)
    "T01": (
        zlib.compress(GOOGLE),
        lambda c, a, b: _post(c, a.token, b, JS, HTTP_CONTENT_ENCODING="deflate"),
    ),
    "T02": (GOOGLE, lambda c, a, b: _post(c, a.token, b, JS, HTTP_CONTENT_ENCODING="br")),
    "T03": (
        GOOGLE_GZ,
        lambda c, a, b: _post(c, a.token, b, JS, HTTP_CONTENT_ENCODING="GZIP"),
    ),
    "T04": (GOOGLE, lambda c, a, b: _post(c, a.token, b, GZ)),
    "T05": (UTF16, lambda c, a, b: _post(c, a.token, b, JS)),
    "T06": (gzip.compress(UTF16), lambda c, a, b: _post(c, a.token, b, GZ)),
    "T07": (gzip.compress(ARRAY), lambda c, a, b: _post(c, a.token, b, GZ)),
    "T08": (members(GOOGLE, 9), lambda c, a, b: _post(c, a.token, b, GZ)),
    "T09": (
        GOOGLE_GZ,
        lambda c, a, b: c.post(f"/tlsrpt/{a.token}?src=google", data=b, content_type=GZ),
    ),
    "T10": (
        GOOGLE_GZ,
        lambda c, a, b: _post(c, a.token, b, GZ, HTTP_CONTENT_ENCODING="identity"),
    ),
    "T11": (GOOGLE_GZ, lambda c, a, b: _form_upload(c, a)),
    "T12": (
        gzip_with_header_fields(GOOGLE, header_crc_ok=False),
        lambda c, a, b: _post(c, a.token, b, GZ),
    ),
    "T13": (
        gzip_with_header_fields(GOOGLE, size_ok=False),
        lambda c, a, b: _post(c, a.token, b, GZ),
    ),
    "T14": (GOOGLE_GZ, lambda c, a, b: _post(c, a.token, b, GZ, HTTP_CONTENT_ENCODING="gzip")),
}


@pytest.mark.parametrize("case_id", ids("https"))
def test_the_https_intake_answers_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body, send = HTTPS[case_id]
    response = send(client, address, body)
    assert response.status_code == case["http"], response.content
    if "accept_encoding" in case:
        assert response["Accept-Encoding"] == case["accept_encoding"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        assert "error" in response.json()
        return
    check_stored(case, body)
    parse_pending()
    check_raw(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


# --- SMTP (door "smtp": the aiosmtpd listener) -----------------------------------------------


def _smtp_send(recipients: list[str], message: bytes) -> tuple[dict[str, Any], Any]:
    """Send one message through the real listener: (refused recipients, the DATA reply)."""
    port = _free_port()
    controller = build_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo("mx.sender.example")
            smtp.mail("noreply@sender.example")
            refused = {}
            for rcpt in recipients:
                code, text = smtp.rcpt(rcpt)
                if code >= 400:
                    refused[rcpt] = (code, text)
            reply = smtp.data(message)
    finally:
        controller.stop()
    return refused, reply


@pytest.fixture
def report_mail(transactional_db: None, signer) -> Callable[[ReportAddress], bytes]:
    return lambda a: signed(multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)


def test_p01_a_stranger_next_to_a_known_address_is_refused_alone(report_mail) -> None:
    case = CASES["P01"]
    known = ReportAddress.objects.create(domain_name="example.com")
    stranger = f"tlsrpt+{'0' * 20}@{conf.inbound_domain()}"
    message = report_mail(known)
    refused, reply = _smtp_send([known.mailto, stranger], message)
    assert refused[stranger][0] == case["rcpt_refused"]
    assert reply[0] == case["smtp"], reply
    check_stored(case, message)
    parse_pending()
    check_raw(case, RawReport.objects.get(address=known))
    nothing_lost_nor_doubled()


def test_p02_one_message_to_two_addresses_is_kept_by_each(report_mail) -> None:
    case = CASES["P02"]
    first = ReportAddress.objects.create(domain_name="example.com")
    second = ReportAddress.objects.create(domain_name="example.com")
    message = report_mail(first)
    refused, reply = _smtp_send([first.mailto, second.mailto], message)
    assert not refused
    assert reply[0] == case["smtp"], reply
    check_stored(case, message)
    parse_pending()
    for raw in RawReport.objects.all():
        check_raw(case, raw)
    assert {raw.address_id for raw in RawReport.objects.all()} == {first.pk, second.pk}
    nothing_lost_nor_doubled()


def test_p03_a_recipient_in_upper_case_is_ours(report_mail) -> None:
    case = CASES["P03"]
    known = ReportAddress.objects.create(domain_name="example.com")
    message = report_mail(known)
    refused, reply = _smtp_send([known.mailto.upper()], message)
    assert not refused
    assert reply[0] == case["smtp"], reply
    check_stored(case, message)
    parse_pending()
    check_raw(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


def test_p04_a_line_over_the_listeners_limit_is_refused_whole(transactional_db, signer) -> None:
    case = CASES["P04"]
    known = ReportAddress.objects.create(domain_name="example.com")
    noise = base64.b64encode(random.Random(13).randbytes(80_000)).decode()
    big = gzip.compress(raw_json(edit(lambda r: r.update({"x-padding": noise}))))
    message = signed(multipart(known, [part(GZ, big, filename=FILENAME, wrap=False)]), signer)
    assert max(len(line) for line in message.split(b"\r\n")) > 100_000
    try:
        refused, reply = _smtp_send([known.mailto], message)
    except smtplib.SMTPResponseException as e:
        reply = (e.smtp_code, e.smtp_error)
    except smtplib.SMTPServerDisconnected:
        reply = (None, b"disconnected")
    assert reply[0] == case["smtp"], reply
    assert not RawReport.objects.exists()


def test_every_case_of_the_table_is_driven() -> None:
    smtp = {"P01", "P02", "P03", "P04"}
    assert set(EMAILS) | set(HTTPS) | smtp == set(CASES)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        # No mark, "{" first: sniffed as JSON, refused by the JSON reader.
        (json.dumps(google()).encode("utf-16-le"), "UTF-16 or UTF-32"),
        (json.dumps(google()).encode("utf-16-be"), "UTF-16 or UTF-32"),
        (json.dumps(google()).encode("utf-32"), "UTF-32 text"),
        (BOM + b"\n [" + GOOGLE + b"]", "JSON array"),
        (bytes(range(64)), None),  # binary with NULs is no text in another encoding
        (b"hello", None),
        (b'{"a": }', None),  # a JSON mistake in UTF-8 is only that
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32", "array-behind-bom", "binary", "text", "bad-json"],
)
def test_the_reason_for_a_body_that_is_no_report_object_says_what_it_is(
    body: bytes, said: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    reasons = []
    for small in (reports.parse.SMALL_REPORT_BYTES, 0):  # the whole and the streamed reader
        monkeypatch.setattr(reports.parse, "SMALL_REPORT_BYTES", small)
        with pytest.raises(ReportRejected) as rejected:
            parse_report(body)
        reasons.append(rejected.value.reason)
        with pytest.raises(ReportRejected) as rejected:
            parse_report(gzip.compress(body))
        reasons.append(rejected.value.reason)
    for reason in reasons:
        if said is None:
            assert "RFC 8259 §8.1" not in reason and "array" not in reason, reason
        else:
            assert said in reason, reason
