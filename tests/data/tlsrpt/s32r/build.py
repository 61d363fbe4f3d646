"""Writes the round-s32r report inputs (tests/test_reports_s32r_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s32r/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it, of 2026-06-01 (door "body": both parse
  readers, gzip-POSTed over HTTPS, mailed gzipped and DKIM-signed).
* `<id>.json` of door "shown" — a report whose dates are `{D-n}` (n days before the test day,
  filled in by the test), POSTed and then read on the dashboard and the CSV.
* `<id>.bin` of door "post" — an HTTPS body exactly as sent, with the case's Content-Type and
  headers (tests/data/tlsrpt/s32r_expectations.json).
"""

from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import detail, dumps, gzip_member, tlsa  # noqa: E402

GOOGLE = ("Google Inc.", "2026-06-01T00:00:00Z_example.com")
MICROSOFT = ("Microsoft Corporation", "133984512000000000+example.com")
SYS4 = ("mail.sender.example", "sys4-2026-06-01-example.com")


def sts(ok: Any = 120, failed: Any = 0, details: list | None = None, **policy: Any) -> dict:
    """example.com's sts entry; `policy` replaces members of its policy object (None: left
    out)."""
    extra = {} if details is None else {"failure-details": details}
    entry = shared.sts("example.com", ok, failed, **extra)
    for key, value in policy.items():
        if value is None:
            entry["policy"].pop(key.replace("_", "-"), None)
        else:
            entry["policy"][key.replace("_", "-")] = value
    return entry


def report(
    policies: list[dict],
    who: tuple[str, str] = ("Sender Example Mail Ltd.", "2026-06-01T00:00:00Z_example.com"),
    start: str = "2026-06-01T00:00:00Z",
    end: str = "2026-06-01T23:59:59Z",
    **top: Any,
) -> dict:
    return shared.dates(shared.report(who[0], who[1], policies, **top), start, end)


def shown(policies: list[dict], org: str = "Sender Example Mail Ltd.") -> bytes:
    r = shared.report(org, "{D-1}T00:00:00Z_example.com", policies)
    return dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"), ascii=False)


def body(r: dict) -> bytes:
    return dumps(r)


BASE = body(report([sts()]))


