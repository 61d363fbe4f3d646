"""Writes the round-s31r report inputs (tests/test_reports_s31r_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s31r/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it, of 2026-06-01 (door "body": both parse
  readers, gzip-POSTed over HTTPS, mailed gzipped and DKIM-signed).
* `<id>.json` of door "shown" — a report whose dates are `{D-n}` (n days before the test day,
  filled in by the test), POSTed and then read on the dashboard and the CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import detail, dumps, swap, tlsa  # noqa: E402

TLSA_HEX = "0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"


def sts(ok: Any = 120, failed: Any = 0, details: list | None = None, **policy: Any) -> dict:
    """example.com's sts entry; `policy` replaces members of its policy object."""
    extra = {} if details is None else {"failure-details": details}
    entry = shared.sts("example.com", ok, failed, **extra)
    for key, value in policy.items():
        if value is None:  # the member left out, as Microsoft does
            entry["policy"].pop(key.replace("_", "-"), None)
        else:
            entry["policy"][key.replace("_", "-")] = value
    return entry


def report(
    policies: list[dict],
    org: str = "Sender Example Mail Ltd.",
    rid: str = "2026-06-01T00:00:00Z_example.com",
    start: str = "2026-06-01T00:00:00Z",
    end: str = "2026-06-01T23:59:59Z",
    **top: Any,
) -> dict:
    return shared.dates(shared.report(org, rid, policies, **top), start, end)


def body(r: dict) -> bytes:
    return dumps(r)


BASE = body(report([sts()]))


def shown(policies: list[dict], org: str = "Sender Example Mail Ltd.") -> bytes:
    """A report of the day before the test ({D-1}) for the dashboard door."""
    r = report(
        policies,
        org=org,
        rid="{D-1}T00:00:00Z_example.com",
        start="{D-1}T00:00:00Z",
        end="{D-1}T23:59:59Z",
    )
    return dumps(r, ascii=False)


RFC_TYPES = [
    "starttls-not-supported",
    "certificate-host-mismatch",
    "certificate-expired",
    "certificate-not-trusted",
    "validation-failure",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-policy-fetch-error",
    "sts-policy-invalid",
    "sts-webpki-invalid",
]


