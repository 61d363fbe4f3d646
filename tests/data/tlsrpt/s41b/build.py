"""Writes the round-s41b report inputs (tests/test_reports_s41b_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s41b/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — door "body" (both parse readers, gzip-POSTed, mailed gzipped and signed) and
  door "shown" (a report of yesterday, {D-1} filled in by the test).
* `<id>.eml` — doors "email", "tampered", "forward" and "idn_mail": a report mail as its
  sender's MTA writes it, To: @@MAILTO@@; the test signs it (and tampers with it, forwards
  it, or sends it to the IDN address) as the case's door says.
"""

from __future__ import annotations

import base64
import gzip
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, TEXT, b64, detail, dumps, multi, part  # noqa: E402

ORG = "Sender Example Mail Ltd."
RID = "2026-06-01T00:00:00Z_example.com"
TLSA_STRINGS = [
    "3 1 1 " + "04151484B717C2A475533F576460E147FEDE8196506D14E04D36BBEE2120C36A",
    "3 0 1 " + "8ed101501ac79f192cff55af9686a57377b6ff411b82e93a8ee9c51e261f1c8a",
    "2 1 1 " + "6B5E3B8C1F9A2D4E7C0B3A596F8E1D2C4B7A0938F6E5D4C3B2A19087F6E5D4C3",
    "2 0 1 " + "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
]


def report(policies: list[dict], rid: str = RID, org: str = ORG, **top: Any) -> dict:
    return shared.report(org, rid, policies, **top)


def entry(policy: dict, ok: int, failed: int, details: list | None = None) -> dict:
    out: dict[str, Any] = {
        "policy": policy,
        "summary": {
            "total-successful-session-count": ok,
            "total-failure-session-count": failed,
        },
    }
    if details is not None:
        out["failure-details"] = details
    return out


def tlsa(strings: list[str], ok: int, failed: int, details: list | None = None) -> dict:
    policy = {"policy-type": "tlsa", "policy-string": strings, "policy-domain": "mx1.example.com"}
    return entry(policy, ok, failed, details)


def sts(ok: int = 120, failed: int = 0, details: list | None = None) -> dict:
    return shared.sts(
        "example.com", ok, failed, **({} if details is None else {"failure-details": details})
    )


def no_policy(ok: int, failed: int, details: list | None = None, **policy: Any) -> dict:
    p: dict[str, Any] = {"policy-type": "no-policy-found", "policy-domain": "example.com"}
    p.update({k.replace("_", "-"): v for k, v in policy.items()})
    return entry(p, ok, failed, details)


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # C01: a tlsa policy quoting four TLSA records (two usages, two selectors, hex in both
    # cases) with DANE failures, before the sts policy.
    out["C01"] = dumps(
        report(
            [
                tlsa(
                    TLSA_STRINGS,
                    50,
                    3,
                    [detail("tlsa-invalid", 2), detail("dnssec-invalid", 1)],
                ),
                sts(100, 0),
            ]
        )
    )
    # C02: no-policy-found with mx-host patterns (a wildcard and a name), no policy-string.
    out["C02"] = dumps(
        report(
            [
                no_policy(
                    100,
                    3,
                    [detail("starttls-not-supported", 3)],
                    mx_host=["*.example.com", "mx1.example.com"],
                )
            ]
        )
    )
    # C03: receiving-ip with an RFC 6874 URI-escaped zone id and a numeric zone id.
    out["C03"] = dumps(
        report(
            [
                sts(
                    118,
                    2,
                    [
                        detail("certificate-expired", 1, **{"receiving-ip": "fe80::25%25eth0"}),
                        detail("certificate-expired", 1, **{"receiving-ip": "fe80::25%3"}),
                    ],
                )
            ]
        )
    )
    # C04: a failure-reason-code with a bidi override, an emoji, a tab, quotes and markup.
    code = 'TLS alert \u202eevil\u202c \U0001f512\t"x" <b>&amp;</b> \u00e9'
    out["C04"] = dumps(
        report([sts(119, 1, [detail("validation-failure", 1, **{"failure-reason-code": code})])]),
        ascii=False,
    )
    # C05: additional-information an https URI with a U-label host, %-escapes, a query and a
    # fragment.
    uri = "https://tlsrpt.b\u00fccher.example/r?id=a%20b&d=2026-06-01#x"
    out["C05"] = dumps(
        report(
            [sts(119, 1, [detail("certificate-expired", 1, **{"additional-information": uri})])]
        ),
        ascii=False,
    )
    # C06: a report-id with spaces, Latin-1 letters and an astral-plane emoji.
    out["C06"] = dumps(
        report([sts()], rid="Rapport \u00e9t\u00e9 \U0001f4e8 2026-06-01 example.com")
    )
    # C07: the sender's local day 2026-03-29 across Europe's spring change, ending 23:59:59
    # at the summer offset (23 hours less a second).
    out["C07"] = dumps(
        shared.dates(report([sts()]), "2026-03-29T00:00:00+01:00", "2026-03-29T23:59:59+02:00")
    )
    # C08: the local day 2026-10-25 across the autumn change, ending 23:59:59 at winter time
    # (25 hours less a second).
    out["C08"] = dumps(
        shared.dates(report([sts()]), "2026-10-25T00:00:00+02:00", "2026-10-25T23:59:59+01:00")
    )
    return out


