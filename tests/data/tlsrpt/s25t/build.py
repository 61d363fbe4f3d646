"""Writes the inputs of blind round s25t (tests/test_reports_s25t_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s25t/build.py`. Standard library only and
deterministic (gzip mtime fixed, a seeded generator), so running it again rewrites the same
bytes.

Each case is `<id>.eml`, unsigned, shaped as a real mail system sends it; the test replaces
@@MAILTO@@ with the report address and signs it as the case's `dkim` says (sender.example,
relaxed/simple, unless told otherwise). T09 is an Outlook forward: `T09.inner.eml` is the
reporter's mail, signed first and put where `@@ORIGINAL@@` stands. T21 also has
`T21.big.eml`, the same mail with a large text part, for the size cap.
"""

from __future__ import annotations

import base64
import gzip
import json
import quopri
import random
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).parent
GZ = "application/tlsrpt+gzip"
JS = "application/tlsrpt+json"
FILENAME = "sender.example!example.com!1780272000!1780358399!001.json.gz"
SUBJECT = (
    "Report Domain: example.com Submitter: sender.example "
    "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>"
)


def report(domain: str = "example.com", ok: int = 120, details: list | None = None, **top):
    """A Google-shaped report for `domain` (rounds 12 to 25)."""
    summary = {"total-successful-session-count": ok, "total-failure-session-count": 0}
    policy = {
        "policy": {
            "policy-type": "sts",
            "policy-string": [
                "version: STSv1",
                "mode: testing",
                f"mx: mx1.{domain}",
                "max_age: 86400",
            ],
            "policy-domain": domain,
            "mx-host": [f"mx1.{domain}"],
        },
        "summary": summary,
    }
    if details:
        policy["failure-details"] = details
        summary["total-failure-session-count"] = sum(d["failed-session-count"] for d in details)
    r = {
        "organization-name": "Google Inc.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": f"2026-06-01T00:00:00Z_{domain}",
        "policies": [policy],
    }
    r.update(top)
    return r


def js(r: dict) -> bytes:
    return json.dumps(r, indent=2, ensure_ascii=False).encode()


def gz(data: bytes, mtime: int = 0) -> bytes:
    return gzip.compress(data, mtime=mtime)


JSON = js(report())
GZIP = gz(JSON)


def b64(data: bytes, width: int | None = 76) -> bytes:
    text = base64.b64encode(data)
    if width is None:
        return text
    return b"\r\n".join(text[i : i + width] for i in range(0, len(text), width))


def headers(**replace: str | None) -> bytes:
    fields = {
        "From": "noreply-smtp-tls-reporting@sender.example",
        "To": "@@MAILTO@@",
        "Subject": SUBJECT,
        "Date": "Tue, 02 Jun 2026 03:12:40 +0000",
        "Message-ID": "<20260602031240.tlsrpt.s25t@sender.example>",
        "TLS-Report-Domain": "example.com",
        "TLS-Report-Submitter": "sender.example",
        "MIME-Version": "1.0",
    }
    fields.update(replace)
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in fields.items() if v is not None)


def part(head: list[str], body: bytes) -> bytes:
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body + b"\r\n"


TEXT = part(
    ["Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit"],
    b"This is an aggregate TLS report from sender.example.\r\n"
    b"Report Domain: example.com\r\nSubmitter: sender.example",
)


def attachment(ctype: str, payload: bytes, filename: str = FILENAME, width: int | None = 76):
    return part(
        [
            f'Content-Type: {ctype}; name="{filename}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{filename}"',
        ],
        b64(payload, width),
    )


def multi(ctype: str, boundary: str, parts: list[bytes]) -> bytes:
    b = boundary.encode()
    body = b"".join(b"--" + b + b"\r\n" + p for p in parts)
    return (
        f'Content-Type: {ctype};\r\n\tboundary="{boundary}"\r\n\r\n'.encode()
        + body
        + b"--"
        + b
        + b"--\r\n"
    )


def report_mail(parts: list[bytes], text: bytes = TEXT, **h: str | None) -> bytes:
    return headers(**h) + multi('multipart/report; report-type="tlsrpt"', "b1", [text, *parts])


REPORT = attachment(GZ, GZIP)


