"""Writes the round-s33r report inputs (tests/test_reports_s33r_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s33r/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it, of 2026-06-01 unless the case says
  otherwise (door "body": both parse readers, gzip-POSTed over HTTPS, mailed gzipped and
  DKIM-signed).
* `<id>.json` of door "shown" — a report whose dates are `{D-n}` (n days before the test day,
  filled in by the test), POSTed and then read on the dashboard and the CSV.
* `<id>.bin` of door "post" — an HTTPS body exactly as sent, with the case's Content-Type and
  headers (tests/data/tlsrpt/s33r_expectations.json).
* `<id>.eml` of door "email" — a report mail as its sender's MTA writes it, To: @@MAILTO@@
  (the test fills in the address and signs it as sender.example).
* `<id>a.json`, `<id>b.json` of door "pair" — two bodies POSTed one after the other.
"""

from __future__ import annotations

import gzip
import json
import quopri
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, REPORT_TYPE, TEXT, b64, detail, dumps, multi, part  # noqa: E402

GOOGLE = ("Google Inc.", "2026-06-01T00:00:00Z_example.com")
MICROSOFT = ("Microsoft Corporation", "133984512000000000+example.com")
SENDER = ("Sender Example Mail Ltd.", "2026-06-01T00:00:00Z_example.com")


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


def npf(ok: Any, failed: Any = 0, domain: str | None = "example.com", **extra: Any) -> dict:
    policy: dict[str, Any] = {"policy-type": "no-policy-found"}
    if domain is not None:
        policy["policy-domain"] = domain
    entry: dict[str, Any] = {
        "policy": policy,
        "summary": {"total-successful-session-count": ok, "total-failure-session-count": failed},
    }
    entry.update(extra)
    return entry


def report(
    policies: list[dict],
    who: tuple[str, str] = SENDER,
    start: str = "2026-06-01T00:00:00Z",
    end: str = "2026-06-01T23:59:59Z",
    **top: Any,
) -> dict:
    return shared.dates(shared.report(who[0], who[1], policies, **top), start, end)


def body(r: dict) -> bytes:
    return dumps(r)


def shown(policies: list[dict], org: str = "Sender Example Mail Ltd.") -> bytes:
    r = shared.report(org, "{D-1}T00:00:00Z_example.com", policies)
    return dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"), ascii=False)


