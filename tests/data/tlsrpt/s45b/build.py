"""Writes the round-s45b report inputs (tests/test_reports_s45b_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s45b/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.eml` — doors "email", "both", "tampered" and "forward": a report mail as its sender's
  MTA writes it, To: @@MAILTO@@; the test signs it (unless the case says "signed": false),
  then tampers with it or forwards it as the door says.
* `<id>a.json`, `<id>b.json` — door "mail_shown": reports of yesterday ({D-1}, filled in by
  the test), which the test mails together, gzipped and signed, to alice's example.com.
"""

from __future__ import annotations

import gzip
import io
import quopri
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, GZ, JS, REPORT_TYPE, TEXT, b64, detail, dumps, multi, part  # noqa: E402

ORG = "Sender Example Mail Ltd."
RID = "2026-06-01T00:00:00Z_example.com"


def report(policies: list[dict], rid: str = RID, org: str = ORG, **top: Any) -> dict:
    return shared.report(org, rid, policies, **top)


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s45b", **replace)


def gz(r: dict) -> bytes:
    return gzip.compress(dumps(r), mtime=0)


def gz_part(data: bytes, ctype: str = GZ, disposition: str | None = None, width: int = 76) -> bytes:
    disp = disposition or f'attachment; filename="{FILENAME}"'
    return part(
        [
            f"Content-Type: {ctype}",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: {disp}",
        ],
        b64(data, width),
    )


def qp(data: bytes) -> bytes:
    """Quoted-printable with CRLF line ends (soft breaks at 76)."""
    return quopri.encodestring(data).replace(b"\n", b"\r\n")


def report_mail(parts: list[bytes], boundary: str, **replace: str | None) -> bytes:
    return header(**replace) + multi(REPORT_TYPE, boundary, parts)


def zipped(members: list[tuple[str, bytes]], comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 6, 2, 3, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        z.comment = comment
    return out.getvalue()


DMARC_XML = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\r\n<feedback>\r\n  <report_metadata>\r\n'
    b"    <org_name>google.com</org_name>\r\n    <email>noreply-dmarc-support@google.com</email>\r\n"
    b"    <report_id>1234567890123456789</report_id>\r\n    <date_range><begin>1780272000</begin>"
    b"<end>1780358399</end></date_range>\r\n  </report_metadata>\r\n  <policy_published>\r\n"
    b"    <domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp>"
    b"<pct>100</pct>\r\n  </policy_published>\r\n  <record>\r\n    <row><source_ip>203.0.113.9"
    b"</source_ip><count>3</count><policy_evaluated><disposition>none</disposition><dkim>pass"
    b"</dkim><spf>pass</spf></policy_evaluated></row>\r\n    <identifiers><header_from>example.com"
    b"</header_from></identifiers>\r\n    <auth_results><dkim><domain>example.com</domain><result>"
    b"pass</result></dkim><spf><domain>example.com</domain><result>pass</result></spf>"
    b"</auth_results>\r\n  </record>\r\n</feedback>\r\n"
)
DMARC_NAME = "google.com!example.com!1780272000!1780358399"


