"""reports.parse reads a JSON null where RFC 8460 §4.4 wants an array of strings the same way
for policy-string and mx-host (task s34f item 4).

§4.4 gives both members one type, a JSON array of strings, and no meaning to null; JSON null
is a value, not a member left out (RFC 8259 §4). So null there is a value of another type:
warned about and read as none, as policy-string's null (s11) and failure-details' null (M30)
already were. mx-host's null passed silently, read as if the member were left out. For
policy-type no-policy-found there is no policy to quote or match, so null says what leaving
the member out says, for both: nothing is warned. An absent member keeps its reading (RPT-05:
a note for policy-string; RPT-07: nothing for mx-host, as Microsoft sends none). Written
failing, before the change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reports.parse import parse_report

GO_NIL_SLICES = Path(__file__).parent / "data" / "tlsrpt" / "s11_go_nil_slices.json"


def _report(policy: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(GO_NIL_SLICES.read_text())
    body["policies"][0]["policy"] = policy
    body["policies"][0]["failure-details"] = []
    return body


def _read(body: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """(warnings, notes) of both readers, once they agree."""
    data = json.dumps(body).encode()
    whole = parse_report(data, report_domain="example.com")
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        streamed = parse_report(data, report_domain="example.com")
    assert (streamed.warnings, streamed.notes) == (whole.warnings, whole.notes)
    return whole.warnings, whole.notes


STS = {
    "policy-type": "sts",
    "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.example.com", "max_age: 86400"],
    "policy-domain": "example.com",
    "mx-host": ["mx1.example.com"],
}


@pytest.mark.parametrize("member", ["policy-string", "mx-host"])
def test_null_in_an_sts_policy_is_warned_about_for_both_members(
    member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings, _ = _read(_report({**STS, member: None}), monkeypatch)
    assert warnings == [f"policies[0]: {member} is null, not an array of strings; ignored"]


@pytest.mark.parametrize("member", ["policy-string", "mx-host"])
def test_null_for_no_policy_found_is_read_as_left_out_for_both_members(
    member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = {"policy-type": "no-policy-found", "policy-domain": "example.com", member: None}
    warnings, _ = _read(_report(policy), monkeypatch)
    assert warnings == []


def test_mx_host_null_beside_mx_host_pattern_reads_the_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = _report({**STS, "mx-host": None, "mx-host-pattern": ["mx1.example.com"]})
    warnings, _ = _read(body, monkeypatch)
    assert warnings == []
    assert parse_report(json.dumps(body).encode()).policies[0].mx_hosts == ["mx1.example.com"]


def test_absent_members_keep_their_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = {k: v for k, v in STS.items() if k not in ("policy-string", "mx-host")}
    warnings, notes = _read(_report(policy), monkeypatch)
    assert warnings == []
    assert any("no policy-string" in note for note in notes), notes
    assert not any("mx-host" in note for note in notes), notes