def inputs() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-02: top level --------------------------------------------------------------------
    out["A01"] = body(
        report(
            [sts(mx_host=["mx1.example.com"])],
            GOOGLE,
            **{"contact-info": "smtp-tls-reporting@google.com"},
        )
    )
    out["A02"] = body(report([sts()], **{"contact-info": "mailto:tlsrpt@sender.example"}))
    r = report([sts()], SYS4)
    del r["contact-info"]
    out["A03"] = body(r)
    r = report([sts()], MICROSOFT)
    out["A05"] = shared.swap(body(r), b'"133984512000000000+example.com"', b"133984512000000000")
    r = report([sts()])
    del r["date-range"]["end-datetime"]
    out["A06"] = body(r)

    # --- RPT-03: time frame -------------------------------------------------------------------
    out["B01"] = body(report([sts()], start="2026-06-01T00:00:00Z", end="2026-06-01T00:00:00Z"))
    out["B02"] = body(
        report([sts()], start="2026-06-01T00:00:00+02:00", end="2026-06-01T23:59:59+02:00")
    )
    out["B03"] = body(report([sts()], start="2026-06-01T12:00:00Z", end="2026-06-01T23:59:59Z"))
    out["B04"] = body(report([sts()], start="2026-05-29T00:00:00Z", end="2026-06-01T23:59:59Z"))
    out["B05"] = body(
        report([sts()], start="2026-06-01T00:00:00+14:00", end="2026-06-01T23:59:59+14:00")
    )
    out["B06"] = body(report([sts()], start="2026-06-01T00:00Z", end="2026-06-01T23:59Z"))
    out["B07"] = body(report([sts()], start="2026-06-01", end="2026-06-01"))
    out["B08"] = body(report([sts()], start="2026-06-01T00:00:00Z", end="2026-06-01T23:59:60Z"))

    # --- RPT-04: policy-type ------------------------------------------------------------------
    out["C01"] = body(report([sts(policy_type="STS")]))
    npf = {
        "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
        "summary": {"total-successful-session-count": 40, "total-failure-session-count": 3},
        "failure-details": [detail("starttls-not-supported", 3)],
    }
    out["C02"] = body(report([npf], GOOGLE))
    out["C03"] = body(report([sts(policy_type=" sts")]))
    flap = {
        "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
        "summary": {"total-successful-session-count": 50, "total-failure-session-count": 0},
    }
    out["C04"] = shown([sts(150), flap], org="Google Inc.")

    # --- RPT-05: policy-string ----------------------------------------------------------------
    entry = tlsa("mx1.example.com", 80)
    entry["policy"]["policy-string"] = [
        "3 1 1 " + "ab" * 32,
        "2 0 1 " + "cd" * 32,
    ]
    out["D01"] = body(report([entry], SYS4))
    lines = ["version: STSv1", "mode: testing", "", "mx: mx1.example.com", "max_age: 86400"]
    out["D02"] = body(report([sts(policy_string=lines)]))
    npf = {
        "policy": {
            "policy-type": "no-policy-found",
            "policy-string": [],
            "policy-domain": "example.com",
        },
        "summary": {"total-successful-session-count": 60, "total-failure-session-count": 0},
    }
    out["D04"] = body(report([npf]))
    testing = ["version: STSv1", "mode: testing", "mx: mx1.example.com", "max_age: 86400"]
    out["D05"] = body(report([sts(policy_string=testing)], GOOGLE))
    crlf = "version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n"
    out["D06"] = body(report([sts(policy_string=crlf)]))

    # --- RPT-06: policy-domain ----------------------------------------------------------------
    npf = {
        "policy": {"policy-type": "no-policy-found"},
        "summary": {"total-successful-session-count": 25, "total-failure-session-count": 0},
    }
    out["E01"] = body(report([npf], SYS4))
    out["E02"] = body(report([sts(policy_domain="_mta-sts.example.com")]))
    out["E03"] = body(report([sts(policy_domain="example.com ")]))

    # --- RPT-07: mx-host ----------------------------------------------------------------------
    out["F01"] = body(report([sts(mx_host=["mx1.example.com", "mx2.example.com"])], GOOGLE))
    out["F02"] = body(report([sts(mx_host=["MX1.Example.COM."])]))
    r = report([sts()])
    r["policies"][0]["policy"]["mx-host"] = None
    out["F03"] = body(r)
    entry = sts(mx_host=None)
    entry["policy"]["mx-host-pattern"] = ["*.example.com"]
    out["F04"] = body(report([entry]))

    # --- RPT-11: counts -----------------------------------------------------------------------
    out["G01"] = shown(
        [
            sts(
                995,
                5,
                [detail("certificate-expired", 5), detail("certificate-not-trusted", 5)],
            )
        ],
        org="Google Inc.",
    )
    out["G02"] = body(report([sts(90, 10, [detail("certificate-expired", 2)])], MICROSOFT))
    out["G03"] = shown([sts(300, 0, [detail("validation-failure", 4)])])
    out["G04"] = body(
        report(
            [
                sts(
                    97,
                    3,
                    [detail("certificate-host-mismatch", 3), detail("starttls-not-supported", 0)],
                )
            ],
            SYS4,
        )
    )

    # --- RPT-12: addresses --------------------------------------------------------------------
    def one(**fields: Any) -> bytes:
        return body(report([sts(98, 2, [detail("certificate-expired", 2, **fields)])]))

    out["H01"] = one(**{"sending-mta-ip": "::ffff:192.0.2.10"})
    out["H02"] = one(**{"receiving-ip": "2001:DB8:0:0:0:0:0:25"})
    out["H03"] = one(**{"receiving-ip": "198.051.100.025"})
    out["H04"] = one(**{"sending-mta-ip": "fe80::1%eth0"})
    out["H05"] = one(**{"receiving-ip": "198.51.100.25/32"})
    out["H07"] = one(**{"receiving-ip": None})

    # --- RPT-14: HTTPS delivery (door "post": the .bin is the body as sent) --------------------
    out["I01.bin"] = BASE.replace(b"\n", b"\r\n")
    out["I02.bin"] = BASE
    out["I03.bin"] = BASE
    out["I04.bin"] = gzip.compress(BASE, mtime=0)
    out["I05.bin"] = gzip.compress(BASE, mtime=0)
    out["I06.bin"] = BASE
    out["I07.bin"] = BASE

    # --- RPT-15: safety -----------------------------------------------------------------------
    out["J01.bin"] = gzip_member(BASE, name=b"../../etc/passwd.json")
    second = body(report([sts(30)], ("Sender Example Mail Ltd.", "2026-06-01-2")))
    out["J02.bin"] = gzip.compress(BASE, mtime=0) + gzip.compress(second, mtime=0)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("../../../tmp/evil.json", date_time=(2026, 6, 2, 0, 0, 0))
        z.writestr(info, BASE, zipfile.ZIP_DEFLATED)
    out["J03.bin"] = archive.getvalue()
    r = report([sts()])
    r["x-debug"] = "x" * 300_000
    out["J04"] = body(r)
    r = report([sts()])
    r["__proto__"] = {"polluted": True}
    r["policies"][0]["constructor"] = {"prototype": {"isAdmin": True}}
    out["J05"] = body(r)
    out["J06"] = shown([sts(100, 0)], org='=HYPERLINK("https://evil.example/","click")')
    out["J07"] = shown(
        [
            sts(
                98,
                2,
                [detail("certificate-expired", 2, **{"failure-reason-code": "=cmd|' /C calc'!A0"})],
            )
        ]
    )
    return out


def main() -> None:
    for name, data in inputs().items():
        suffix = "" if name.endswith(".bin") else ".json"
        (HERE / f"{name}{suffix}").write_bytes(data)


if __name__ == "__main__":
    main()
