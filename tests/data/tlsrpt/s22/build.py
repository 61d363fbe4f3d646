"""Writes the round-22 report inputs (tests/test_reports_s22_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s22/build.py`. Standard library only (and
../blind_build.py, the pieces every round's build.py shares), and deterministic (gzip mtime 0,
zip dates fixed), so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it (doors "body" and "cross").
* `<id>.bin` — a container as it is delivered (door "container": gzip, zip or zlib variants).
* `<id>.eml` — a report mail, unsigned (door "email"); the test replaces @@MAILTO@@ with the
  report address and signs it as sender.example (DKIM).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, b64, dates, detail, dumps, part, report, sts, swap  # noqa: E402


def tlsa(host: str, ok: int, failed: int = 0, **extra: Any) -> dict:
    return shared.tlsa(host, ok, failed, digest="3a", mx_host=True, **extra)


# --- Report bodies -----------------------------------------------------------------------------


def bodies() -> dict[str, bytes]:
    b: dict[str, bytes] = {}

    # D01 Go's time.RFC3339Nano: trailing zeros dropped from the start, nine fraction digits
    # on the end (23:59:59.999999999Z).
    b["D01"] = dumps(
        dates(
            report("Go Mail Reporter", "go-nano-20260601", [sts(ok=57)]),
            "2026-06-01T00:00:00Z",
            "2026-06-01T23:59:59.999999999Z",
        )
    )

    # D02 a New Zealand sender's local day (+12:00), ending 23:59:59: the middle of the range
    # (2026-05-31T23:59:59.5Z) falls half a second before the UTC day of its date.
    b["D02"] = dumps(
        dates(
            report("Kiwi Mail Ltd", "nz-20260601-example.com", [sts(ok=42)]),
            "2026-06-01T00:00:00+12:00",
            "2026-06-01T23:59:59+12:00",
        )
    )

    # D03 a decimal comma (ISO 8601 allows it, RFC 3339 does not).
    b["D03"] = dumps(
        dates(
            report("Sender Example", "comma-20260601", [sts(ok=10)]),
            "2026-06-01T00:00:00,000Z",
            "2026-06-01T23:59:59,999Z",
        )
    )

    # D04 date-times without seconds (ISO 8601 reduced precision, not RFC 3339).
    b["D04"] = dumps(
        dates(
            report("Sender Example", "noseconds-20260601", [sts(ok=10)]),
            "2026-06-01T00:00Z",
            "2026-06-01T23:59Z",
        )
    )

    # D05 29 February of a year that is not a leap year (a sender's date arithmetic).
    b["D05"] = dumps(
        dates(
            report("Sender Example", "feb29-2026", [sts(ok=10)]),
            "2026-02-29T00:00:00Z",
            "2026-02-29T23:59:59Z",
        )
    )

    # D06 a total-successful-session-count of 5,000 digits (a valid JSON number; past what
    # Python converts to int by default, 4,300 digits).
    huge = dumps(report("Sender Example", "digits-20260601", [sts(ok=7)]))
    b["D06"] = swap(
        huge,
        b'"total-successful-session-count": 7',
        b'"total-successful-session-count": ' + b"9" * 5000,
    )

    # D07 a failure detail whose failed-session-count is written twice, 2 then 5 (a sender
    # that merges two maps by writing both).
    dup = sts(ok=50, failed=5)
    dup["failure-details"] = [detail("certificate-expired", 2)]
    text = dumps(report("Sender Example", "dupkey-20260601", [dup]))
    b["D07"] = swap(
        text,
        b'"failed-session-count": 2',
        b'"failed-session-count": 2,\n            "failed-session-count": 5',
    )

    # D08 organization-name with CR LF, a header-looking tail and a BEL (header injection
    # shape; every character a valid JSON \u escape).
    b["D08"] = dumps(
        report(
            "Sender Example\r\nBcc: victim@example.org\u0007",
            "ctrl-20260601",
            [sts(ok=33)],
        )
    )

    # D09 PHP json_encode defaults: '/' escaped as '\/', non-ASCII as \u escapes.
    php = sts(ok=70, failed=1)
    php["failure-details"] = [
        detail(
            "starttls-not-supported",
            1,
            **{"additional-information": "https://tlsrpt.sender.example/r/2026-06-01/example.com"},
        )
    ]
    text = json.dumps(report("Soci\u00e9t\u00e9 Mail", "php-20260601", [php])).encode()
    b["D09"] = text.replace(b"/", b"\\/")
    assert b"https:\\/\\/" in b["D09"] and b"\\u00e9" in b["D09"]

    # D10 a policy served with CRLF line ends and split on LF: each policy-string line keeps
    # its CR; mode testing.
    crlf = sts(ok=64)
    crlf["policy"]["policy-string"] = [
        "version: STSv1\r",
        "mode: testing\r",
        "mx: mx1.example.com\r",
        "max_age: 86400\r",
    ]
    b["D10"] = dumps(report("Sender Example", "crlf-20260601", [crlf]))

    # D11 a Go reporter with `omitempty` on every count: 0 is not written. The sts summary
    # has only its failures (4); the tlsa summary is {} (0 and 0).
    go = sts(ok=0, failed=4)
    del go["summary"]["total-successful-session-count"]
    go["failure-details"] = [detail("certificate-not-trusted", 4)]
    quiet = tlsa("mx1.example.com", ok=0)
    quiet["summary"] = {}
    b["D11"] = dumps(report("Go Mail Reporter", "go-omitempty-20260601", [go, quiet]))

    # D12 Postfix + sys4 tlsrpt for a DANE domain without MTA-STS: no-policy-found for the
    # domain with counts only (no policy-string, no mx-host, no failure-details), then one
    # tlsa policy per MX, the second with dane-required failures.
    npf = {
        "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
        "summary": {"total-successful-session-count": 0, "total-failure-session-count": 0},
    }
    mx2 = tlsa("mx2.example.com", ok=140, failed=6)
    mx2["failure-details"] = [
        detail("dane-required", 6, **{"receiving-mx-hostname": "mx2.example.com"})
    ]
    b["D12"] = dumps(
        report(
            "mail.sender.example",
            "sys4-dane-20260601",
            [npf, tlsa("mx1.example.com", ok=300), mx2],
        )
    )

    # D13 the domain's policy vanished during the day: an sts entry (its sessions before)
    # and a no-policy-found entry (after) for the same policy-domain.
    gone = {
        "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
        "summary": {"total-successful-session-count": 25, "total-failure-session-count": 0},
    }
    b["D13"] = dumps(report("Sender Example", "vanished-20260601", [sts(ok=75), gone]))

    # D14 a C writer that sends its buffer with the string's terminating NUL.
    b["D14"] = dumps(report("Sender Example", "nul-20260601", [sts(ok=12)])) + b"\x00"

    # D15 receiving-mx-hostname in mixed case with the root's trailing dot.
    upper = sts(ok=90, failed=3)
    upper["failure-details"] = [
        detail("certificate-expired", 3, **{"receiving-mx-hostname": "MX1.Example.COM."})
    ]
    b["D15"] = dumps(report("Sender Example", "fqdn-20260601", [upper]))

    # D16 (door "cross") .NET: DateTime.ToString("o") (seven fraction digits) and
    # System.Text.Json's default encoder (+ & ' < > as \u escapes).
    net = report(
        "Contoso Mail & Co",
        "133716000000000000+example.com",
        [sts(ok=222)],
    )
    dates(net, "2026-06-01T00:00:00.0000000Z", "2026-06-01T23:59:59.9999999Z")
    text = json.dumps(net, separators=(",", ":")).encode()
    for char, escape in ((b"+", b"\\u002B"), (b"&", b"\\u0026")):
        text = text.replace(char, escape)
    b["D16"] = text
    return b


# --- Containers --------------------------------------------------------------------------------

BASE = dumps(report("Sender Example", "container-2026-06-01", [sts(ok=120)]))


class Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile writes data descriptors when it cannot seek back."""

    def __init__(self) -> None:
        self.out = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self.out.write(data)