def big_report() -> dict:
    """A busy day's report: 700 failure details with varied addresses and reason texts, so its
    gzip stays some 15 kB and its base64, sent as one unwrapped line, some 20 kB."""
    rnd = random.Random(25)
    types = [
        "certificate-expired",
        "certificate-host-mismatch",
        "starttls-not-supported",
        "validation-failure",
    ]
    details = [
        {
            "result-type": rnd.choice(types),
            "sending-mta-ip": f"203.0.113.{rnd.randrange(1, 255)}",
            "receiving-mx-hostname": "mx1.example.com",
            "receiving-ip": f"198.51.{rnd.randrange(0, 255)}.{rnd.randrange(1, 255)}",
            "failed-session-count": rnd.randrange(1, 9),
            "failure-reason-code": f"X509_V_ERR {rnd.getrandbits(64):016x}",
        }
        for _ in range(700)
    ]
    return report(ok=5000, details=details)


def quoted_printable_with_dot_lines(data: bytes) -> bytes:
    """Quoted-printable whose soft line breaks put a '.' at the start of lines (RFC 2045
    §6.7 lets a soft break stand anywhere): SMTP must dot-stuff and undo them (RFC 5321
    §4.5.2)."""
    text = quopri.encodestring(data).replace(b"\n", b"\r\n")
    return text.replace(b"mx1.example.com", b"mx1=\r\n.example.com")


def rfc2231_continued(name: str, value: str, cut: int) -> str:
    encoded = quote(value, safe="")
    while "%" in encoded[cut - 2 : cut]:
        cut += 1  # a segment never splits an encoded octet
    return f";\r\n {name}*0*=UTF-8''{encoded[:cut]};\r\n {name}*1*={encoded[cut:]}"


def outlook_forward() -> bytes:
    text = part(
        [
            'Content-Type: text/plain; charset="us-ascii"',
            "Content-Transfer-Encoding: quoted-printable",
        ],
        b"FYI, the TLS report from Google, forwarded as attachment.\r\n\r\nAdmin",
    )
    html = part(
        [
            'Content-Type: text/html; charset="us-ascii"',
            "Content-Transfer-Encoding: quoted-printable",
        ],
        b'<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3Dus-ascii">'
        b"</head><body><p>FYI, the TLS report from Google, forwarded as attachment.</p></body></html>",
    )
    alternative = multi(
        "multipart/alternative", "_000_DM6PR01MB1234ABCDEFexamplecom_", [text, html]
    )
    forwarded = (
        b"Content-Type: message/rfc822\r\n"
        b"Content-Disposition: attachment;\r\n"
        b'\tcreation-date="Tue, 02 Jun 2026 08:01:10 GMT";\r\n'
        b'\tmodification-date="Tue, 02 Jun 2026 08:01:10 GMT"\r\n\r\n'
        b"@@ORIGINAL@@\r\n"
    )
    head = (
        b"From: Example Admin <admin@other.example>\r\n"
        b'To: "tlsrpt" <@@MAILTO@@>\r\n'
        b"Subject: FW: " + SUBJECT.encode() + b"\r\n"
        b"Thread-Topic: " + SUBJECT.encode() + b"\r\n"
        b"Thread-Index: AdrUvGkzQ2V4YW1wbGVUaHJlYWRJbmRleA==\r\n"
        b"Date: Tue, 2 Jun 2026 08:01:10 +0000\r\n"
        b"Message-ID: <DM6PR01MB1234ABCDEF@DM6PR01MB1234.namprd01.prod.outlook.com>\r\n"
        b"Accept-Language: en-US\r\nContent-Language: en-US\r\n"
        b"X-MS-Has-Attach: yes\r\nX-MS-TNEF-Correlator:\r\n"
        b"MIME-Version: 1.0\r\n"
    )
    return head + multi(
        "multipart/mixed",
        "_004_DM6PR01MB1234ABCDEFexamplecom_",
        [alternative.rstrip(b"\r\n") + b"\r\n", forwarded],
    )


