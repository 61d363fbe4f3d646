"""Follow-ups from blind round s29m (task s29h), no lab needed.

MTASTS-32 names the MX addresses that validate when another fails or could not be checked:
the pass finding comes only when every address passes, so an owner whose mx2 failed never
learnt that mx1 was fine, and could not tell a domain-wide fault from one server's.
"""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_mtasts import ZONE, FakeProbe
from tests.test_mtasts_s19x_addresses import _per_address


def _mtasts32(found: list[Finding], subject: str) -> Finding:
    [one] = [f for f in found if f.id == "MTASTS-32" and f.subject == subject]
    return one


def test_mtasts32_failure_names_the_host_that_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = FakeProbe(mta_sts_ok=False, error_kind="tls-handshake", problem="no shared cipher")
    found = _per_address(monkeypatch, {("mx2.example.org", "192.0.2.12"): broken}, ZONE)
    failed = _mtasts32(found, "mx2.example.org (192.0.2.12)")
    assert failed.status == Status.FAIL  # unchanged
    assert failed.summary.endswith("mx1.example.org at 192.0.2.11 passes MTA-STS validation.")
    assert failed.evidence["validated"] == ["mx1.example.org 192.0.2.11"]
    # Still no finding of its own for the host that passes (no noise per host).
    assert not [f for f in found if f.id == "MTASTS-32" and f.subject.startswith("mx1.")]


def test_mtasts32_could_not_check_names_the_host_that_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    silent = FakeProbe(error_kind="timeout", problem="no TCP connection to port 25 within 10s")
    found = _per_address(monkeypatch, {("mx2.example.org", "192.0.2.12"): silent}, ZONE)
    unknown = _mtasts32(found, "mx2.example.org (192.0.2.12)")
    assert unknown.status == Status.ERROR  # unchanged
    assert unknown.summary == (
        "Could not check mx2.example.org at 192.0.2.12 this time: no TCP connection to port 25 "
        "within 10s. mx1.example.org at 192.0.2.11 passes MTA-STS validation."
    )
    assert unknown.evidence["validated"] == ["mx1.example.org 192.0.2.11"]


def test_mtasts32_names_nothing_when_no_other_host_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = FakeProbe(mta_sts_ok=False, error_kind="tls-handshake", problem="no shared cipher")
    probes = {("mx1.example.org", "192.0.2.11"): broken, ("mx2.example.org", "192.0.2.12"): broken}
    found = _per_address(monkeypatch, probes, ZONE)
    for subject in ("mx1.example.org (192.0.2.11)", "mx2.example.org (192.0.2.12)"):
        failed = _mtasts32(found, subject)
        assert "passes MTA-STS validation" not in failed.summary
        assert "validated" not in failed.evidence


def test_mtasts32_failed_address_lookup_names_the_host_that_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = ZONE | {("mx2.example.org", "A"): "SERVFAIL", ("mx2.example.org", "AAAA"): "SERVFAIL"}
    found = _per_address(monkeypatch, {}, zone)
    unknown = _mtasts32(found, "mx2.example.org")
    assert unknown.status == Status.ERROR  # unchanged
    assert unknown.summary.endswith(
        "so it could not be checked. mx1.example.org at 192.0.2.11 passes MTA-STS validation."
    )
