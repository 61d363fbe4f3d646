# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Blind round 16: TLS-RPT reports from senders and mailers nobody listed before (checklist §12,
RFC 8460 §3, §4, §5.3, §5.4, §5.6; RFC 2045/2046/2231; RFC 5321; RFC 5952; RFC 8259; RFC 9110),
through the real doors: both parse readers, the HTTPS view, `manage.py ingest_email` and the
aiosmtpd listener.

The expected outcomes are in tests/data/tlsrpt/s16_blind_expectations.json, committed before
any of these inputs was run; a case whose expectation was later found wrong says so there
(`corrected`). For every 2xx / 250 / exit 0 the raw bytes are stored, exactly as sent, before
any parse ran (the parse is run here by hand afterwards); nothing accepted may be lost and no
report counted twice. The builders are those of rounds 12 and 13.
"""

from __future__ import annotations

import base64
import gzip
import json
import smtplib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dkim
import pytest
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport
from reports.smtp import build_controller
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SIGNED_HEADERS,
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import (
    FILENAME,
    GOOGLE,
    GOOGLE_GZ,
    GZ,
    JS,
    TEXT,
    _policy,
    _post,
    _summary,
    _text_block,
    both_readers,
    check_parsed,
    check_raw,
    detail_of,
    edit,
    google,
    head,
    multipart,
    nothing_lost_nor_doubled,
    part,
    raw_json,
    sign_any,
    with_detail,
)
from tests.test_reports_s13_blind import OTHER, b64, check_stored, parse_pending, raw_part

DATA = Path(__file__).parent / "data" / "tlsrpt"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s16_blind_expectations.json").read_text())["cases"]
}


def ids(door: str) -> list[str]:
    return [k for k, c in CASES.items() if c["door"] == door]


def check(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """check_parsed of round 12, and what this round adds: `warned` (some warning, wording
    free) and the policy domain of a stored report."""
    check_parsed(case, report)
    if case.get("warned"):
        assert list(report.warnings), "expected a warning"
    if "policy_domain" in case and isinstance(report, TlsReport):
        assert report.policy_domain == case["policy_domain"]


def check_row(case: dict[str, Any], raw: RawReport) -> None:
    check_raw(case, raw)
    if raw.report is not None:
        check(case, raw.report)


# --- The report bodies (door "body"), as each sender writes them ------------------------------

SENDER_IP = "192.0.2.10"


def yahoo() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "Yahoo"
    r["report-id"] = "5d1b5b3e-2f6a-4c1e-9d3b-7a4e1c2b9f10"
    _policy(r).update(
        {
            "policy-string": [
                "version: STSv1",
                "mode: enforce",
                "mx: mx1.example.com",
                "mx: mx2.example.com",
                "max_age: 604800",
            ],
            "mx-host": ["mx1.example.com", "mx2.example.com"],
        }
    )
    _summary(r)["total-successful-session-count"] = 1000
    return with_detail(
        r,
        {
            "result-type": "certificate-host-mismatch",
            "sending-mta-ip": "203.0.113.9",
            "receiving-mx-hostname": "mx2.example.com",
            "receiving-mx-helo": "mx2.example.com",
            "receiving-ip": "198.51.100.26",
            "failed-session-count": 3,
            "failure-reason-code": "hostname mismatch",
        },
    )


def mailru_no_policy() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "Mail.Ru"
    r["report-id"] = "1780272000_example.com"
    r["date-range"]["end-datetime"] = "2026-06-02T00:00:00Z"
    r["policies"][0]["policy"] = {"policy-type": "no-policy-found", "policy-domain": "example.com"}
    return r


def tutanota() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "Tutao GmbH"
    r["policies"][0]["summary"] = {"total-successful-session-count": 57}
    return r


def sys4_sts() -> dict[str, Any]:
    r = google()
    r["organization-name"] = "mail.sender.example"
    _summary(r).update({"total-successful-session-count": 10, "total-failure-session-count": 2})
    r["policies"][0]["failure-details"] = []
    return r


def stalwart_nulls() -> dict[str, Any]:
    return detail_of(
        **{
            "receiving-mx-helo": None,
            "additional-information": None,
            "failure-reason-code": None,
            "receiving-ip": None,
        }
    )


def dates(start: str, end: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r["date-range"].update({"start-datetime": start, "end-datetime": end})


BODIES: dict[str, Callable[[], bytes]] = {
    "B01": lambda: raw_json(yahoo()),
    "B02": lambda: raw_json(
        edit(dates("2026-06-01T00:00:00.000+00:00", "2026-06-01T23:59:59.999+00:00"))
    ),
    "B03": lambda: raw_json(mailru_no_policy()),
    "B04": lambda: raw_json(
        edit(lambda r: r.update({"contact-info": "mailto:smtp-tls-reporting@sender.example"}))
    ),
    "B05": lambda: raw_json(tutanota()),
    "B06": lambda: raw_json(sys4_sts()),
    "B07": lambda: raw_json(
        edit(
            lambda r: r.update(
                {"contact-info": ["smtp-tls-reporting@sender.example", "postmaster@sender.example"]}
            )
        )
    ),
    "B08": lambda: raw_json(
        edit(
            lambda r: r.update({"contact-info": "TLS Reports <smtp-tls-reporting@sender.example>"})
        )
    ),
    "B09": lambda: raw_json(stalwart_nulls()),
    "B10": lambda: raw_json(
        detail_of(**{"sending-mta-ip": "2001:0db8:0000:0000:0000:0000:0000:0010"})
    ),
    "B11": lambda: raw_json(detail_of(**{"sending-mta-ip": "[2001:db8::10]"})),
    "B12": lambda: raw_json(detail_of(**{"sending-mta-ip": "IPv6:2001:db8::10"})),
    "B13": lambda: raw_json(detail_of(**{"sending-mta-ip": "192.000.002.010"})),
    "B14": lambda: raw_json(detail_of(**{"sending-mta-ip": f"{SENDER_IP}:25"})),
    "B15": lambda: raw_json(detail_of(**{"result-type": " certificate-expired"})),
    "B16": lambda: raw_json(edit(lambda r: _policy(r).update({"policy-domain": "EXAMPLE.COM"}))),
    "B17": lambda: raw_json(edit(lambda r: _policy(r).update({"policy-domain": "example.com."}))),
    "B18": lambda: raw_json(edit(dates("2026-06-01T00:00:00Z", "2026-06-07T23:59:59Z"))),
    "B19": lambda: raw_json(edit(lambda r: r.update({"report-id": ""}))),
    "B20": lambda: raw_json(edit(lambda r: r["policies"][0].update({"summary": [120, 0]}))),
    "B21": lambda: raw_json(edit(lambda r: r.update({"organization-name": ""}))),
    "B22": lambda: raw_json(edit(dates("2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z"))),
}


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_reads_alike_through_both_readers(case_id: str, monkeypatch) -> None:
    case = CASES[case_id]
    data = BODIES[case_id]()
    status, result = both_readers(data, monkeypatch)
    assert status == case["outcome"], result
    if status == "parsed":
        check(case, result)
    else:
        assert case["reason"] in result
    assert both_readers(gzip.compress(data), monkeypatch)[0] == status


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = gzip.compress(BODIES[case_id]())
    response = _post(client, address.token, body)
    assert response.status_code == 201, response.content
    check_stored(case, body)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_mailed_signed_ends_as_over_https(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    data = gzip.compress(BODIES[case_id]())
    message = sign_any(multipart(address, [part(GZ, data, filename=FILENAME)]), signer)
    assert ingest(message) == 0
    check_stored(case, message)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


# --- HTTPS (door "https") ---------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def _huge_headers(c: Client, a: ReportAddress, body: bytes) -> Any:
    extra = {f"HTTP_X_FILLER_{n}": f"value {n}" for n in range(100)}
    return _post(c, a.token, body, GZ, HTTP_X_PADDING="p" * 32768, **extra)


HTTPS: dict[str, tuple[bytes | None, Callable[[Client, ReportAddress, bytes], Any]]] = {
    # (the body whose bytes must be stored, or None for a refusal; how it is sent)
    "H01": (BOM + GOOGLE, lambda c, a, b: _post(c, a.token, b, JS)),
    "H02": (GOOGLE + b"\nxyz", lambda c, a, b: _post(c, a.token, b, JS)),
    "H03": (GOOGLE + b"\n" + OTHER, lambda c, a, b: _post(c, a.token, b, JS)),
    "H04": (GOOGLE_GZ, lambda c, a, b: _post(c, a.token, b, "")),
    "H05": (GOOGLE_GZ, lambda c, a, b: _post(c, a.token, b, "application/x-gzip")),
    "H06": (GOOGLE_GZ, lambda c, a, b: _post(c, a.token, b, "application/octet-stream")),
    "H07": (GOOGLE, lambda c, a, b: _post(c, a.token, b, "APPLICATION/TLSRPT+JSON; CHARSET=UTF-8")),
    "H08": (
        GOOGLE,
        lambda c, a, b: _post(c, a.token, b, 'application/tlsrpt+json; charset="utf-8"'),
    ),
    "H09": (GOOGLE, lambda c, a, b: _post(c, a.token, b, JS, HTTP_CONTENT_ENCODING="gzip")),
    "H10": (None, lambda c, a, b: c.patch(f"/tlsrpt/{a.token}", GOOGLE_GZ, content_type=GZ)),
    "H11": (GOOGLE_GZ, _huge_headers),
}


@pytest.mark.parametrize("case_id", ids("https"))
def test_the_https_intake_answers_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body, send = HTTPS[case_id]
    response = send(client, address, body)
    assert response.status_code == case["http"], response.content
    if "allow" in case:
        assert response["Allow"] == case["allow"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        return
    assert body is not None
    check_stored(case, body)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


# --- E-mail (door "email": manage.py ingest_email) -------------------------------------------

OTHER_GZ = gzip.compress(OTHER)
SUBJECT = (
    "Report Domain: example.com Submitter: sender.example "
    "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>"
)


def sign_as(message: bytes, signer: Any, domain: bytes) -> bytes:
    """sign_any of round 12 for another signing domain (other.example has a key too)."""
    text = message.decode("latin-1").lower()
    include = [h for h in SIGNED_HEADERS if h.decode() + ":" in text]
    signature = dkim.sign(message, b"tlsrpt2026", domain, signer.private, include_headers=include)
    return signature + message


def _inline_forward(a: ReportAddress) -> bytes:
    """A person at other.example forwards the report "inline": the original's headers quoted
    in the text, the attachment attached again; the reporter's signature is gone."""
    note = part(
        "text/plain; charset=utf-8",
        (
            "Please have a look.\n\n"
            "---------- Forwarded message ---------\n"
            "From: noreply-smtp-tls-reporting@sender.example\n"
            "Date: Tue, 02 Jun 2026 03:12:40 +0000\n"
            f"Subject: {SUBJECT}\n"
            "To: tls@other.example\n\n"
            "This is an aggregate TLS report from sender.example\n"
        ).encode(),
        cte="7bit",
    )
    fields = [
        ("From", "Admin <admin@other.example>"),
        ("To", a.mailto),
        ("Subject", f"Fwd: {SUBJECT}"),
        ("Date", "Wed, 03 Jun 2026 09:00:00 +0200"),
        ("Message-ID", "<fwd.16@other.example>"),
        ("MIME-Version", "1.0"),
    ]
    body = b"".join(b"--f1\r\n" + p for p in [note, part(GZ, GOOGLE_GZ, filename=FILENAME)])
    return (
        _text_block(fields)
        + b'Content-Type: multipart/mixed; boundary="f1"\r\n\r\n'
        + body
        + b"--f1--\r\n"
    )