def shown() -> dict[str, bytes]:
    def of_yesterday(policies: list[dict], rid: str) -> bytes:
        r = report(policies, rid=rid)
        return dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"))

    out: dict[str, bytes] = {}
    out["S01"] = of_yesterday(
        [
            sts(100, 0),
            tlsa(
                TLSA_STRINGS[:3],
                90,
                5,
                [detail("dane-required", 2), detail("tlsa-invalid", 3)],
            ),
        ],
        "s41b-S01-{D-1}",
    )
    codes = ["@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1+1"]
    out["S02"] = of_yesterday(
        [
            sts(
                96,
                4,
                [detail("certificate-expired", 1, **{"failure-reason-code": c}) for c in codes],
            )
        ],
        "s41b-S02-{D-1}",
    )
    out["S03"] = of_yesterday(
        [
            no_policy(
                95,
                5,
                [detail("starttls-not-supported", 5)],
                mx_host=["*.example.com", "mx1.example.com"],
            )
        ],
        "s41b-S03-{D-1}",
    )
    return out


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s41b", **replace)


def attached(head: list[str], encoded: bytes) -> bytes:
    return part(head, encoded)


def gz_part(g: bytes, ctype: str = GZ, cte: str = "base64") -> bytes:
    return attached(
        [
            f"Content-Type: {ctype}",
            f"Content-Transfer-Encoding: {cte}",
            f'Content-Disposition: attachment; filename="{FILENAME}"',
        ],
        b64(g),
    )


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    # E01: the multipart/report boundary given as an RFC 2231 continuation.
    body = multi("x", "s41b-cont", [TEXT, gz_part(g)])
    body = shared.swap(
        body,
        b'Content-Type: x; boundary="s41b-cont"',
        b'Content-Type: multipart/report; report-type="tlsrpt";\r\n'
        b' boundary*0="s41b-"; boundary*1="cont"',
    )
    m["E01"] = header() + body
    # E02: a quoted parameter holding 'boundary=' before the real boundary parameter.
    body = multi("x", "s41b-real", [TEXT, gz_part(g)])
    body = shared.swap(
        body,
        b'Content-Type: x; boundary="s41b-real"',
        b'Content-Type: multipart/report; x-note="see; boundary=s41b-wrong";\r\n'
        b' report-type=tlsrpt; boundary="s41b-real"',
    )
    m["E02"] = header() + body
    # E03: upper-case types and parameters; the report part application/octet-stream with an
    # RFC 2047 encoded name and Content-Transfer-Encoding 'Base64'.
    name = "=?UTF-8?B?" + base64.b64encode(FILENAME.encode()).decode() + "?="
    rpart = attached(
        [
            f'Content-Type: Application/Octet-Stream; NAME="{name}"',
            "Content-Transfer-Encoding: Base64",
            f'Content-Disposition: ATTACHMENT; FILENAME="{name}"',
        ],
        b64(g),
    )
    body = multi("x", "s41b-caps", [TEXT, rpart])
    body = shared.swap(
        body,
        b'Content-Type: x; boundary="s41b-caps"',
        b"Content-Type: MULTIPART/REPORT; REPORT-TYPE=TLSRPT; BOUNDARY=s41b-caps",
    )
    m["E03"] = header() + body
    # E04 (door forward): the inner report mail, its .json.gz declared application/octet-stream;
    # the test signs it and forwards it as message/rfc822.
    m["E04"] = header() + multi(
        'multipart/report; report-type="tlsrpt"',
        "s41b-fwd",
        [TEXT, gz_part(g, "application/octet-stream")],
    )
    # E05 (door idn_mail): a Postfix-like no-policy-found without policy-domain, the domain only
    # in TLS-Report-Domain, written as an RFC 2047 encoded-word of the U-label.
    np = report([no_policy(64, 0, [])])
    del np["policies"][0]["policy"]["policy-domain"]
    gnp = gzip.compress(dumps(np), mtime=0)
    m["E05"] = header(
        **{
            "TLS-Report-Domain": "=?UTF-8?Q?b=C3=BCcher.example?=",
            "Subject": "Report Domain: xn--bcher-kva.example Submitter: sender.example "
            "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>",
        }
    ) + multi('multipart/report; report-type="tlsrpt"', "s41b-idn", [TEXT, gz_part(gnp)])
    # E06, E07 (door tampered): the plain report mail, signed by the test and then
    # changed in transit.
    plain = header() + multi('multipart/report; report-type="tlsrpt"', "s41b-t", [TEXT, gz_part(g)])
    m["E06"] = plain
    m["E07"] = plain
    return m


