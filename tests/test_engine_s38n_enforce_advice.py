"""Task s38n, item 4: MTASTS-33's advice under mode testing listed an MX check that could
not be made (a probe that timed out: MTASTS-32 error) among the things to "resolve" before
switching to enforce. A check we could not make is no fault of the domain (checklist §0):
it is to be checked again, not resolved. The real blockers are still listed to resolve, and
enforce is still not offered while an MX host is not known to validate.

The policy, the DNS and the STARTTLS probes as tests/test_mtasts.py gives them to the MTA-STS
check (its evaluate helper)."""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, FakeProbe, evaluate

TESTING = POLICY.replace("enforce", "testing")
SILENT = FakeProbe(mta_sts_ok=False, error_kind="timeout", problem="no answer within 8s")
EXPIRED = FakeProbe(mta_sts_ok=False, problem="certificate expired")


def advice(findings: list[Finding]) -> Finding:
    (note,) = [f for f in findings if f.id == "MTASTS-33"]
    assert note.status == Status.INFO
    return note


def test_a_check_that_could_not_be_made_is_to_check_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    note = advice(evaluate(monkeypatch, body=TESTING, probes={"mx1.example.org": SILENT}))
    assert "resolve" not in note.fix
    assert note.fix.startswith("Before switching to enforce, check again:\n- MTASTS-32: ")
    assert "mode: enforce" not in note.fix  # still not offered: mx1 is not known to validate
    assert "could not be checked this time" in note.summary
    assert "not passing" not in note.summary
    assert "Do not switch to enforce yet" in note.summary


def test_real_blockers_are_resolved_and_the_rest_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probes = {"mx1.example.org": EXPIRED, "mx2.example.org": SILENT}
    findings = evaluate(monkeypatch, body=TESTING, probes=probes)
    note = advice(findings)
    resolve, _, again = note.fix.partition("\nThen check again:\n")
    assert resolve.startswith("Before switching to enforce, resolve:\n- MTASTS-32: ")
    assert "mx1.example.org" in resolve and "mx2.example.org" not in resolve
    assert again.startswith("- MTASTS-32: ") and "mx2.example.org" in again
    assert "mx1.example.org" not in again
    assert "(MTASTS-32 not passing)" in note.summary