def _zoho(a: ReportAddress) -> bytes:
    text = raw_part(["Content-Type: text/plain; charset=utf-8"], b"TLS report attached.")
    html = raw_part(["Content-Type: text/html; charset=utf-8"], b"<p>TLS report attached.</p>")
    alternative = (
        b'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        + b"".join(b"--alt\r\n" + p for p in [text, html])
        + b"--alt--\r\n"
    )
    body = b"".join(b"--b1\r\n" + p for p in [alternative, part(GZ, GOOGLE_GZ, filename=FILENAME)])
    return (
        _text_block(head(a))
        + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        + body
        + b"--b1--\r\n"
    )


def _continued_filename(a: ReportAddress) -> bytes:
    report = raw_part(
        [
            f"Content-Type: {GZ}",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment;\r\n"
            " filename*0*=UTF-8''sender.example%21example.com%21;\r\n"
            " filename*1*=1780272000%211780358399%21001.json.gz",
        ],
        b64(GOOGLE_GZ),
    )
    return multipart(a, [report])


def _name_star(a: ReportAddress) -> bytes:
    report = raw_part(
        [
            f"Content-Type: {GZ};\r\n"
            " name*=UTF-8''sender.example%21example.com%211780272000%211780358399.json.gz",
            "Content-Transfer-Encoding: base64",
        ],
        b64(GOOGLE_GZ),
    )
    return multipart(a, [report])