# --- Second batch (F01-F12), expectations written before its run -------------------------------


def with_type(boundary: str, content_type: bytes, parts: list[bytes] | None = None) -> bytes:
    """A report mail whose multipart Content-Type line is `content_type` as written."""
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    body = multi("x", boundary, parts or [TEXT, gz_part(g)])
    body = shared.swap(body, f'Content-Type: x; boundary="{boundary}"'.encode(), content_type)
    return header() + body


def second_mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    # F01: a quoted-pair quote inside a quoted parameter, parentheses after it.
    m["F01"] = with_type(
        "s41b-qp",
        b'Content-Type: multipart/report; x-note="a \\"(b)\\" c";\r\n'
        b' report-type=tlsrpt; boundary="s41b-qp"',
    )
    # F02: a lone double quote inside a comment (ctext, RFC 5322 3.2.2).
    m["F02"] = with_type(
        "s41b-cq",
        b"Content-Type: multipart/report (it's \"tlsrpt); report-type=tlsrpt;\r\n"
        b' boundary="s41b-cq"',
    )
    # F03: an escaped parenthesis inside a comment.
    m["F03"] = with_type(
        "s41b-ep",
        b'Content-Type: multipart/report; report-type=tlsrpt (a \\) b);\r\n boundary="s41b-ep"',
    )
    # F04: the report part's type and encoding each followed by a comment holding a quote.
    rpart = attached(
        [
            'Content-Type: application/tlsrpt+gzip (TLS "report)',
            'Content-Transfer-Encoding: base64 (x "y)',
            f'Content-Disposition: attachment; filename="{FILENAME}"',
        ],
        b64(g),
    )
    m["F04"] = with_type(
        "s41b-pc",
        b'Content-Type: multipart/report; report-type="tlsrpt"; boundary="s41b-pc"',
        [TEXT, rpart],
    )
    # F05 (door utf8_submitter): TLS-Report-Submitter in raw UTF-8 (RFC 6532), contact-info
    # and the signature's d= the A-label.
    r5 = report([sts()], **{"contact-info": "smtp-tls-reporting@xn--bcher-kva.example"})
    m["F05"] = shared.mail_headers(
        "s41b", **{"TLS-Report-Submitter": "b\u00fccher.example"}
    ).replace("b\u00fccher".encode(), "b\u00fccher".encode("utf-8")) + multi(
        'multipart/report; report-type="tlsrpt"',
        "s41b-u8",
        [TEXT, gz_part(gzip.compress(dumps(r5), mtime=0))],
    )
    # F08: a quoted boundary that looks like an RFC 2047 encoded-word.
    m["F08"] = with_type(
        "=?utf-8?q?s41b?=",
        b'Content-Type: multipart/report; report-type=tlsrpt;\r\n boundary="=?utf-8?q?s41b?="',
    )
    # F09: the boundary in RFC 2231 extended notation (charset and language empty, %-escape).
    m["F09"] = with_type(
        "s41b-pct",
        b"Content-Type: multipart/report; report-type=tlsrpt; boundary*=''s41b%2Dpct",
    )
    return m


