"""A server that refuses TLS 1.2 cannot be asked for an RSA certificate (the question is a TLS
1.2 handshake offering only RSA suites), on this run or any other: SMTP-14 says the second
certificate does not apply, and why, rather than "could not be tested this time"; SMTP-07 is
the one finding that warns about it. Real TLS on 127.0.0.1; no lab."""

from __future__ import annotations

import ssl
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_retry import flaky_server


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _every_finding(probe: starttls.SmtpProbe, *, under_sts: bool) -> list[Finding]:
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    host = SimpleNamespace(name=probe.host)
    starttls._reachability(out, [(host, probe)], ctx)
    policy = starttls._Context(sts_mode="enforce" if under_sts else None, sts_usable=under_sts)
    starttls._per_probe(out, host, probe, policy, None, ctx)
    return out.findings


@pytest.mark.parametrize("under_sts", [False, True])
def test_a_tls13_only_ecdsa_server_has_no_rsa_question_to_answer(
    pki: Pki, tmp_path: Path, under_sts: bool
) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter], minimum=ssl.TLSVersion.TLSv1_3)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.leaf is not None and probe.leaf.key_type.startswith("EC")
    assert probe.tls12_accepted is False and probe.rsa_cert == "untested"
    found = _every_finding(probe, under_sts=under_sts)
    smtp14 = next(f for f in found if f.id == "SMTP-14")
    assert smtp14.status == Status.PASS
    assert "this time" not in smtp14.summary
    assert "does not offer TLS 1.2" in smtp14.summary and "SMTP-07" in smtp14.summary
    # Nothing is known of an RSA certificate (alerts: neither confirmed nor cleared).
    assert smtp14.evidence["rsa_certificate"] == "untested"
    # One cause, one warning: SMTP-07's.
    flagged = [f.id for f in found if f.status in {Status.WARN, Status.FAIL, Status.ERROR}]
    assert flagged == ["SMTP-07"]


def test_an_rsa_question_left_unanswered_is_still_untested_this_time(
    pki: Pki, tmp_path: Path
) -> None:
    # TLS 1.2 works; the RSA handshake alone stalls: that is this run's gap, not the server's.
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", "", "stall"]), bundle, timeout=1.0)
    assert probe.tls12_accepted is True and probe.rsa_cert == "untested"
    smtp14 = next(f for f in _every_finding(probe, under_sts=True) if f.id == "SMTP-14")
    assert "could not be tested this time" in smtp14.summary
    assert "TLS 1.2" not in smtp14.summary


def test_a_server_with_tls13_and_old_versions_but_no_tls12_says_so(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter], minimum=ssl.TLSVersion.TLSv1)
    tls.options |= ssl.OP_NO_TLSv1_2
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls12_accepted is False and probe.rsa_cert == "untested"
    assert any(v in starttls.LEGACY_TLS for v in probe.tls_versions_accepted)
    found = _every_finding(probe, under_sts=False)
    smtp14 = next(f for f in found if f.id == "SMTP-14")
    # Senders may still get TLS 1.0/1.1 there: not "cannot use TLS at all".
    assert "get no TLS 1.2 here" in smtp14.summary and "at all" not in smtp14.summary
    assert [f.id for f in found if f.status in {Status.WARN, Status.FAIL}] == ["SMTP-07"]


def test_the_rsa_question_costs_one_connection_at_most(pki: Pki, tmp_path: Path) -> None:
    # MX operators count connections (Postfix anvil, smtpd_client_connection_rate_limit): the
    # main session, the no-SNI (pipelining) one and the TLS 1.2 question each dropped once and
    # retried, the TLS 1.0/1.1 one, and the RSA question: 8, one more than the 7 before there
    # was an RSA question. A clean run opens 5. (The RSA question dropped once is retried too:
    # 9 at worst, test_starttls_s11ai_rsa_drops.)
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    clean = run_probe(flaky_server(tls, 0, faults=[]), bundle)
    assert clean.rsa_cert == "none" and clean.connections == 5
    # Faults go by connection number; after the main session the no-SNI, old-TLS and TLS 1.2
    # handshakes open in that order (2, 3, 4) and their retries come as they fail: the drops
    # sit where that order is fixed.
    drops = ["hang-up", "", "hang-up", "", "hang-up", "", "", ""]
    worst = run_probe(flaky_server(tls, 0, faults=drops), bundle, timeout=2.0)
    assert worst.tls_ok and worst.tls12_accepted is True and worst.rsa_cert == "none"
    assert worst.connections == 8
    # A server without TLS 1.2 is not asked at all.
    only13 = _server_context(
        tmp_path, [pki.leaf([HOST]), pki.inter], minimum=ssl.TLSVersion.TLSv1_3
    )
    assert run_probe(flaky_server(only13, 0, faults=[]), bundle).connections == 4
