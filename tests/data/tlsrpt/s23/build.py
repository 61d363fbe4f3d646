"""Writes the round-23 report inputs (tests/test_reports_s23_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s23/build.py`. Standard library only (and
../blind_build.py, the pieces every round's build.py shares), and deterministic (gzip mtime
fixed, zip and tar dates fixed, no randomness), so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it (doors "body", "cross" and "resend").
* `<id>.bin` — a container as it is delivered (door "container").
* `<id>.eml` — a report mail, unsigned (doors "email", "forward" and "forward_first"); the
  test replaces @@MAILTO@@ with the report address and signs it as sender.example (DKIM).
"""

from __future__ import annotations

import gzip
import io
import struct
import sys
import tarfile
import zlib
from pathlib import Path

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, b64, dates, detail, dumps, part, report, sts, swap, tlsa  # noqa: E402

BASE = dumps(report("Sender Example", "2026-06-01T00:00:00Z_example.com", [sts()]))


# --- Report bodies -----------------------------------------------------------------------------


def bodies() -> dict[str, bytes]:
    b: dict[str, bytes] = {}
    # F01 Microsoft's writer: one line, no blanks, report-id '<18 digits>+<domain>'; the domain
    # has no MTA-STS policy (no-policy-found, no policy-string, no mx-host) and DANE on an MX
    # hosted by the provider (Exchange Online's *.mx.microsoft), which is not below the domain.
    mx = "example-com.l-v1.mx.microsoft"
    b["F01"] = dumps(
        report(
            "Microsoft Corporation",
            "134242560000000000+example.com",
            [
                {
                    "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
                    "summary": {
                        "total-successful-session-count": 950,
                        "total-failure-session-count": 0,
                    },
                },
                tlsa(
                    mx,
                    40,
                    2,
                    **{
                        "failure-details": [
                            detail(
                                "tlsa-invalid",
                                2,
                                **{
                                    "sending-mta-ip": "2a01:111:f400:7e1b::31",
                                    "receiving-mx-hostname": mx,
                                    "receiving-ip": "2a01:111:f403:c80f::2",
                                },
                            )
                        ]
                    },
                ),
            ],
            **{"contact-info": "tlsrpt-noreply@microsoft.com"},
        ),
        indent=None,
        separators=(",", ":"),
    )
    # F02 one _smtp._tls record shared by example.com and notexample.com (a name that ends in
    # the text 'example.com' but is not below it): the other's sts and its tlsa on its MX.
    b["F02"] = dumps(
        report(
            "Sender Example",
            "2026-06-01_shared",
            [
                sts("example.com", 100),
                sts(
                    "notexample.com",
                    50,
                    5,
                    **{
                        "failure-details": [
                            detail(
                                "certificate-expired",
                                5,
                                **{"receiving-mx-hostname": "mx1.notexample.com"},
                            )
                        ]
                    },
                ),
                tlsa("mx1.notexample.com", 20),
            ],
        )
    )
    # F03 3,000 failure details (about 1.1 MB, past the whole-document reader's 256 KiB): the
    # receiving IP 2001:db8::25 written in three forms in turn, receiving-mx-helo with the
    # root's trailing dot in mixed case.
    forms = [
        "2001:db8::25",
        "2001:0db8:0000:0000:0000:0000:0000:0025",
        "2001:DB8:0:0:0:0:0:25",
    ]
    details = [
        detail(
            "certificate-host-mismatch",
            1,
            **{
                "sending-mta-ip": f"203.0.{113 + i // 250}.{i % 250 + 1}",
                "receiving-ip": forms[i % 3],
                "receiving-mx-helo": "MX1.example.com.",
                "failure-reason-code": "X509_V_ERR_HOSTNAME_MISMATCH",
            },
        )
        for i in range(3000)
    ]
    b["F03"] = dumps(
        report(
            "Sender Example",
            "2026-06-01_many",
            [sts(ok=7000, failed=3000, **{"failure-details": details})],
        )
    )
    # F04 a count written as JSON true (a writer's boolean, Python's bool is an int) and a
    # detail's failed-session-count false.
    b["F04"] = dumps(
        report(
            "Sender Example",
            "2026-06-01_bool",
            [
                sts(ok=True),
                tlsa(
                    "mx1.example.com",
                    10,
                    1,
                    **{"failure-details": [detail("dane-required", False)]},
                ),
            ],
        )
    )
    # F05 a count 1E400: valid JSON (RFC 8259 §6), past any double (a reader may make it inf).
    b["F05"] = swap(
        dumps(report("Sender Example", "2026-06-01_e400", [sts(ok=120, failed=7)])),
        b'"total-failure-session-count": 7',
        b'"total-failure-session-count": 1E400',
    )
    # F06 counts as strings that Python's int() reads but are no digits of a JSON integer:
    # '1_000', Arabic-Indic '١٢', '+5', ' 7'; and '12', the shape s12 B15 coerces.
    b["F06"] = dumps(
        report(
            "Sender Example",
            "2026-06-01_strings",
            [
                tlsa(f"mx{i + 1}.example.com", text)
                for i, text in enumerate(["1_000", "\u0661\u0662", "+5", " 7", "12"])
            ],
        )
    )
    # F07 counts past 2^63: a summary's 2^64 and a detail's 2^63.
    b["F07"] = dumps(
        report(
            "Sender Example",
            "2026-06-01_2to64",
            [
                sts(ok=30, failed=2**64),
                tlsa(
                    "mx1.example.com",
                    10,
                    1,
                    **{"failure-details": [detail("dane-required", 2**63)]},
                ),
            ],
        )
    )
    # F08 the last day a date can name: 9999-12-31, its end at 23:59:59Z.
    b["F08"] = dumps(
        dates(
            report("Sender Example", "9999-12-31_last", [sts(ok=9)]),
            "9999-12-31T00:00:00Z",
            "9999-12-31T23:59:59Z",
        )
    )
    # F09 year 0000 (RFC 3339 date-fullyear is any 4DIGIT; no such year in Python's dates).
    b["F09"] = dumps(
        dates(
            report("Sender Example", "0000-06-01_zero", [sts(ok=9)]),
            "0000-06-01T00:00:00Z",
            "0000-06-01T23:59:59Z",
        )
    )
    # F10 the sender's local day 9999-12-31 at -12:00: its end is 10000-01-01T11:59:59Z.
    b["F10"] = dumps(
        dates(
            report("Sender Example", "9999-12-31_minus12", [sts(ok=9)]),
            "9999-12-31T00:00:00-12:00",
            "9999-12-31T23:59:59-12:00",
        )
    )
    # F11 reversed only in time, not in text: start 2026-06-01T01:00:00Z, end
    # 2026-06-01T23:59:59+23:00 (= 2026-06-01T00:59:59Z, an hour before the start).
    b["F11"] = dumps(
        dates(
            report("Sender Example", "2026-06-01_reversed", [sts(ok=9)]),
            "2026-06-01T01:00:00Z",
            "2026-06-01T23:59:59+23:00",
        )
    )
    # F12 additional-information nested 100,000 arrays deep (a recursion bomb, 200 KB).
    b["F12"] = swap(
        dumps(
            report(
                "Sender Example",
                "2026-06-01_deep",
                [sts(ok=10, failed=1, **{"failure-details": [detail("validation-failure", 1)]})],
            )
        ),
        b'"failed-session-count": 1\n',
        b'"failed-session-count": 1,\n "additional-information": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"\n",
    )
    # F13 (cross) report-id of 1,024 characters, each an emoji outside the BMP (4,096 UTF-8
    # bytes), written raw in UTF-8 over HTTPS; the mail's copy is re-serialised with \u
    # escapes (json.dumps' default: surrogate pairs).
    b["F13"] = dumps(report("Sender Example", "\U0001f4e7" * 1024, [sts(ok=77)]), ascii=False)
    # F19 (resend) a plain Google-shaped report: POSTed, POSTed again with another gzip mtime,
    # then mailed signed, forwarded as an attachment by the domain's admin.
    b["F19"] = dumps(report("Sender Example", "2026-06-01T00:00:00Z_example.com", [sts(ok=64)]))
    return b