def second_posts() -> dict[str, bytes]:
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    return {"F06": g, "F07": g}


def second_shown() -> dict[str, bytes]:
    def of_yesterday(policies: list[dict], rid: str) -> bytes:
        r = report(policies, rid=rid)
        return dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"))

    zone = [detail("certificate-expired", 3, **{"receiving-ip": "fe80::25%eth0"})]
    return {
        "F10": of_yesterday(
            [tlsa(TLSA_STRINGS[:1], 90, 10, [detail("dane-required", 10)])], "s41b-F10-{D-1}"
        ),
        "F11": of_yesterday([sts(97, 3, zone)], "s41b-F11-{D-1}"),
    }


# --- Third batch (G01-G04), expectations written before its run ---------------------------------


def third_mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    # G01 (door forward_global): the plain report mail; the test signs it and forwards it as
    # message/global (RFC 6532 3.7).
    m["G01"] = header() + multi(
        'multipart/report; report-type="tlsrpt"', "s41b-g", [TEXT, gz_part(g)]
    )
    # G02: the report part's name parameter in raw UTF-8 (RFC 6532), no Content-Disposition.
    rpart = part(
        [
            'Content-Type: application/tlsrpt+gzip; name="rapport-\u00e9t\u00e9.json.gz"'.encode(),
            b"Content-Transfer-Encoding: base64",
        ],
        b64(g),
    )
    m["G02"] = header() + multi('multipart/report; report-type="tlsrpt"', "s41b-u", [TEXT, rpart])
    # G03: no-policy-found without policy-domain; TLS-Report-Domain an RFC 2047
    # encoded-word of the plain ASCII name.
    np = report([no_policy(64, 0, [])])
    del np["policies"][0]["policy"]["policy-domain"]
    gnp = gzip.compress(dumps(np), mtime=0)
    m["G03"] = header(**{"TLS-Report-Domain": "=?us-ascii?Q?example.com?="}) + multi(
        'multipart/report; report-type="tlsrpt"', "s41b-a", [TEXT, gz_part(gnp)]
    )
    # G04 (door forward): a report mail whose boundary looks like an encoded-word, forwarded.
    m["G04"] = with_type(
        "=?utf-8?q?s41b?=",
        b'Content-Type: multipart/report; report-type=tlsrpt;\r\n boundary="=?utf-8?q?s41b?="',
    )
    return m


# --- Fourth batch (H01-H05), expectations written before its run --------------------------------


def fourth_mails() -> dict[str, bytes]:
    """Door dkim: the plain report mail; the test publishes the case's key record and signs
    it as the case says."""
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    plain = header() + multi('multipart/report; report-type="tlsrpt"', "s41b-k", [TEXT, gz_part(g)])
    names = ("H01", "H02", "H03", "H04", "H05", "K01", "K02", "K03", "K04", "K05", "K06")
    return {name: plain for name in names}


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": {**bodies(), **shown(), **second_shown()},
            ".eml": {**mails(), **second_mails(), **third_mails(), **fourth_mails()},
            ".bin": second_posts(),
        },
    )


if __name__ == "__main__":
    main()
