# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 17: TLS-RPT reports over HTTPS from senders nobody listed (checklist §12,
RFC 8460 §1.1, §4, §5.4, §6.3; RFC 3339; RFC 5952; RFC 7493; RFC 8259; RFC 9110; RFC 9112),
through the real doors: both parse readers, the HTTPS view (Django test client) and the
view under gunicorn as deployed (raw request bytes: chunked bodies, Expect: 100-continue).

The inputs are the files under tests/data/tlsrpt/s17_blind/ and their expected outcomes are
in tests/data/tlsrpt/s17_blind_expectations.json, both committed before any of them was run;
a case whose expectation was later found wrong says so there (`corrected`). For every 2xx the
raw bytes are stored exactly as sent before any parse ran; nothing accepted may be lost and
no report counted twice.
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
from tests.test_http_s11_gunicorn import exchange, server, status_of  # noqa: F401 (fixture)
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import _post, both_readers, nothing_lost_nor_doubled
from tests.test_reports_s13_blind import check_stored, parse_pending

DATA = Path(__file__).parent / "data" / "tlsrpt"
INPUTS = DATA / "s17_blind"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s17_blind_expectations.json").read_text())["cases"]
}


def ids(door: str) -> list[str]:
    return [k for k, c in CASES.items() if c["door"] == door]


def read_input(case: dict[str, Any]) -> bytes:
    data = (INPUTS / case["file"]).read_bytes() if case["file"] else b""
    return gzip.compress(data, mtime=0) if case.get("gzip") else data


