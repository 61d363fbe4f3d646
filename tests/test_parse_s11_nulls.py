"""reports.parse: null where RFC 8460 §4.4 wants an array of strings (session 11).

Go's encoding/json writes an empty (nil) slice as null. `failure-details: null` is a §12.3
variant (M30: accept and warn). `policy-string: null` passed unnoticed: no warning (as a
number or an object there gets), not even the note an absent policy-string gets (RPT-05).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from reports.parse import ReportRejected, parse_report

DATA = Path(__file__).parent / "data" / "tlsrpt"
GO_NIL_SLICES = DATA / "s11_go_nil_slices.json"


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


def test_a_go_reporter_s_nil_slices_are_read_as_empty_lists_with_warnings(monkeypatch) -> None:
    kind, result = both_readers(GO_NIL_SLICES.read_bytes(), monkeypatch)
    assert kind == "parsed"
    (only,) = result["policies"]
    assert (only["policy_strings"], only["mx_hosts"], only["failure_details"]) == ([], [], [])
    warnings = result["warnings"]
    assert any("policy-string is null, not an array of strings" in w for w in warnings)
    assert any("failure-details is null" in w for w in warnings)
    # mx-host null is no array of strings either, told as policy-string's is (s34f: it was
    # read as absent; an absent one is still no warning, RPT-07).
    assert any("mx-host is null, not an array of strings" in w for w in warnings)
    # +02:00 offsets that cover 2026-06-01 UTC exactly.
    report = parse_report(GO_NIL_SLICES.read_bytes())
    assert report.day.isoformat() == "2026-06-01"
    assert report.notes == []


def test_an_absent_policy_string_is_still_only_a_note(monkeypatch) -> None:
    body = json.loads(GO_NIL_SLICES.read_text())
    del body["policies"][0]["policy"]["policy-string"]
    del body["policies"][0]["policy"]["mx-host"]  # its null is warned about (s34f)
    body["policies"][0]["failure-details"] = []
    kind, result = both_readers(json.dumps(body).encode(), monkeypatch)
    assert kind == "parsed"
    assert result["warnings"] == []
    assert any("no policy-string" in n for n in result["notes"])
