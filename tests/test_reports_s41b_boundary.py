"""Round s41b (F08): a quoted boundary that looks like an RFC 2047 encoded-word is the
boundary as written. The email package's default policy decoded '"=?utf-8?q?s41b?="' to
's41b' (RFC 2047 §5 (3): an encoded-word MUST NOT appear within a quoted-string), found no
part under that boundary, and a valid report mail was rejected as having no report part.
An encoded file name (Outlook's, Thunderbird's) is still decoded."""

from __future__ import annotations

import base64
import gzip
import json

from reports.mail import extract_reports

REPORT = json.dumps(
    {
        "organization-name": "Sender Example Mail Ltd.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "s41b-boundary",
        "policies": [],
    }
).encode()
NAME = "sender.example!example.com!1780272000!1780358399!001.json.gz"


def mail(boundary: str, quoted: str, filename: str = NAME) -> bytes:
    payload = base64.encodebytes(gzip.compress(REPORT, mtime=0)).replace(b"\n", b"\r\n")
    return (
        b"From: noreply-smtp-tls-reporting@sender.example\r\n"
        b"To: tlsrpt@example.com\r\n"
        b"TLS-Report-Domain: example.com\r\n"
        b"TLS-Report-Submitter: sender.example\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=tlsrpt;\r\n"
        b" boundary=" + quoted.encode() + b"\r\n\r\n"
        b"--" + boundary.encode() + b"\r\n"
        b"Content-Type: text/plain\r\n\r\nA TLS report.\r\n"
        b"--" + boundary.encode() + b"\r\n"
        b"Content-Type: application/tlsrpt+gzip\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="'
        + filename.encode()
        + b'"\r\n\r\n'
        + payload
        + b"--"
        + boundary.encode()
        + b"--\r\n"
    )


def test_a_quoted_boundary_like_an_encoded_word_is_the_boundary_as_written() -> None:
    for boundary in ("=?utf-8?q?s41b?=", "a=?b", "=?ISO-8859-1?B?czQxYg==?= x"):
        (found,) = extract_reports(mail(boundary, f'"{boundary}"'))
        assert gzip.decompress(found.payload) == REPORT, boundary


def test_an_encoded_file_name_is_still_decoded() -> None:
    encoded = "=?UTF-8?B?" + base64.b64encode(NAME.encode()).decode() + "?="
    (found,) = extract_reports(mail("s41b", '"s41b"', filename=encoded))
    assert found.filename == NAME