def streamed_zip(name: str, data: bytes) -> bytes:
    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(2026, 6, 2, 3, 12, 40))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(data)
    out = sink.out.getvalue()
    flags = struct.unpack("<H", out[6:8])[0]
    assert flags & 0x08, "expected a data descriptor"
    return out


def zip_of(entries: list[tuple[str, bytes]], *, zip64: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 6, 2, 3, 12, 40))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=zip64) as member:
                member.write(data)
    return out.getvalue()


def containers() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    # D17 a zip written to a pipe (Go archive/zip, Java ZipOutputStream): data descriptors,
    # sizes 0 in the local header.
    c["D17"] = streamed_zip(FILENAME[:-3], BASE)
    # D18 a zip64 archive (7-Zip / Java with zip64 forced): zip64 extra fields on a small file.
    c["D18"] = zip_of([(FILENAME[:-3], BASE)], zip64=True)
    name_len, extra_len = struct.unpack("<HH", c["D18"][26:30])
    assert c["D18"][30 + name_len : 32 + name_len] == b"\x01\x00" and extra_len
    # D19 a zlib stream (RFC 1950, compress2/zlib.compress) where gzip (RFC 1952) is due.
    c["D19"] = zlib.compress(BASE, 9)
    assert c["D19"][:2] == b"\x78\xda"
    # D20 a zip holding the same report twice: as JSON and as its gzip.
    c["D20"] = zip_of([(FILENAME[:-3], BASE), (FILENAME, gzip.compress(BASE, mtime=0))])
    # D21 gzip with an FNAME and an FCOMMENT in ISO 8859-1 (RFC 1952 §2.3.1), not UTF-8.
    c["D21"] = shared.gzip_member(
        BASE,
        name="rapport-soci\u00e9t\u00e9.json".encode("latin-1"),
        comment="Rapport TLS \u00e9mis par Soci\u00e9t\u00e9".encode("latin-1"),
        os_byte=0x0B,  # NTFS
    )
    return c