# --- Containers --------------------------------------------------------------------------------


def _crc_step(crc: int, byte: int) -> int:
    crc ^= byte
    for _ in range(8):
        crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc


def zipcrypto(data: bytes, password: bytes, check: int) -> bytes:
    """PKWARE traditional encryption (APPNOTE 6.1): the 12-byte header, then the data."""
    k = [0x12345678, 0x23456789, 0x34567890]

    def update(c: int) -> None:
        k[0] = _crc_step(k[0], c)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = _crc_step(k[2], k[1] >> 24)

    for c in password:
        update(c)
    out = bytearray()
    for c in bytes(range(1, 12)) + bytes([check]):
        t = (k[2] | 2) & 0xFFFF
        out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(c)
    for c in data:
        t = (k[2] | 2) & 0xFFFF
        out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(c)
    return bytes(out)


def encrypted_zip(name: str, data: bytes, password: bytes) -> bytes:
    """One stored file, encrypted (general purpose flag bit 0), as a gateway that encrypts
    attachments writes it."""
    crc = zlib.crc32(data)
    body = zipcrypto(data, password, crc >> 24)
    n = name.encode()
    time, date = 0, (2026 - 1980) << 9 | 6 << 5 | 2
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 1, 0, time, date, crc, len(body), len(data), len(n), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        1,
        0,
        time,
        date,
        crc,
        len(body),
        len(data),
        len(n),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    offset = len(local) + len(n) + len(body)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(n), offset, 0)
    return local + n + body + central + n + end


