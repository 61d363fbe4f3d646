"""Engine changes from blind round s29m (tests/test_lab_s29m_blind.py), no lab needed.

MTASTS-22's fix keeps enforce for 'mode: Enforce' (s29m-modecaps), below.

MTASTS-17 names the address family that fails (s29m-stsv6dead): a policy host whose IPv4
address serves the policy while its IPv6 address refuses read "serves the policy over IPv4 but
not on every address (::1: ...)", which left the reader to work out that the whole of IPv6 was
without a policy, the very thing the check is about (checklist §2b 17: both address families).
"""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_fix_texts import BASE, GOOD_POLICY, POLICY_URL, SERVED, D, findings_for
from tests.test_mtasts import _failed, _outcome, _served, evaluate


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def test_mtasts17_names_the_family_without_a_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = _failed(
        "2001:db8::13", "connect", "could not connect to port 443: Connection refused"
    )
    per = [_outcome("192.0.2.13", 200), refused]
    finding = _one(evaluate(monkeypatch, fetched=_served(per)), "MTASTS-17")
    assert finding.status == Status.WARN  # unchanged
    assert finding.summary.startswith(
        "The policy host serves the policy over IPv4 but not over IPv6 (2001:db8::13: could not"
    )
    assert "senders connecting over IPv6 get no policy" in finding.summary


def test_mtasts17_keeps_every_address_when_the_family_also_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two IPv4 addresses, one serving: IPv4 senders mostly get it; no family is without it.
    per = [_outcome("192.0.2.13", 200), _outcome("192.0.2.14", 404)]
    finding = _one(evaluate(monkeypatch, fetched=_served(per)), "MTASTS-17")
    assert finding.status == Status.WARN
    assert "but not on every address (192.0.2.14: HTTP 404 instead of 200)" in finding.summary
    assert "senders using the failing address get no policy" in finding.summary


# MTASTS-22's fix keeps the mode the owner meant when only its case is wrong (s29m-modecaps):
# 'mode: Enforce' was offered a policy with 'mode: testing', a downgrade nobody asked for, while
# every MX passed validation; 'report' (a pre-RFC draft value) still becomes testing.


def _mode_fix(published: bytes) -> str:
    policy = GOOD_POLICY.replace(b"mode: enforce", b"mode: " + published)
    findings = findings_for(D, BASE, {POLICY_URL: (200, SERVED[POLICY_URL][1], policy)})
    return next(f.fix for f in findings if f.id == "MTASTS-22")


def test_mtasts22_fix_keeps_enforce_written_in_capitals() -> None:
    fix = _mode_fix(b"Enforce")
    assert "mode: enforce\n" in fix
    assert "mode: testing" not in fix


def test_mtasts22_fix_turns_the_draft_report_mode_into_testing() -> None:
    assert "mode: testing\n" in _mode_fix(b"report")


# SMTP-02 and MTASTS-32 name the firewall when EHLO reached the server as 'XXXX'
# (s29m-heloenf, read from the texts): a Cisco PIX/ASA SMTP fixup overwrites commands it does
# not know, EHLO among them, so the MTA answers '500 Command unrecognized: "XXXX ..."'. The fix
# said "Enable ESMTP (EHLO) and STARTTLS on <host>", sending the owner to an MTA that does both.

PIX = 'EHLO was answered 500 5.5.1 Command unrecognized: "XXXX mailsec.example"; only HELO was accepted'


def _helo_only(problem: str) -> list[Finding]:
    from types import SimpleNamespace

    from checks import starttls
    from checks.config import CheckConfig
    from checks.context import CheckContext
    from checks.findings import Collector, Mechanism

    probe = starttls.SmtpProbe(host="mx2.example.test", address="192.0.2.26", port=25)
    probe.banner, probe.banner_code, probe.connected = "220 mx2 ESMTP", 220, True
    probe.helo_only, probe.problem = True, problem
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    starttls._per_probe(
        out, SimpleNamespace(name=probe.host), probe, starttls._Context(), None, ctx
    )
    return out.findings


def test_smtp02_fix_names_the_firewall_that_rewrote_ehlo() -> None:
    (found,) = [f for f in _helo_only(PIX) if f.id == "SMTP-02"]
    assert found.status == Status.FAIL  # unchanged
    assert "firewall" in found.fix and "fixup protocol smtp" in found.fix
    assert "Enable ESMTP" not in found.fix


def test_mtasts32_reason_names_the_firewall_that_rewrote_ehlo() -> None:
    from checks import mtasts, starttls

    probe = starttls.SmtpProbe(host="mx2.example.test", address="192.0.2.26", port=25)
    probe.connected, probe.helo_only, probe.problem = True, True, PIX
    failure = mtasts._session_failure(probe, "mx2.example.test")
    assert failure is not None and failure.check == "SMTP-02"
    assert "fixup protocol smtp" in failure.fix


def test_helo_only_without_the_signature_keeps_its_fix() -> None:
    plain = "EHLO was answered 502 5.5.2 Error: command not recognized; only HELO was accepted"
    (found,) = [f for f in _helo_only(plain) if f.id == "SMTP-02"]
    assert found.fix.startswith("Enable ESMTP (EHLO) and STARTTLS on mx2.example.test")
