"""reports.parse: how deep a report may nest is our limit (RFC 8259 §9), not the stack's.

Before, the line was wherever the C decoder ran out of interpreter stack: it moved with the
caller's own depth, and the whole-document and streamed readers (which decode from different
levels) disagreed near it, one rejecting what the other accepted.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from reports.parse import MAX_DEPTH, ReportRejected, parse_report

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()


def nested(depth: int) -> bytes:
    """The sample with an extra member of `depth` nested arrays in its first failure detail,
    which itself sits 5 levels down (report, policies, entry, failure-details, detail)."""
    body = json.dumps(json.loads(SAMPLE)).encode()
    old = b'"failure-reason-code": "X509_V_ERR_CERT_HAS_EXPIRED"'
    assert old in body
    return body.replace(old, b'"x-trace": ' + b"[" * depth + b"]" * depth, 1)


def outcome(data: bytes) -> tuple[str, Any]:
    try:
        return "parsed", dataclasses.asdict(parse_report(data, report_domain="example.com"))
    except ReportRejected as e:
        return "rejected", e.reason


def both_readers(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """The whole-document reader's outcome, once the streaming one gave the very same."""
    whole = outcome(data)
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        assert outcome(data) == whole
    return whole


def test_both_readers_agree_near_the_interpreter_s_limit(monkeypatch) -> None:
    # In a test's stack the old readers parted ways at about 954-956 levels.
    for depth in range(900, 1000):
        kind, reason = both_readers(nested(depth), monkeypatch)
        assert (kind, reason) == ("rejected", "report JSON is nested too deeply"), depth


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_the_line_is_max_depth(streamed: bool, monkeypatch) -> None:
    if streamed:
        monkeypatch.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
    # The extra member sits in a failure detail, 5 levels down.
    assert parse_report(nested(MAX_DEPTH - 5)).total_failed == 17
    with pytest.raises(ReportRejected, match="nested too deeply"):
        parse_report(nested(MAX_DEPTH - 4))


def test_nesting_is_judged_the_same_however_deep_the_caller_is() -> None:
    """A Celery task runs deeper in the stack than a test: with all but 150 frames of the
    interpreter's stack used, 64 levels still pass and 65 still do not."""

    def at_stack_depth(frames: int, data: bytes) -> tuple[str, Any]:
        if frames:
            return at_stack_depth(frames - 1, data)
        return outcome(data)

    headroom = sys.getrecursionlimit() - 150
    assert at_stack_depth(headroom, nested(MAX_DEPTH - 5))[0] == "parsed"
    assert at_stack_depth(headroom, nested(MAX_DEPTH - 4))[0] == "rejected"


def test_a_json_mistake_after_the_deep_part_is_the_reason_in_both_readers(monkeypatch) -> None:
    # The whole-document reader decodes everything before it measures depth, so a syntax
    # error anywhere wins; the streaming reader keeps the depth for the end to agree.
    data = nested(MAX_DEPTH) + b" junk"
    kind, reason = both_readers(data, monkeypatch)
    assert kind == "rejected"
    assert "unexpected data after the report object" in reason
