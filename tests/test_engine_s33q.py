"""Task s33q, from lab round s33k (tests/test_lab_s33k.py).

- A slow policy fetch (checklist MTASTS-16: warn over 10 s) gave two MTASTS-16 lines for one
  URL: the warning 'took 11.6 s' and a pass 'The policy is 106 bytes, fetched in 11602 ms'.
  One check has one status per subject: the warning alone, carrying the size and the time.
- A policy host answering after our fetch limit (2 x the check timeout) may still answer
  within the minute RFC 8461 §3.3 suggests senders wait: MTASTS-11's 'no complete answer
  within N s' (error, could not check) now says that senders may wait longer.
"""

from __future__ import annotations

import pytest

from checks import https
from checks.findings import Status
from tests.test_mtasts import POLICY, _outcome, _served, evaluate


def _mtasts16(monkeypatch: pytest.MonkeyPatch, address_ms: float) -> list[tuple[Status, str]]:
    fetched = _served([_outcome("192.0.2.13", 200)], elapsed_ms=address_ms, address_ms=address_ms)
    findings = evaluate(monkeypatch, fetched=fetched)
    return [(f.status, f.summary) for f in findings if f.id == "MTASTS-16"]


def test_a_slow_fetch_is_one_warning_with_the_size_and_the_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (line,) = _mtasts16(monkeypatch, 11_602.0)
    status, summary = line
    assert status == Status.WARN
    assert "took 11.6 s" in summary
    assert f"{len(POLICY.encode())} bytes" in summary


def test_a_quick_fetch_still_passes_with_the_size_and_the_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _mtasts16(monkeypatch, 8_590.0) == [
        (Status.PASS, f"The policy is {len(POLICY.encode())} bytes, fetched in 8590 ms.")
    ]


def _timed_out_summary(monkeypatch: pytest.MonkeyPatch) -> str:
    stalled = https.AddressOutcome("192.0.2.13", False, "no complete answer within 16 s", "timeout")
    fetched = https.HttpsResult(
        url="https://mta-sts.example.org/.well-known/mta-sts.txt",
        host="mta-sts.example.org",
        per_address=[stalled],
        error_kind="timeout",
        error=stalled.error,
    )
    (finding,) = [f for f in evaluate(monkeypatch, fetched=fetched) if f.id == "MTASTS-11"]
    assert finding.status == Status.ERROR  # could not check, unchanged
    return finding.summary


def test_a_host_past_our_limit_says_senders_may_wait_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = _timed_out_summary(monkeypatch)
    assert summary.startswith(
        "Could not check the policy host mta-sts.example.org at 192.0.2.13: no complete answer "
        "within 16 s."
    )
    assert "up to a minute" in summary
    assert "RFC 8461 §3.3" in summary
