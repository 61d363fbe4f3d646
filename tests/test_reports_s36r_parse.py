"""Task s36r, items 3 and 4: what the TLS-RPT parser says of a policy entry and of result
types, read against RFC 8460 §4.3 and §4.4.

3. An unknown policy-type was warned without the `policies[N]:` its entry's other warnings
   carry; `"policy-string": ""` was kept as one empty policy line nobody wrote.
4. The checklist disagreed with itself: RPT-10 flags an unknown result-type as information,
   M20 as a warning (the product warned). RFC 8460 §4.3 says the list "is expected to grow"
   (IANA's registry, Expert Review), so a type we do not know may be one registered since:
   information (a note). A defined type written in other letters is no new type, and stays
   a warning. RPT-12 warns on an empty address; a failure detail without its addresses is
   stored with no warning (docs/reports.md, s25 K02): §4.4 gives each address as "a string
   representation of an IPv4 or IPv6 address", which "" is not, while a member left out
   claims nothing. Both readers (whole, streamed) are asked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reports.parse import ParsedReport, parse_report
from tests.test_reports_email import SAMPLE


def parse(report: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> ParsedReport:
    data = json.dumps(report).encode()
    whole = parse_report(data, report_domain="example.com")
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        streamed = parse_report(data, report_domain="example.com")
    assert (streamed.warnings, streamed.notes) == (whole.warnings, whole.notes)
    assert [p.policy_strings for p in streamed.policies] == [
        p.policy_strings for p in whole.policies
    ]
    return whole


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE)


# --- 3. policy entries ----------------------------------------------------------------------


def test_an_unknown_policy_type_is_warned_with_its_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = sample()
    report["policies"][1]["policy"]["policy-type"] = "dane"
    parsed = parse(report, monkeypatch)
    assert parsed.warnings == [
        "policies[1]: unknown policy-type 'dane' (RFC 8460 §4.4); kept as sent"
    ]
    assert parsed.policies[1].policy_type == "dane"


@pytest.mark.parametrize("empty", ["", "\n", "\r\n"])
def test_an_empty_policy_string_is_no_lines_and_said(
    empty: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = sample()
    report["policies"][0]["policy"]["policy-string"] = empty
    parsed = parse(report, monkeypatch)
    assert parsed.policies[0].policy_strings == []
    assert parsed.warnings == [
        f"policies[0]: policy-string is the string {empty!r}, not an array of strings; "
        "read as no lines"
    ]
    assert parsed.notes == []


def test_an_empty_policy_string_of_no_policy_found_is_none_to_quote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = sample()
    report["policies"][0]["policy"] = {
        "policy-type": "no-policy-found",
        "policy-string": "",
        "policy-domain": "example.com",
    }
    parsed = parse(report, monkeypatch)
    assert parsed.policies[0].policy_strings == []
    assert parsed.warnings == [] and parsed.notes == []


def test_a_one_line_policy_string_is_still_wrapped_as_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = sample()
    report["policies"][0]["policy"]["policy-string"] = "version: STSv1"
    parsed = parse(report, monkeypatch)
    assert parsed.policies[0].policy_strings == ["version: STSv1"]
    assert parsed.warnings == [
        "policies[0]: policy-string is a string, not an array of strings; read as one element"
    ]


# --- 4. result types (RFC 8460 §4.3) and addresses (§4.4) -----------------------------------


def detail_of(report: dict[str, Any]) -> dict[str, Any]:
    return report["policies"][0]["failure-details"][0]


def test_a_result_type_we_do_not_know_is_information_not_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = sample()
    detail_of(report)["result-type"] = "certificate-revoked"
    parsed = parse(report, monkeypatch)
    assert parsed.warnings == []
    assert parsed.notes == [
        "unknown result-type 'certificate-revoked': not in RFC 8460 §4.3, whose list is "
        "expected to grow (it may be a type registered since); kept as sent"
    ]
    assert parsed.policies[0].failure_details[0].result_type == "certificate-revoked"


@pytest.mark.parametrize("written", ["CERTIFICATE-EXPIRED", "certificate-expired  "])
def test_a_defined_result_type_written_otherwise_is_still_a_warning(
    written: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = sample()
    detail_of(report)["result-type"] = written
    parsed = parse(report, monkeypatch)
    assert parsed.warnings == [
        f"unknown result-type {written!r} (not in RFC 8460 §4.3); kept as sent"
    ]
    assert parsed.notes == []


def test_an_empty_address_is_warned_and_an_absent_one_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = sample()
    detail_of(report)["sending-mta-ip"] = ""
    parsed = parse(report, monkeypatch)
    assert parsed.warnings == ["policies[0]: failure-details[0]: sending-mta-ip is empty (RPT-12)"]
    report = sample()
    for key in ("sending-mta-ip", "receiving-ip", "receiving-mx-hostname"):
        detail_of(report).pop(key, None)
    parsed = parse(report, monkeypatch)
    assert parsed.warnings == [] and parsed.notes == []