def _no_cte(a: ReportAddress) -> bytes:
    return multipart(a, [raw_part([f"Content-Type: {GZ}"], b64(GOOGLE_GZ))])


def _blank_padded_base64(a: ReportAddress) -> bytes:
    text = base64.b64encode(GOOGLE_GZ)
    lines = b"\r\n".join(text[i : i + 64] + b"  " for i in range(0, len(text), 64))
    report = raw_part([f"Content-Type: {GZ}", "Content-Transfer-Encoding: base64"], lines)
    return multipart(a, [report])


def _mixed_line_endings(a: ReportAddress) -> bytes:
    message = multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)])
    block, body = message.split(b"\r\n\r\n", 1)
    return block + b"\r\n\r\n" + body.replace(b"\r\n", b"\n")


def _rfc822_base64(a: ReportAddress, signer: Any) -> bytes:
    original = sign_any(multipart(a, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
    note = raw_part(["Content-Type: text/plain; charset=utf-8"], b"Forwarded report attached.")
    attached = raw_part(
        [
            'Content-Type: message/rfc822; name="report.eml"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="report.eml"',
        ],
        b64(original),
    )
    fields = [
        ("From", "Postmaster <postmaster@example.com>"),
        ("To", a.mailto),
        ("Subject", "FW: Report Domain: example.com Submitter: sender.example"),
        ("Date", "Wed, 03 Jun 2026 09:00:00 +0200"),
        ("Message-ID", "<fw.16@example.com>"),
        ("MIME-Version", "1.0"),
    ]
    body = b"".join(b"--o1\r\n" + p for p in [note, attached])
    return (
        _text_block(fields)
        + b'Content-Type: multipart/mixed; boundary="o1"\r\n\r\n'
        + body
        + b"--o1--\r\n"
    )


def _report_first(a: ReportAddress) -> bytes:
    body = b"".join(b"--b1\r\n" + p for p in [part(GZ, GOOGLE_GZ, filename=FILENAME), TEXT])
    return (
        _text_block(head(a))
        + b'Content-Type: multipart/report; report-type=tlsrpt; boundary="b1"\r\n\r\n'
        + body
        + b"--b1--\r\n"
    )


def _signed(build: Callable[[ReportAddress], bytes]) -> Callable[[ReportAddress, Any], bytes]:
    """A builder of a message signed by the reporter (sender.example) as it stands."""
    return lambda a, signer: sign_any(build(a), signer)


SUBMITTER_SUB = {
    "TLS-Report-Submitter": "mail.sender.example",
    "Subject": SUBJECT.replace("Submitter: sender.example", "Submitter: mail.sender.example"),
}

EMAILS: dict[str, Callable[[ReportAddress, Any], bytes]] = {
    "E01": lambda a, signer: sign_as(_inline_forward(a), signer, b"other.example"),
    "E02": lambda a, signer: _inline_forward(a),
    "E03": _signed(_zoho),
    "E04": _signed(lambda a: multipart(a, [part("application/x-gzip", GOOGLE_GZ)])),
    "E05": _signed(
        lambda a: multipart(a, [part("application/json", GOOGLE, filename="report.json")])
    ),
    "E06": _signed(lambda a: multipart(a, [part("application/octet-stream", GOOGLE)])),
    "E07": _signed(lambda a: multipart(a, [part("application/gzip", GOOGLE, filename=FILENAME)])),
    "E08": _signed(_continued_filename),
    "E09": _signed(_name_star),
    "E10": _signed(
        lambda a: multipart(
            a, [part(GZ, GOOGLE_GZ, filename=FILENAME)], fields=head(a, **SUBMITTER_SUB)
        )
    ),
    "E11": _signed(
        lambda a: multipart(
            a,
            [part(GZ, GOOGLE_GZ, filename=FILENAME)],
            fields=head(
                a, **{"TLS-Report-Domain": "EXAMPLE.COM", "TLS-Report-Submitter": "SENDER.EXAMPLE"}
            ),
        )
    ),
    "E12": _signed(
        lambda a: multipart(
            a,
            [part(GZ, GOOGLE_GZ, filename=FILENAME)],
            fields=head(a, **{"TLS-Report-Domain": "other.example"}),
        )
    ),
    "E13": _signed(
        lambda a: multipart(
            a, [part(GZ, GOOGLE_GZ, filename=FILENAME)], fields=head(a, Subject=None)
        )
    ),
    "E14": _signed(
        lambda a: multipart(
            a, [part(GZ, GOOGLE_GZ, filename=FILENAME), part(GZ, OTHER_GZ, filename="2.json.gz")]
        )
    ),
    "E15": _signed(
        lambda a: multipart(
            a, [part(GZ, GOOGLE_GZ, filename=FILENAME), part(JS, OTHER, cte="7bit")]
        )
    ),
    "E16": _signed(
        lambda a: multipart(
            a,
            [
                part("text/plain; charset=utf-8", GOOGLE, cte="7bit"),
                part(GZ, GOOGLE_GZ, filename=FILENAME),
            ],
        )
    ),
    "E17": _signed(_no_cte),
    "E18": _signed(_blank_padded_base64),
    "E19": _signed(_mixed_line_endings),
    "E20": _rfc822_base64,
    "E21": _signed(_report_first),
}


@pytest.mark.parametrize("case_id", ids("email"))
def test_a_report_mail_ends_as_expected(case_id: str, address: ReportAddress, signer) -> None:
    case = CASES[case_id]
    message = EMAILS[case_id](address, signer)
    assert ingest(message) == case["exit"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        return
    check_stored(case, message)
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    check_row(case, rows[-1])
    if case.get("reports", 1) > 1:
        for raw in rows:
            assert raw.parse_status == RawReport.PARSED, raw.error
    assert TlsReport.objects.count() == case.get("reports", 1 if rows[-1].report else 0)
    nothing_lost_nor_doubled()


# --- SMTP (door "smtp": the aiosmtpd listener) -----------------------------------------------


def _session(transactions: list[tuple[str, list[str], list[str], bytes]]) -> list[Any]:
    """One SMTP session through the real listener: for each (sender, options, recipients,
    message) transaction, the DATA reply."""
    port = _free_port()
    controller = build_controller("127.0.0.1", port)
    controller.start()
    replies = []
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo("mx.sender.example")
            for sender, options, recipients, message in transactions:
                code, text = smtp.mail(sender, options)
                assert code == 250, (code, text)
                for rcpt in recipients:
                    code, text = smtp.rcpt(rcpt)
                    assert code == 250, (code, text)
                replies.append(smtp.data(message))
    finally:
        controller.stop()
    return replies


@pytest.fixture
def known(transactional_db: None) -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def _stuffed(a: ReportAddress) -> bytes:
    text = part(
        "text/plain; charset=us-ascii",
        b"This is an aggregate TLS report.\n.\n..\n.signature follows\n-- \nsender.example\n",
        cte="7bit",
    )
    message = multipart(a, [text, part(GZ, GOOGLE_GZ, filename=FILENAME)])
    assert b"\r\n.\r\n" in message
    return message


def _utf8_json() -> bytes:
    report = json.loads(OTHER)
    report["organization-name"] = "Müller Mail GmbH Köln"
    return json.dumps(report, ensure_ascii=False).encode()


def test_p01_a_null_reverse_path_is_a_sender_like_any(known: ReportAddress, signer) -> None:
    case = CASES["P01"]
    message = sign_any(multipart(known, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
    [reply] = _session([("", [], [known.mailto], message)])
    assert reply[0] == case["smtp"], reply
    check_stored(case, message)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


def test_p02_dot_stuffed_lines_arrive_as_written(known: ReportAddress, signer) -> None:
    case = CASES["P02"]
    message = sign_any(_stuffed(known), signer)
    [reply] = _session([("noreply@sender.example", [], [known.mailto], message)])
    assert reply[0] == case["smtp"], reply
    check_stored(case, message)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


def test_p03_two_transactions_in_one_session_stand_alone(known: ReportAddress, signer) -> None:
    case = CASES["P03"]
    first = sign_any(multipart(known, [part(GZ, GOOGLE_GZ, filename=FILENAME)]), signer)
    second = sign_any(
        multipart(known, [part(f"{JS}; charset=utf-8", _utf8_json(), cte="8bit")]), signer
    )
    replies = _session(
        [
            ("noreply@sender.example", [], [known.mailto], first),
            ("noreply@sender.example", ["BODY=8BITMIME"], [known.mailto], second),
        ]
    )
    assert [r[0] for r in replies] == [case["smtp"]] * 2, replies
    rows = list(RawReport.objects.order_by("pk"))
    assert len(rows) == case["rows"]
    assert [bytes(r.body) for r in rows] == [first, second]
    parse_pending()
    for raw in RawReport.objects.order_by("pk"):
        check_row(case, raw)
    assert TlsReport.objects.count() == case["reports"]
    nothing_lost_nor_doubled()


def test_every_case_of_the_table_is_driven() -> None:
    smtp = {"P01", "P02", "P03"}
    assert set(BODIES) | set(HTTPS) | set(EMAILS) | smtp == set(CASES)
    # No two builders make the same input by mistake.
    assert len({BODIES[k]() for k in BODIES}) == len(BODIES)


# --- Focused tests of the fixes this round found -----------------------------------------------


def test_a_message_forwarded_base64_encoded_is_cut_out_as_its_original_bytes(
    address: ReportAddress, signer
) -> None:
    """E20: Outlook and Exchange forward message/rfc822 base64-encoded (RFC 2046 §5.2.1 says
    they must not); the original is what the part decodes to, byte for byte, so its DKIM
    signature can be checked, and its report is read with its own headers."""
    from reports.mail import embedded_messages, extract_reports

    message = _rfc822_base64(address, signer)
    # The original as signed inside _rfc822_base64: its DKIM-Signature carries the second it
    # was made (t=), so signing it again here may differ in that header alone.
    unsigned = multipart(address, [part(GZ, GOOGLE_GZ, filename=FILENAME)])
    [original] = embedded_messages(message)
    assert original.startswith(b"DKIM-Signature: ") and original.endswith(unsigned)
    assert original.count(b"DKIM-Signature: ") == 1
    assert original[: -len(unsigned)].endswith(b"\r\n")  # one header, then the message
    [report] = extract_reports(message)
    assert report.forwarded and report.submitter == "sender.example"
    assert gzip.decompress(report.payload) == GOOGLE


def test_a_contact_info_written_as_a_mailto_uri_is_read_and_noted(monkeypatch) -> None:
    """B04: RFC 8460 §4.4 asks for an addr-spec; a mailto: URI (Zoho writes one) is read for
    its address, which TLS-Report-Submitter is compared with, and said in a note."""
    data = BODIES["B04"]()
    status, report = both_readers(data, monkeypatch)
    assert status == "parsed"
    assert report.contact_domain == "sender.example"
    assert report.warnings == []
    assert any("is a mailto: URI" in n for n in report.notes), report.notes
    plain = both_readers(raw_json(google()), monkeypatch)[1]
    assert not any("mailto" in n for n in plain.notes)


def test_a_forward_labelled_base64_but_sent_plain_is_still_read(
    address: ReportAddress, signer
) -> None:
    """Review of E20: a message/rfc822 part labelled base64 whose body is the plain message
    (the email package ignores the label for message/*) was read before the base64 decoding
    and must stay read; only text that is no message with headers is decoded."""
    from reports.mail import extract_reports
    from tests.test_reports_mail_s8_forwarded import forwarded, signed_original

    plain = forwarded(signed_original(address, signer), address.mailto)
    labelled = plain.replace(
        b"Content-Type: message/rfc822;",
        b"Content-Transfer-Encoding: base64\r\nContent-Type: message/rfc822;",
    )
    assert labelled != plain
    [report] = extract_reports(labelled)
    assert report.forwarded and b'"organization-name"' in gzip.decompress(report.payload)
    assert [r.payload for r in extract_reports(plain)] == [report.payload]