def tar_gz(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), 1780358400, 0o644
        info.uname = info.gname = "tlsrpt"
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(out.getvalue(), mtime=0)


def containers() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    # F18 a tar archive of the report, gzipped (report.tar.gz: "+gzip objects can contain
    # multiple files and associated paths", RFC 8460 §6.3).
    c["F18"] = tar_gz(FILENAME.removesuffix(".gz"), BASE)
    # F20 a zip whose one file is encrypted with a password (traditional PKWARE encryption).
    c["F20"] = encrypted_zip(FILENAME.removesuffix(".gz"), BASE, b"Secret2026")
    return c


# --- Mails -------------------------------------------------------------------------------------


def gz_part(data: bytes, *, name: str = FILENAME, cte: str = "base64") -> bytes:
    body = b64(data) if cte == "base64" else data
    return part(
        [
            f'Content-Type: {GZ}; name="{name}"',
            f"Content-Transfer-Encoding: {cte}",
            f'Content-Disposition: attachment; filename="{name}"',
        ],
        body,
    )


def lf_gzip() -> bytes:
    """A gzip of a report whose bytes hold line feeds but no carriage return (so only the LF
    to CRLF conversion changes it, and SMTP's line ends change nothing more)."""
    for n in range(1000):
        data = dumps(report("Sender Example", f"2026-06-01_8bit_{n}", [sts(ok=88)]))
        gz = gzip.compress(data, mtime=0)
        if b"\r" not in gz and gz.count(b"\n") >= 2:
            return gz
    raise AssertionError("no such gzip")


def headers(**replace: str | None) -> bytes:
    return shared.mail_headers("s23", **replace)


def report_mail(parts: list[bytes], **replace: str | None) -> bytes:
    return headers(**replace) + shared.multi(shared.REPORT_TYPE, "b1", [shared.TEXT, *parts])


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    # F14 the gzip sent 'Content-Transfer-Encoding: 8bit' (not base64) through a relay that
    # rewrote every line feed byte of it as CR LF (8bit is text with lines, RFC 2045 §2.8).
    gz = lf_gzip()
    m["F14"] = report_mail([gz_part(gz.replace(b"\n", b"\r\n"), cte="8bit")])
    # F15 two report attachments: the first a gzip cut short (the sender's disk filled), the
    # second another day's report, whole.
    first = gzip.compress(BASE, mtime=0)
    second = gzip.compress(
        dumps(
            dates(
                report("Sender Example", "2026-06-02T00:00:00Z_example.com", [sts(ok=55)]),
                "2026-06-02T00:00:00Z",
                "2026-06-02T23:59:59Z",
            )
        ),
        mtime=0,
    )
    m["F15"] = report_mail(
        [
            gz_part(first[: len(first) // 2]),
            gz_part(
                second, name=FILENAME.replace("1780272000!1780358399", "1780358400!1780444799")
            ),
        ]
    )
    # F16 (forward) the signed report mail of this file is forwarded as an attachment by the
    # domain's admin, who also attached the .json.gz file itself (the test wraps it).
    m["F16"] = report_mail([gz_part(gzip.compress(BASE, mtime=0))])
    # F21 (added after the first run, from F16) the same, the admin's attachment placed
    # before the forwarded message instead of after it.
    m["F21"] = m["F16"]
    # F17 the sender's outbound gateway appended its text inside the base64 part, after the
    # report's base64 (a gzip of a length divisible by 3: no '=' padding ends the base64).
    for n in range(30):
        data = dumps(report("Sender Example", f"2026-06-01_scanned_{n}", [sts(ok=42)]))
        gz = gzip.compress(data, mtime=0)
        if len(gz) % 3 == 0:
            break
    assert len(gz) % 3 == 0
    footer = b"\r\n\r\n-- \r\nThis message has been scanned for viruses by MailGuard 9.\r\n"
    m["F17"] = report_mail(
        [
            part(
                [
                    f"Content-Type: {GZ}",
                    "Content-Transfer-Encoding: base64",
                    f'Content-Disposition: attachment; filename="{FILENAME}"',
                ],
                b64(gz) + footer,
            )
        ]
    )
    return m


def main() -> None:
    shared.write(HERE, {".json": bodies(), ".bin": containers(), ".eml": mails()})


if __name__ == "__main__":
    main()
