"""Review s29v of the day's report-parser changes: defects found, each pinned here, written
failing before the fix."""

from __future__ import annotations

import copy
import gzip
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from reports.parse import MAX_POLICY_LINES, SMALL_REPORT_BYTES, ReportRejected, parse_report

SAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text()
)


def _with_policy_string(policy_string: Any) -> bytes:
    report = copy.deepcopy(SAMPLE)
    report["policies"][0]["policy"]["policy-string"] = policy_string
    return gzip.compress(json.dumps(report).encode())


def test_a_policy_string_of_a_million_lines_is_refused_without_splitting_it() -> None:
    # 3442369 reads a policy-string sent as one string as its lines. A 4 MB string of a
    # million short lines (within the streaming reader's MAX_VALUE_CHARS) was split into a
    # million string objects before the MAX_POLICY_LINES check refused it: a peak of ~70 MB
    # for a 4 MB value, where before it was refused as one over-long line at ~5 MB (issue 7:
    # memory follows the parsed result, not the JSON text). The count is known without the
    # split.
    data = _with_policy_string("ab\n" * 1_040_000)
    tracemalloc.start()
    try:
        with pytest.raises(ReportRejected, match=f"more than {MAX_POLICY_LINES}"):
            parse_report(data, max_bytes=64 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 25 * 1024 * 1024, peak


def test_a_policy_string_of_exactly_the_most_lines_is_still_read_as_its_lines() -> None:
    # The control: the limit is the array's, and a string within it is read line by line.
    text = "version: STSv1\nmode: testing\n" + "mx: mx.example.com\n" * (MAX_POLICY_LINES - 2)
    parsed = parse_report(_with_policy_string(text))
    policy = parsed.policies[0]
    assert len(policy.policy_strings) == MAX_POLICY_LINES
    assert policy.policy_strings[1] == "mode: testing"


def _both_readers(change: Any) -> list[bytes]:
    """The report with `change` made, small (decoded in one piece) and padded with failure
    details past SMALL_REPORT_BYTES (read streaming): both readers must agree."""
    small = copy.deepcopy(SAMPLE)
    change(small)
    big = copy.deepcopy(small)
    detail = copy.deepcopy(SAMPLE["policies"][0]["failure-details"][0])
    big["policies"][1].setdefault("failure-details", []).extend([detail] * 2000)
    data = [json.dumps(small).encode(), json.dumps(big).encode()]
    assert len(data[0]) < SMALL_REPORT_BYTES < len(data[1])
    return data


def test_a_nul_in_contact_info_costs_the_contact_info_not_the_report() -> None:
    # c33db8d: a NUL (valid JSON, which PostgreSQL text cannot hold) in an element a missing
    # one would not cost the report costs that element. contact-info missing or not a string
    # is a warning (RPT-09); with a NUL in it the whole report was rejected.
    for data in _both_readers(
        lambda r: r.__setitem__("contact-info", "tls\u0000rpt@sender.example")
    ):
        parsed = parse_report(data)
        assert parsed.contact_info is None
        assert any("contact-info" in w and "NUL" in w for w in parsed.warnings)
        assert (
            parsed.policies[0].successful
            == SAMPLE["policies"][0]["summary"]["total-successful-session-count"]
        )


def test_a_nul_in_a_result_type_costs_that_failure_detail_not_the_report() -> None:
    # A failure detail without a usable result-type is dropped with a warning; one holding a
    # NUL rejected the report.
    def change(report: dict[str, Any]) -> None:
        report["policies"][0]["failure-details"][0]["result-type"] = "certificate-expired\u0000"

    for data in _both_readers(change):
        parsed = parse_report(data)
        details = parsed.policies[0].failure_details
        assert [d.result_type for d in details] == ["certificate-host-mismatch"]
        assert any("result-type" in w and "NUL" in w for w in parsed.warnings)


def test_a_nul_in_a_policy_type_keeps_the_policy_as_a_missing_type_does() -> None:
    # A policy-type that is no string is 'kept as empty' with a warning; one with a NUL
    # rejected the report, its counts with it.
    def change(report: dict[str, Any]) -> None:
        report["policies"][0]["policy"]["policy-type"] = "st\u0000s"

    for data in _both_readers(change):
        parsed = parse_report(data)
        assert parsed.policies[0].policy_type == ""
        assert parsed.policies[0].policy_domain == "example.com"
        assert any("policy-type" in w and "NUL" in w for w in parsed.warnings)


@pytest.mark.django_db
def test_a_report_with_those_nuls_is_stored_and_counted() -> None:
    # What the parser keeps must be storable: PostgreSQL text refuses U+0000 (run this file
    # on PostgreSQL too). The raw body keeps the NULs.
    from reports.ingest import ingest_many
    from reports.models import ReportAddress, TlsReport

    report = copy.deepcopy(SAMPLE)
    report["contact-info"] = "tls\u0000rpt@sender.example"
    report["policies"][0]["policy"]["policy-type"] = "st\u0000s"
    report["policies"][0]["failure-details"][0]["result-type"] = "certificate-expired\u0000"
    address = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(address, gzip.compress(json.dumps(report).encode()))]) == {"parsed": 1}
    stored = TlsReport.objects.get(address=address)
    assert stored.total_failed == 17
    assert list(stored.failure_details.values_list("result_type", flat=True)) == [
        "certificate-host-mismatch"
    ]
