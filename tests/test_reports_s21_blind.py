# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 21: TLS-RPT reports as senders nobody listed write them, and as operators
mangle them on the way (checklist §12; RFC 8460 §1.1, §4, §5.3, §5.4, §6.3; RFC 1952;
RFC 2045/2046; RFC 3339; RFC 4291/5952; RFC 7493; RFC 8259; RFC 8461 §3.2), through the real
doors: both parse readers, the HTTPS view, `manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s21/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s21_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran (the parse is run
here by hand afterwards); nothing accepted may be lost and no report counted twice.
"""

from __future__ import annotations

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
    FILENAME,
    GZ,
    _post,
    both_readers,
    multipart,
    nothing_lost_nor_doubled,
    part,
    sign_any,
)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_mail_blind import (  # noqa: F401 (the fixture `known`)
    _deliver,
    as_received,
    known,
)

DATA = Path(__file__).parent / "data" / "tlsrpt"
INPUTS = DATA / "s21"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s21_expectations.json").read_text())["cases"]
}
STATUS = {
    "parsed": RawReport.PARSED,
    "rejected": RawReport.REJECTED,
    "duplicate": RawReport.DUPLICATE,
}


def ids(*doors: str) -> list[str]:
    return [k for k, c in CASES.items() if c["door"] in doors]


def _policies(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return list(report.policies)
    return list(report.policies.order_by("pk"))


def _details(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return [d for p in report.policies for d in p.failure_details]
    return list(report.failure_details.order_by("pk"))


def check(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """What a parsed report (the parser's result or the stored row) must show."""
    warnings = list(report.warnings)
    if case.get("clean"):
        assert warnings == [], warnings
    if case.get("warned"):
        assert warnings, "expected a warning"
    if "warning" in case:
        assert any(case["warning"] in w for w in warnings), warnings
    for text in case.get("absent", []):
        assert not any(text in w for w in warnings), warnings
    policies, details = _policies(report), _details(report)
    if "policies" in case:
        assert len(policies) == case["policies"]
    if "successful" in case:
        assert report.total_successful == case["successful"]
    if "failed" in case:
        assert report.total_failed == case["failed"]
    if "day" in case:
        assert str(report.day) == case["day"]
    if "report_id" in case:
        assert report.report_id == case["report_id"]
    if "organization" in case:
        assert report.organization_name == case["organization"]
    if "mx_hosts" in case:
        assert list(policies[0].mx_hosts) == case["mx_hosts"]
    if "policy_strings" in case:
        assert len(policies[0].policy_strings) == case["policy_strings"]
    if "details" in case:
        assert [[d.result_type, d.failed_session_count] for d in details] == case["details"]
    if "receiving_ips" in case:
        assert [d.receiving_ip for d in details] == case["receiving_ips"]
    if "sending_ips" in case:
        assert [d.sending_mta_ip for d in details] == case["sending_ips"]
    if "reason_code_prefix" in case:
        code = details[0].failure_reason_code or ""
        assert code.startswith(case["reason_code_prefix"]), code[:200]
        if case.get("reason_code_whole"):
            sent = json.loads(_input(case["id"], ".json"))
            assert code == sent["policies"][0]["failure-details"][0]["failure-reason-code"]
    if "additional_information_len" in case:
        assert len(details[0].additional_information or "") == case["additional_information_len"]
    if isinstance(report, TlsReport):
        if "warning_stored" in case:
            assert any(case["warning_stored"] in w for w in warnings), warnings
        if "counted" in case:
            assert report.counted is case["counted"]
        if "policy_domain" in case:
            assert report.policy_domain == case["policy_domain"]
        if "counted_successful" in case:
            assert report.total_successful == case["counted_successful"]
        if "counted_failed" in case:
            assert report.total_failed == case["counted_failed"]


def check_row(case: dict[str, Any], raw: RawReport) -> None:
    assert raw.parse_status == STATUS[case["outcome"]], raw.error
    if case["outcome"] == "rejected":
        assert case["reason"] in raw.error, raw.error
        assert raw.report is None
    else:
        assert raw.report is not None
        check(case, raw.report)


def stored_first(case: dict[str, Any], sent: list[bytes]) -> None:
    """After the doors answered: the rows hold the bytes as sent, none parsed yet."""
    rows = list(RawReport.objects.order_by("pk"))
    assert len(rows) == case.get("rows", 1), [(r.parse_status, r.error) for r in rows]
    for raw in rows:
        assert bytes(raw.body) in sent
        assert raw.parse_status in (RawReport.PENDING, RawReport.REJECTED), raw.error
        assert raw.report is None


def finish(case: dict[str, Any]) -> None:
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    check_row(case, rows[-1])
    default = 1 if case["outcome"] in ("parsed", "duplicate") else 0
    assert TlsReport.objects.count() == case.get("reports", default)
    nothing_lost_nor_doubled()


def _input(case_id: str, suffix: str) -> bytes:
    return (INPUTS / f"{case_id}{suffix}").read_bytes()


def mailed(address: ReportAddress, signer: Any, ctype: str, payload: bytes) -> bytes:
    message = multipart(address, [part(ctype, payload, filename=FILENAME)])
    return sign_any(message, signer)


# --- Bodies: both readers, HTTPS, mail --------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_reads_alike_through_both_readers(case_id: str, monkeypatch) -> None:
    case = CASES[case_id]
    data = _input(case_id, ".json")
    status, result = both_readers(data, monkeypatch)
    assert status == case["outcome"], result
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
    message = mailed(address, signer, "application/tlsrpt+json", compact)
    assert ingest(message) == case["exit"]
    stored_first(case, [body, message])
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == case["statuses"], [r.error for r in rows]
    assert rows[1].report_id == rows[0].report_id
    assert TlsReport.objects.count() == case["reports"]
    check(case, TlsReport.objects.get())
    nothing_lost_nor_doubled()


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


def build_mail(case_id: str, address: ReportAddress, signer: Any) -> bytes:
    message = _input(case_id, ".eml").replace(b"@@MAILTO@@", address.mailto.encode())
    if case_id == "C15":
        # The reporter's mail, signed, forwarded as an attachment by its recipient to a
        # colleague, who forwarded that message as an attachment to the report address.
        original = sign_any(message, signer)
        first = forwarded(original, "colleague@example.com", boundary=b"fwd-inner")
        return forwarded(first, address.mailto, boundary=b"fwd-outer")
    return sign_any(message, signer)


@pytest.mark.parametrize("case_id", ids("email", "container"))
def test_a_report_mail_piped_into_ingest_email_ends_as_expected(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    if case["door"] == "container":
        message = mailed(address, signer, case["content_type"], _input(case_id, ".bin"))
    else:
        message = build_mail(case_id, address, signer)
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    finish(case)


@pytest.mark.parametrize("case_id", ids("email", "container"))
def test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected(
    case_id: str, known: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    if case["door"] == "container":
        message = mailed(known, signer, case["content_type"], _input(case_id, ".bin"))
    else:
        message = build_mail(case_id, known, signer)
    replies = _deliver(case, known, [message])
    assert [r[0] for r in replies] == [case["smtp"]], replies
    stored_first(case, [as_received(message)])
    finish(case)


def test_every_case_has_its_input_and_a_door() -> None:
    suffix = {"body": ".json", "cross": ".json", "container": ".bin", "email": ".eml"}
    assert len(CASES) == 24
    for case_id, case in CASES.items():
        assert (INPUTS / f"{case_id}{suffix[case['door']]}").exists(), case_id
