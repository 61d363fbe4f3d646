"""Writes the round-24 report inputs (tests/test_reports_s24_blind.py) into this folder.

Run from anywhere: `python tests/data/tlsrpt/s24/build.py`. Standard library only (and
../blind_build.py, the pieces every round's build.py shares), and deterministic (gzip mtime
fixed, MIME boundaries fixed, no randomness), so running it again rewrites the same bytes.

* `<id>.json` — a report body as a sender writes it (doors "body", "cross", "mail_then_post");
  `<id>a.json` and `<id>b.json` — the two bodies of door "pair" (and `<id>b.json` the HTTPS copy
  of a "mail_then_post" case whose copies differ).
* `<id>.bin` — an HTTPS body as it is POSTed (door "https").
* `<id>.eml` — a report mail, unsigned (door "email"); the test replaces @@MAILTO@@ with the
  report address and signs it as sender.example (DKIM).
* door "dashboard" (added after the first run): reports of a recent day, 176-189 KB of
  repetitive JSON each, are not written out; the test calls `templates()` here, writes
  yesterday's date for `{D-1}`, POSTs them and opens the dashboard.
"""

from __future__ import annotations

import gzip
import json
import quopri
import sys
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
if str(HERE.parent) not in sys.path:  # tests/data/tlsrpt, for blind_build
    sys.path.insert(0, str(HERE.parent))
import blind_build as shared  # noqa: E402
from blind_build import FILENAME, REPORT_TYPE, detail, dumps, multi, part, swap, tlsa  # noqa: E402

STS_LINES = ["version: STSv1", "mode: enforce", "mx: mx1.example.com", "max_age: 604800"]


def sts(ok: Any = 120, failed: Any = 0, details: list | None = None) -> dict:
    """example.com's sts entry, its failure details if any."""
    extra = {} if details is None else {"failure-details": details}
    return shared.sts("example.com", ok, failed, **extra)


def report(
    policies: list[dict],
    org: str = "Sender Example",
    report_id: str = "2026-06-01T00:00:00Z_example.com",
    start: str = "2026-06-01T00:00:00Z",
    end: str = "2026-06-01T23:59:59Z",
) -> dict:
    return shared.dates(shared.report(org, report_id, policies), start, end)


BASE = dumps(report([sts()]))


# --- Report bodies ----------------------------------------------------------------------------


def sys4_report() -> dict:
    """Postfix + sys4 tlsrpt-reporter (tlsrpt-reportd): the report dict is built as
    organization-name, date-range, contact-info, then `policies`, and `report-id` is set last;
    each policy entry is built summary first, then policy, then failure-details; a failure
    whose internal code maps to no RFC 8460 result type gets no `result-type` member at all
    (the reporter logs "Undefined result type code" and writes the rest of the detail)."""
    r: dict[str, Any] = {
        "organization-name": "sender.example",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
    }
    r["policies"] = [
        {
            "summary": {"total-failure-session-count": 3, "total-successful-session-count": 497},
            "policy": {
                "policy-type": "sts",
                "policy-string": STS_LINES,
                "policy-domain": "example.com",
                "mx-host": ["mx1.example.com"],
            },
            "failure-details": [
                {
                    "receiving-mx-hostname": "mx1.example.com",
                    "receiving-ip": "198.51.100.25",
                    "sending-mta-ip": "203.0.113.9",
                    "result-type": "certificate-expired",
                    "failed-session-count": 2,
                },
                {
                    "failure-reason-code": "tls_handshake_internal_error",
                    "receiving-mx-hostname": "mx1.example.com",
                    "receiving-ip": "198.51.100.25",
                    "sending-mta-ip": "203.0.113.9",
                    "failed-session-count": 1,
                },
            ],
        }
    ]
    r["report-id"] = "2026-06-01_example.com_1@sender.example"
    return r


