"""Writes the round-s38b report inputs (tests/test_reports_s38b_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s38b/build.py`. Standard library only (and
../blind_build.py), deterministic, so running it again rewrites the same bytes.

* `<id>.json` — doors "body" (both parse readers, gzip-POSTed, mailed gzipped and signed),
  "idn" (gzip-POSTed to the address of xn--bcher-kva.example), "team" (gzip-POSTed to
  example.com's address while another team monitors the report's domain) and "links" (a
  report of yesterday, {D-1} filled in by the test, read on the dashboard and report page).
* `<id>.bin` — door "post": an HTTPS body exactly as sent, with the case's headers.
* `<id>.eml` — door "email": a report mail as its sender's MTA writes it, To: @@MAILTO@@,
  piped into ingest_email and sent to the SMTP listener.
"""

from __future__ import annotations

import base64
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


def sts(
    ok: Any = 120,
    failed: Any = 0,
    details: list | None = None,
    domain: str = "example.com",
    **policy: Any,
) -> dict:
    extra = {} if details is None else {"failure-details": details}
    entry = shared.sts(domain, ok, failed, **extra)
    for key, value in policy.items():
        entry["policy"][key.replace("_", "-")] = value
    return entry


def no_policy(
    ok: Any, failed: Any = 0, details: list | None = None, domain: str = "example.com"
) -> dict:
    entry: dict[str, Any] = {
        "policy": {"policy-type": "no-policy-found", "policy-domain": domain},
        "summary": {
            "total-successful-session-count": ok,
            "total-failure-session-count": failed,
        },
    }
    if details is not None:
        entry["failure-details"] = details
    return entry


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    return shared.swap(data, old, new)


def bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # --- RPT-04 the three policy types in one report ---------------------------------------
    out["X01"] = dumps(
        report(
            [
                sts(100, 2, [detail("certificate-expired", 2)]),
                shared.tlsa("mx1.example.com", 50),
                no_policy(10),
            ]
        )
    )
    # --- RPT-07 mx-host wildcard patterns ----------------------------------------------------
    x02 = sts()
    x02["policy"]["policy-string"] = [
        "version: STSv1",
        "mode: enforce",
        "mx: *.mail.example.com",
        "mx: mx1.example.com",
        "max_age: 604800",
    ]
    x02["policy"]["mx-host"] = ["*.Mail.Example.COM.", "mx1.example.com"]
    out["X02"] = dumps(report([x02]))
    x03 = sts()
    x03["policy"]["mx-host"] = ["mx*.example.com"]
    out["X03"] = dumps(report([x03]))
    # --- RPT-08 / RPT-01 very large counts -------------------------------------------------
    out["X04"] = swap(
        dumps(report([sts(120), shared.tlsa("mx1.example.com", 50)])),
        b'"total-successful-session-count": 120',
        b'"total-successful-session-count": 9007199254740992',
    )
    big = 9007199254740991
    out["X05"] = dumps(report([sts(big), shared.tlsa("mx1.example.com", big)]))
    # --- RPT-09 a failure detail with only its result-type ---------------------------------
    out["X06"] = dumps(report([no_policy(8, 2, [{"result-type": "starttls-not-supported"}])]))
    # --- RPT-12 receiving-ip IPv6 forms -----------------------------------------------------
    ips = ["[2001:db8::25]", "2001:db8::198.51.100.25", "2001:db8:0:0:1:0:0:1", "FE80::1"]
    out["X07"] = dumps(
        report(
            [sts(96, 4, [detail("certificate-expired", 1, **{"receiving-ip": ip}) for ip in ips])]
        )
    )
    # --- RPT-03 date-ranges at other offsets -------------------------------------------------
    out["X08"] = dumps(
        shared.dates(report([sts()]), "2026-06-01T00:00:00+14:00", "2026-06-02T00:00:00+14:00")
    )
    out["X09"] = dumps(
        shared.dates(report([sts()]), "2026-06-01T00:00:00-12:00", "2026-06-01T23:59:59-12:00")
    )
    out["X10"] = dumps(
        shared.dates(report([sts()]), "2026-05-31T20:00:00-04:00", "2026-06-01T19:59:59-04:00")
    )
    out["X11"] = dumps(
        shared.dates(report([sts()]), "2026-06-01T12:00:00-07:00", "2026-06-02T12:00:00-07:00")
    )
    return out