def many_details(n: int) -> list[dict]:
    return [
        detail("certificate-expired", 1, **{"sending-mta-ip": f"203.0.113.{i % 250 + 1}"})
        | {"receiving-ip": f"198.51.100.{(i * 7) % 250 + 1}"}
        for i in range(n)
    ]


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    g = gz(report([shared.sts()]))
    bracket_subject = (
        "Report Domain: example.com Submitter: sender.example "
        "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>"
    )
    # Z01: the Google shape: text part first, the gzip in 76-column base64, attachment.
    m["Z01"] = report_mail([TEXT, gz_part(g)], "s45b-z01", Subject=bracket_subject)
    # Z02: a busy day's gzip as one unbroken base64 line (well past 998 octets), inline, no name.
    big = gz(
        report([shared.sts("example.com", 5000, 300, **{"failure-details": many_details(300)})])
    )
    m["Z02"] = report_mail([TEXT, gz_part(big, disposition="inline", width=10**9)], "s45b-z02")
    # Z03: the gzip's raw octets under Content-Transfer-Encoding: 8bit (no base64).
    raw = part(
        [
            f"Content-Type: {GZ}",
            "Content-Transfer-Encoding: 8bit",
            f'Content-Disposition: attachment; filename="{FILENAME}"',
        ],
        g,
    )
    m["Z03"] = report_mail([TEXT, raw], "s45b-z03")
    # Z04: +json quoted-printable with lower-case hex digits (=c3=bc for ü).
    j = dumps(report([shared.sts()], org="Bücher Versand GmbH"), ascii=False)
    q = qp(j).replace(b"=C3=BC", b"=c3=bc")
    assert b"=c3=bc" in q
    m["Z04"] = report_mail(
        [
            TEXT,
            part(
                [
                    f"Content-Type: {JS}; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                q,
            ),
        ],
        "s45b-z04",
    )
    # Z05: +json quoted-printable; additional-information holds '=' (=3D) and '&'.
    uri = "https://tlsrpt.sender.example/detail?day=2026-06-01&domain=example.com&type=certificate-expired"
    j = dumps(
        report(
            [
                shared.sts(
                    "example.com",
                    118,
                    2,
                    **{
                        "failure-details": [
                            detail("certificate-expired", 2, **{"additional-information": uri})
                        ]
                    },
                )
            ]
        ),
        indent=None,
    )
    q = qp(j)
    assert b"=3D" in q and b"=\r\n" in q
    m["Z05"] = report_mail(
        [
            TEXT,
            part(
                [
                    f"Content-Type: {JS}",
                    "Content-Transfer-Encoding: quoted-printable",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                q,
            ),
        ],
        "s45b-z05",
    )
    # Z06: declared application/tlsrpt+gzip and named .json.gz, the bytes plain JSON.
    m["Z06"] = report_mail([TEXT, gz_part(dumps(report([shared.sts()])))], "s45b-z06")
    # Z07: application/octet-stream named .json.gz, inline, the plain JSON unencoded (7bit).
    m["Z07"] = report_mail(
        [
            TEXT,
            part(
                [
                    'Content-Type: application/octet-stream; name="report.json.gz"',
                    "Content-Transfer-Encoding: 7bit",
                    'Content-Disposition: inline; filename="report.json.gz"',
                ],
                dumps(report([shared.sts()])).replace(b"\n", b"\r\n"),
            ),
        ],
        "s45b-z07",
    )
    # Z08: application/zip of the .json, inline, its name RFC 2231 with a language tag.
    z = zipped(
        [("sender.example!example.com!1780272000!1780358399.json", dumps(report([shared.sts()])))],
        comment=b"made by tlsrpt-reporter",
    )
    m["Z08"] = report_mail(
        [
            TEXT,
            gz_part(
                z,
                "application/zip",
                "inline; filename*=us-ascii'en-us'sender.example%21example.com%21"
                "1780272000%211780358399.zip",
            ),
        ],
        "s45b-z08",
    )
    # Z09: +json (base64) whose filename is an RFC 2231 continuation mixing encoded and plain
    # segments.
    m["Z09"] = report_mail(
        [
            TEXT,
            gz_part(
                dumps(report([shared.sts()])),
                JS,
                "attachment;\r\n filename*0*=utf-8''sender.example%21;\r\n"
                ' filename*1="example.com!1780272000!1780358399.json"',
            ),
        ],
        "s45b-z09",
    )
    # Z10 (door forward_list): the report mail, wrapped by a mailing list (see the test).
    m["Z10"] = report_mail([TEXT, gz_part(g)], "s45b-z10")
    # Z11 (door forward_lf): the report mail saved with LF line ends, then forwarded.
    m["Z11"] = report_mail([TEXT, gz_part(g)], "s45b-z11")
    # Z12 (door forward_8bit): an 8bit +json report (raw UTF-8 organization-name) forwarded
    # as message/rfc822 labelled 8bit.
    j = dumps(report([shared.sts()], org="Société Mail"), ascii=False)
    m["Z12"] = report_mail(
        [
            TEXT,
            part(
                [
                    f"Content-Type: {JS}; charset=utf-8",
                    "Content-Transfer-Encoding: 8bit",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                j.replace(b"\n", b"\r\n"),
            ),
        ],
        "s45b-z12",
    )
    # Z13: two reports in one mail, both report-id '2026-06-01' (the day alone): example.com
    # 120 ok, then mail.example.com 80 ok / 5 certificate-expired; TLS-Report-Domain example.com.
    a = gz(report([shared.sts()], rid="2026-06-01"))
    b = gz(
        report(
            [
                shared.sts(
                    "mail.example.com",
                    80,
                    5,
                    **{
                        "failure-details": [
                            detail(
                                "certificate-expired",
                                5,
                                **{"receiving-mx-hostname": "mx1.mail.example.com"},
                            )
                        ]
                    },
                )
            ],
            rid="2026-06-01",
        )
    )
    m["Z13"] = report_mail(
        [
            TEXT,
            gz_part(a),
            gz_part(
                b,
                disposition='attachment; filename="sender.example!mail.example.com!1780272000!1780358399!001.json.gz"',
            ),
        ],
        "s45b-z13",
    )
    # Z14: no TLS-Report-Domain header; the body's policy-domain example.com.
    m["Z14"] = report_mail([TEXT, gz_part(g)], "s45b-z14", **{"TLS-Report-Domain": None})
    # Z15: no TLS-Report-Domain; no-policy-found without policy-domain; the file name (RFC 8460
    # §5.1) names mail.example.com.
    np = report(
        [
            {
                "policy": {"policy-type": "no-policy-found"},
                "summary": {"total-successful-session-count": 64, "total-failure-session-count": 0},
            }
        ]
    )
    m["Z15"] = report_mail(
        [
            TEXT,
            gz_part(
                gz(np),
                disposition="attachment; filename="
                '"sender.example!mail.example.com!1780272000!1780358399!001.json.gz"',
            ),
        ],
        "s45b-z15",
        **{
            "TLS-Report-Domain": None,
            "Subject": "TLS report Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>",
        },
    )
    # Z16: TLS-Report-Domain 'Example.COM.' (case and a root dot), sts example.com.
    m["Z16"] = report_mail([TEXT, gz_part(g)], "s45b-z16", **{"TLS-Report-Domain": "Example.COM."})
    # Z17: TLS-Report-Domain 'mail.example.com.'; no-policy-found without policy-domain.
    m["Z17"] = report_mail(
        [TEXT, gz_part(gz(np))], "s45b-z17", **{"TLS-Report-Domain": "mail.example.com."}
    )
    # Z18: the §5.3 Subject folded over three lines, the Report-ID in angle brackets.
    m["Z18"] = report_mail(
        [TEXT, gz_part(g)],
        "s45b-z18",
        Subject="Report Domain: example.com\r\n Submitter: sender.example\r\n"
        " Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>",
    )
    # Z19: Microsoft-style report-id, Subject without angle brackets.
    ms = gz(
        report(
            [
                {
                    "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                    "summary": {
                        "total-successful-session-count": 310,
                        "total-failure-session-count": 0,
                    },
                }
            ],
            rid="133984512000000000+example.com",
            org="Microsoft Corporation",
        )
    )
    m["Z19"] = report_mail(
        [TEXT, gz_part(ms)],
        "s45b-z19",
        Subject="Report Domain: example.com Submitter: sender.example "
        "Report-ID: 133984512000000000+example.com",
    )
    # Z20: LF line ends throughout (a pipe without CRLF), +json quoted-printable.
    j = dumps(report([shared.sts()], org="Bücher Versand GmbH"), ascii=False)
    crlf = report_mail(
        [
            TEXT,
            part(
                [
                    f"Content-Type: {JS}; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                qp(j),
            ),
        ],
        "s45b-z20",
    )
    m["Z20"] = crlf  # the test signs the CRLF form, then turns every CRLF into LF
    # Z21 (door tampered, downgrade): an 8bit +json part, signed; a relay then downgrades it to
    # quoted-printable (RFC 6152 §3: a relay to a 7-bit server re-encodes).
    m["Z21"] = m["Z12"].replace(b"s45b-z12", b"s45b-z21")
    # Z22 (door tampered, footer): a list appends a footer part inside the signed multipart.
    m["Z22"] = report_mail([TEXT, gz_part(g)], "s45b-z22")
    # Z23: the +json part holds only blank lines.
    m["Z23"] = report_mail(
        [
            TEXT,
            part(
                [
                    f"Content-Type: {JS}",
                    "Content-Transfer-Encoding: 7bit",
                    'Content-Disposition: attachment; filename="report.json"',
                ],
                b"\r\n\r\n",
            ),
        ],
        "s45b-z23",
    )
    # Z24: a valid gzip of nothing as the +gzip attachment.
    m["Z24"] = report_mail([TEXT, gz_part(gzip.compress(b"", mtime=0))], "s45b-z24")
    # Z25: only a DMARC aggregate report: Google's zip of the XML, signed as sender.example.
    dz = zipped([(DMARC_NAME + ".xml", DMARC_XML)])
    dmarc_subject = (
        "Report domain: example.com Submitter: google.com Report-ID: <1234567890123456789>"
    )
    m["Z25"] = header(
        Subject=dmarc_subject, **{"TLS-Report-Domain": None, "TLS-Report-Submitter": None}
    ) + multi(
        "multipart/mixed",
        "s45b-z25",
        [
            part(
                ["Content-Type: text/plain; charset=us-ascii"], b"This is a DMARC aggregate report."
            ),
            gz_part(
                dz,
                f'application/zip; name="{DMARC_NAME}.zip"',
                f'attachment; filename="{DMARC_NAME}.zip"',
            ),
        ],
    )
    # Z26: only a DMARC aggregate report, application/gzip .xml.gz (Microsoft), unsigned, no
    # TLS-Report-* headers, the RFC 7489 §7.2.1.1 Subject.
    m["Z26"] = header(
        From="dmarcreport@microsoft.com",
        Subject="Report Domain: example.com Submitter: protection.outlook.com "
        "Report-ID: <e7f3c1d2a4b54c6e9f0a1b2c3d4e5f60>",
        **{"TLS-Report-Domain": None, "TLS-Report-Submitter": None},
    ) + multi(
        "multipart/mixed",
        "s45b-z26",
        [
            part(["Content-Type: text/plain; charset=us-ascii"], b"DMARC Aggregate Report"),
            gz_part(
                gzip.compress(DMARC_XML, mtime=0),
                "application/gzip",
                'attachment; filename="protection.outlook.com!example.com!1780272000!'
                '1780358399.xml.gz"',
            ),
        ],
    )
    # Z27: only a DMARC aggregate report, its XML uncompressed as text/xml (a small reporter).
    m["Z27"] = header(
        Subject=dmarc_subject, **{"TLS-Report-Domain": None, "TLS-Report-Submitter": None}
    ) + multi(
        "multipart/mixed",
        "s45b-z27",
        [
            part(
                ["Content-Type: text/plain; charset=us-ascii"], b"DMARC aggregate report attached."
            ),
            part(
                [
                    "Content-Type: text/xml; charset=utf-8",
                    "Content-Transfer-Encoding: 7bit",
                    f'Content-Disposition: attachment; filename="{DMARC_NAME}.xml"',
                ],
                DMARC_XML,
            ),
        ],
    )
    # Z28: the TLS report and a DMARC aggregate zip in one multipart/report.
    m["Z28"] = report_mail(
        [
            TEXT,
            gz_part(g),
            gz_part(dz, "application/zip", f'attachment; filename="{DMARC_NAME}.zip"'),
        ],
        "s45b-z28",
    )
    return m


# --- Second batch (Y01-Y06), expectations committed before it ran -----------------------------


def second_mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    g = gz(report([shared.sts()]))
    # Y01: an S/MIME gateway wrapped the report in multipart/signed (RFC 8551 §3.5 / RFC 1847):
    # the multipart/report entity first, an application/pkcs7-signature part second.
    inner = multi(REPORT_TYPE, "s45b-y01-inner", [TEXT, gz_part(g)])
    pkcs7 = part(
        [
            'Content-Type: application/pkcs7-signature; name="smime.p7s"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="smime.p7s"',
        ],
        b64(b"\x30\x82\x01\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" + bytes(range(256))),
    )
    body = shared.swap(
        multi("x", "s45b-y01", [inner, pkcs7]),
        b'Content-Type: x; boundary="s45b-y01"',
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n'
        b' micalg=sha-256; boundary="s45b-y01"',
    )
    m["Y01"] = header() + body

    # Y02: two reports, no TLS-Report-Domain; each no-policy-found without policy-domain, each
    # file name (RFC 8460 §5.1) naming its domain: example.com (64 ok), mail.example.com (32 ok).
    def nopd(ok: int, rid: str) -> bytes:
        return gz(
            report(
                [
                    {
                        "policy": {"policy-type": "no-policy-found"},
                        "summary": {
                            "total-successful-session-count": ok,
                            "total-failure-session-count": 0,
                        },
                    }
                ],
                rid=rid,
            )
        )

    m["Y02"] = report_mail(
        [
            TEXT,
            gz_part(
                nopd(64, "2026-06-01T00:00:00Z_a"),
                disposition='attachment; filename="sender.example!example.com!1780272000!1780358399!a.json.gz"',
            ),
            gz_part(
                nopd(32, "2026-06-01T00:00:00Z_b"),
                disposition='attachment; filename="sender.example!mail.example.com!1780272000!1780358399!b.json.gz"',
            ),
        ],
        "s45b-y02",
        **{"TLS-Report-Domain": None},
    )
    # Y03: a zip whose one member is named …json.gz but holds plain JSON.
    z = zipped(
        [
            (
                "sender.example!example.com!1780272000!1780358399.json.gz",
                dumps(report([shared.sts()])),
            )
        ]
    )
    m["Y03"] = report_mail(
        [TEXT, gz_part(z, "application/zip", 'attachment; filename="report.zip"')], "s45b-y03"
    )
    # Y04: no TLS-Report-Domain; no-policy-found without policy-domain; the §5.1 name only in
    # the Content-Type's name parameter (no Content-Disposition).
    m["Y04"] = report_mail(
        [
            TEXT,
            part(
                [
                    f'Content-Type: {GZ}; name="sender.example!mail.example.com!1780272000!1780358399.json.gz"',
                    "Content-Transfer-Encoding: base64",
                ],
                b64(nopd(48, RID)),
            ),
        ],
        "s45b-y04",
        **{"TLS-Report-Domain": None},
    )
    # Y05: an Exchange relay turned the mail into TNEF: the only attachment winmail.dat.
    tnef = b"\x78\x9f\x3e\x22\x01\x00\x01\x06\x90\x08\x00" + bytes(range(200))
    m["Y05"] = report_mail(
        [
            TEXT,
            part(
                [
                    'Content-Type: application/ms-tnef; name="winmail.dat"',
                    "Content-Transfer-Encoding: base64",
                    'Content-Disposition: attachment; filename="winmail.dat"',
                ],
                b64(tnef),
            ),
        ],
        "s45b-y05",
    )
    # Y06: application/zip of an archive holding no file (the 22-byte end record alone).
    m["Y06"] = report_mail(
        [TEXT, gz_part(zipped([]), "application/zip", 'attachment; filename="report.zip"')],
        "s45b-y06",
    )
    return m


def shown() -> dict[str, bytes]:
    """Door "mail_shown": the reports of yesterday a test mails together."""
    day = {"start-datetime": "{D-1}T00:00:00Z", "end-datetime": "{D-1}T23:59:59Z"}
    out: dict[str, bytes] = {}
    # Z29: Z13's two reports (example.com, mail.example.com) under one day-only report-id.
    out["Z29a"] = dumps(report([shared.sts()], rid="{D-1}", **{"date-range": day}))
    out["Z29b"] = dumps(
        report(
            [
                shared.sts(
                    "mail.example.com",
                    80,
                    5,
                    **{
                        "failure-details": [
                            detail(
                                "certificate-expired",
                                5,
                                **{"receiving-mx-hostname": "mx1.mail.example.com"},
                            )
                        ]
                    },
                )
            ],
            rid="{D-1}",
            **{"date-range": day},
        )
    )
    # Z30: one report, 96 ok / 4 certificate-host-mismatch, mailed as +json quoted-printable.
    out["Z30a"] = dumps(
        report(
            [
                shared.sts(
                    "example.com",
                    96,
                    4,
                    **{"failure-details": [detail("certificate-host-mismatch", 4)]},
                )
            ],
            rid="{D-1}T00:00:00Z_example.com",
            **{"date-range": day},
        )
    )
    return out


def main() -> None:
    shared.write(HERE, {".eml": {**mails(), **second_mails()}, ".json": shown()})


if __name__ == "__main__":
    main()
