# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 23: TLS-RPT reports as real senders' software and the mail path between produce
them, and the numbers, dates and nestings a reader's language may take otherwise than JSON does
(checklist §12; RFC 8460 §1.1, §3, §4.4, §5.2, §5.3, §6.3; RFC 1952; RFC 2045; RFC 3339;
RFC 4291/5952; RFC 7493; RFC 8259; APPNOTE 6.1), through the real doors: both parse readers,
the HTTPS view, `manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s23/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s23_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran; nothing accepted
may be lost and no report counted twice.
"""

from __future__ import annotations

import base64
import email
import email.policy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_mail_s8_forwarded import forwarded
from tests.test_reports_s12_blind import (
    GZ,
    _post,
    both_readers,
    nothing_lost_nor_doubled,
    sign_any,
)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_mail_blind import (  # noqa: F401 (the fixture `known`)
    _deliver,
    as_received,
    known,
)
from tests.test_reports_s21_blind import mailed, stored_first
from tests.test_reports_s22_blind import check as check_s22

DATA = Path(__file__).parent / "data" / "tlsrpt"
INPUTS = DATA / "s23"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s23_expectations.json").read_text())["cases"]
}
STATUS = {
    "parsed": RawReport.PARSED,
    "rejected": RawReport.REJECTED,
    "duplicate": RawReport.DUPLICATE,
}


def ids(*doors: str) -> list[Any]:
    """The cases of these doors; one the product still gets wrong (`open`) runs as a strict
    xfail naming why, so it turns into a failure the day it is fixed."""
    return [
        pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=c["open"]))
        if "open" in c
        else k
        for k, c in CASES.items()
        if c["door"] in doors
    ]


def _details(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return [d for p in report.policies for d in p.failure_details]
    return list(report.failure_details.order_by("pk"))


def check(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """Rounds 21 and 22's checks, and this round's: every detail's receiving IP and HELO name
    as stored, and a report-id told by its character and length."""
    check_s22(case, report)
    details = _details(report)
    if "receiving_ip_all" in case:
        assert {d.receiving_ip for d in details} == {case["receiving_ip_all"]}
    if "helo_all" in case:
        assert {d.receiving_mx_helo for d in details} == {case["helo_all"]}
    if "report_id_len" in case:
        assert report.report_id == case["report_id_char"] * case["report_id_len"]


def check_rows(case: dict[str, Any]) -> None:
    """Every row's status (and reason) when the case lists them, else the last row's; then
    the report the last row points at."""
    rows = list(RawReport.objects.order_by("pk"))
    if "statuses" in case:
        assert [r.parse_status for r in rows] == [STATUS[s] for s in case["statuses"]], [
            r.error for r in rows
        ]
        for raw, reason in zip(rows, case.get("reasons", []), strict=False):
            if reason is not None:
                assert reason in raw.error, raw.error
                assert raw.report is None
    last = rows[-1]
    assert last.parse_status == STATUS[case["outcome"]], last.error
    if case["outcome"] == "rejected":
        assert case["reason"] in last.error, last.error
        assert last.report is None
    else:
        assert last.report is not None
        check(case, last.report)


def finish(case: dict[str, Any]) -> None:
    parse_pending()
    check_rows(case)
    default = 1 if case["outcome"] in ("parsed", "duplicate") else 0
    assert TlsReport.objects.count() == case.get("reports", default)
    nothing_lost_nor_doubled()


def _input(case_id: str, suffix: str) -> bytes:
    return (INPUTS / f"{case_id}{suffix}").read_bytes()


# --- Bodies: both readers, HTTPS, mail --------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("body", "cross", "resend"))
def test_a_report_body_reads_alike_through_both_readers(case_id: str, monkeypatch) -> None:
    case = CASES[case_id]
    data = _input(case_id, ".json")
    status, result = both_readers(data, monkeypatch)
    expected = case["outcome"]
    if case["door"] in ("cross", "resend") and expected != "rejected":
        expected = "parsed"  # the first copy; the later ones are its duplicates
    assert status == expected, result
    if status == "parsed":
        check(case, result)
    else:
        assert case["reason"] in result
    assert both_readers(gzip.compress(data, mtime=0), monkeypatch)[0] == status


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = gzip.compress(_input(case_id, ".json"), mtime=0)
    response = _post(client, address.token, body)
    assert response.status_code == 201, response.content
    stored_first(case, [body])
    finish(case)


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_mailed_signed_ends_as_over_https(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = mailed(address, signer, GZ, gzip.compress(_input(case_id, ".json"), mtime=0))
    assert ingest(message) == 0
    stored_first(case, [message])
    finish(case)


# --- The same report by HTTPS, then by mail ---------------------------------------------------


@pytest.mark.parametrize("case_id", ids("cross"))
def test_a_report_posted_then_mailed_is_one_report(
    case_id: str, client: Client, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    data = _input(case_id, ".json")
    body = gzip.compress(data, mtime=0)
    assert _post(client, address.token, body).status_code == case["http"]
    compact = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
    assert compact != data
    message = mailed(address, signer, "application/tlsrpt+json", compact)
    assert ingest(message) == case["exit"]
    stored_first(case, [body, message])
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert rows[1].report_id == rows[0].report_id
    check_rows(case)
    assert TlsReport.objects.count() == case["reports"]
    if case["reports"]:
        check(case, TlsReport.objects.get())
    nothing_lost_nor_doubled()


@pytest.mark.parametrize("case_id", ids("resend"))
def test_a_report_posted_twice_then_mailed_in_a_forward_is_one_report(
    case_id: str, client: Client, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    data = _input(case_id, ".json")
    bodies = [gzip.compress(data, mtime=0), gzip.compress(data, mtime=1780358400)]
    assert bodies[0] != bodies[1]
    codes = [_post(client, address.token, body).status_code for body in bodies]
    assert codes == case["http"]
    message = forwarded(mailed(address, signer, GZ, bodies[0]), address.mailto)
    assert ingest(message) == case["exit"]
    stored_first(case, [*bodies, message])
    finish(case)
    assert len({r.report_id for r in RawReport.objects.all()}) == 1


# --- Containers: POSTed and attached ----------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("container"))
def test_a_container_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = _input(case_id, ".bin")
    response = _post(client, address.token, body, case["content_type"])
    assert response.status_code == case["http"], response.content
    stored_first(case, [body])
    finish(case)


# --- Mails: ingest_email and the SMTP listener ------------------------------------------------


FORWARD_BOUNDARY = b"------------6Q0d1bQ7hW2LcTX0fwd"


def with_forwarders_attachment(message: bytes, attachment: bytes, *, first: bool) -> bytes:
    """The forward (as `forwarded` writes it) with one more part, the report's .json.gz the
    forwarder attached by hand: after the forwarded message, or before it (`first`)."""
    text = base64.b64encode(attachment)
    part = (
        b"--" + FORWARD_BOUNDARY + b"\r\n"
        b"Content-Type: application/gzip;\r\n"
        b' name="sender.example!example.com!1780272000!1780358399!001.json.gz"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment;\r\n"
        b' filename="sender.example!example.com!1780272000!1780358399!001.json.gz"\r\n\r\n'
        + b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
        + b"\r\n"
    )
    at = b"--" + FORWARD_BOUNDARY + b"\r\nContent-Type: message/rfc822"
    if not first:
        at = b"--" + FORWARD_BOUNDARY + b"--\r\n"
        assert message.endswith(at)
    assert message.count(at) == 1
    return message.replace(at, part + at)


def build_mail(case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    if case["door"] == "container":
        return mailed(address, signer, case["content_type"], _input(case["id"], ".bin"))
    message = _input(case["id"], ".eml").replace(b"@@MAILTO@@", address.mailto.encode())
    signed = sign_any(message, signer)
    if case["door"] == "email":
        return signed
    parsed = email.message_from_bytes(message, policy=email.policy.compat32)
    report = next(p for p in parsed.walk() if p.get_content_type() == GZ)
    return with_forwarders_attachment(
        forwarded(signed, address.mailto),
        report.get_payload(decode=True),
        first=case["door"] == "forward_first",
    )


@pytest.mark.parametrize("case_id", ids("email", "forward", "forward_first", "container"))
def test_a_report_mail_piped_into_ingest_email_ends_as_expected(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build_mail(case, address, signer)
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    finish(case)


@pytest.mark.parametrize("case_id", ids("email", "forward", "forward_first", "container"))
def test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected(
    case_id: str, known: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build_mail(case, known, signer)
    replies = _deliver(case, known, [message])
    assert [r[0] for r in replies] == [case["smtp"]], replies
    stored_first(case, [as_received(message)])
    finish(case)


def test_every_case_has_its_input_and_a_door() -> None:
    suffix = {
        "body": ".json",
        "cross": ".json",
        "resend": ".json",
        "container": ".bin",
        "email": ".eml",
        "forward": ".eml",
        "forward_first": ".eml",
    }
    assert len(CASES) == 21
    for case_id, case in CASES.items():
        assert (INPUTS / f"{case_id}{suffix[case['door']]}").exists(), case_id
