"""Writes the round-s48c report inputs (tests/test_reports_s48c_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s48c/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — doors "body" and "stored": a report body as its sender writes it; door
  "msp": a report of yesterday ({D-1}, filled in by the test).
* `<id>.bin` — door "zip_post": a zip body POSTed as application/zip.
* `<id>.eml` — door "email": a report mail, To: @@MAILTO@@, which the test signs.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import GZ, REPORT_TYPE, TEXT, b64, detail, dumps, multi, part, sts  # noqa: E402

ORG = "Sender Example Mail Ltd."
RID = "2026-06-01T00:00:00Z_example.com"


def report(policies: list[dict], rid: str = RID, org: str = ORG, **top: Any) -> dict:
    return shared.report(org, rid, policies, **top)


def nopd(ok: int) -> dict:
    """Postfix/sys4's no-policy-found entry: no policy-domain (RPT-06), no failures."""
    return {
        "policy": {"policy-type": "no-policy-found"},
        "summary": {"total-successful-session-count": ok, "total-failure-session-count": 0},
    }


def name(domain: str, unique: str = "001", ext: str = "json") -> str:
    """An RFC 8460 §5.1 report file name of 2026-06-01 by sender.example about `domain`."""
    return f"sender.example!{domain}!1780272000!1780358399!{unique}.{ext}"