def bodies() -> dict[str, bytes]:
    b: dict[str, bytes] = {}
    # G01 the sys4 reporter as its code writes the report: json.dumps defaults, one line.
    b["G01"] = json.dumps(sys4_report()).encode()
    # G02 a Go reporter marshalling maps (encoding/json sorts map keys; HTML-safe escaping
    # writes & as \u0026), compact: every object's members in sorted order, failure-details
    # before policy and summary, contact-info first, report-id after policies.
    go = report(
        [
            sts(
                300,
                4,
                [
                    detail(
                        "certificate-host-mismatch",
                        4,
                        **{
                            "additional-information": (
                                "https://reports.sender.example/?d=example.com&day=2026-06-01"
                            )
                        },
                    )
                ],
            ),
            tlsa("mx1.example.com", 50),
        ]
    )
    compact = json.dumps(go, sort_keys=True, separators=(",", ":"))
    b["G02"] = compact.replace("&", "\\u0026").encode()
    # G03 member names written with \u escapes (RFC 8259 §7): the same names.
    g03 = BASE
    for old, new in [
        (b'"report-id"', b'"report\\u002did"'),
        (b'"policies"', b'"\\u0070olicies"'),
        (b'"policy-domain"', b'"policy\\u002Ddomain"'),
        (b'"total-successful-session-count"', b'"total-successful-session-\\u0063ount"'),
    ]:
        g03 = swap(g03, old, new)
    b["G03"] = g03
    # G04 a second report-id whose name differs from the first only by an escape.
    b["G04"] = swap(
        BASE,
        b'"report-id": "2026-06-01T00:00:00Z_example.com",',
        b'"report-id": "2026-06-01T00:00:00Z_example.com",\n  "report\\u002did": "forged",',
    )
    # G05 a failure count written -0 (RFC 8259 §6 allows the minus before a zero).
    b["G05"] = swap(BASE, b'"total-failure-session-count": 0', b'"total-failure-session-count": -0')
    # G06 a quoted count with a leading zero, "012", next to a tlsa entry of 10.
    b["G06"] = dumps(report([sts(ok="012"), tlsa("mx1.example.com", 10)]))
    # G07 a rolling 24 hours from the sender's noon run: 12:00Z to 12:00Z the next day.
    b["G07"] = dumps(report([sts()], start="2026-06-01T12:00:00Z", end="2026-06-02T12:00:00Z"))
    # G08 three whole days in one report.
    b["G08"] = dumps(report([sts()], start="2026-06-01T00:00:00Z", end="2026-06-04T00:00:00Z"))
    # G09 failure-reason-code written as the SMTP reply code, a JSON number.
    b["G09"] = dumps(
        report(
            [
                sts(
                    100,
                    1,
                    [detail("starttls-not-supported", 1, **{"failure-reason-code": 421})],
                )
            ]
        )
    )
    # G10 an extension member whose name holds a lone surrogate.
    b["G10"] = swap(
        BASE,
        b'"contact-info": "smtp-tls-reporting@sender.example",',
        b'"contact-info": "smtp-tls-reporting@sender.example",\n  "x-note\\ud800": "1",',
    )
    # G11 no-policy-found quoting the policy it found and did not apply (mode: none).
    b["G11"] = dumps(
        report(
            [
                {
                    "policy": {
                        "policy-type": "no-policy-found",
                        "policy-string": ["version: STSv1", "mode: none", "max_age: 86400"],
                        "policy-domain": "example.com",
                    },
                    "summary": {
                        "total-successful-session-count": 80,
                        "total-failure-session-count": 0,
                    },
                }
            ]
        )
    )
    # G12 a UTF-8 byte order mark before the report.
    b["G12"] = b"\xef\xbb\xbf" + BASE
    # G13 Yahoo-like, for mail first and then HTTPS (both of the record's rua).
    b["G13"] = dumps(
        report([sts(2400, 0)], org="Yahoo", report_id="4f3c2a1e-9b7d-4c1e-8f00-5a6b7c8d9e0f")
    )
    # G14 the signed mail says 120 ok / 30 certificate-expired; an unsigned HTTPS copy with
    # the same id says 5000 ok / 0 failed.
    b["G14"] = dumps(report([sts(120, 30, [detail("certificate-expired", 30)])]))
    b["G14b"] = dumps(report([sts(5000, 0)]))
    # G15 two organisations, one report-id (Google's "<day>T00:00:00Z_<domain>" scheme).
    b["G15a"] = dumps(report([sts(900)], org="Google LLC"))
    b["G15b"] = dumps(report([sts(40)], org="Sender Example Mail Ltd."))
    # G16 one organisation, one report-id, the second copy with other counts.
    b["G16a"] = dumps(report([sts(100)]))
    b["G16b"] = dumps(report([sts(130)]))
    return b


