# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 22: TLS-RPT reports as date and JSON writers nobody listed write them (Go, .NET,
PHP, C, a +12:00 sender), DANE-only and vanished-policy shapes, zip and gzip writers, and two
mail shapes (checklist §12; RFC 8460 §1.1, §4, §5.2, §5.3, §6.3; RFC 1950/1952; RFC 2046/2047;
RFC 3339; RFC 4343; RFC 7493; RFC 8259; RFC 8461 §3.2), through the real doors: both parse
readers, the HTTPS view, `manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s22/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s22_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran; nothing accepted
may be lost and no report counted twice.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from reports.dashboard import _reported_in_testing
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
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
from tests.test_reports_s21_blind import check as check_s21
from tests.test_reports_s21_blind import mailed, stored_first

DATA = Path(__file__).parent / "data" / "tlsrpt"
INPUTS = DATA / "s22"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s22_expectations.json").read_text())["cases"]
}
STATUS = {
    "parsed": RawReport.PARSED,
    "rejected": RawReport.REJECTED,
    "duplicate": RawReport.DUPLICATE,
}


def ids(*doors: str) -> list[str]:
    return [k for k, c in CASES.items() if c["door"] in doors]


def _details(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return [d for p in report.policies for d in p.failure_details]
    return list(report.failure_details.order_by("pk"))


def check(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """Round 21's checks, and this round's: a detail's URI and receiving MX as stored, and
    whether the dashboard reads the policy's mode testing from the stored report."""
    check_s21(case, report)
    details = _details(report)
    if "additional_information" in case:
        assert details[0].additional_information == case["additional_information"]
    if "receiving_mx" in case:
        assert [d.receiving_mx_hostname for d in details] == case["receiving_mx"]
    if isinstance(report, TlsReport) and "reported_in_testing" in case:
        assert _reported_in_testing(report.address) is case["reported_in_testing"]


def check_row(case: dict[str, Any], raw: RawReport) -> None:
    assert raw.parse_status == STATUS[case["outcome"]], raw.error
    if case["outcome"] == "rejected":
        assert case["reason"] in raw.error, raw.error
        assert raw.report is None
    else:
        assert raw.report is not None
        check(case, raw.report)


def finish(case: dict[str, Any]) -> None:
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    check_row(case, rows[-1])
    default = 1 if case["outcome"] in ("parsed", "duplicate") else 0
    assert TlsReport.objects.count() == case.get("reports", default)
    nothing_lost_nor_doubled()


def _input(case_id: str, suffix: str) -> bytes:
    return (INPUTS / f"{case_id}{suffix}").read_bytes()


# --- Bodies: both readers, HTTPS, mail --------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("body", "cross"))
def test_a_report_body_reads_alike_through_both_readers(case_id: str, monkeypatch) -> None:
    case = CASES[case_id]
    data = _input(case_id, ".json")
    status, result = both_readers(data, monkeypatch)
    expected = "parsed" if case["door"] == "cross" else case["outcome"]
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


def build_mail(case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    if case["door"] == "container":
        return mailed(address, signer, case["content_type"], _input(case["id"], ".bin"))
    message = _input(case["id"], ".eml").replace(b"@@MAILTO@@", address.mailto.encode())
    return sign_any(message, signer)


@pytest.mark.parametrize("case_id", ids("email", "container"))
def test_a_report_mail_piped_into_ingest_email_ends_as_expected(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build_mail(case, address, signer)
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    finish(case)


@pytest.mark.parametrize("case_id", ids("email", "container"))
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
    suffix = {"body": ".json", "cross": ".json", "container": ".bin", "email": ".eml"}
    assert len(CASES) == 23
    for case_id, case in CASES.items():
        assert (INPUTS / f"{case_id}{suffix[case['door']]}").exists(), case_id