def zipped(members: list[tuple[str, bytes | None]]) -> bytes:
    """A deflated zip; a member whose data is None is a directory entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=(2026, 6, 2, 3, 0, 0))
            if data is None:
                info.external_attr = 0o40755 << 16 | 0x10
                z.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    return out.getvalue()


def bodies() -> dict[str, bytes]:
    b: dict[str, bytes] = {}
    # A01: Yahoo-like: organization-name 'Yahoo! Inc.' (a '!', the RFC 8460 §5.1 file name's
    # separator), a report-id of a UUID and the submitter; 250 ok.
    b["A01"] = dumps(
        report(
            [sts("example.com", 250)],
            rid="8d1c2f3a-5b6e-4c7d-9e0f-1a2b3c4d5e6f@sender.example",
            org="Yahoo! Inc.",
        )
    )
    # A02: Zoho-like: one-line JSON, report-id an RFC 4122 URN, an enforce policy of two mx
    # lines; 80 ok.
    two = sts("example.com", 80)
    two["policy"]["policy-string"] = [
        "version: STSv1",
        "mode: enforce",
        "mx: mx1.example.com",
        "mx: mx2.example.com",
        "max_age: 86400",
    ]
    two["policy"]["mx-host"] = ["mx1.example.com", "mx2.example.com"]
    b["A02"] = json.dumps(
        report([two], rid="urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", org="Zoho Corporation"),
        separators=(",", ":"),
    ).encode()
    # A03: an MSP's shared rua: one report about example.com (100 ok), shop.example.com (20 ok /
    # 2 certificate-expired), example.net (300 ok), other.example (400 ok / 4
    # starttls-not-supported), a.example .. d.example (10 ok each).
    b["A03"] = dumps(report(msp_policies(extra=True)))
    # A04: yesterday's policy: the sts entry quotes 'mode: testing' and 'mx: mx-old.example.com'
    # (the domain has published another since), 97 ok / 3 certificate-host-mismatch on
    # mx1.example.com.
    old = sts(
        "example.com",
        97,
        3,
        **{"failure-details": [detail("certificate-host-mismatch", 3)]},
    )
    old["policy"]["policy-string"] = [
        "version: STSv1",
        "mode: testing",
        "mx: mx-old.example.com",
        "max_age: 86400",
    ]
    old["policy"]["mx-host"] = ["mx-old.example.com"]
    b["A04"] = dumps(report([old]))
    return b


def msp_policies(extra: bool) -> list[dict]:
    p = [
        sts("example.com", 100),
        sts(
            "shop.example.com",
            20,
            2,
            **{
                "failure-details": [
                    detail(
                        "certificate-expired",
                        2,
                        **{"receiving-mx-hostname": "mx1.shop.example.com"},
                    )
                ]
            },
        ),
        sts("example.net", 300),
        sts(
            "other.example",
            400,
            4,
            **{
                "failure-details": [
                    detail(
                        "starttls-not-supported",
                        4,
                        **{"receiving-mx-hostname": "mx1.other.example"},
                    )
                ]
            },
        ),
    ]
    if extra:
        p += [sts(f"{c}.example", 10) for c in "abcd"]
    else:
        p.append(sts("unmonitored.example", 50))
    return p


def containers() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    # C01: two report files named by RFC 8460 §5.1, each no-policy-found without policy-domain:
    # example.com (64 ok, report-id …_a), mail.example.com (32 ok, …_b).
    c["C01"] = zipped(
        [
            (name("example.com", "a"), dumps(report([nopd(64)], rid=RID + "_a"))),
            (name("mail.example.com", "b"), dumps(report([nopd(32)], rid=RID + "_b"))),
        ]
    )
    # C02: a directory entry 'reports/', then reports/<§5.1 name of mail.example.com> holding a
    # no-policy-found without policy-domain (48 ok).
    c["C02"] = zipped(
        [("reports/", None), ("reports/" + name("mail.example.com"), dumps(report([nopd(48)])))]
    )
    # C03: the same report file named report.json (no §5.1 name).
    c["C03"] = zipped([("report.json", dumps(report([nopd(48)])))])
    return c


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s48c", **replace)


def attached(data: bytes, ctype: str, disposition: str) -> bytes:
    return part(
        [
            f"Content-Type: {ctype}",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: {disposition}",
        ],
        b64(data),
    )


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    no_domain = {"TLS-Report-Domain": None}
    # M01: C01's zip mailed as reports.zip, no TLS-Report-Domain.
    m["M01"] = header(**no_domain) + multi(
        REPORT_TYPE,
        "s48c-m01",
        [
            TEXT,
            attached(containers()["C01"], "application/zip", 'attachment; filename="reports.zip"'),
        ],
    )
    # M02: C02's zip (a directory entry, the report file inside it) mailed as reports.zip, no
    # TLS-Report-Domain.
    m["M02"] = header(**no_domain) + multi(
        REPORT_TYPE,
        "s48c-m02",
        [
            TEXT,
            attached(containers()["C02"], "application/zip", 'attachment; filename="reports.zip"'),
        ],
    )
    # M03: TLS-Report-Domain example.com, the attachment's §5.1 name naming mail.example.com;
    # no-policy-found without policy-domain (48 ok).
    m["M03"] = header() + multi(
        REPORT_TYPE,
        "s48c-m03",
        [
            TEXT,
            attached(
                shared.gzip_member(dumps(report([nopd(48)]))),
                GZ,
                f'attachment; filename="{name("mail.example.com", ext="json.gz")}"',
            ),
        ],
    )
    # M04: the report part's Content-Disposition with RFC 2183 size, creation-date,
    # modification-date and read-date parameters (dates quoted, holding ':' and ','); 120 ok.
    m["M04"] = header() + multi(
        REPORT_TYPE,
        "s48c-m04",
        [
            TEXT,
            attached(
                shared.gzip_member(dumps(report([sts()]))),
                f'{GZ}; name="{name("example.com", ext="json.gz")}"',
                f'attachment;\r\n filename="{name("example.com", ext="json.gz")}";\r\n'
                ' size=412;\r\n creation-date="Tue, 02 Jun 2026 03:12:40 +0000";\r\n'
                ' modification-date="Tue, 02 Jun 2026 03:12:40 +0000";\r\n'
                ' read-date="Tue, 02 Jun 2026 03:12:41 +0000"',
            ),
        ],
    )
    return m


def shown() -> dict[str, bytes]:
    """Door "msp": a report of yesterday, dated by the test."""
    day = {"start-datetime": "{D-1}T00:00:00Z", "end-datetime": "{D-1}T23:59:59Z"}
    return {
        "T01": dumps(
            report(msp_policies(extra=False), rid="{D-1}T00:00:00Z_msp", **{"date-range": day})
        )
    }


# --- Second batch (D01-D07), expectations committed before it ran ----------------------------


def second_containers() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    # D01 (door zip_then_mail): C02's report file alone in a zip (no folder), POSTed; then D01.eml.
    c["D01"] = zipped([(name("mail.example.com"), dumps(report([nopd(48)])))])
    # D04: a zip whose one file is named for parked.example.net (another domain), no-policy-found
    # without policy-domain (48 ok).
    c["D04"] = zipped([(name("parked.example.net"), dumps(report([nopd(48)])))])
    # D05: the §5.1 name in capitals: SENDER.EXAMPLE!MAIL.EXAMPLE.COM!…!001.JSON.
    c["D05"] = zipped([(name("mail.example.com").upper(), dumps(report([nopd(48)])))])
    # D07: the file named for mail.example.com, its sts policy-domain example.com (120 ok).
    c["D07"] = zipped([(name("mail.example.com"), dumps(report([sts()])))])
    return c


def second_mails() -> dict[str, bytes]:
    # D01: the same report mailed signed as +gzip with TLS-Report-Domain mail.example.com.
    return {
        "D01": header(**{"TLS-Report-Domain": "mail.example.com"})
        + multi(
            REPORT_TYPE,
            "s48c-d01",
            [
                TEXT,
                attached(
                    shared.gzip_member(dumps(report([nopd(48)]))),
                    GZ,
                    f'attachment; filename="{name("mail.example.com", ext="json.gz")}"',
                ),
            ],
        )
    }


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": {**bodies(), **shown()},
            ".bin": {**containers(), **second_containers()},
            ".eml": {**mails(), **second_mails()},
        },
    )


if __name__ == "__main__":
    main()