# --- HTTPS bodies -----------------------------------------------------------------------------


def https_bodies() -> dict[str, bytes]:
    b: dict[str, bytes] = {}
    # G20 JSON in ISO 8859-1, labelled so: organization-name "Société" with the byte 0xE9.
    b["G20"] = (
        dumps(report([sts()], org="Soci\u00e9t\u00e9 Mail"), ascii=False)
        .decode("utf-8")
        .encode("latin-1")
    )
    # G21 gzip of a UTF-8 BOM and the report, sent as +json with Content-Encoding: gzip.
    b["G21"] = gzip.compress(b"\xef\xbb\xbf" + BASE, mtime=0)
    return b


# --- Mails ------------------------------------------------------------------------------------


def header(**replace: str | None) -> bytes:
    return shared.mail_headers("s24", **replace)


TEXT = part(
    ["Content-Type: text/plain; charset=us-ascii"],
    b"This is an aggregate TLS report from sender.example",
)


def sys4_mail() -> bytes:
    """The mail tlsrpt-reportd builds: an EmailMessage with an ASCII text part and the gzip
    added as an attachment, its multipart/mixed Content-Type rewritten by a string replace
    into multipart/report; report-type=tlsrpt, a TLS-Required: No header (RFC 8689), written
    with policy SMTP (CRLF). The boundary is fixed here (the email package draws one)."""
    msg = EmailMessage()
    msg["Subject"] = (
        "Report Domain: example.com Submitter: sender.example "
        "Report-ID: <2026-06-01_example.com_1@sender.example>"
    )
    msg["From"] = "noreply-smtp-tls-reporting@sender.example"
    msg["To"] = "@@MAILTO@@"
    msg.add_header("Message-ID", "<178035840000.4711.4242@sender.example>")
    msg.add_header("TLS-Report-Domain", "example.com")
    msg.add_header("TLS-Report-Submitter", "sender.example")
    msg.add_header("TLS-Required", "No")
    msg.set_content("This is an aggregate TLS report from sender.example", charset="ascii")
    data = gzip.compress(json.dumps(sys4_report()).encode(), mtime=0)
    msg.add_attachment(
        data,
        maintype="application",
        subtype="tlsrpt+gzip",
        filename="sender.example!example.com!1780272000!1780358399!1.json.gz",
    )
    msg.set_boundary("===============0123456789012345678==")
    h = msg["Content-Type"]
    msg.replace_header(
        "Content-Type", h.replace("multipart/mixed", "multipart/report; report-type=tlsrpt")
    )
    return msg.as_bytes(policy=SMTP)


def mails() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    # G17 Postfix + sys4 tlsrpt-reporter's mail (see sys4_mail).
    m["G17"] = sys4_mail()
    # G18 multipart/report whose report is a second text/plain part, the JSON inline (7bit).
    m["G18"] = header() + multi(
        REPORT_TYPE,
        "b24",
        [
            TEXT,
            part(
                ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit"],
                BASE.replace(b"\n", b"\r\n"),
            ),
        ],
    )
    # G19 application/octet-stream named .json.gz, holding plain JSON (organization-name
    # "Société Mail" in UTF-8), quoted-printable.
    plain = dumps(report([sts(75)], org="Soci\u00e9t\u00e9 Mail"), ascii=False)
    qp = quopri.encodestring(plain).replace(b"\n", b"\r\n")
    m["G19"] = header() + multi(
        REPORT_TYPE,
        "b24",
        [
            TEXT,
            part(
                [
                    f'Content-Type: application/octet-stream; name="{FILENAME}"',
                    "Content-Transfer-Encoding: quoted-printable",
                    f'Content-Disposition: attachment; filename="{FILENAME}"',
                ],
                qp,
            ),
        ],
    )
    # G26, G27 (a fourth batch): whose signature counts when the headers say little.
    # G26 no TLS-Report-Submitter; contact-info a name-addr around sender.example's address.
    named = dict(report([sts(60)]))
    named["contact-info"] = "TLS Reports <smtp-tls-reporting@sender.example>"
    m["G26"] = header(**{"TLS-Report-Submitter": None}) + multi(
        REPORT_TYPE,
        "b24",
        [TEXT, shared.gz_attachment(gzip.compress(dumps(named), mtime=0))],
    )
    # G27 TLS-Report-Submitter present with an empty value (a template's unset variable).
    m["G27"] = header(**{"TLS-Report-Submitter": ""}) + multi(
        REPORT_TYPE,
        "b24",
        [TEXT, shared.gz_attachment(gzip.compress(dumps(report([sts(70)])), mtime=0))],
    )
    # G28, G29 (a fifth batch): TLS-Report-Submitter written otherwise than as a bare domain.
    # G28 the reporter's address in place of its domain.
    m["G28"] = header(**{"TLS-Report-Submitter": "smtp-tls-reporting@sender.example"}) + multi(
        REPORT_TYPE,
        "b24",
        [TEXT, shared.gz_attachment(gzip.compress(dumps(report([sts(80)])), mtime=0))],
    )
    # G29 the domain in mixed case with the root's trailing dot.
    m["G29"] = header(**{"TLS-Report-Submitter": "Sender.Example."}) + multi(
        REPORT_TYPE,
        "b24",
        [TEXT, shared.gz_attachment(gzip.compress(dumps(report([sts(90)])), mtime=0))],
    )
    return m


