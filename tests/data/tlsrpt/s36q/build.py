"""Writes the round-s36q report inputs (tests/test_reports_s36q_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s36q/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — door "body" (both parse readers, gzip-POSTed, mailed gzipped and signed) and
  door "domain" (gzip-POSTed to the address of an unverified or a removed domain).
* `<id>.bin` — door "post": an HTTPS body exactly as sent, with the case's Content-Type and
  headers (tests/data/tlsrpt/s36q_expectations.json).
* `<id>.eml` — door "email": a report mail as its sender's MTA writes it, To: @@MAILTO@@.
* `<id>a.bin`, `<id>b.bin` — door "pair": two HTTPS bodies POSTed one after the other, each
  with its own Content-Type and headers.
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
from blind_build import FILENAME, GZ, JS, REPORT_TYPE, TEXT, b64, detail, dumps, multi, part  # noqa: E402

SENDER = ("Sender Example Mail Ltd.", "2026-06-01T00:00:00Z_example.com")
GOOGLE = ("Google Inc.", "2026-06-01T00:00:00Z_example.com")


def report(policies: list[dict], who: tuple[str, str] = SENDER, **top: Any) -> dict:
    return shared.report(who[0], who[1], policies, **top)


def sts(ok: Any = 120, failed: Any = 0, details: list | None = None, **policy: Any) -> dict:
    extra = {} if details is None else {"failure-details": details}
    entry = shared.sts("example.com", ok, failed, **extra)
    for key, value in policy.items():
        entry["policy"][key.replace("_", "-")] = value
    return entry


def body(r: dict, **kw: Any) -> bytes:
    return dumps(r, **kw)


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    return shared.swap(data, old, new)


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-08 summary counts as JSON numbers of other spellings -------------------------
    out["V01"] = swap(
        body(report([sts()])),
        b'"total-successful-session-count": 120',
        b'"total-successful-session-count": 120.0',
    )
    out["V02"] = swap(
        body(report([sts()])),
        b'"total-failure-session-count": 0',
        b'"total-failure-session-count": -0',
    )
    # A failure detail whose failed-session-count is the JSON true (a sender's bug; in Python
    # True is an int).
    out["V03"] = body(report([sts(119, 1, [detail("certificate-expired", True)])]))
    # --- RPT-11 counts that do not add up ------------------------------------------------
    out["V04"] = body(report([sts(120, 0, [detail("certificate-expired", 4)])]))
    # --- RPT-09 a huge failure-details array (6,000 details of 1 session each) ----------
    many = [
        detail("certificate-host-mismatch", 1, **{"sending-mta-ip": f"203.0.{i // 250}.{i % 250}"})
        for i in range(6000)
    ]
    out["V05"] = body(report([sts(100, 6000, many)]), indent=None)
    # --- RPT-12 addresses ------------------------------------------------------------------
    out["V06"] = body(
        report(
            [sts(100, 3, [detail("certificate-expired", 3, **{"receiving-ip": "::192.0.2.25"})])]
        )
    )
    out["V07"] = body(
        report(
            [
                sts(
                    100,
                    3,
                    [detail("certificate-expired", 3, **{"sending-mta-ip": "::ffff:c000:20a"})],
                )
            ]
        )
    )
    out["V08"] = body(
        report(
            [sts(100, 3, [detail("certificate-expired", 3, **{"sending-mta-ip": "203.0.113.9."})])]
        )
    )
    out["V09"] = body(
        report(
            [
                sts(
                    100,
                    3,
                    [
                        detail(
                            "certificate-expired",
                            3,
                            **{"receiving-ip": "\uff11\uff19\uff18.51.100.25"},
                        )
                    ],
                )
            ]
        ),
        ascii=False,
    )
    out["V10"] = body(
        report([sts(100, 3, [detail("certificate-expired", 3, **{"receiving-ip": 3325256729})])])
    )
    out["V11"] = body(
        report([sts(100, 3, [detail("certificate-expired", 3, **{"sending-mta-ip": "::"})])])
    )
    # --- RPT-06 policy-domain in mixed case with a root dot --------------------------------
    out["V12"] = body(report([sts(policy_domain="Example.Com.")]))
    # --- RPT-01 duplicate members: the top-level policies twice (the second empty) ---------
    out["V13"] = swap(body(report([sts()])), b'"policies": [', b'"policies": [], "policies": [')
    # --- RPT-03 a start at -00:00 (RFC 3339 §4.3: UTC, local offset unknown) ---------------
    r = report([sts()])
    out["V14"] = body(shared.dates(r, "2026-06-01T00:00:00-00:00", "2026-06-01T23:59:59-00:00"))
    return out


def posts() -> dict[str, bytes]:
    """Door "post": the body exactly as sent."""
    data = body(report([sts()]))
    out: dict[str, bytes] = {}
    # RPT-15: a gzip FEXTRA field of 60,000 bytes before the deflate data.
    out["V15"] = shared.gzip_member(
        data, extra=b"AP" + (59996).to_bytes(2, "little") + b"\0" * 59996
    )
    # RPT-15 (§6.3 'associated paths'): FNAME a path climbing out of any folder.
    out["V16"] = shared.gzip_member(data, name=b"../../../../etc/cron.d/tlsrpt.json")
    # RPT-15: the report's member followed by two members of nothing.
    out["V17"] = shared.gzip_member(data) + shared.gzip_member(b"") + shared.gzip_member(b"")
    # RPT-15 / M03: 11 MiB of blanks after the closing brace (valid JSON whitespace).
    out["V18"] = gzip.compress(data + b" " * (11 * 1024 * 1024), mtime=0)
    # RPT-14: +json; charset=iso-8859-1 on an ASCII-only body.
    out["V19"] = data
    # RPT-15 (§6.3): a zip whose one member sits in folders, labelled +gzip.
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("reports/2026/06/" + FILENAME, (2026, 6, 2, 3, 0, 0))
        z.writestr(info, gzip.compress(data, mtime=0))
    out["V20"] = zbuf.getvalue()
    # RPT-14: a gzip body labelled application/tlsrpt+gzip; charset=utf-8 (a charset on a
    # binary type).
    out["V21"] = gzip.compress(data, mtime=0)
    return out


def pairs() -> dict[str, bytes]:
    """Door "pair": two bodies, each POSTed with its own Content-Type and headers."""
    data = body(report([sts()]))
    out: dict[str, bytes] = {}
    # V22: gzip as +gzip, then the same JSON uncompressed as +json.
    out["V22a"] = gzip.compress(data, mtime=0)
    out["V22b"] = data
    # V23: the same gzip bytes, first +gzip, then +json with Content-Encoding: gzip.
    out["V23a"] = gzip.compress(data, mtime=0)
    out["V23b"] = gzip.compress(data, mtime=0)
    # V24: a corrected resend (same report-id and range, 5 failures added).
    out["V24a"] = gzip.compress(data, mtime=0)
    out["V24b"] = gzip.compress(
        body(report([sts(120, 5, [detail("certificate-expired", 5)])])), mtime=0
    )
    return out


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s36q", **replace)


def attached(
    ctype: str, filename: str | None, data: bytes, cte: str = "base64", encoded: bytes | None = None
) -> bytes:
    head = [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {cte}"]
    if filename:
        head.append(f'Content-Disposition: attachment; filename="{filename}"')
    return part(head, encoded if encoded is not None else b64(data))


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    g = gzip.compress(body(report([sts()])), mtime=0)
    html = part(["Content-Type: text/html; charset=us-ascii"], b"<p>TLS report attached</p>")
    # V25: multipart/related (an HTML mail with the report as a related part).
    m["V25"] = header(Subject="TLS report") + multi(
        'multipart/related; type="text/html"', "rel36", [html, attached(GZ, FILENAME, g)]
    )
    # V26: the .json.gz attachment labelled text/plain.
    m["V26"] = header() + multi(REPORT_TYPE, "tp36", [TEXT, attached("text/plain", FILENAME, g)])
    # V27: base64 broken into lines of 13 characters, with blanks between groups of four.
    import base64

    text = base64.b64encode(g)
    spaced = b" ".join(text[i : i + 4] for i in range(0, len(text), 4))
    odd = b"\r\n".join(spaced[i : i + 13] for i in range(0, len(spaced), 13))
    m["V27"] = header() + multi(REPORT_TYPE, "b36", [TEXT, attached(GZ, FILENAME, g, encoded=odd)])
    # V28: +json quoted-printable, a soft line break inside the member name 'report-id'.
    js = body(report([sts()]), indent=None)
    import quopri

    qp = quopri.encodestring(js).replace(b"\n", b"\r\n")
    qp = swap(qp, b'"report-id"', b'"report-=\r\nid"')
    m["V28"] = header() + multi(
        REPORT_TYPE, "q36", [TEXT, attached(JS, "report.json", js, "quoted-printable", qp)]
    )
    # V29: headers in other case: TLS-Report-Domain 'EXAMPLE.com', Submitter 'Sender.Example'.
    m["V29"] = header(
        **{"TLS-Report-Domain": "EXAMPLE.com", "TLS-Report-Submitter": "Sender.Example"}
    ) + multi(REPORT_TYPE, "h36", [TEXT, attached(GZ, FILENAME, g)])
    # V30: two different reports in one mail: Google's gzip and Sender's +json.
    other = body(report([sts(300)], ("Sender Example Mail Ltd.", "2026-06-01-second")))
    m["V30"] = header() + multi(
        REPORT_TYPE,
        "two36",
        [TEXT, attached(GZ, FILENAME, g), attached(JS, "second.json", other)],
    )
    return m


def domains() -> dict[str, bytes]:
    return {"V31": body(report([sts()])), "V32": body(report([sts()]))}


def shown() -> dict[str, bytes]:
    """Second batch, door "shown": reports of yesterday ({D-1}, filled in by the test), then
    read on the dashboard, the report page and the CSV."""

    def day(policies: list[dict]) -> dict:
        r = shared.report(SENDER[0], "{D-1}T00:00:00Z_example.com", policies)
        return shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z")

    def one(ok: int, failed: int, count: Any, **fields: Any) -> bytes:
        return body(
            day([sts(ok, failed, [detail("certificate-expired", count, **fields)])]), ascii=False
        )

    out: dict[str, bytes] = {}
    out["W01"] = one(97, 3, 3, **{"receiving-ip": 3325256729})
    out["W02"] = one(97, 3, 3, **{"receiving-ip": "\uff11\uff19\uff18.51.100.25"})
    out["W03"] = one(120, 0, 4)
    tl = shared.tlsa("mx1.example.com", 50)
    w04 = body(day([sts(), tl]))
    out["W04"] = swap(
        w04, b'"total-successful-session-count": 120', b'"total-successful-session-count": 120.0'
    )
    out["W05"] = body(day([sts(policy_domain="Example.Com.")]))
    out["W06"] = one(97, 3, 3, **{"sending-mta-ip": "::ffff:c000:20a"})
    many = [
        detail("certificate-host-mismatch", 1, **{"sending-mta-ip": f"203.0.{i // 250}.{i % 250}"})
        for i in range(6000)
    ]
    out["W07"] = body(day([sts(100, 6000, many)]), indent=None)
    out["W08"] = one(119, 1, True)
    return out


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": {**bodies(), **domains(), **shown()},
            ".bin": {**posts(), **pairs()},
            ".eml": mails(),
        },
    )


if __name__ == "__main__":
    main()
