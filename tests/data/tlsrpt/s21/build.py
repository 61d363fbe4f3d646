"""Writes the round-21 report inputs (tests/test_reports_s21_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s21/build.py`. Standard library only (and
../blind_build.py, the pieces every round's build.py shares), and deterministic (gzip mtime 0,
zip dates fixed), so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it (doors "body" and "cross").
* `<id>.bin` — a container as it is delivered (door "container": gzip or zip variants).
* `<id>.eml` — a report mail, unsigned (door "email"); the test replaces @@MAILTO@@ with the
  report address and signs it as sender.example (DKIM). `C15.eml` is the original report mail
  that a user forwarded twice as an attachment; the test signs it, then wraps it.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import quopri
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, JS, b64, dates, detail, dumps, part, report, sts  # noqa: E402

# --- Report bodies -----------------------------------------------------------------------------


def bodies() -> dict[str, bytes]:
    b: dict[str, bytes] = {}

    # C01 GMX-like: sts policy whose mx lines are wildcard patterns (RFC 8461 §3.2), a
    # certificate-host-mismatch on a host the wildcard covers.
    gmx = sts(ok=4310, failed=7)
    gmx["policy"]["policy-string"] = [
        "version: STSv1",
        "mode: enforce",
        "mx: *.mx.example.com",
        "mx: *.backup.example.com",
        "max_age: 1209600",
    ]
    gmx["policy"]["mx-host"] = ["*.mx.example.com", "*.backup.example.com"]
    gmx["failure-details"] = [
        detail(
            "certificate-host-mismatch",
            7,
            **{
                "receiving-mx-hostname": "eu1.mx.example.com",
                "receiving-mx-helo": "eu1.mx.example.com",
                "sending-mta-ip": "212.227.17.20",
            },
        )
    ]
    b["C01"] = dumps(report("GMX", "gmx-20260601-example.com", [gmx]))

    # C02 DANE-only: a tlsa policy with three TLSA records and the three DANE failure types.
    tlsa = {
        "policy": {
            "policy-type": "tlsa",
            "policy-string": [
                "3 1 1 " + "0c" * 32,
                "3 1 1 " + "d2" * 32,
                "2 1 1 " + "5f" * 32,
            ],
            "policy-domain": "mx1.example.com",
            "mx-host": ["mx1.example.com"],
        },
        "summary": {"total-successful-session-count": 950, "total-failure-session-count": 12},
        "failure-details": [
            detail("tlsa-invalid", 5),
            detail("dnssec-invalid", 4),
            detail("dane-required", 3),
        ],
    }
    b["C02"] = dumps(report("Fastmail Pty Ltd", "fm-2026-06-01-mx1.example.com", [tlsa]))

    # C03 one report, two policy domains of one customer: example.net (not this address's
    # domain) listed first, then example.com.
    net = sts("example.net", ok=300, failed=9)
    net["failure-details"] = [
        detail("certificate-expired", 9, **{"receiving-mx-hostname": "mx1.example.net"})
    ]
    b["C03"] = dumps(report("Comcast", "comcast-20260601-multi", [net, sts("example.com", ok=80)]))

    # C04 many policies: one sts for the domain and 59 tlsa policies, one per MX host.
    many = [sts(ok=120)]
    for n in range(1, 60):
        many.append(
            {
                "policy": {
                    "policy-type": "tlsa",
                    "policy-string": [f"3 1 1 {n:02x}" + "ab" * 31],
                    "policy-domain": f"mx{n:02d}.example.com",
                },
                "summary": {
                    "total-successful-session-count": 10,
                    "total-failure-session-count": 0,
                },
            }
        )
    b["C04"] = dumps(report("Yahoo", "yahoo-60-policies-20260601", many))

    # C05 a day crossing the year, ended at the next day's 00:00:00Z (mail.ru convention).
    b["C05"] = dumps(
        dates(
            report("Mail.Ru", "mailru-20261231", [sts(ok=44)]),
            "2026-12-31T00:00:00Z",
            "2027-01-01T00:00:00Z",
        )
    )

    # C06 Zoho's local day in India (+05:30), 1 July: starts on 30 June UTC.
    b["C06"] = dumps(
        dates(
            report("Zoho Corporation", "zoho-20260701-example.com", [sts(ok=61)]),
            "2026-07-01T00:00:00+05:30",
            "2026-07-01T23:59:59+05:30",
        )
    )

    # C07 two policies of 2^53 - 1 sessions each: each count is an I-JSON integer, the sum
    # (2^54 - 2) is not, but fits a 64-bit count.
    big = 2**53 - 1
    b["C07"] = dumps(
        report(
            "Proton AG",
            "proton-huge-20260601",
            [sts(ok=big), sts("mail.example.com", ok=big)],
        )
    )

    # C08 1,100 policies of 2^53 - 1 sessions each: the total passes a signed 64-bit count.
    b["C08"] = dumps(
        report(
            "Proton AG",
            "proton-overflow-20260601",
            [sts(f"s{n}.example.com", ok=big) for n in range(1100)],
        ),
        indent=None,
    )

    # C09 receiving-ip in IPv6, and an IPv4-mapped receiving-ip written in hex (RFC 4291 §2.2
    # form 1; RFC 5952 §5 recommends ::ffff:198.51.100.25).
    halon = sts(ok=500, failed=6)
    halon["failure-details"] = [
        detail(
            "certificate-not-trusted",
            4,
            **{"receiving-ip": "2001:db8:25::10", "sending-mta-ip": "2001:db8:f00::9"},
        ),
        detail("validation-failure", 2, **{"receiving-ip": "::ffff:c633:6419"}),
    ]
    b["C09"] = dumps(report("Halon Security AB", "halon-20260601-example.com", [halon]))

    # C10 Postfix/sys4 tlsrpt: a long, multi-line failure-reason-code (about 6 KB).
    reason = (
        "SSL_connect error to mx1.example.com[198.51.100.25]:25: -1\n"
        "warning: TLS library problem: error:0A000086:SSL routines::certificate verify "
        "failed:ssl/statem/statem_clnt.c:1889:\n"
    ) * 40
    sys4 = sts(ok=30, failed=2)
    sys4["failure-details"] = [
        detail("certificate-not-trusted", 2, **{"failure-reason-code": reason})
    ]
    b["C10"] = dumps(report("mail.sender.example", "sys4-2026-06-01-example.com", [sys4]))

    # C11 additional-information: a 3,000-character https URI (report viewer with a state).
    viewer = "https://tlsrpt.sender.example/view?state="
    uri = viewer + "A" * (3000 - len(viewer))
    assert len(uri) == 3000
    ai = sts(ok=70, failed=1)
    ai["failure-details"] = [detail("starttls-not-supported", 1, **{"additional-information": uri})]
    b["C11"] = dumps(report("Sender Example", "ai-2026-06-01", [ai]))

    # C12 contact-info an RFC 5322 address-list of two addresses, not one addr-spec.
    b["C12"] = dumps(
        report(
            "Sender Example",
            "contact-list-2026-06-01",
            [sts(ok=15)],
            **{
                "contact-info": "tlsrpt@sender.example, postmaster@sender.example",
            },
        )
    )

    # C13 report-id with a no-break space and an emoji (a surrogate pair in \u escapes).
    b["C13"] = dumps(report("Sender Example", "r\u00a0id \U0001f4e7 2026-06-01", [sts(ok=9)]))

    # C22 Proton-like: mx-host a single string, as RFC 8460 Appendix B shows it.
    proton = sts(ok=33)
    proton["policy"]["mx-host"] = "mx1.example.com"
    b["C22"] = dumps(report("Proton AG", "proton-20260601-example.com", [proton]))

    # C23 a sender whose day runs from 23:59:59Z to 23:59:59Z (off by one second).
    b["C23"] = dumps(
        dates(
            report("Sender Example", "offbyone-2026-06-01", [sts(ok=18)]),
            "2026-05-31T23:59:59Z",
            "2026-06-01T23:59:59Z",
        )
    )

    # C14 (door "cross"): the report posted over HTTPS, then mailed.
    b["C14"] = dumps(report("Yahoo", "yahoo-resend-20260601", [sts(ok=222, failed=0)]))
    return b


# --- Containers --------------------------------------------------------------------------------

BASE = dumps(report("Sender Example", "container-2026-06-01", [sts(ok=120)]))


def zip_of(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 6, 2, 3, 12, 40))
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
            if name.endswith("/"):
                info.external_attr = 0o40755 << 16 | 0x10
            archive.writestr(info, data)
    return out.getvalue()


def containers() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    # C19 gzip with a maximal FEXTRA field (XLEN 65,535: subfields 'AP' of filler) and an FNAME.
    subfield = b"AP" + struct.pack("<H", 65531) + b"\x00" * 65531
    c["C19"] = shared.gzip_member(BASE, extra=subfield, name=FILENAME[:-3].encode())
    # C20 the report's gzip member followed by a gzip member of nothing (a writer's final flush).
    c["C20"] = shared.gzip_member(BASE, name=b"report.json") + shared.gzip_member(b"")
    # C21 a zip whose report (a gzip) sits three folders down, each folder with its own entry.
    c["C21"] = zip_of(
        [
            ("2026/", b""),
            ("2026/06/", b""),
            ("2026/06/01/", b""),
            ("2026/06/01/" + FILENAME, gzip.compress(BASE, mtime=0)),
        ]
    )
    return c


# --- Mails -------------------------------------------------------------------------------------


def headers(**replace: str | None) -> bytes:
    return shared.mail_headers("s21", **replace)


def report_mail(parts: list[bytes], **replace: str | None) -> bytes:
    return headers(**replace) + shared.multi(shared.REPORT_TYPE, "b1", [shared.TEXT, *parts])


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    gz = gzip.compress(BASE, mtime=0)
    # C15 the original report mail, to the domain's admin; the test signs it and a user
    # forwards it as an attachment to a colleague, who forwards that to the report address.
    m["C15"] = headers(To="tls-admin@example.com") + shared.multi(
        shared.REPORT_TYPE, "orig1", [shared.TEXT, shared.gz_attachment(gz)]
    )
    # C16 Outlook relabelled the attachment application/octet-stream, named it ATT00001.bin,
    # inline, and wrapped the base64 in 996-character lines (a stored gzip of a report with
    # 40 failure details, so that the base64 runs over several such lines).
    outlook = sts(ok=700, failed=40)
    outlook["failure-details"] = [
        detail("certificate-expired", 1, **{"sending-mta-ip": f"40.107.22.{n}"})
        for n in range(1, 41)
    ]
    stored = gzip.compress(
        dumps(report("Microsoft Corporation", "133716000000000000+example.com", [outlook])),
        compresslevel=0,
        mtime=0,
    )
    assert len(base64.b64encode(stored)) > 3 * 996
    m["C16"] = report_mail(
        [
            part(
                [
                    'Content-Type: application/octet-stream; name="ATT00001.bin"',
                    "Content-Description: ATT00001.bin",
                    'Content-Disposition: inline; filename="ATT00001.bin"',
                    "Content-Transfer-Encoding: base64",
                ],
                b64(stored, width=996),
            )
        ]
    )
    # C17 quoted-printable JSON whose every non-ASCII byte is encoded and whose soft line
    # breaks fall inside a two-byte UTF-8 sequence.
    societe = dumps(
        report("Soci\u00e9t\u00e9 G\u00e9n\u00e9rale Mail", "qp-2026-06-01", [sts(ok=40)]),
        ascii=False,
    )
    qp = quopri.encodestring(societe).replace(b"\n", b"\r\n")
    # Break at "=C3=" + soft break + "=A9" wherever é is encoded.
    qp = qp.replace(b"=C3=A9", b"=C3=\r\n=A9")
    m["C17"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {JS}; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                qp,
            )
        ]
    )
    # C18 Halon-like: minified UTF-8 JSON on one 8bit line of about 5 KB.
    halon = report(
        "Halon Security AB \u2014 Stockholm",
        "halon-8bit-2026-06-01-\u00e5\u00e4\u00f6",
        [sts(ok=88, failed=40)],
    )
    halon["policies"][0]["failure-details"] = [
        detail("certificate-expired", 1, **{"sending-mta-ip": f"203.0.113.{n}"})
        for n in range(1, 41)
    ]
    line = json.dumps(halon, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(line) > 4000 and b"\n" not in line
    m["C18"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {JS}; charset=utf-8",
                    "Content-Transfer-Encoding: 8bit",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                line,
            )
        ]
    )
    # C24 Outlook relabelled a zip attachment application/x-zip-compressed.
    zipped = zip_of([(FILENAME[:-3], BASE)])
    m["C24"] = report_mail(
        [
            part(
                [
                    'Content-Type: application/x-zip-compressed; name="report.zip"',
                    'Content-Disposition: attachment; filename="report.zip"',
                    "Content-Transfer-Encoding: base64",
                ],
                b64(zipped),
            )
        ]
    )
    return m


def main() -> None:
    shared.write(HERE, {".json": bodies(), ".bin": containers(), ".eml": mails()})


if __name__ == "__main__":
    main()