# --- Mails -------------------------------------------------------------------------------------


def headers(**replace: str | None) -> bytes:
    return shared.mail_headers("s22", **replace)


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    gz = gzip.compress(BASE, mtime=0)
    report_part = shared.gz_attachment(gz)
    # D22 a gateway that names a nested multipart's boundary after the outer one: the inner
    # boundary begins with the outer boundary's text (RFC 2046 §5.1.1 allows it: a delimiter
    # is the boundary followed by blanks and the line end only).
    inner = shared.multi("multipart/mixed", "=_mx1_part", [shared.TEXT, report_part])
    m["D22"] = headers() + shared.multi(shared.REPORT_TYPE, "=_mx1", [shared.TEXT, inner])
    # D23 Mail.ru / Outlook style: the file name written as an RFC 2047 encoded-word inside
    # the name and filename parameters (RFC 2047 §5 forbids it; RFC 2231 is the standard).
    word = (
        "=?UTF-8?B?"
        + base64.b64encode(("\u043e\u0442\u0447\u0451\u0442-" + FILENAME).encode()).decode()
        + "?="
    )
    m["D23"] = headers() + shared.multi(
        shared.REPORT_TYPE,
        "b1",
        [
            shared.TEXT,
            part(
                [
                    f'Content-Type: {GZ}; name="{word}"',
                    "Content-Transfer-Encoding: base64",
                    f'Content-Disposition: attachment; filename="{word}"',
                ],
                b64(gz),
            ),
        ],
    )
    return m


def main() -> None:
    shared.write(HERE, {".json": bodies(), ".bin": containers(), ".eml": mails()})


if __name__ == "__main__":
    main()