def check(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """What a parsed report (parser result or stored row) must show, as the table says."""
    warnings, notes = list(report.warnings), list(report.notes)
    if case.get("clean"):
        assert warnings == [], warnings
    if case.get("warned") or (case.get("warned_stored") and isinstance(report, TlsReport)):
        assert warnings, "expected a warning"
    if "warning" in case:
        assert any(case["warning"] in w for w in warnings), warnings
    if "note" in case:
        assert any(case["note"] in n for n in notes), notes
    if isinstance(report, ParsedReport):
        policies = report.policies
        successful = sum(p.successful for p in policies)
        failed = sum(p.failed for p in policies)
        policy_domain = policies[0].policy_domain if policies else None
    else:
        policies = list(report.policies.order_by("pk"))
        successful, failed = report.total_successful, report.total_failed
        policy_domain = report.policy_domain
        if "counted" in case:
            assert report.counted == case["counted"]
    if "policies" in case:
        assert len(policies) == case["policies"]
    if "successful" in case:
        assert successful == case["successful"]
    if "failed" in case:
        assert failed == case["failed"]
    if "day" in case:
        assert str(report.day) == case["day"]
    if "report_id" in case:
        assert report.report_id == case["report_id"]
    if "policy_domain" in case:
        assert policy_domain == case["policy_domain"]
    details = _details(report)
    if "details" in case:
        assert len(details) == case["details"]
    if "sending_ip" in case:
        assert details[0].sending_mta_ip == case["sending_ip"]
    if "result_type" in case:
        assert details[0].result_type == case["result_type"]


def _details(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return report.policies[0].failure_details if report.policies else []
    first = report.policies.order_by("pk").first()
    return list(first.failure_details.order_by("pk")) if first else []


def check_row(case: dict[str, Any], raw: RawReport) -> None:
    expected = {"parsed": RawReport.PARSED, "rejected": RawReport.REJECTED}[case["outcome"]]
    assert raw.parse_status == expected, raw.error
    if case["outcome"] == "rejected":
        assert case["reason"] in raw.error, raw.error
        assert raw.report is None
    else:
        assert raw.report is not None
        check(case, raw.report)


# --- Bodies (door "body") ----------------------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_reads_as_expected_through_both_readers(case_id: str, monkeypatch) -> None:
    case = CASES[case_id]
    status, result = both_readers(read_input(case), monkeypatch)
    assert status == case["outcome"], result
    if status == "parsed":
        check(case, result)
    else:
        assert case["reason"] in result


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = gzip.compress(read_input(case), mtime=0)
    response = _post(client, address.token, body)
    assert response.status_code == 201, response.content
    check_stored(case, body)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


# --- HTTPS through the test client (door "https") -----------------------------------------------


def https_ids() -> list[Any]:
    """The https cases; one whose product fix lies outside this change (`open` in the table)
    is expected to fail until it is made."""
    return [
        pytest.param(k, marks=pytest.mark.xfail(reason=CASES[k]["open"], strict=True))
        if "open" in CASES[k]
        else k
        for k in ids("https")
    ]


@pytest.mark.parametrize("case_id", https_ids())
def test_the_https_intake_answers_as_expected(
    case_id: str, client: Client, address: ReportAddress, settings
) -> None:
    case = CASES[case_id]
    if "max_report_bytes" in case:
        settings.TLSRPT_MAX_REPORT_BYTES = case["max_report_bytes"]
        settings.TLSRPT_MAX_BODY_BYTES = 10 * case["max_report_bytes"]
    body = read_input(case)
    extra = {}
    if "content_encoding" in case:
        extra["HTTP_CONTENT_ENCODING"] = case["content_encoding"]
    response = client.generic(
        case.get("method", "POST"),
        f"/tlsrpt/{address.token}",
        body,
        content_type=case["content_type"],
        **extra,
    )
    assert response.status_code == case["http"], response.content
    if "allow" in case:
        assert response["Allow"] == case["allow"]
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        return
    check_stored(case, body)
    parse_pending()
    check_row(case, RawReport.objects.get())
    nothing_lost_nor_doubled()


# --- gunicorn as deployed (door "live") ---------------------------------------------------------


def framed(body: bytes, framing: str, size: int = 500) -> bytes:
    """The body as chunked transfer coding (RFC 9112 §7.1), with chunk extensions if asked."""
    ext = b";x=y" if framing == "chunked-ext" else b""
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x%s\r\n%s\r\n" % (len(p), ext, p) for p in pieces) + b"0\r\n\r\n"


@pytest.fixture
def live_address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


@pytest.mark.django_db(transaction=True)  # gunicorn reads what the test commits
@pytest.mark.parametrize("case_id", ids("live"))
def test_the_intake_under_gunicorn_answers_as_expected(
    case_id: str,
    server: tuple[str, int],
    live_address: ReportAddress,
) -> None:
    case = CASES[case_id]
    body = read_input(case)
    lines = [f"POST /tlsrpt/{live_address.token} HTTP/1.1", "Host: localhost"]
    lines += ["Connection: close", *case["head"], ""]
    answer = exchange(server, "\n".join(lines), framed(body, case["framing"]))
    assert status_of(answer) == case["http"], answer
    if case.get("continue_first"):
        assert answer.startswith(b"HTTP/1.1 100 Continue\r\n"), answer
    if case["outcome"] == "refused":
        assert not RawReport.objects.exists()
        return
    raw = RawReport.objects.get()
    assert bytes(raw.body) == body
    parse_pending()
    raw.refresh_from_db()
    check_row(case, raw)
    nothing_lost_nor_doubled()


def test_every_case_of_the_table_is_driven() -> None:
    assert set(ids("body")) | set(ids("https")) | set(ids("live")) == set(CASES)
    files = {c["file"] for c in CASES.values() if c["file"]}
    assert files == {p.name for p in INPUTS.iterdir()}
    assert len({read_input(CASES[k]) for k in ids("body")}) == len(ids("body"))


# --- Focused tests of the fixes this round found -----------------------------------------------


def test_a_null_policy_string_of_no_policy_found_is_as_absent(monkeypatch) -> None:
    """B01: with no policy found there is none to quote; null says so as well as leaving the
    member out. It was warned 'policy-string is null …; ignored' on every such report. An
    sts policy's null is still warned (tests/test_parse_s11_nulls.py)."""
    data = read_input(CASES["B01"])
    status, report = both_readers(data, monkeypatch)
    assert status == "parsed"
    assert report.warnings == [] and report.policies[0].policy_strings == []
    sts = json.loads(data)
    sts["policies"][0]["policy"]["policy-type"] = "sts"
    status, report = both_readers(json.dumps(sts).encode(), monkeypatch)
    assert any("policy-string is null" in w for w in report.warnings), report.warnings


def test_a_tlsa_policy_domain_written_as_the_record_name_is_read_as_its_base_domain(
    monkeypatch,
) -> None:
    """B30: RFC 8460 §4.4 files a DANE policy under the TLSA base domain (the MX host); a
    sender that writes the records' name _25._tcp.<host> was stored under that name
    silently. Now read as the host, with a warning naming both."""
    status, report = both_readers(read_input(CASES["B30"]), monkeypatch)
    assert status == "parsed"
    assert report.policies[0].policy_domain == "mx1.example.com"
    assert any("_25._tcp.mx1.example.com" in w and "base domain" in w for w in report.warnings)
    # Only a tlsa policy's: an sts policy-domain with a service label stays as sent.
    sts = json.loads(read_input(CASES["B30"]))
    sts["policies"][0]["policy"]["policy-type"] = "sts"
    status, report = both_readers(json.dumps(sts).encode(), monkeypatch)
    assert report.policies[0].policy_domain == "_25._tcp.mx1.example.com"


@pytest.mark.parametrize("inside", [b"", b" \r\n\t "])
def test_a_gzip_of_nothing_is_rejected_as_empty(inside: bytes, monkeypatch) -> None:
    """H07: a valid gzip holding nothing (or only blanks) was rejected as 'not a JSON object',
    which sends a sender looking for a wrong format; it is empty."""
    status, reason = both_readers(gzip.compress(inside, mtime=0), monkeypatch)
    assert status == "rejected"
    assert "gzip content is empty" in reason, reason