# --- Added after the first run: session counts whose sums pass 64 bits ----------------------

MAX_SAFE = 2**53 - 1


def big_day(report_id: str) -> bytes:
    """A report of {D-1} (the test writes yesterday's date) with 600 sts entries for
    example.com of 2^53-1 successful and 2^53-1 failed sessions each: every count an I-JSON
    integer, each total 600 x (2^53-1), under 2^63 (C07/C08's rule)."""
    entry = sts(MAX_SAFE, MAX_SAFE)
    r = report(
        [entry] * 600,
        report_id=report_id,
        start="{D-1}T00:00:00Z",
        end="{D-1}T23:59:59Z",
    )
    return json.dumps(r, separators=(",", ":")).encode()


def templates() -> dict[str, bytes]:
    t: dict[str, bytes] = {}
    # G22 two such reports of one day, from one organisation, two report-ids.
    t["G22a"] = big_day("{D-1}_example.com_a")
    t["G22b"] = big_day("{D-1}_example.com_b")
    # G23 one report whose one entry lists 1,025 failure details of 2^53-1 sessions each
    # (their sum passes 2^63 - 1), its summary 2^53-1 failed.
    details = [
        detail("certificate-expired", MAX_SAFE, **{"sending-mta-ip": f"203.0.113.{i % 250 + 1}"})
        for i in range(1025)
    ]
    t["G23"] = json.dumps(
        report(
            [sts(10, MAX_SAFE, details)],
            report_id="{D-1}_example.com_details",
            start="{D-1}T00:00:00Z",
            end="{D-1}T23:59:59Z",
        ),
        separators=(",", ":"),
    ).encode()
    # G24, G25 (a third batch): the first and the last day a date-time of four-digit year
    # names, each with a failure, through the alerts and the dashboard.
    for name, day in (("G24", "0001-01-01"), ("G25", "9999-12-31")):
        t[name] = dumps(
            report(
                [sts(90, 10, [detail("certificate-expired", 10)])],
                report_id=f"{day}_example.com",
                start=f"{day}T00:00:00Z",
                end=f"{day}T23:59:59Z",
            )
        )
    # G30-G32 (a sixth batch): days with no session, or no successful one, through the alerts
    # and the dashboard.
    day = {"start": "{D-1}T00:00:00Z", "end": "{D-1}T23:59:59Z"}
    t["G30a"] = dumps(report([sts(0, 0)], report_id="{D-1}_zero", **day))
    t["G30b"] = dumps(report([], org="Another Sender", report_id="{D-1}_empty", **day))
    t["G31"] = dumps(
        report([sts(0, 0, [detail("certificate-expired", 4)])], report_id="{D-1}_listed", **day)
    )
    t["G32"] = dumps(report([sts(0, 3)], report_id="{D-1}_all_failed", **day))
    return t


def main() -> None:
    shared.write(HERE, {".json": bodies(), ".bin": https_bodies(), ".eml": mails()})


if __name__ == "__main__":
    main()
