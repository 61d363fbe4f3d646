"""Writes the round-18 report mails (tests/test_reports_s18_mail_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s18_mail/build.py`. Standard library only, and
deterministic (gzip mtime 0, zip dates fixed), so running it again rewrites the same bytes.

Each case is `<id>.eml`, unsigned; the test replaces @@MAILTO@@ with the report address,
signs the message as sender.example (DKIM) unless the case says `"signed": false`, and then
puts `<id>.prepend` (what a receiving MTA adds above the signature) in front when there is
one. `<id>.second.prepend` is the header a relay added to the second delivery of A38.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import quopri
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
GZ = "application/tlsrpt+gzip"
JS = "application/tlsrpt+json"
FILENAME = "sender.example!example.com!1780272000!1780358399!001.json.gz"
SUBJECT = (
    "Report Domain: example.com Submitter: sender.example "
    "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>"
)


def report(**top: object) -> dict:
    """The Google-shaped report of rounds 12 to 17 (tests/test_reports_s12_blind.google)."""
    r = {
        "organization-name": "Google Inc.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "2026-06-01T00:00:00Z_example.com",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": [
                        "version: STSv1",
                        "mode: testing",
                        "mx: mx1.example.com",
                        "max_age: 86400",
                    ],
                    "policy-domain": "example.com",
                    "mx-host": ["mx1.example.com"],
                },
                "summary": {
                    "total-successful-session-count": 120,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }
    r.update(top)
    return r


JSON = json.dumps(report(), indent=2).encode()
GZIP = gzip.compress(JSON, mtime=0)


def b64(data: bytes, width: int = 76, sep: bytes = b"\r\n") -> bytes:
    text = base64.b64encode(data)
    return sep.join(text[i : i + width] for i in range(0, len(text), width))


def headers(**replace: str | None) -> bytes:
    """The §5.3 header block (as round 12's `head`); None leaves a header out."""
    fields = {
        "From": "noreply-smtp-tls-reporting@sender.example",
        "To": "@@MAILTO@@",
        "Subject": SUBJECT,
        "Date": "Tue, 02 Jun 2026 03:12:40 +0000",
        "Message-ID": "<20260602031240.tlsrpt.s18@sender.example>",
        "TLS-Report-Domain": "example.com",
        "TLS-Report-Submitter": "sender.example",
        "MIME-Version": "1.0",
    }
    fields.update(replace)
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in fields.items() if v is not None)


def part(head: list[str] | list[bytes], body: bytes) -> bytes:
    lines = [h if isinstance(h, bytes) else h.encode() for h in head]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body + b"\r\n"


TEXT = part(["Content-Type: text/plain; charset=us-ascii"], b"This is an aggregate TLS report.")
REPORT = part(
    [
        f"Content-Type: {GZ}",
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="{FILENAME}"',
    ],
    b64(GZIP),
)


def multi(ctype: str, boundary: str, parts: list[bytes], *, delimiter_tail: bytes = b"") -> bytes:
    """A multipart entity: its Content-Type line, a blank line, the parts."""
    b = boundary.encode()
    body = b"".join(b"--" + b + delimiter_tail + b"\r\n" + p for p in parts)
    return (
        f'Content-Type: {ctype}; boundary="{boundary}"\r\n\r\n'.encode()
        + body
        + b"--"
        + b
        + b"--"
        + delimiter_tail
        + b"\r\n"
    )


def report_mail(parts: list[bytes], *, ctype: str = 'multipart/report; report-type="tlsrpt"', **h):
    return headers(**h) + multi(ctype, "b1", [TEXT, *parts])


def zip_of(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 6, 2, 3, 12, 40))
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def bounce(report_type: str, quoted: bytes, *, cte: str | None = None) -> bytes:
    """An RFC 3464 bounce from a relay that could not pass the report on, quoting it."""
    status = part(
        ["Content-Type: message/delivery-status"],
        b"Reporting-MTA: dns; mx.relay.example\r\n\r\n"
        b"Final-Recipient: rfc822; tls@old.example.com\r\nAction: failed\r\nStatus: 5.1.1",
    )
    quoted_head = ["Content-Type: message/rfc822"]
    if cte:
        quoted_head.append(f"Content-Transfer-Encoding: {cte}")
        quoted = b64(quoted)
    returned = part(quoted_head, quoted.rstrip(b"\r\n"))
    note = part(["Content-Type: text/plain; charset=us-ascii"], b"Delivery has failed.")
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.relay.example>\r\n"
        b"To: @@MAILTO@@\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Date: Tue, 02 Jun 2026 03:20:00 +0000\r\n"
        b"Message-ID: <bounce.s18@mx.relay.example>\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        + multi(f"multipart/report; report-type={report_type}", "B0", [note, status, returned])
    )


