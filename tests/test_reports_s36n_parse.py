"""Task s36n, item 3: two things the TLS-RPT parser left from s36r.

1. Notes past their cap (parse.MAX_MESSAGES, 200) were dropped without a word, where
   warnings past theirs end with "… and N more warnings like these, not listed": notes now
   end so too ("… and N more notes like these, not listed").
2. `"mx-host": ""` (or `[""]`) was kept as one pattern '' with a "not a host name" warning.
   RFC 8460 §4.4 gives mx-host as the MX host patterns of the policy applied, each a host
   name in A-label form or a "*." wildcard and one (RFC 8461 §3.2's mx lines): an empty
   string names no host and matches none, as a string of blanks does, which was already
   ignored with a warning. It is now no pattern, warned so. Both readers (whole, streamed)
   are asked."""

from __future__ import annotations

from typing import Any

import pytest

from reports.parse import MAX_MESSAGES
from tests.test_reports_s36r_parse import detail_of, parse, sample


def invented_types(report: dict[str, Any], count: int) -> None:
    detail = detail_of(report)
    report["policies"][0]["failure-details"] = [
        {**detail, "result-type": f"invented-{i}"} for i in range(count)
    ]
    # The summary counts them: no note of details adding up to another number.
    summary = report["policies"][0]["summary"]
    summary["total-failure-session-count"] = count * detail["failed-session-count"]


def test_notes_past_their_cap_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample()
    invented_types(report, MAX_MESSAGES + 7)
    parsed = parse(report, monkeypatch)
    assert len(parsed.notes) == MAX_MESSAGES + 1
    assert parsed.notes[-1] == "… and 7 more notes like these, not listed"
    assert any(n.startswith("unknown result-type 'invented-0'") for n in parsed.notes)


def test_notes_within_their_cap_say_nothing_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: exactly the cap, every note listed, no count line; a repeated note is one."""
    report = sample()
    invented_types(report, MAX_MESSAGES)
    report["policies"][0]["failure-details"].append(detail_of(report))
    report["policies"][0]["summary"]["total-failure-session-count"] += detail_of(report)[
        "failed-session-count"
    ]
    parsed = parse(report, monkeypatch)
    assert len(parsed.notes) == MAX_MESSAGES
    assert not any("more notes" in n for n in parsed.notes)


@pytest.mark.parametrize("written", ["", [""], ["", "mx1.example.com"]])
def test_an_empty_mx_host_is_no_pattern_and_warned(
    written: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = sample()
    report["policies"][0]["policy"]["mx-host"] = written
    parsed = parse(report, monkeypatch)
    kept = [h for h in (written if isinstance(written, list) else [written]) if h]
    assert parsed.policies[0].mx_hosts == kept
    assert [w for w in parsed.warnings if "mx-host" in w] == [
        "policies[0]: mx-host holds an empty string, no host name or pattern (RFC 8460 §4.4); "
        "that element is ignored"
    ]


def test_a_blank_mx_host_is_ignored_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: a string of blanks was already ignored, in its own words."""
    report = sample()
    report["policies"][0]["policy"]["mx-host"] = ["  ", "mx1.example.com"]
    parsed = parse(report, monkeypatch)
    assert parsed.policies[0].mx_hosts == ["mx1.example.com"]
    assert parsed.warnings == [
        "policies[0]: mx-host holds a string of only blanks; that element is ignored"
    ]


def test_an_unreadable_mx_host_is_still_kept_as_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: a pattern the product cannot read but that says something is kept (s35r U35)."""
    report = sample()
    report["policies"][0]["policy"]["mx-host"] = ["mx*.example.com"]
    parsed = parse(report, monkeypatch)
    assert parsed.policies[0].mx_hosts == ["mx*.example.com"]
    assert any("kept as sent" in w for w in parsed.warnings)
