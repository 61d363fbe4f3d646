"""Writes the round-s34r report inputs (tests/test_reports_s34r_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s34r/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it, of 2026-06-01 unless the case says
  otherwise (door "body": both parse readers, gzip-POSTed over HTTPS, mailed gzipped and
  DKIM-signed).
* `<id>.json` of door "shown" — a report whose dates are `{D-n}` (n days before the test day,
  filled in by the test), POSTed and then read on the dashboard, the report page and the CSV.
* `<id>.bin` of door "post" — an HTTPS body exactly as sent, with the case's Content-Type and
  headers (tests/data/tlsrpt/s34r_expectations.json).
* `<id>.eml` of door "email" — a report mail as its sender's MTA writes it, To: @@MAILTO@@
  (the test fills in the address and signs it as sender.example).
* `<id>a.json`, `<id>b.json` of door "pair" — two bodies POSTed one after the other.

The reports carry the organisation names and report-id forms of the big senders (Google,
Microsoft, Yahoo, Comcast) and of a Postfix tlsrpt-reporter, but a contact-info at
sender.example wherever the body is also mailed: the test signs every mail as sender.example,
and a contact-info of another domain than the TLS-Report-Submitter is a warning of its own
(RFC 8460 §5.3), which would hide what the case is about.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, JS, REPORT_TYPE, TEXT, b64, detail, dumps, multi, part  # noqa: E402

GOOGLE = ("Google Inc.", "2026-06-01T00:00:00Z_example.com")
MICROSOFT = ("Microsoft Corporation", "133984512000000000+example.com")
YAHOO = ("Yahoo", "5f7c1a0e-2026-06-01-example.com")
COMCAST = ("Comcast", "comcast-20260601-example.com")
POSTFIX = ("mail.sender.example", "2026-06-01.example.com.a1b2c3@mail.sender.example")
SENDER = ("Sender Example Mail Ltd.", "2026-06-01T00:00:00Z_example.com")
TLSA_A = "04151484B717C2A475533F576460E147FEDE8196506D14E04D36BBEE2120C36A"
TLSA_B = "8ED101501AC79F192CFF55AF9686A57377B6FF411B82E93A8EE9C51E261F1C8A"


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


def tlsa(host: str, ok: Any, failed: Any = 0, strings: Any = None, **extra: Any) -> dict:
    entry = shared.tlsa(host, ok, failed, **extra)
    entry["policy"]["policy-string"] = strings or ["3 1 1 " + TLSA_A.lower()]
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


def body(r: dict, **kw: Any) -> bytes:
    return dumps(r, **kw)


def shown(
    policies: list[dict],
    org: str = "Sender Example Mail Ltd.",
    start: str = "{D-1}T00:00:00Z",
    end: str = "{D-1}T23:59:59Z",
) -> bytes:
    r = shared.report(org, "{D-1}T00:00:00Z_example.com", policies)
    return dumps(shared.dates(r, start, end), ascii=False)


def with_ips(**fields: Any) -> list[dict]:
    """One certificate-expired detail of 3 sessions with `fields` in place of the usual."""
    return [detail("certificate-expired", 3, **fields)]


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-03: time frame -------------------------------------------------------------------
    out["T01"] = body(report([sts()], GOOGLE))
    out["T02"] = body(report([sts()], YAHOO, end="2026-06-02T00:00:00Z"))
    out["T03"] = body(report([sts()], end="2026-06-01T11:59:59Z"))
    out["T04"] = body(report([sts()], start="2026-06-01T20:00:00Z", end="2026-06-02T08:00:00Z"))
    out["T05"] = body(
        report([sts()], start="2026-06-01T00:00:00-08:00", end="2026-06-01T23:59:59-08:00")
    )
    out["T06"] = body(
        report([sts()], start="2026-06-01T00:00:00+05:30", end="2026-06-02T00:00:00+05:30")
    )
    out["T07"] = body(
        report([sts()], start="2026-06-01T00:00:00+05:45", end="2026-06-01T23:59:59+05:45")
    )
    out["T08"] = body(
        report([sts()], start="2026-06-01T00:00:00-00:00", end="2026-06-01T23:59:59-00:00")
    )
    out["T09"] = body(report([sts()], start="2026-05-31T00:00:00Z", end="2026-06-02T00:00:01Z"))
    out["T10"] = body(
        report([sts()], start="2026-06-01T00:00:00Z", end="2026-06-01T01:00:00+05:00")
    )
    out["T11"] = body(
        report(
            [sts(policy_string=None, mx_host=None)],
            MICROSOFT,
            start="2026-06-01T00:00:00.0000000Z",
            end="2026-06-01T23:59:59.9999999Z",
        )
    )

    # --- RPT-04: policy-type ------------------------------------------------------------------
    two = tlsa("mx1.example.com", 150, strings=["3 1 1 " + TLSA_A, "3 1 1 " + TLSA_B])
    out["T12"] = body(report([sts(200), two], GOOGLE))
    capital = tlsa("mx1.example.com", 80)
    capital["policy"]["policy-type"] = "TLSA"
    out["T13"] = body(report([capital]))
    out["T14"] = body(report([npf(300)], COMCAST))
    out["T15"] = body(
        report([npf(40, 2, **{"failure-details": [detail("starttls-not-supported", 2)]})], COMCAST)
    )
    out["T16"] = body(report([sts(policy_type="mta-sts")]))

    # --- RPT-05: policy-string ----------------------------------------------------------------
    out["T17"] = body(report([sts(policy_string=[])]))
    three = tlsa(
        "mx1.example.com",
        90,
        strings=["3 1 1 " + TLSA_A.lower(), "2 1 1 " + TLSA_B, "3 0 1 " + TLSA_B.lower()],
    )
    out["T18"] = body(report([three], POSTFIX))
    testing = [
        "version: STSv1",
        "mode: testing",
        "mx: mx1.example.com",
        "mx: *.mail.example.com",
        "max_age: 86400",
    ]
    out["T19"] = body(
        report(
            [sts(policy_string=testing, mx_host=["mx1.example.com", "*.mail.example.com"])], GOOGLE
        )
    )
    split = tlsa("mx1.example.com", 80, strings=["3 1 1 " + TLSA_A[:32] + " " + TLSA_A[32:]])
    out["T20"] = body(report([split]))

    # --- RPT-06: policy-domain ----------------------------------------------------------------
    out["T21"] = body(report([sts(policy_domain="Example.COM")]))
    out["T22"] = body(report([sts(policy_domain="xn--bcher-kva.example.com")]))
    out["T23"] = body(report([sts(policy_domain="exämple.com")]), ascii=False)
    upper = tlsa("MX1.EXAMPLE.COM", 80)
    out["T24"] = body(report([sts(policy_domain="EXAMPLE.COM"), upper], POSTFIX))
    out["T25"] = body(report([sts(100), npf(50, domain="mail.example.com")], COMCAST))

    # --- RPT-07: mx-host ----------------------------------------------------------------------
    out["T26"] = body(report([sts(mx_host=["*.example.com"])], GOOGLE))
    out["T27"] = body(report([sts(mx_host=["*.MAIL.Example.com", "MX-Backup.example.com."])]))
    r = report([sts(mx_host=None)])
    r["policies"][0]["policy"]["mx-host-pattern"] = "*.example.com"
    out["T28"] = body(r)
    out["T29"] = body(report([sts(mx_host=[])], POSTFIX))

    # --- RPT-10: result-type ------------------------------------------------------------------
    out["T30"] = body(report([sts(97, 3, [detail("certificate-revoked", 3)])]))
    negotiation = [
        detail("starttls-not-supported", 1),
        detail("certificate-host-mismatch", 2),
        detail("certificate-expired", 3),
        detail("certificate-not-trusted", 4),
        detail("validation-failure", 5),
    ]
    out["T31"] = body(report([sts(985, 15, negotiation)], GOOGLE))
    fetch = {
        "result-type": "sts-policy-fetch-error",
        "failed-session-count": 6,
        "additional-information": "https://tlsrpt.sender.example/help/fetch",
        "failure-reason-code": "HTTP 404",
    }
    text = body(report([sts(94, 6, [fetch])]))
    # A PHP or Java writer escapes every solidus (RFC 8259 §7 allows '\/').
    out["T32"] = shared.swap(
        text,
        b'"https://tlsrpt.sender.example/help/fetch"',
        rb'"https:\/\/tlsrpt.sender.example\/help\/fetch"',
    )
    huge = 2**40
    out["T33"] = body(report([sts(5, huge, [detail("certificate-not-trusted", huge)])], GOOGLE))

    # --- RPT-12: IP syntax --------------------------------------------------------------------
    out["T34"] = body(
        report(
            [sts(117, 3, with_ips(**{"receiving-ip": "2001:0db8:0000:0000:0000:0000:0000:0025"}))]
        )
    )
    out["T35"] = body(report([sts(117, 3, with_ips(**{"sending-mta-ip": "[2001:db8::10]"}))]))
    out["T36"] = body(report([sts(117, 3, with_ips(**{"sending-mta-ip": "::ffff:c000:20a"}))]))
    out["T37"] = body(report([sts(117, 3, with_ips(**{"receiving-ip": "64:ff9b::c633:6419"}))]))
    out["T38"] = body(report([sts(117, 3, with_ips(**{"receiving-ip": "2001:DB8::A"}))]))
    out["T39"] = body(report([sts(117, 3, with_ips(**{"sending-mta-ip": ""}))], GOOGLE))
    out["T40"] = body(report([sts(117, 3, with_ips(**{"receiving-ip": "198.51.100.25:25"}))]))
    out["T41"] = body(report([sts(117, 3, with_ips(**{"sending-mta-ip": "2001:db8:0:0:1:0:0:1"}))]))

    # --- RPT-01: encoding ---------------------------------------------------------------------
    out["T42"] = body(report([sts()], ("Télécom Mail SA", "2026-06-01_example.com")), ascii=False)
    utf16 = body(report([sts()]))
    out["T43"] = b"\xff\xfe" + utf16.decode().encode("utf-16-le")
    fraction = tlsa("mx1.example.com", 50)
    out["T44"] = shared.swap(
        body(report([sts(), fraction])),
        b'"total-successful-session-count": 50',
        b'"total-successful-session-count": 50.0',
    )

    # --- RPT-02: top level --------------------------------------------------------------------
    out["T46"] = body(report([sts()], **{"contact-info": "mailto:tlsrpt@sender.example"}))
    r = report([sts()])
    del r["contact-info"]
    out["T47"] = body(r)
    r = report([sts()])
    r["report-id"] = 20260601
    out["T48"] = body(r)
    return out


def shown_bodies() -> dict[str, bytes]:
    """Door "shown": read on the dashboard, the report page and the CSV."""
    out: dict[str, bytes] = {}
    big = 2**32
    out["T60"] = shown(
        [
            sts(
                big,
                1_234_567,
                [detail("certificate-expired", 1_234_567, **{"receiving-ip": "2001:DB8::19"})],
            )
        ],
        org="Google Inc.",
    )
    dane = tlsa(
        "mx1.example.com",
        300,
        5,
        **{"failure-details": [detail("dane-required", 3), detail("dnssec-invalid", 2)]},
    )
    out["T61"] = shown([dane])
    out["T62"] = shown(
        [npf(193, 7, **{"failure-details": [detail("starttls-not-supported", 7)]})], org="Comcast"
    )
    out["T63"] = shown([sts(198, 2, [detail("certificate-revoked", 2)])])
    out["T64"] = shown([sts()], start="{D-1}T00:00:00-05:00", end="{D0}T00:00:00-05:00")
    out["T65"] = shown([sts(policy_domain="exämple.com")])
    out["T66"] = shown(
        [sts(60, 1, [detail("certificate-host-mismatch", 1)])],
        start="{D-1}T06:00:00Z",
        end="{D-1}T17:59:59Z",
    )
    mapped = {"sending-mta-ip": "::ffff:c000:20a"}
    out["T67"] = shown(
        [sts(118, 2, [detail("validation-failure", 2, **mapped)], mx_host=["*.example.com"])]
    )
    out["T68"] = shown([sts(policy_domain="Example.COM")])
    return out


def posts() -> dict[str, bytes]:
    """RPT-14: HTTPS bodies exactly as sent (door "post")."""
    base = body(report([sts()], COMCAST))
    out: dict[str, bytes] = {}
    out["T52"] = base
    out["T53"] = base
    out["T54"] = gzip.compress(base, mtime=0)
    out["T55"] = gzip.compress(base, mtime=0)
    out["T56"] = gzip.compress(body(report([sts(3_000_000_000)], GOOGLE)), mtime=0)
    return out


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s34r", **replace)


def gz_part(ctype: str, filename: str, data: bytes) -> bytes:
    return part(
        [
            f"Content-Type: {ctype}",
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{filename}"',
        ],
        b64(data),
    )


def mails() -> dict[str, bytes]:
    """Door "email": report mails as their senders' MTAs write them."""
    m: dict[str, bytes] = {}
    # Yahoo-like: uncompressed +json, a no-policy-found entry without policy-domain.
    yahoo = body(report([npf(60, domain=None)], YAHOO))
    m["T57"] = header(
        Subject="Report Domain: example.com Submitter: sender.example Report-ID: <5f7c1a0e>"
    ) + multi(
        REPORT_TYPE,
        "y34",
        [TEXT, gz_part(JS, "sender.example!example.com!1780272000!1780358399.json", yahoo)],
    )
    # Postfix tlsrpt-reporter-like: gzip, sts and tlsa, failure-details [], the header in
    # capitals.
    postfix = report(
        [sts(70, 0, []), tlsa("mx1.example.com", 70, 0, **{"failure-details": []})], POSTFIX
    )
    m["T58"] = header(**{"TLS-Report-Domain": "EXAMPLE.COM"}) + multi(
        REPORT_TYPE, "p34", [TEXT, gz_part(GZ, FILENAME, gzip.compress(body(postfix), mtime=0))]
    )
    # Microsoft-like: Subject without brackets, the sts entry bare, a fetch error without
    # addresses.
    fetch = {"result-type": "sts-policy-fetch-error", "failed-session-count": 4}
    microsoft = report([sts(96, 4, [fetch], policy_string=None, mx_host=None)], MICROSOFT)
    m["T59"] = header(
        Subject=(
            "Report Domain: example.com Submitter: sender.example "
            "Report-ID: 133984512000000000+example.com"
        )
    ) + multi(
        REPORT_TYPE,
        "m34",
        [
            TEXT,
            gz_part(
                GZ,
                "sender.example!example.com!1780272000!1780358400!133984512000000000.json.gz",
                gzip.compress(body(microsoft), mtime=0),
            ),
        ],
    )
    return m


def pairs() -> dict[str, bytes]:
    """Two bodies POSTed one after the other (door "pair")."""
    out: dict[str, bytes] = {}
    same_id = "2026-06-01T00:00:00Z_example.com"
    out["T50a"] = body(report([sts()], ("Google Inc.", same_id)))
    out["T50b"] = body(report([sts()], ("Microsoft Corporation", same_id)))
    out["T51a"] = body(report([sts()], GOOGLE))
    out["T51b"] = body(
        report([sts()], GOOGLE, start="2026-06-01T00:00:00+00:00", end="2026-06-01T23:59:59+00:00")
    )
    return out


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": bodies() | shown_bodies() | pairs(),
            ".bin": posts(),
            ".eml": mails(),
        },
    )


if __name__ == "__main__":
    main()