BASE = body(report([sts()]))
BASE_GZ = gzip.compress(BASE, mtime=0)


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-03: time frame -------------------------------------------------------------------
    out["N01"] = body(report([sts()], start="2026-05-31T22:00:00Z", end="2026-06-01T21:59:59Z"))
    out["N02"] = body(
        report([sts()], start="2026-06-01T00:00:00-05:00", end="2026-06-02T00:00:00-05:00")
    )
    out["N03"] = body(report([sts()], start="2026-06-02T00:00:00Z", end="2026-06-01T00:00:00Z"))
    out["N04"] = body(
        report([sts()], start="2026-06-01T00:00:00.000+00:00", end="2026-06-01T23:59:59.999+00:00")
    )
    out["N05"] = body(
        report([sts()], start="2026-03-29T00:00:00+01:00", end="2026-03-29T23:59:59+02:00")
    )
    out["N06"] = body(
        report([sts()], start="2026-10-25T00:00:00+02:00", end="2026-10-25T23:59:59+01:00")
    )
    out["N07"] = body(report([sts()], start="2026-06-01T00:00:00Z", end="2026-06-03T00:00:00Z"))

    # --- RPT-02: top level --------------------------------------------------------------------
    out["N08"] = body(
        report([sts()], **{"contact-info": "smtp-tls-reporting+example.com@sender.example"})
    )
    microsoft = sts(policy_string=None, mx_host=None)
    out["N09"] = body(
        report([microsoft], MICROSOFT, **{"contact-info": "tlsrpt-noreply@microsoft.com"})
    )
    bracketed = ("Sender Example Mail Ltd.", "<2026-06-01T00:00:00Z_example.com@sender.example>")
    out["N10"] = body(report([sts()], bracketed))
    out["N11"] = body(report([sts()], **{"contact-info": ["smtp-tls-reporting@sender.example"]}))
    out["N12"] = body(report([sts()], ("", "2026-06-01T00:00:00Z_example.com")))

    # --- RPT-04: policy-type ------------------------------------------------------------------
    out["N13"] = body(report([sts(100), shared.tlsa("mx1.example.com", 50), npf(10)], GOOGLE))
    entry = shared.tlsa("mx1.example.com", 80)
    entry["policy"]["policy-domain"] = "example.com"
    out["N14"] = body(report([entry]))
    out["N16"] = body(report([sts(policy_type="dane")]))
    out["N17"] = shown(
        [
            sts(500, 20, [detail("certificate-expired", 20)]),
            shared.tlsa(
                "mx1.example.com", 300, 5, **{"failure-details": [detail("tlsa-invalid", 5)]}
            ),
        ],
        org="Google Inc.",
    )

    # --- RPT-05: policy-string ----------------------------------------------------------------
    entry = shared.tlsa("mx1.example.com", 80)
    entry["policy"]["policy-string"] = ["3 1 1 " + "AB" * 32]
    out["N18"] = body(report([entry]))
    r = report([sts()])
    r["policies"][0]["policy"]["policy-string"] = None
    out["N20"] = body(r)
    entry = shared.tlsa("mx1.example.com", 80)
    entry["policy"]["policy-string"] = "3 1 1 " + "ab" * 32
    out["N21"] = body(report([entry]))

    # --- RPT-06: policy-domain ----------------------------------------------------------------
    out["N22"] = body(report([sts(policy_domain="mail.example.com")]))
    out["N23"] = body(report([sts(policy_domain="example.com.evil.example")]))
    out["N24"] = body(report([sts(policy_domain="notexample.com")]))
    out["N25"] = body(report([npf(25, domain="")]))

    # --- RPT-07: mx-host ----------------------------------------------------------------------
    out["N26"] = body(report([sts(mx_host="mx1.example.com")]))

    # --- RPT-08: summary ----------------------------------------------------------------------
    out["N29"] = body(report([sts(3_000_000_000)], GOOGLE))
    out["N30"] = shown(
        [sts(2_500_000_000, 7_500_000, [detail("certificate-expired", 7_500_000)])],
        org="Google Inc.",
    )
    partial = shared.tlsa("mx1.example.com", 50)
    del partial["summary"]["total-failure-session-count"]
    out["N31"] = body(report([sts(), partial]))
    out["N32"] = shown([sts(0, 0)])

    # --- RPT-10: result-type ------------------------------------------------------------------
    fetch = {
        "result-type": "sts-policy-fetch-error",
        "failed-session-count": 4,
        "failure-reason-code": "HttpStatusCode: 404",
    }
    out["N33"] = body(report([sts(96, 4, [fetch], policy_string=None, mx_host=None)], MICROSOFT))
    out["N34"] = body(
        report(
            [sts(95, 5, [detail("sts-policy-invalid", 2), detail("sts-webpki-invalid", 3)])],
            GOOGLE,
        )
    )
    dane = shared.tlsa(
        "mx1.example.com",
        100,
        6,
        **{
            "failure-details": [
                detail("tlsa-invalid", 2),
                detail("dnssec-invalid", 1),
                detail("dane-required", 3),
            ]
        },
    )
    out["N35"] = body(report([dane]))
    helo = {"receiving-mx-helo": "mx1.example.com"}
    out["N36"] = body(
        report([sts(110, 10, [detail("starttls-not-supported", 10, **helo)])], GOOGLE)
    )
    out["N37"] = shown([sts(196, 4, [detail("mta-sts-policy-not-found", 4)])])
    code = {"failure-reason-code": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"}
    out["N38"] = shown(
        [
            sts(
                995,
                5,
                [detail("validation-failure", 3, **code), detail("certificate-host-mismatch", 2)],
            )
        ]
    )
    return out


def posts() -> dict[str, bytes]:
    """RPT-14: HTTPS bodies exactly as sent (door "post")."""
    out: dict[str, bytes] = {}
    out["N39"] = BASE_GZ
    out["N40"] = BASE_GZ
    out["N41"] = BASE_GZ
    out["N43"] = BASE_GZ
    form = (
        b"------curlform\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + FILENAME.encode() + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + BASE_GZ + b"\r\n------curlform--\r\n"
    )
    out["N44"] = form
    out["N45"] = BASE_GZ
    return out


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s33r", **replace)


def gz_part(ctype: str, filename: str, data: bytes = BASE_GZ, width: int = 76) -> bytes:
    return part(
        [
            f"Content-Type: {ctype}",
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{filename}"',
        ],
        b64(data, width),
    )


def mails() -> dict[str, bytes]:
    """RPT-13: report mails (door "email")."""
    m: dict[str, bytes] = {}
    html = part(
        ["Content-Type: text/html; charset=us-ascii"],
        b"<p>This is an aggregate TLS report.</p>",
    )
    alternative = multi("multipart/alternative", "alt33", [TEXT, html])
    mixed = multi("multipart/mixed", "mix33", [alternative, gz_part(GZ, FILENAME)])
    m["N46"] = header() + multi(REPORT_TYPE, "rep33", [mixed])
    # base64 in 64-character lines, each with blanks before its line end (RFC 2045 §6.8).
    text = b64(BASE_GZ, 64).replace(b"\r\n", b"  \r\n") + b"  "
    padded = part(
        [
            f"Content-Type: {GZ}",
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{FILENAME}"',
        ],
        text,
    )
    m["N47"] = header() + multi(REPORT_TYPE, "rep33", [TEXT, padded])
    m["N48"] = header() + multi(REPORT_TYPE, "rep33", [TEXT, gz_part(GZ, "report.json")])
    m["N49"] = header() + multi(
        REPORT_TYPE, "rep33", [TEXT, gz_part("application/tlsrpt+json", FILENAME)]
    )
    m["N50"] = header() + multi(
        REPORT_TYPE, "rep33", [TEXT, gz_part('application/pdf; name="report.pdf"', "report.pdf")]
    )
    lower = (
        b"From: noreply-smtp-tls-reporting@microsoft.com\r\n"
        b"To: @@MAILTO@@\r\n"
        b"Subject: Report Domain: example.com Submitter: sender.example "
        b"Report-ID: 133984512000000000+example.com\r\n"
        b"Date: Tue, 02 Jun 2026 03:12:40 +0000\r\n"
        b"Message-ID: <20260602031240.tlsrpt.s33r@sender.example>\r\n"
        b"tls-report-domain: example.com\r\n"
        b"tls-report-submitter: sender.example\r\n"
        b"MIME-Version: 1.0\r\n"
    )
    m["N51"] = lower + multi(REPORT_TYPE, "rep33", [TEXT, gz_part(GZ, FILENAME)])
    upper = (
        f"Content-Type: {GZ}\r\nContent-Transfer-Encoding: BASE64\r\n"
        f'Content-Disposition: attachment; filename="{FILENAME}"'
    ).split("\r\n")
    m["N52"] = header() + multi(
        'multipart/report; report-type="TLSRPT"', "rep33", [TEXT, part(upper, b64(BASE_GZ))]
    )
    qp = quopri.encodestring(BASE_GZ).replace(b"\n", b"\r\n")
    m["N53"] = header() + multi(
        REPORT_TYPE,
        "rep33",
        [
            TEXT,
            part(
                [
                    f"Content-Type: {GZ}",
                    "Content-Transfer-Encoding: quoted-printable",
                    f'Content-Disposition: attachment; filename="{FILENAME}"',
                ],
                qp,
            ),
        ],
    )
    return m


def pairs() -> dict[str, bytes]:
    """Two bodies POSTed one after the other (door "pair")."""
    out: dict[str, bytes] = {}
    r = report([sts()], GOOGLE)
    out["N54a"] = body(r)
    out["N54b"] = json.dumps(r, separators=(",", ":"), sort_keys=True).encode()
    out["N55a"] = body(report([sts()], GOOGLE))
    out["N55b"] = body(report([sts()], ("Google Inc.", "2026-06-01T00:00:00Z_Example.com")))
    constant = ("mail.sender.example", "example.com")
    out["N56a"] = body(report([sts(120)], constant))
    out["N56b"] = body(
        report([sts(80)], constant, start="2026-06-02T00:00:00Z", end="2026-06-02T23:59:59Z")
    )
    return out


def main() -> None:
    shared.write(
        HERE,
        {".json": bodies() | pairs(), ".bin": posts(), ".eml": mails()},
    )


if __name__ == "__main__":
    main()
