"""s24i: MTASTS-11 when the SSRF guard refused every address of the policy host."""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_mtasts import _failed_fetch, evaluate
from tests.test_s24g_engine import _refused


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def test_mtasts11_says_no_sender_can_reach_a_private_only_policy_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetched = _failed_fetch([_refused("10.1.2.3")], 0)
    finding = _one(evaluate(monkeypatch, fetched=fetched), "MTASTS-11")
    assert finding.status == Status.ERROR  # as before: could not check
    assert finding.summary.startswith("Could not check the policy host mta-sts.example.org")
    assert "the private address 10.1.2.3" in finding.summary
    assert "no sender on the internet can reach it either" in finding.summary


def test_mtasts11_names_every_refused_address_and_its_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetched = _failed_fetch([_refused("10.1.2.3"), _refused("::1")], 0)
    finding = _one(evaluate(monkeypatch, fetched=fetched), "MTASTS-11")
    assert finding.status == Status.ERROR
    assert "10.1.2.3 (private), ::1 (loopback)" in finding.summary
    assert "no sender on the internet can reach them either" in finding.summary


def test_mtasts11_of_a_timeout_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_mtasts import _failed

    fetched = _failed_fetch([_failed("192.0.2.13", "timeout", "timed out after 5 s")], 0)
    finding = _one(evaluate(monkeypatch, fetched=fetched), "MTASTS-11")
    assert finding.summary.startswith(
        "Could not check the policy host mta-sts.example.org at 192.0.2.13: timed out after 5 s."
    )  # then that senders may wait longer (s33q); the address is named since s48h
