# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Blind round 18, mail only: TLS-RPT reports by email from mailers and relays nobody listed
before (checklist §12 RPT-13, §12.3; RFC 8460 §3, §5.3, §5.6; RFC 2045/2046/2231; RFC 3464;
RFC 5321/5322; RFC 6531/6532), each through both mail doors: `manage.py ingest_email` on
stdin and the aiosmtpd listener over a socket.

The inputs are tests/data/tlsrpt/s18_mail/<id>.eml (its build.py writes them), the expected
outcomes tests/data/tlsrpt/s18_mail_expectations.json, committed before any input was run; a
case whose expectation was later found wrong says so there (`corrected`). After every exit 0
or 250 the raw bytes are stored exactly as sent (as received, over SMTP) before any parse
ran — the parse is run here by hand afterwards —; nothing accepted may be lost and no report
counted twice. The checks are those of rounds 12, 13 and 16.
"""

from __future__ import annotations

import json
import smtplib
from pathlib import Path
from typing import Any

import pytest

from reports.models import RawReport, ReportAddress, TlsReport
from reports.smtp import build_controller
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import nothing_lost_nor_doubled, sign_any
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s16_blind import check_row

DATA = Path(__file__).parent / "data" / "tlsrpt"
INPUTS = DATA / "s18_mail"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s18_mail_expectations.json").read_text())["cases"]
}
ORDER = list(CASES)


def _file(name: str) -> bytes | None:
    path = INPUTS / name
    return path.read_bytes() if path.exists() else None


def build(case: dict[str, Any], address: ReportAddress, signer: Any) -> list[bytes]:
    """The message(s) of a case, in the order they are delivered."""
    mailto = address.mailto.encode()
    message = (_file(f"{case['id']}.eml") or b"").replace(b"@@MAILTO@@", mailto)
    if case.get("signed", True):
        message = _signed(message, signer)
    prepend = _file(f"{case['id']}.prepend")
    if prepend is not None:
        message = prepend.replace(b"@@MAILTO@@", mailto) + message
    repeat = case.get("repeat")
    if repeat == "identical":
        return [message, message]
    if repeat == "relayed":
        return [message, (_file(f"{case['id']}.second.prepend") or b"") + message]
    return [message]


# Obsolete header syntax, a blank before the colon (RFC 5322 §4.5.3): dkimpy cannot parse it
# to sign, so the field is signed in its modern form and written back as the case has it.
# Relaxed header canonicalisation (RFC 6376 §3.4.2) deletes that blank, so the signature
# verifies for the field as written, as a signer that reads the obsolete syntax would make it.
OBSOLETE = b"TLS-Report-Domain : "


def _signed(message: bytes, signer: Any) -> bytes:
    if OBSOLETE not in message:
        return sign_any(message, signer)
    modern = sign_any(message.replace(OBSOLETE, b"TLS-Report-Domain: "), signer)
    return modern.replace(b"TLS-Report-Domain: ", OBSOLETE)


def cap_for(case: dict[str, Any], message: bytes, settings: Any) -> None:
    if case.get("cap") == "exact":
        settings.TLSRPT_MAX_MESSAGE_BYTES = len(message)
    elif case.get("cap") == "one_under":
        settings.TLSRPT_MAX_MESSAGE_BYTES = len(message) - 1


def as_received(message: bytes) -> bytes:
    """What an SMTP server receives of `message`: the client ends an unterminated last line
    before the final dot (RFC 5321 §4.1.1.4)."""
    return message if message.endswith(b"\r\n") or not message else message + b"\r\n"


def check_outcome(case: dict[str, Any], sent: list[bytes]) -> None:
    """After the deliveries were answered: stored first (no row parsed yet, each row the bytes
    of a delivery), then parsed as expected, nothing lost nor doubled."""
    rows = list(RawReport.objects.order_by("pk"))
    if case["outcome"] == "refused":
        assert rows == []
        return
    assert len(rows) == case.get("rows", 1), [(r.parse_status, r.error) for r in rows]
    for raw in rows:
        assert bytes(raw.body) in sent
        assert raw.parse_status in (RawReport.PENDING, RawReport.REJECTED), raw.error
        assert raw.report is None
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    check_row(case, rows[-1])
    reports = case.get("reports", 1 if case["outcome"] in ("parsed", "duplicate") else 0)
    assert TlsReport.objects.count() == reports
    nothing_lost_nor_doubled()


@pytest.mark.parametrize("case_id", ORDER)
def test_a_report_mail_piped_into_ingest_email_ends_as_expected(
    case_id: str, address: ReportAddress, signer, settings
) -> None:
    case = CASES[case_id]
    messages = build(case, address, signer)
    cap_for(case, messages[-1], settings)
    codes = [ingest(m) for m in messages]
    assert codes == [case["exit"]] * len(messages)
    check_outcome(case, messages)


def _deliver(case: dict[str, Any], known: ReportAddress, messages: list[bytes]) -> list[Any]:
    """Each message in a session of its own through the real listener: the DATA replies."""
    port = _free_port()
    controller = build_controller("127.0.0.1", port)
    controller.start()
    replies = []
    try:
        for message in messages:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.ehlo("mx.sender.example")
                sender = case.get("smtp_from", "noreply@sender.example")
                code, text = smtp.mail(sender, case.get("smtp_options", []))
                assert code == 250, (code, text)
                code, text = smtp.rcpt(known.mailto)
                assert code == 250, (code, text)
                try:
                    replies.append(smtp.data(message))
                except smtplib.SMTPResponseException as e:
                    replies.append((e.smtp_code, e.smtp_error))
    finally:
        controller.stop()
    return replies


@pytest.fixture
def known(transactional_db: None) -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


@pytest.mark.parametrize("case_id", ORDER)
def test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected(
    case_id: str, known: ReportAddress, signer, settings
) -> None:
    case = CASES[case_id]
    messages = build(case, known, signer)
    cap_for(case, as_received(messages[-1]), settings)
    replies = _deliver(case, known, messages)
    assert [r[0] for r in replies] == [case["smtp"]] * len(messages), replies
    check_outcome(case, [as_received(m) for m in messages])


def test_every_case_has_its_input() -> None:
    for case_id, case in CASES.items():
        assert (INPUTS / f"{case_id}.eml").exists(), case_id
        if case.get("repeat") == "relayed":
            assert (INPUTS / f"{case_id}.second.prepend").exists(), case_id
    assert len({(INPUTS / f"{k}.eml").read_bytes() for k in CASES}) >= len(CASES) - 4
