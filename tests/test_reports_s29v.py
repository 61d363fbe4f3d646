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

from reports.parse import MAX_POLICY_LINES, ReportRejected, parse_report

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
