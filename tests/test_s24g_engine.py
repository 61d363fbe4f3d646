"""Engine wording follow-ups (s24g): texts that named the wrong thing, statuses unchanged.

MTASTS-17 of a policy host address the SSRF guard refused; the quotes of a DMARC rua, of a DKIM
record and of a TLS-RPT record named as the quotes they are; an internationalised domain named
in its U-label form in summaries.
"""

from __future__ import annotations

import pytest

from checks import https, net
from checks.config import CheckConfig
from checks.findings import Finding, Status
from tests.test_mtasts import _failed, _outcome, _served, evaluate


def _refused(address: str) -> https.AddressOutcome:
    """What https.fetch records for an address the SSRF guard refuses (no connection made)."""
    with pytest.raises(net.TargetRefused) as refused:
        net.guard(address, CheckConfig())
    return _failed(address, "refused-target", str(refused.value))


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# --- 1. MTASTS-17: an address the guard refused was never tried -----------------------------


def test_mtasts17_says_a_refused_private_address_was_not_connected_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    per = [_outcome("192.0.2.13", 200), _refused("10.1.2.3")]
    finding = _one(evaluate(monkeypatch, fetched=_served(per)), "MTASTS-17")
    assert finding.status == Status.ERROR  # as before: could not check
    assert "not on every address" not in finding.summary
    assert "senders using the failing address" not in finding.summary
    assert "the private address 10.1.2.3" in finding.summary
    assert "it is not a public address, so mailsec did not connect to it" in finding.summary
    assert "no sender on the internet can reach it either" in finding.summary
    assert "Remove 10.1.2.3 from the A/AAAA records of mta-sts.example.org" in finding.fix


def test_mtasts17_keeps_the_failing_address_apart_from_the_refused_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    per = [_outcome("192.0.2.13", 200), _outcome("2001:db8::13", 404), _refused("::1")]
    finding = _one(evaluate(monkeypatch, fetched=_served(per)), "MTASTS-17")
    assert finding.status == Status.WARN  # as before: the 404 is a definite failure
    assert "not on every address (2001:db8::13: HTTP 404 instead of 200)" in finding.summary
    assert "It also resolves to the loopback address ::1" in finding.summary
    assert "Make 2001:db8::13 serve the policy file" in finding.fix
    assert "Remove ::1 from the A/AAAA records" in finding.fix