def gmail_inline_forward() -> bytes:
    quoted = (
        b"---------- Forwarded message ---------\r\n"
        b"From: <noreply-smtp-tls-reporting@sender.example>\r\n"
        b"Date: Tue, Jun 2, 2026 at 5:12 AM\r\n"
        b"Subject: " + SUBJECT.encode() + b"\r\n"
        b"To: <tls@example.com>\r\n\r\n"
        b"This is an aggregate TLS report from sender.example."
    )
    alternative = multi(
        "multipart/alternative",
        "000000000000a1b2c3d4e5f60718",
        [
            part(['Content-Type: text/plain; charset="UTF-8"'], quoted),
            part(['Content-Type: text/html; charset="UTF-8"'], b'<div dir=3D"ltr">see below</div>'),
        ],
    )
    gmail_gz = part(
        [
            f'Content-Type: application/gzip; name="{FILENAME}"',
            f'Content-Disposition: attachment; filename="{FILENAME}"',
            "Content-Transfer-Encoding: base64",
            "Content-ID: <f_lx1abc0>",
            "X-Attachment-Id: f_lx1abc0",
        ],
        b64(GZIP),
    )
    head = (
        b"MIME-Version: 1.0\r\n"
        b"From: Example Admin <admin@other.example>\r\n"
        b"Date: Tue, 2 Jun 2026 10:02:11 +0200\r\n"
        b"Message-ID: <CAF=abc123+fwd@mail.gmail.com>\r\n"
        b"Subject: Fwd: " + SUBJECT.encode() + b"\r\n"
        b"To: @@MAILTO@@\r\n"
    )
    return head + multi("multipart/mixed", "000000000000a1b2c3d4e5f60719", [alternative, gmail_gz])


def cases() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    c["T01"] = report_mail([attachment("application/gzip", GZIP)])
    c["T02"] = report_mail([attachment("application/x-gzip", GZIP)])
    c["T03"] = report_mail(
        [attachment("application/octet-stream", gz(js(big_report())), width=None)]
    )
    dot_text = part(
        ["Content-Type: text/plain; charset=us-ascii"],
        b"This is an aggregate TLS report.\r\n.\r\n..\r\n.hidden line\r\n-- \r\n.",
    )
    c["T04"] = report_mail(
        [
            part(
                [f"Content-Type: {JS}", "Content-Transfer-Encoding: quoted-printable"],
                quoted_printable_with_dot_lines(JSON),
            )
        ],
        text=dot_text,
    )
    utf8 = js(report(**{"organization-name": "Société Messagerie Électronique"}))
    c["T05"] = report_mail(
        [
            part(
                [f"Content-Type: {JS}; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
                utf8.replace(b"\n", b"\r\n"),
            )
        ],
        From="Société Messagerie <noreply-smtp-tls-reporting@sender.example>",
    )
    c["T06"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {GZ}" + rfc2231_continued("name", FILENAME, 30),
                    "Content-Transfer-Encoding: base64",
                    "Content-Disposition: attachment" + rfc2231_continued("filename", FILENAME, 40),
                ],
                b64(GZIP),
            )
        ]
    )
    net = report(
        "example.net",
        ok=80,
        details=[
            {
                "result-type": "certificate-expired",
                "sending-mta-ip": "203.0.113.9",
                "receiving-mx-hostname": "mx1.example.net",
                "receiving-ip": "198.51.100.25",
                "failed-session-count": 3,
            }
        ],
    )
    c["T07"] = report_mail(
        [
            REPORT,
            attachment(
                GZ, gz(js(net)), "sender.example!example.net!1780272000!1780358399!001.json.gz"
            ),
        ]
    )
    c["T08"] = report_mail([REPORT, attachment(GZ, gz(JSON, mtime=1780358400), "copy-" + FILENAME)])
    c["T09"] = outlook_forward()
    c["T09.inner"] = report_mail([REPORT], To="tls@example.com")
    c["T10"] = gmail_inline_forward()
    for n in range(11, 25):
        c[f"T{n}"] = report_mail(
            [REPORT], **{"Message-ID": f"<20260602031240.tlsrpt.t{n}@sender.example>"}
        )
    padding = part(
        ["Content-Type: text/plain; charset=us-ascii"],
        b"\r\n".join(b"padding line %05d of a large notice part" % i for i in range(300)),
    )
    c["T21.big"] = report_mail([REPORT, padding], **{"Message-ID": "<big.t21@sender.example>"})
    return c


if __name__ == "__main__":
    for name, data in cases().items():
        (HERE / f"{name}.eml").write_bytes(data)