def idn() -> dict[str, bytes]:
    """Door "idn": to the address of xn--bcher-kva.example (bücher.example)."""
    a = "xn--bcher-kva.example"

    def one(policy_domain: str, mx: list[str] | None = None) -> bytes:
        entry = sts(domain=a, policy_domain=policy_domain)
        if mx is not None:
            entry["policy"]["mx-host"] = mx
        return dumps(report([entry], rid="2026-06-01T00:00:00Z_" + a), ascii=False)

    return {
        "X13": one("XN--BCHER-KVA.EXAMPLE."),
        "X14": one("BÜCHER.example"),
        "X15": one(a, ["mx1.bücher.example"]),
    }


def team() -> dict[str, bytes]:
    """Yesterday's ({D-1}, filled in by the test), so the dashboard's 30 days hold it."""
    r = report([sts(domain="other.example")], rid="r-other")
    return {"X16": dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"))}


def links() -> dict[str, bytes]:
    uris = [
        "java\tscript:alert(1)",
        " JAVASCRIPT:alert(2)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg==",
        'https://tlsrpt.sender.example/r?a=1&b="><script>alert(4)</script>',
        "https://tlsrpt.sender.example/2026-06-01/example.com#ok",
    ]
    details = [detail("certificate-expired", 1, **{"additional-information": u}) for u in uris]
    r = report([sts(95, 5, details)], rid="{D-1}T00:00:00Z_example.com")
    return {"X12": dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"))}


def posts() -> dict[str, bytes]:
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    return {"X26": g, "X27": g}


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s38b", **replace)


def attached(ctype: str, filename: str | None, encoded: bytes, cte: str = "base64") -> bytes:
    head = [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {cte}"]
    if filename:
        head.append(f'Content-Disposition: attachment; filename="{filename}"')
    return part(head, encoded)


def odd_lines(text: bytes) -> bytes:
    """base64 text in lines of 1, 2, … 77 characters, again and again, then one of 998."""
    lines, i, n = [], 0, 1
    head, tail = text[:-998], text[-998:]
    while i < len(head):
        lines.append(head[i : i + n])
        i += n
        n = n % 77 + 1
    return b"\r\n".join(lines + [tail])


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    js = dumps(report([sts()]))
    g = gzip.compress(js, mtime=0)
    # X17: multipart/mixed inside multipart/mixed inside the message, the report part at depth 2.
    inner = multi("multipart/mixed", "in38", [TEXT, attached(GZ, FILENAME, b64(g))])
    m["X17"] = header() + multi("multipart/mixed", "out38", [TEXT, inner.rstrip(b"\r\n")])
    # X18: the .json.gz attachment labelled application/octet-stream.
    m["X18"] = header() + multi(
        REPORT_TYPE, "oct38", [TEXT, attached("application/octet-stream", FILENAME, b64(g))]
    )
    # X19: base64 in lines of 1..77 characters, cycling, and a last line of 998. The gzip is of
    # a report with 40 failure details, so its base64 is long enough for every line length.
    many = [
        detail("certificate-expired", 1, **{"sending-mta-ip": f"203.0.113.{i}"}) for i in range(40)
    ]
    big = gzip.compress(dumps(report([sts(80, 40, many)])), mtime=0)
    m["X19"] = header() + multi(
        REPORT_TYPE, "odd38", [TEXT, attached(GZ, FILENAME, odd_lines(base64.b64encode(big)))]
    )
    # X20: base64 without its final '=' padding.
    g20 = g
    while len(g20) % 3 == 0:  # make sure padding is due (deterministic: extend the FEXTRA)
        g20 = shared.gzip_member(js, name=b"r" * (len(g20) % 7 + 1))
    text = base64.b64encode(g20)
    assert text.endswith(b"=")
    m["X20"] = header() + multi(
        REPORT_TYPE, "pad38", [TEXT, attached(GZ, FILENAME, b64(g20).rstrip(b"="))]
    )
    # X21: the gzip quoted-printable encoded (binary bytes as =XX, soft line breaks).
    qp = quopri.encodestring(g).replace(b"\n", b"\r\n")
    m["X21"] = header() + multi(
        REPORT_TYPE, "qpg38", [TEXT, attached(GZ, FILENAME, qp, "quoted-printable")]
    )
    # X22: +json quoted-printable, UTF-8 organisation name, a soft line break between the
    # two octets of 'ü'.
    js22 = dumps(report([sts()], org="Bücher Versand GmbH", rid="2026-06-01-qp"), ascii=False)
    qp22 = quopri.encodestring(js22).replace(b"\n", b"\r\n")
    qp22 = swap(qp22, b"B=C3=BCcher", b"B=C3=\r\n=BCcher")
    m["X22"] = header() + multi(
        REPORT_TYPE,
        "qpj38",
        [TEXT, attached(JS + "; charset=utf-8", "report.json", qp22, "quoted-printable")],
    )
    # X23: a zip attachment holding two report files: a .json and a .json.gz.
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("first.json", (2026, 6, 2, 3, 0, 0)), js)
        second = dumps(report([sts(300)], rid="2026-06-01-second"))
        z.writestr(
            zipfile.ZipInfo("second.json.gz", (2026, 6, 2, 3, 0, 0)),
            gzip.compress(second, mtime=0),
        )
    m["X23"] = header() + multi(
        REPORT_TYPE,
        "zip38",
        [TEXT, attached("application/zip", "reports.zip", b64(zbuf.getvalue()))],
    )
    # X24: TLS-Report-Domain names another domain than the body's policy-domain.
    m["X24"] = header(**{"TLS-Report-Domain": "other.example"}) + multi(
        REPORT_TYPE, "dom38", [TEXT, attached(GZ, FILENAME, b64(g))]
    )
    return m


# --- Second batch (Y01-Y15), expectations written before its run ---------------------------------


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes each member's sizes in a data descriptor
    after its data (flag bit 3), as streaming zip writers do."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        return self.buf.write(b)


def second_bodies() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    ips = [
        "0:0:0:0:0:ffff:c000:20a",
        "::FFFF:192.0.2.10",
        "64:ff9b:1::c000:20a",
        "64:FF9B::C633:6419",
    ]
    out["Y02"] = dumps(
        report(
            [sts(96, 4, [detail("certificate-expired", 1, **{"receiving-ip": ip}) for ip in ips])]
        )
    )
    base = "https://tlsrpt.sender.example/r/"
    for case_id, length in (("Y11", 2048), ("Y12", 2049)):
        uri = base + "a" * (length - len(base))
        out[case_id] = dumps(
            report(
                [sts(119, 1, [detail("certificate-expired", 1, **{"additional-information": uri})])]
            )
        )
    rid = "r" * 20
    out["Y13"] = dumps(report([sts()], rid=rid, org="ü" * 990), ascii=False)
    out["Y14"] = dumps(report([sts()], rid=rid, org="ü" * 991), ascii=False)
    return out


def second_idn() -> dict[str, bytes]:
    a = "xn--bcher-kva.example"

    def one(policy_domain: str) -> bytes:
        entry = sts(domain=a, policy_domain=policy_domain)
        return dumps(report([entry], rid="2026-06-01T00:00:00Z_" + a), ascii=False)

    return {"Y03": one("bu\u0308cher.example"), "Y04": one("bücher\u3002example")}


def second_shown() -> dict[str, bytes]:
    r = report(
        [sts(9007199254740991, 1, [detail("certificate-expired", 1)])],
        rid="{D-1}T00:00:00Z_example.com",
    )
    return {"Y05": dumps(shared.dates(r, "{D-1}T00:00:00Z", "{D-1}T23:59:59Z"))}


def second_posts() -> dict[str, bytes]:
    js = dumps(report([sts()]))
    g = gzip.compress(js, mtime=0)
    out: dict[str, bytes] = {}
    half = len(js) // 2
    out["Y01"] = gzip.compress(js[:half], mtime=0) + gzip.compress(js[half:], mtime=0)
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("a.json", "copy/a.json"):
            info = zipfile.ZipInfo(name, (2026, 6, 2, 3, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as f:
                f.write(js)
    out["Y06"] = stream.buf.getvalue()
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(FILENAME, (2026, 6, 2, 3, 0, 0)), g)
        # macOS Finder's Compress: an AppleDouble file of the attributes beside each file.
        apple = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + b"\x00" * 58
        z.writestr(zipfile.ZipInfo("__MACOSX/._" + FILENAME, (2026, 6, 2, 3, 0, 0)), apple)
    out["Y07"] = zbuf.getvalue()
    out["Y10"] = g
    return out


def second_mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    js = dumps(report([sts()]))
    g = gzip.compress(js, mtime=0)
    # Y08: the usual mail; the test delivers it with LF line ends, as Postfix's pipe(8) does.
    m["Y08"] = header() + multi(REPORT_TYPE, "lf38", [TEXT, attached(GZ, FILENAME, b64(g))])
    # Y09: a JavaMail-style boundary with '=_', a blank and dots.
    m["Y09"] = header() + multi(
        REPORT_TYPE, "----=_Part_0 123.456", [TEXT, attached(GZ, FILENAME, b64(g))]
    )
    # Y15: the same report attached as a .json.gz and again inside a .zip.
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(FILENAME, (2026, 6, 2, 3, 0, 0)), g)
    m["Y15"] = header() + multi(
        REPORT_TYPE,
        "twice38",
        [
            TEXT,
            attached(GZ, FILENAME, b64(g)),
            attached("application/zip", "report.zip", b64(zbuf.getvalue())),
        ],
    )
    return m


# --- Third batch (Z01-Z06): reports of recent days at other offsets, on the pages -------------


def third_shown() -> dict[str, bytes]:
    """Door "covers": {D-n} filled in by the test; the dashboard, the report page, the CSV."""

    def at(start: str, end: str, policies: list[dict] | None = None) -> bytes:
        r = report(policies or [sts()], rid="{D-1}_s38b")
        return dumps(shared.dates(r, start, end))

    return {
        "Z01": at("{D-1}T00:00:00+14:00", "{D0}T00:00:00+14:00"),
        "Z02": at("{D-1}T00:00:00-12:00", "{D-1}T23:59:59-12:00"),
        "Z03": at("{D-1}T00:00:00+12:00", "{D0}T00:00:00+12:00"),
        "Z04": at("{D-2}T20:00:00-04:00", "{D-1}T19:59:59-04:00"),
        "Z05": at(
            "{D-1}T00:00:00Z",
            "{D-1}T23:59:59Z",
            [
                sts(100, 2, [detail("certificate-expired", 2)]),
                shared.tlsa("mx1.example.com", 50),
                no_policy(10),
            ],
        ),
        "Z06": at("{D-1}T00:00:00+13:45", "{D0}T00:00:00+13:45"),
    }


# --- Fourth batch (A01-A09) ---------------------------------------------------------------------


def fourth_pages() -> dict[str, bytes]:
    """Door "page": a sender's local day across a daylight-saving change (23 or 25 hours)."""

    def at(start: str, end: str) -> bytes:
        return dumps(shared.dates(report([sts()], rid="dst-" + start[:10]), start, end))

    return {
        "A01": at("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
        "A02": at("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
        "A03": at("2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:00"),
    }


def fourth_mails() -> dict[str, bytes]:
    g = gzip.compress(dumps(report([sts()])), mtime=0)
    inner = multi(REPORT_TYPE, "rep38", [TEXT, attached(GZ, FILENAME, b64(g))]).rstrip(b"\r\n")
    smime = part(
        [
            "Content-Type: application/pkcs7-signature; name=smime.p7s",
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="smime.p7s"',
        ],
        b64(b"0\x82\x01\x00" + bytes(range(256))),
    )
    m: dict[str, bytes] = {}
    # A08: an S/MIME gateway's multipart/signed around the multipart/report.
    m["A08"] = header() + multi(
        'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256',
        "sig38",
        [inner, smime],
    )
    # A09: boundary delimiter lines with blanks after them (RFC 2046 §5.1.1 transport padding).
    plain = multi(REPORT_TYPE, "pad38b", [TEXT, attached(GZ, FILENAME, b64(g))])
    m["A09"] = header() + plain.replace(b"--pad38b\r\n", b"--pad38b  \t\r\n").replace(
        b"--pad38b--\r\n", b"--pad38b-- \r\n"
    )
    return m


def main() -> None:
    shared.write(
        HERE,
        {
            ".json": {
                **bodies(),
                **idn(),
                **team(),
                **links(),
                **second_bodies(),
                **second_idn(),
                **second_shown(),
                **third_shown(),
                **fourth_pages(),
            },
            ".bin": {**posts(), **second_posts()},
            ".eml": {**mails(), **second_mails(), **fourth_mails()},
        },
    )


if __name__ == "__main__":
    main()
