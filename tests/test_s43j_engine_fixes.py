"""Engine faults the blind lab round s43j found (tests/test_lab_s43j_blind.py)."""

from __future__ import annotations

import pytest

from checks.findings import Status
from tests.test_mtasts import ZONE, evaluate

POLICY = (
    "version: STSv1\r\nmode: {mode}\r\nmx: mx1.example.org\r\nmx: mx2.example.org\r\n"
    "max_age: 86400\r\n"
)


def _mode_finding(monkeypatch: pytest.MonkeyPatch, mode: str):
    findings = evaluate(monkeypatch, ZONE, body=POLICY.format(mode=mode))
    (finding,) = [f for f in findings if f.id == "MTASTS-22"]
    return finding


@pytest.mark.parametrize("mode", ["off", "Off", "disabled", "disable", "false", "no"])
def test_a_mode_that_says_off_is_fixed_with_mode_none(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # Lab s43j-modeoff: an operator withdrawing MTA-STS wrote 'mode: off'. It is no mode
    # (MTASTS-22 fail, as before), and what they meant is none, RFC 8461 §8.3's removal path,
    # not testing, which keeps the policy applied (reports, and MX checks by senders).
    finding = _mode_finding(monkeypatch, mode)
    assert finding.status == Status.FAIL
    assert "mode: none" in finding.fix and "mode: testing" not in finding.fix
    assert '"none"' in finding.summary and "§8.3" in finding.summary


@pytest.mark.parametrize("mode", ["report", "enforced", "strict"])
def test_other_unknown_modes_keep_their_fix(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    finding = _mode_finding(monkeypatch, mode)
    assert finding.status == Status.FAIL
    assert "mode: none" not in finding.fix
    assert "§8.3" not in finding.summary