def cases() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    # A01: the report part one level down, in a multipart/mixed inside the multipart/report.
    inner = multi("multipart/mixed", "in1", [TEXT, REPORT])
    c["A01"] = report_mail([inner])
    # A02: a mailing list wrapped the report mail in multipart/mixed and added a footer.
    footer = part(["Content-Type: text/plain; charset=us-ascii"], b"-- \r\nlist footer")
    wrapped = multi('multipart/report; report-type="tlsrpt"', "b1", [TEXT, REPORT])
    c["A02"] = headers() + multi("multipart/mixed", "list0", [wrapped, footer])
    # A03: multipart/report without its report-type parameter.
    c["A03"] = report_mail([REPORT], ctype="multipart/report")
    # A04: RFC 2231 filename in UTF-8 with a non-ASCII character.
    c["A04"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {GZ}",
                    "Content-Transfer-Encoding: base64",
                    "Content-Disposition: attachment;\r\n"
                    " filename*=UTF-8''s%C3%A9nder.example%21example.com%211780272000"
                    "%211780358399.json.gz",
                ],
                b64(GZIP),
            )
        ]
    )
    # A05: a raw UTF-8 filename (RFC 6532), quoted and folded.
    c["A05"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {GZ}".encode(),
                    b"Content-Transfer-Encoding: base64",
                    b'Content-Disposition: attachment;\r\n\tfilename="s\xc3\xa9nder.example!'
                    b'example.com!1780272000!1780358399!\xe2\x84\x961.json.gz"',
                ],
                b64(GZIP),
            )
        ]
    )
    # A06: media type in upper case, blanks round ';' and '=' in its parameter.
    c["A06"] = report_mail(
        [
            part(
                [
                    'Content-Type: APPLICATION/TLSRPT+GZIP ;  NAME = "r.json.gz"',
                    "Content-Transfer-Encoding: BASE64",
                ],
                b64(GZIP),
            )
        ]
    )
    # A07: an RFC 822 comment in the Content-Type (RFC 2045 §5.1 allows them).
    c["A07"] = report_mail(
        [
            part(
                [f"Content-Type: {GZ} (TLS report)", "Content-Transfer-Encoding: base64"],
                b64(GZIP),
            )
        ]
    )
    # A08: +json sent binary, its lines ended by bare CR (old Mac tools).
    c["A08"] = report_mail(
        [
            part(
                [f"Content-Type: {JS}", "Content-Transfer-Encoding: binary"],
                JSON.replace(b"\n", b"\r"),
            )
        ]
    )
    # A09: labelled 7bit, but the JSON holds 8-bit UTF-8 (a mislabelled transfer encoding).
    utf8 = json.dumps(report(**{"organization-name": "Müller Mail GmbH"}), indent=2)
    c["A09"] = report_mail(
        [
            part(
                [f"Content-Type: {JS}; charset=utf-8", "Content-Transfer-Encoding: 7bit"],
                utf8.encode().replace(b"\n", b"\r\n"),
            )
        ]
    )
    # A10: base64 with blanks and tabs inside 200-character lines, padding dropped.
    text = base64.b64encode(GZIP).rstrip(b"=")
    spaced = b"\r\n".join(
        b"\t".join(text[j : j + 50] for j in range(i, min(i + 200, len(text)), 50))
        for i in range(0, len(text), 200)
    )
    c["A10"] = report_mail(
        [part([f"Content-Type: {GZ}", "Content-Transfer-Encoding: base64"], spaced)]
    )
    # A11: the gzip followed by 512 NUL bytes (padded to a block by the writer).
    c["A11"] = report_mail(
        [part([f"Content-Type: {GZ}", "Content-Transfer-Encoding: base64"], b64(GZIP + bytes(512)))]
    )
    # A12: a typo in the media type.
    c["A12"] = report_mail(
        [
            part(
                ["Content-Type: application/tlsrpt-gzip", "Content-Transfer-Encoding: base64"],
                b64(GZIP),
            )
        ]
    )
    # A13: the report part has no Content-Type at all (text/plain by default, RFC 2045 §5.2).
    c["A13"] = report_mail(
        [
            part(
                [
                    "Content-Transfer-Encoding: base64",
                    f'Content-Disposition: attachment; filename="{FILENAME}"',
                ],
                b64(GZIP),
            )
        ]
    )
    # A14: the same gzip attached twice under two names.
    second = part(
        [
            f"Content-Type: {GZ}",
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="copy.json.gz"',
        ],
        b64(GZIP),
    )
    c["A14"] = report_mail([REPORT, second])
    # A15: the Subject names another domain and report-id than the body.
    c["A15"] = report_mail(
        [REPORT],
        Subject="Report Domain: other.example Submitter: sender.example Report-ID: <x@y>",
    )
    # A16: TLS-Report-Submitter twice, with different values.
    c["A16"] = report_mail([REPORT]).replace(
        b"TLS-Report-Submitter: sender.example\r\n",
        b"TLS-Report-Submitter: sender.example\r\nTLS-Report-Submitter: other.example\r\n",
    )
    # A17: obsolete syntax, blanks before the colon (RFC 5322 §4.5.3, to be accepted).
    c["A17"] = report_mail([REPORT]).replace(
        b"TLS-Report-Domain: example.com", b"TLS-Report-Domain : example.com"
    )
    # A18: TLS-Report-Domain holding two domains.
    c["A18"] = report_mail([REPORT], **{"TLS-Report-Domain": "example.com, example.net"})
    # A19: a Subject of 5,000 characters on one line (over RFC 5322's 998).
    c["A19"] = report_mail([REPORT], Subject=SUBJECT + " " + "x" * (5000 - len(SUBJECT) - 1))
    # A20: 200 Received headers added by relays on the way (after the signature).
    c["A20"] = report_mail([REPORT])
    # A21: an RFC 3464 bounce, report-type in mixed case, quoting the report mail.
    c["A21"] = bounce("Delivery-Status", report_mail([REPORT]))
    # A22: an Exchange NDR quoting the report mail base64-encoded.
    c["A22"] = bounce("delivery-status", report_mail([REPORT]), cte="base64")
    # A23: an old-style (qmail) bounce: plain text with the original message appended.
    c["A23"] = (
        b"From: MAILER-DAEMON@mx.relay.example\r\n"
        b"To: @@MAILTO@@\r\n"
        b"Subject: failure notice\r\n"
        b"Date: Tue, 02 Jun 2026 03:20:00 +0000\r\n"
        b"Message-ID: <qmail.s18@mx.relay.example>\r\n\r\n"
        b"Hi. This is the qmail-send program at mx.relay.example.\r\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n"
        b"<tls@old.example.com>:\r\nSorry, no mailbox here by that name.\r\n\r\n"
        b"--- Below this line is a copy of the message.\r\n\r\n" + report_mail([REPORT])
    )
    # A24: an out-of-office auto-reply.
    c["A24"] = (
        b"From: Alice <alice@example.com>\r\n"
        b"To: @@MAILTO@@\r\n"
        b"Subject: Automatic reply: Report Domain: example.com\r\n"
        b"Date: Tue, 02 Jun 2026 04:00:00 +0000\r\n"
        b"Message-ID: <ooo.s18@example.com>\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"I am out of the office until 15 June.\r\n"
    )
    # A25: an empty message; A26: blank lines only.
    c["A25"] = b""
    c["A26"] = b"\r\n" * 5
    # A27: a text/plain body holding the base64 of the gzip, no transfer encoding declared.
    c["A27"] = (
        headers() + b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + b64(GZIP) + b"\r\n"
    )
    # A28: a zip made by macOS Archive Utility: a folder, the report, its AppleDouble file.
    apple_double = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(64)
    archive = zip_of(
        [
            ("report/", b""),
            ("report/r.json", JSON),
            ("__MACOSX/", b""),
            ("__MACOSX/report/", b""),
            ("__MACOSX/report/._r.json", apple_double),
        ]
    )
    c["A28"] = report_mail(
        [
            part(
                [
                    'Content-Type: application/zip; name="report.zip"',
                    "Content-Transfer-Encoding: base64",
                ],
                b64(archive),
            )
        ]
    )
    # A29: Windows-1252 charset declarations: an 8-bit text part, and ASCII JSON.
    c["A29"] = headers() + multi(
        'multipart/report; report-type="tlsrpt"',
        "b1",
        [
            part(
                [
                    "Content-Type: text/plain; charset=windows-1252",
                    "Content-Transfer-Encoding: 8bit",
                ],
                b"Rapport TLS agr\xe9g\xe9 \x96 sender.example",
            ),
            part(
                [f"Content-Type: {JS}; charset=windows-1252", "Content-Transfer-Encoding: 7bit"],
                JSON.replace(b"\n", b"\r\n"),
            ),
        ],
    )
    # A30: +json in Windows-1252 with a non-ASCII byte in organization-name.
    cp1252 = json.dumps(
        report(**{"organization-name": "Société Mail"}), indent=2, ensure_ascii=False
    ).encode("cp1252")
    c["A30"] = report_mail(
        [
            part(
                [f"Content-Type: {JS}; charset=windows-1252", "Content-Transfer-Encoding: 8bit"],
                cp1252.replace(b"\n", b"\r\n"),
            )
        ]
    )
    # A31: no MIME-Version header.
    c["A31"] = report_mail([REPORT], **{"MIME-Version": None})
    # A32 / A33: the size cap (set by the test from the signed message's size).
    c["A32"] = report_mail([REPORT])
    c["A33"] = report_mail([REPORT])
    # A34: an SMTPUTF8 sender: UTF-8 in From's display name and the Subject, unencoded.
    c["A34"] = report_mail(
        [REPORT],
        From="Zpráva TLS <noreply-smtp-tls-reporting@sender.example>",
        Subject="Zpráva TLS: " + SUBJECT,
    )
    # A35: the message's last line has no line end.
    c["A35"] = report_mail([REPORT]).removesuffix(b"\r\n")
    # A36: delivered to an alias: To is the domain's own address, the token only in what
    # Postfix pipe (flags=DRO) adds above the message.
    c["A36"] = report_mail([REPORT], To="TLS reports <tls@example.com>")
    # A37: the identical message delivered twice (the sender lost our 250).
    c["A37"] = report_mail([REPORT])
    # A38: the same message delivered again through another relay (a Received header more).
    c["A38"] = report_mail([REPORT])
    # A39: the attachment uuencoded (Content-Transfer-Encoding: x-uuencode).
    uu = io.BytesIO()
    uu.write(b"begin 644 report.json.gz\r\n")
    for i in range(0, len(GZIP), 45):
        uu.write(binascii.b2a_uu(GZIP[i : i + 45]).replace(b"\n", b"\r\n"))
    uu.write(b"`\r\nend")
    c["A39"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {GZ}; name=report.json.gz",
                    "Content-Transfer-Encoding: x-uuencode",
                ],
                uu.getvalue(),
            )
        ]
    )
    # A40: a JavaMail-style boundary, and delimiter lines with transport padding.
    c["A40"] = headers() + multi(
        'multipart/report; report-type="tlsrpt"',
        "----=_Part_0_1780358400.1780358400000",
        [TEXT, REPORT],
        delimiter_tail=b" \t ",
    )
    # A41: the report's JSON pasted in a text/plain body, quoted-printable with soft breaks.
    long_json = json.dumps(report()).encode()  # one line, so soft line breaks split it
    c["A41"] = (
        headers()
        + b"Content-Type: text/plain; charset=utf-8\r\n"
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + quopri.encodestring(long_json).replace(b"\n", b"\r\n")
        + b"\r\n"
    )
    return c


PREPEND = {
    "A20": b"".join(
        b"Received: from relay%d.example (relay%d.example [192.0.2.%d])\r\n"
        b"\tby relay%d.example with ESMTPS id %08d; Tue, 02 Jun 2026 03:12:41 +0000\r\n"
        % (n, n, n % 250 + 1, n + 1, n)
        for n in range(200)
    ),
    "A36": b"Return-Path: <noreply-smtp-tls-reporting@sender.example>\r\n"
    b"Delivered-To: @@MAILTO@@\r\n"
    b"X-Original-To: tls@example.com\r\n",
}
SECOND_PREPEND = {
    "A38": b"Received: from mx2.sender.example (mx2.sender.example [192.0.2.20])\r\n"
    b"\tby mx.inbound.example with ESMTPS; Tue, 02 Jun 2026 03:42:41 +0000\r\n",
}


def main() -> None:
    for name, data in cases().items():
        (HERE / f"{name}.eml").write_bytes(data)
    for name, data in PREPEND.items():
        (HERE / f"{name}.prepend").write_bytes(data)
    for name, data in SECOND_PREPEND.items():
        (HERE / f"{name}.second.prepend").write_bytes(data)


if __name__ == "__main__":
    main()
