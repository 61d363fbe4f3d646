"""Writes the round-s35r report inputs (tests/test_reports_s35r_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s35r/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it, of 2026-06-01 unless the case says
  otherwise (door "body": both parse readers, gzip-POSTed over HTTPS, mailed gzipped and
  DKIM-signed; door "foreign": gzip-POSTed to example.com's address while another team
  monitors other.example).
* `<id>.json` of door "shown" — a report whose dates are `{D-n}` (n days before the test day,
  filled in by the test), POSTed and then read on the dashboard, the report page and the CSV.
* `<id>.bin` of door "post" — an HTTPS body exactly as sent, with the case's Content-Type and
  headers (tests/data/tlsrpt/s35r_expectations.json).
* `<id>.eml` of door "email" — a report mail as its sender's MTA writes it, To: @@MAILTO@@
  (the test fills in the address and signs it as sender.example).
* `<id>a.json`, `<id>b.json` of door "pair" — two bodies POSTed one after the other.

As in round s34r, the bodies carry the organisation names and report-id forms of the big
senders but a contact-info at sender.example, the domain every mail is signed with.
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
MICROSOFT = ("Microsoft Corporation", "134250000000000000+example.com")
COMCAST = ("Comcast", "comcast-20260601-example.com")
POSTFIX = ("mail.sender.example", "2026-06-01.example.com.d4e5f6@mail.sender.example")
SMALL = ("mx.smallsender.example", "tlsrpt-20260601-0001")
SENDER = ("Sender Example Mail Ltd.", "2026-06-01T00:00:00Z_example.com")
TLSA_A = "04151484B717C2A475533F576460E147FEDE8196506D14E04D36BBEE2120C36A"


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


def one(result_type: Any, count: Any = 3, **fields: Any) -> list[dict]:
    """One failure detail of `count` sessions, `fields` in place of the usual members."""
    return [detail(result_type, count, **fields)]


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-03: time frame -------------------------------------------------------------------
    out["U01"] = body(
        report([sts()], GOOGLE, start="2026-06-30T00:00:00Z", end="2026-06-30T19:59:60-04:00")
    )
    out["U02"] = body(report([sts()], start="2026-06-30T23:59:60Z", end="2026-07-01T23:59:59Z"))
    out["U03"] = body(
        report([sts()], COMCAST, start="2026-06-30T00:00:00Z", end="2026-06-30T23:59:60.999Z")
    )
    out["U04"] = body(report([sts()], start="2026-06-01", end="2026-06-01T23:59:59Z"))
    out["U05"] = body(report([sts()], start="2026-06-01T00:00:00Z", end="2026-07-01T00:00:00Z"))
    out["U06"] = body(report([sts()], start="2026-06-01T12:00:00Z", end="2026-06-01T12:00:01Z"))
    out["U07"] = body(
        report([sts()], start="2026-06-01T00:00:00+23:59", end="2026-06-01T23:59:59+23:59")
    )
    out["U08"] = body(
        report([sts()], start="2026-06-01T00:00:00+24:00", end="2026-06-01T23:59:59+24:00")
    )
    out["U09"] = body(
        report(
            [sts()],
            start="2026-06-01T00:00:00.000000000000Z",
            end="2026-06-01T23:59:59.999999999999Z",
        )
    )
    out["U10"] = body(
        report([sts()], start="2026-06-01T00:00:00-12:00", end="2026-06-02T00:00:00-12:00")
    )
    out["U11"] = body(report([sts()], start="2026-06-01 00:00:00Z", end="2026-06-01 23:59:59Z"))

    # --- RPT-04: policy-type ------------------------------------------------------------------
    r = report([sts()])
    r["policies"][0]["policy"]["policy-type"] = None
    out["U12"] = body(r)
    out["U13"] = body(report([sts(policy_type=["sts"])]))
    out["U14"] = body(
        report(
            [
                tlsa(
                    "mx1.example.com",
                    78,
                    2,
                    **{"failure-details": one("sts-policy-fetch-error", 2)},
                )
            ],
            POSTFIX,
        )
    )
    r = report([npf(90)], SMALL)
    r["policies"][0]["policy"]["policy-type"] = "no_policy_found"
    out["U15"] = body(r)

    # --- RPT-05: policy-string ----------------------------------------------------------------
    generic = "\\# 35 030101" + TLSA_A.lower()
    out["U16"] = body(report([tlsa("mx1.example.com", 80, strings=[generic])], POSTFIX))
    out["U17"] = body(
        report([tlsa("mx1.example.com", 80, strings=["DANE-EE SPKI SHA2-256 " + TLSA_A])])
    )
    nested = tlsa("mx1.example.com", 80)
    nested["policy"]["policy-string"] = [[3, 1, 1, TLSA_A.lower()]]
    out["U18"] = body(report([nested]))
    out["U19"] = body(report([sts(policy_string="")]))
    nul_line = ["version: STSv1", "mode: enforce\u0000", "mx: mx1.example.com", "max_age: 604800"]
    out["U20"] = body(report([sts(policy_string=nul_line)]))
    many = [f"mx{i:04d}.mx.hoster.example" for i in range(1000)]
    big = ["version: STSv1", "mode: enforce", *[f"mx: {m}" for m in many], "max_age: 604800"]
    out["U21"] = body(report([sts(policy_string=big, mx_host=many)], GOOGLE))
    utf8 = ["version: STSv1", "mode: enforce", "mx: mx1.bücher.example", "max_age: 604800"]
    out["U22"] = body(report([sts(policy_string=utf8)]), ascii=False)

    # --- RPT-06: policy-domain ----------------------------------------------------------------
    out["U23"] = body(report([sts(policy_domain="example\uff0ecom")]), ascii=False)
    out["U24"] = body(report([sts(policy_domain="BÜCHER.example.com")]), ascii=False)
    out["U25"] = body(report([sts(policy_domain="XN--BCHER-KVA.EXAMPLE.COM")]))
    out["U26"] = body(report([sts(policy_domain="example.com\u0000")]))
    r = report([sts()])
    r["policies"][0]["policy"]["policy-domain"] = None
    out["U27"] = body(r)
    out["U28"] = body(report([sts(policy_domain=".example.com")]))

    # --- RPT-07: mx-host ----------------------------------------------------------------------
    out["U32"] = body(report([sts(mx_host=[None, "mx1.example.com"])]))
    out["U33"] = body(report([sts(mx_host=["*.example.com."])], GOOGLE))
    out["U34"] = body(report([sts(mx_host=["mx1.example.com\u0000", "mx2.example.com"])]))
    out["U35"] = body(report([sts(mx_host=["*"])]))
    out["U36"] = body(report([sts(mx_host=["192.0.2.25"])], SMALL))
    out["U37"] = body(report([sts(mx_host="")]))

    # --- RPT-08: summary ----------------------------------------------------------------------
    r = report([sts(), tlsa("mx1.example.com", 50)])
    r["policies"][0]["summary"] = None
    out["U39"] = body(r)
    r = report([sts(), tlsa("mx1.example.com", 50)])
    r["policies"][0]["summary"] = 120
    out["U40"] = body(r)
    out["U41"] = shared.swap(
        body(report([sts(), tlsa("mx1.example.com", 50)])),
        b'"total-successful-session-count": 120',
        b'"total-successful-session-count": 120.00000000000000001',
    )
    out["U42"] = body(report([sts(0, 2**63 - 1)], GOOGLE))
    out["U43"] = body(report([sts(-(2**53) - 1), tlsa("mx1.example.com", 50)]))
    r = report([sts()])
    r["policies"][0]["summary"]["total-session-count"] = 120
    out["U44"] = body(r)

    # --- RPT-10: result-type ------------------------------------------------------------------
    ms = {
        "result-type": "validation-failure",
        "failed-session-count": 4,
        "failure-reason-code": "SslStream: RemoteCertificateChainErrors, RemoteCertificateNameMismatch",
    }
    out["U45"] = body(report([sts(96, 4, [ms], policy_string=None, mx_host=None)], MICROSOFT))
    out["U46"] = body(
        report([sts(98, 2, one("validation-failure", 2, **{"failure-reason-code": "X509\u0000"}))])
    )
    out["U47"] = body(report([sts(97, 3, one("tlsa-invalid"))]))
    out["U49"] = body(report([sts(97, 3, one(None))]))
    out["U50"] = body(report([sts(97, 3, one(["certificate-expired"]))]))
    out["U51"] = body(report([sts(97, 3, one("dane-required\u0000"))]))
    out["U52"] = body(
        report([sts(97, 3, one("certificate-expired", **{"receiving-mx-hostname": "mx1\u0000"}))])
    )
    out["U53"] = body(
        report(
            [
                sts(
                    97,
                    3,
                    one("certificate-expired", **{"additional-information": "https://x\u0000"}),
                )
            ]
        )
    )
    out["U54"] = body(report([sts()], **{"contact-info": "tlsrpt@sender.example\u0000"}))

    # --- RPT-01 with RPT-14: raw line separators in a string ------------------------------------
    out["U55"] = body(report([sts()], ("Mail\u2028Sender\u2029Co", "2026-06-01-ls")), ascii=False)
    return out


def shown_bodies() -> dict[str, bytes]:
    """Door "shown": read on the dashboard, the report page and the CSV."""
    out: dict[str, bytes] = {}
    top = 2**53 - 1
    out["U60"] = shown([sts(top, top, [detail("certificate-expired", top)])], org="Google Inc.")
    out["U61"] = shown([sts()], start="{D-1}T00:00:00Z", end="{D-1}T23:59:60Z")
    out["U62"] = shown([sts(198, 2, one("x-smtp-timeout", 2))])
    code = {"failure-reason-code": "X509_V_ERR_CERT_HAS_EXPIRED"}
    out["U63"] = shown([sts(96, 4, one("validation-failure", 4, **code))], org="Google Inc.")
    upper = tlsa("MX1.Example.COM.", 70)
    out["U64"] = shown([sts(30), upper], org="mail.sender.example")
    out["U65"] = shown(
        [sts(95, 5, one("certificate-not-trusted", 5, **{"failure-reason-code": "bad\u0000"}))]
    )
    return out


def foreign_bodies() -> dict[str, bytes]:
    """Door "foreign": posted to example.com's address; bob's team monitors other.example."""
    out: dict[str, bytes] = {}
    other = shared.sts(
        "other.example", 400, 4, **{"failure-details": one("certificate-expired", 4)}
    )
    for d in other["failure-details"]:
        d["receiving-mx-hostname"] = "mx1.other.example"
    out["U29"] = body(report([other], GOOGLE))
    out["U30"] = body(report([sts(100), shared.sts("other.example", 400)], GOOGLE))
    out["U31"] = body(report([tlsa("mx1.other.example", 60)], POSTFIX))
    return out


def posts() -> dict[str, bytes]:
    """RPT-14 / RPT-13: HTTPS bodies exactly as sent (door "post")."""
    out: dict[str, bytes] = {}
    data = body(report([sts()], GOOGLE))
    out["U56"] = shared.gzip_member(
        data, name=b"google.com!example.com!1780185600!1780271999!001.json"
    )
    out["U57"] = body(report([sts()], ("Mail\u2028Sender Co", "2026-06-01-u57")), ascii=False)
    return out


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s35r", **replace)


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
    # A filename of 31 May while the body is of 1 June (RFC 8460 §5.6: the body wins).
    g = gzip.compress(body(report([sts()], GOOGLE)), mtime=0)
    m["U66"] = header() + multi(
        REPORT_TYPE,
        "f35",
        [TEXT, gz_part(GZ, "google.com!example.com!1780185600!1780271999!001.json.gz", g)],
    )
    # A no-policy-found entry without policy-domain, TLS-Report-Domain with a root dot.
    npf_body = body(report([npf(70, domain=None)], SMALL))
    m["U67"] = header(**{"TLS-Report-Domain": "example.com."}) + multi(
        REPORT_TYPE,
        "d35",
        [TEXT, gz_part(JS, "sender.example!example.com!1780272000!1780358399.json", npf_body)],
    )
    # Comcast-like: policy-domain in capitals with a root dot; gzip.
    comcast = gzip.compress(body(report([sts(policy_domain="EXAMPLE.COM.")], COMCAST)), mtime=0)
    m["U68"] = header() + multi(REPORT_TYPE, "c35", [TEXT, gz_part(GZ, FILENAME, comcast)])
    # TLS-Report-Domain a subdomain, the body example.com's.
    sub = gzip.compress(body(report([sts()])), mtime=0)
    m["U69"] = header(**{"TLS-Report-Domain": "mail.example.com"}) + multi(
        REPORT_TYPE, "s35", [TEXT, gz_part(GZ, FILENAME, sub)]
    )
    return m


def pairs() -> dict[str, bytes]:
    """Two bodies POSTed one after the other (door "pair")."""
    out: dict[str, bytes] = {}
    out["U70a"] = body(
        report([sts()], COMCAST, start="2026-06-30T00:00:00Z", end="2026-06-30T23:59:60Z")
    )
    out["U70b"] = body(
        report([sts()], COMCAST, start="2026-06-30T00:00:00Z", end="2026-06-30T23:59:59Z")
    )
    out["U71a"] = body(report([sts()], GOOGLE))
    out["U71b"] = body(report([sts(policy_domain="EXAMPLE.COM.")], GOOGLE))
    return out


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": bodies() | shown_bodies() | foreign_bodies() | pairs(),
            ".bin": posts(),
            ".eml": mails(),
        },
    )


if __name__ == "__main__":
    main()