def inputs() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-01: I-JSON ---------------------------------------------------------------------
    out["R01"] = b"\xef\xbb\xbf\r\n" + BASE.replace(b"\n", b"\r\n")
    out["R02"] = b"\xef\xbb\xbf\xef\xbb\xbf" + BASE
    r = report([sts()])
    r["policies"][0]["x-google-stats"] = {"fetches": 1}
    out["R03"] = swap(body(r), b'"fetches": 1', b'"fetches": 1,\n        "fetches": 2')
    out["R04"] = swap(
        BASE,
        b'"policy-domain": "example.com",',
        b'"policy-domain": "example.com",\n        "policy-domain": "example.com",',
    )
    r = report(
        [
            sts(
                98,
                2,
                [detail("certificate-not-trusted", 2, **{"failure-reason-code": "ssl-@@"})],
            )
        ],
        org="Microsoft Corporation",
        rid="134250000000000000+example.com",
    )
    out["R05"] = swap(body(r), b"ssl-@@", b"ssl-error \\udc80")
    r = report([sts()], org="Mail @@ Ltd.")
    out["R07"] = swap(body(r), b"@@", b"\\ud83d\\udd12")
    r = report([sts()], org="Soci@@t@@ G@@n@@rale Messagerie")
    out["R08"] = dumps(r).replace(b"@@", b"\xe9")
    r = report([sts()], org="Mail @@ Ltd.")
    out["R09"] = dumps(r).replace(b"@@", b"\xed\xa0\xbd\xed\xb4\x92")  # CESU-8 of U+1F512

    # --- RPT-02: top level --------------------------------------------------------------------
    r = report([sts()])
    r["contact-info"] = ["smtp-tls-reporting@sender.example", "noc@sender.example"]
    out["R10"] = body(r)
    out["R11"] = body(report([sts()], org=12345))  # type: ignore[arg-type]
    r = report([sts()])
    del r["report-id"]
    out["R12"] = body(r)
    r = report([sts()])
    r["policies"] = None
    out["R13"] = body(r)
    r = report([sts()])
    out["R14"] = body(
        {
            "Organization-Name": r["organization-name"],
            "Date-Range": {
                "Start-Datetime": "2026-06-01T00:00:00Z",
                "End-Datetime": "2026-06-01T23:59:59Z",
            },
            "Contact-Info": r["contact-info"],
            "Report-Id": r["report-id"],
            "Policies": r["policies"],
        }
    )
    r = report([sts()])
    r.update({"x-version": 2, "x-flags": [True, None, "a"], "x-meta": {}, "x-ratio": 0.5})
    out["R15"] = body(r)

    # --- RPT-03: time frame -------------------------------------------------------------------
    out["R20"] = body(
        report([sts()], start="2026-06-01T00:00:00.000000Z", end="2026-06-01T23:59:59.999999Z")
    )
    out["R21"] = body(
        report([sts()], start="2026-06-01T00:00:00-07:00", end="2026-06-02T00:00:00-07:00")
    )
    out["R22"] = body(report([sts()], start="2026-05-25T00:00:00Z", end="2026-06-01T00:00:00Z"))
    out["R23"] = body(report([sts()], start="2026-06-01t00:00:00z", end="2026-06-01t23:59:59z"))
    out["R24"] = body(
        report([sts()], start="2026-06-01T00:00:00+0000", end="2026-06-01T23:59:59+0000")
    )
    out["R25"] = body(report([sts()], start="2026-06-01T00:00:00Z", end="2026-06-02T23:59:59Z"))
    out["R26"] = body(report([sts()], start="2026-05-31T24:00:00Z", end="2026-06-01T23:59:59Z"))

    # --- RPT-04: policy-type ------------------------------------------------------------------
    out["R30"] = body(report([sts(policy_type="mta-sts")]))
    r = report([sts()])
    del r["policies"][0]["policy"]["policy-type"]
    out["R31"] = body(r)
    dane = tlsa("mx1.example.com", 30, 2)
    dane["policy"]["policy-type"] = "dane"
    dane["failure-details"] = [detail("dane-required", 2)]
    out["R32"] = body(report([sts(100), dane]))

    # --- RPT-05: policy-string ----------------------------------------------------------------
    spaced = " ".join(TLSA_HEX[i : i + 8] for i in range(0, 64, 8))
    entry = tlsa("mx1.example.com", 75)
    entry["policy"]["policy-string"] = ["3 1 1 " + spaced, "3 1 1 " + TLSA_HEX.upper()]
    out["R35"] = body(report([entry]))
    out["R36"] = body(report([sts(policy_string=[])]))
    lines: list[Any] = ["version: STSv1", 1, None, "mode: enforce", "mx: mx1.example.com"]
    out["R37"] = body(report([sts(policy_string=lines + ["max_age: 604800"])]))
    as_object = {"version": "STSv1", "mode": "enforce", "mx": ["mx1.example.com"]}
    out["R38"] = body(report([sts(policy_string=as_object)]))

    # --- RPT-06: policy-domain ----------------------------------------------------------------
    out["R40"] = body(report([sts(policy_domain="EXAMPLE.COM.")]))
    r = report([sts(policy_domain="Bücher.Example.com", mx_host=["mx1.example.com"])])
    out["R41"] = dumps(r, ascii=False)
    out["R42"] = body(report([sts(policy_domain="")]))

    # --- RPT-07: mx-host ----------------------------------------------------------------------
    entry = sts()
    entry["policy"]["mx-host-pattern"] = ["*.example.com"]
    out["R45"] = body(report([entry]))
    out["R46"] = body(report([sts(mx_host="*.example.com")]))
    out["R48"] = dumps(report([sts(mx_host=["*.bücher.example.com"])]), ascii=False)
    out["R49"] = body(report([sts(mx_host=["mx*.example.com"])]))

    # --- RPT-08: summary counts ---------------------------------------------------------------
    r = report([sts(120, 3, [detail("certificate-expired", 3)]), tlsa("mx1.example.com", 50)])
    data = body(r)
    data = swap(
        data, b'"total-successful-session-count": 120', b'"total-successful-session-count": 120.0'
    )
    out["R50"] = swap(
        data, b'"total-failure-session-count": 3', b'"total-failure-session-count": 3.0'
    )
    r = report([sts(120, "3.5", [detail("certificate-expired", 3)]), tlsa("mx1.example.com", 50)])
    out["R51"] = body(r)
    r = report([sts(98, 2, [detail("certificate-expired", -2)])])
    out["R52"] = body(r)
    out["R53"] = body(report([sts(9007199254740993)]))
    out["R54"] = body(report([sts(9007199254740991)]))

    # --- RPT-09: failure-details --------------------------------------------------------------
    ms = {
        "result-type": "sts-policy-fetch-error",
        "failed-session-count": 7,
        "failure-reason-text": "The remote server returned an error: (404) Not Found.",
        "x-ms-correlation-id": "6f1c2a9e-0d4b-4c1e-9a4e-3d2b1c0f9e8d",
    }
    out["R60"] = body(
        report(
            [sts(0, 7, [ms], policy_string=None, mx_host=None)],
            org="Microsoft Corporation",
            rid="134250000000000001+example.com",
        )
    )
    out["R61"] = body(
        report(
            [
                sts(
                    98,
                    2,
                    [detail("certificate-expired", 2, **{"additional-information": "see logs"})],
                )
            ]
        )
    )
    out["R62"] = body(
        report(
            [
                sts(
                    98,
                    2,
                    [
                        detail(
                            "certificate-expired",
                            2,
                            **{
                                "additional-information": "mailto:postmaster@sender.example?subject=TLS"
                            },
                        )
                    ],
                )
            ]
        )
    )
    out["R63"] = body(
        report([sts(98, 2, [detail("starttls-not-supported", 2, **{"failure-reason-code": 421})])])
    )
    missing = detail("starttls-not-supported", 1)
    del missing["failed-session-count"]
    out["R64"] = body(report([sts(97, 3, [detail("certificate-expired", 2), missing])]))
    entry = sts(95, 5)
    entry["failure-details"] = detail("certificate-host-mismatch", 5)
    out["R65"] = body(report([entry]))

    # --- RPT-10: result types (door "shown") --------------------------------------------------
    every = [detail(t, 11 - i) for i, t in enumerate(RFC_TYPES)]
    out["R70"] = shown([sts(1000, 66, every)])
    out["R71"] = shown([sts(200, 4, [detail("sts-policy-expired", 4)])])
    out["R72"] = shown(
        [
            sts(
                300,
                8,
                [
                    detail("STARTTLS-NOT-SUPPORTED", 5),
                    detail("starttls-not-supported", 3, **{"receiving-ip": "198.51.100.26"}),
                ],
            )
        ]
    )
    out["R73"] = shown([sts(150, 2, [detail("dane_required", 2)])])
    out["R75"] = shown([sts(100, 5, [detail("", 2), detail("certificate-expired", 3)])])
    out["R76"] = shown([sts(100, 5, [detail(5, 2), detail("certificate-expired", 3)])])
    out["R77"] = shown([sts(400, 6, [detail("sts-webpki-invalid", 6)])])
    return out


def main() -> None:
    for name, data in inputs().items():
        (HERE / f"{name}.json").write_bytes(data)


if __name__ == "__main__":
    main()
