"""Defects blind round s29r found (tests/test_reports_s29r_blind.py), each through both parse
readers (the whole-document one and the streamed one must agree).

* V08: a NUL (an escaped \\u0000, valid JSON and valid I-JSON) in an optional text of a failure
  detail — failure-reason-code, additional-information, receiving-mx-helo — rejected the whole
  report, though optional fields never cost the report (checklist RPT-09; docs/reports.md: an
  optional text over its cap costs only itself). The value goes, with a warning; the raw report
  keeps it. PostgreSQL text cannot hold U+0000, so it is not stored.
* V03: a policy-string sent as one string holding the whole policy file ("version:
  STSv1\\nmode: testing\\n…") was wrapped as one element, so its 'mode: testing' line was no
  line and the dashboard read the policy as not in testing. RFC 8460 §4.4 policy-string holds
  the policy's lines (RFC 8461 §3.2); a bare string is read as its lines, with the warning the
  checklist's RPT-05 asks for.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.test_reports_s12_blind import both_readers


def _report(detail_extra: dict[str, Any] | None = None, strings: Any = None) -> bytes:
    detail = {
        "result-type": "certificate-expired",
        "sending-mta-ip": "192.0.2.10",
        "receiving-mx-hostname": "mx1.example.com",
        "receiving-ip": "198.51.100.25",
        "failed-session-count": 2,
        **(detail_extra or {}),
    }
    return json.dumps(
        {
            "organization-name": "Sender Example Mail Ltd.",
            "date-range": {
                "start-datetime": "2026-06-01T00:00:00Z",
                "end-datetime": "2026-06-01T23:59:59Z",
            },
            "contact-info": "smtp-tls-reporting@sender.example",
            "report-id": "2026-06-01T00:00:00Z_example.com",
            "policies": [
                {
                    "policy": {
                        "policy-type": "sts",
                        "policy-string": strings
                        if strings is not None
                        else ["version: STSv1", "mode: enforce", "max_age: 604800"],
                        "policy-domain": "example.com",
                        "mx-host": ["mx1.example.com"],
                    },
                    "summary": {
                        "total-successful-session-count": 100,
                        "total-failure-session-count": 2,
                    },
                    "failure-details": [detail],
                }
            ],
        }
    ).encode()


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("failure-reason-code", "SSL_ERROR\u0000 handshake", "failure_reason_code"),
        ("additional-information", "https://r.example/\u0000x", "additional_information"),
        ("receiving-mx-helo", "mx1\u0000.example.com", "receiving_mx_helo"),
    ],
)
def test_a_nul_in_an_optional_detail_text_costs_only_that_text(
    key: str, value: str, field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, report = both_readers(_report({key: value}), monkeypatch)
    assert status == "parsed", report
    assert report.total_successful == 100 and report.total_failed == 2
    (detail,) = [d for p in report.policies for d in p.failure_details]
    assert getattr(detail, field) is None
    assert detail.failed_session_count == 2
    assert any(key in w and "NUL" in w for w in report.warnings), report.warnings


def test_a_nul_in_a_long_failure_reason_code_is_dropped_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Over the cap the code is cut to its first 1024 characters; a NUL there costs the text.
    status, report = both_readers(
        _report({"failure-reason-code": "\u0000" + "x" * 2000}), monkeypatch
    )
    assert status == "parsed", report
    (detail,) = [d for p in report.policies for d in p.failure_details]
    assert detail.failure_reason_code is None
    assert any("NUL" in w for w in report.warnings), report.warnings


def test_a_nul_in_the_report_id_still_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    # The report-id identifies resends: not an optional text (s17 B38).
    data = _report().replace(b'"2026-06-01T00:00:00Z_example.com"', b'"r\\u0000id"')
    status, reason = both_readers(data, monkeypatch)
    assert status == "rejected" and "NUL" in reason


@pytest.mark.parametrize(
    "text",
    [
        "version: STSv1\nmode: testing\nmx: mx1.example.com\nmax_age: 86400\n",
        "version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmax_age: 86400",
    ],
)
def test_a_policy_string_sent_as_one_string_is_read_as_its_lines(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, report = both_readers(_report(strings=text), monkeypatch)
    assert status == "parsed", report
    assert list(report.policies[0].policy_strings) == [
        "version: STSv1",
        "mode: testing",
        "mx: mx1.example.com",
        "max_age: 86400",
    ]
    assert any("policy-string is a string" in w for w in report.warnings), report.warnings


def test_a_one_line_policy_string_stays_one_element(monkeypatch: pytest.MonkeyPatch) -> None:
    status, report = both_readers(_report(strings="version: STSv1"), monkeypatch)
    assert status == "parsed", report
    assert list(report.policies[0].policy_strings) == ["version: STSv1"]
    assert any("read as one element" in w for w in report.warnings), report.warnings


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("policy-string", ["version: STSv1", "mode: testing\u0000", "max_age: 86400"]),
        ("mx-host", ["mx1.example.com", "mx2\u0000.example.com"]),
    ],
)
def test_a_nul_in_a_policy_line_or_mx_host_costs_that_element(
    member: str, value: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # RPT-05 and RPT-07 warn at most: the element with the NUL goes, the report stays.
    data = json.loads(_report())
    data["policies"][0]["policy"][member] = value
    status, report = both_readers(json.dumps(data).encode(), monkeypatch)
    assert status == "parsed", report
    assert report.total_successful == 100
    kept = (
        report.policies[0].policy_strings
        if member == "policy-string"
        else report.policies[0].mx_hosts
    )
    assert len(kept) == len(value) - 1
    assert not any("\x00" in text for text in kept)
    assert any(member in w and "NUL" in w for w in report.warnings), report.warnings
