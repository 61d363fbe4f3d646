"""SMTP-07 for a server that negotiates TLS 1.3: is TLS 1.2 accepted too? One handshake
offering TLS 1.2 alone answers it (RFC 8461 §7.2 is met by TLS 1.3; BCP 195, which §7.2 says to
follow, requires TLS 1.2 support: RFC 9325 §3.1.1). Real TLS on 127.0.0.1; no lab."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from checks import mtasts, starttls
from checks.findings import Status
from tests.test_certs import Pki
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings
from tests.test_starttls_retry import flaky_server


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _tls(pki: Pki, tmp_path: Path, **kw: ssl.TLSVersion) -> ssl.SSLContext:
    assert pki.inter is not None
    return _server_context(tmp_path, [pki.leaf([HOST]), pki.inter], **kw)


@pytest.mark.parametrize("under_sts", [False, True])
def test_a_tls13_only_server_warns_and_still_passes_mta_sts(
    pki: Pki, bundle: str, tmp_path: Path, under_sts: bool
) -> None:
    tls = _tls(pki, tmp_path, minimum=ssl.TLSVersion.TLSv1_3)
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is False
    smtp07 = _findings(probe, under_sts=under_sts)["SMTP-07"]
    assert smtp07.status == Status.WARN
    assert "accepts only TLS 1.3" in smtp07.summary and "RFC 9325" in smtp07.summary
    assert smtp07.evidence["tls12_accepted"] is False
    assert smtp07.fix and "TLS 1.2" in smtp07.fix
    # "TLS 1.2 or higher" (RFC 8461 §7.2) holds: MTA-STS senders with TLS 1.3 deliver.
    assert probe.mta_sts_ok and mtasts._probe_verdict(probe) == "ok"
    assert not mtasts._tls_too_old(probe)


def test_a_server_with_tls12_and_13_says_both_were_seen(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    probe = run_probe(aiosmtpd_server(_tls(pki, tmp_path)), bundle)
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is True
    smtp07 = _findings(probe)["SMTP-07"]
    assert smtp07.status == Status.PASS
    assert smtp07.summary.endswith("supports TLS 1.3 and TLS 1.2 and refuses TLS 1.0/1.1.")


def test_a_tls12_server_is_not_asked_again(pki: Pki, bundle: str, tmp_path: Path) -> None:
    # It negotiated TLS 1.2 itself: no TLS 1.2 question (main, no SNI, old versions only,
    # and RSA suites only, for an ECDSA leaf, twice: aiosmtpd hangs up on it without an
    # alert, and a hang-up is asked again before it counts as "no RSA certificate").
    tls = _tls(pki, tmp_path, maximum=ssl.TLSVersion.TLSv1_2)
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_version == "TLSv1.2" and probe.tls12_accepted is None
    assert probe.rsa_cert == "none" and probe.connections == 5
    assert _findings(probe)["SMTP-07"].status == Status.INFO


def test_a_tls12_handshake_that_never_finishes_claims_nothing(pki: Pki, tmp_path: Path) -> None:
    # Main session, no SNI and old versions work; the TLS 1.2 handshake stalls. Slow is not
    # broken (checklist §0): no warning, and the pass says TLS 1.2 was not tested.
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", "stall"]), bundle, timeout=1.0)
    assert probe.tls_ok and probe.tls_version == "TLSv1.3"
    assert probe.tls12_accepted is None and probe.connections == 5  # the last: RSA suites only
    smtp07 = _findings(probe)["SMTP-07"]
    assert smtp07.status == Status.PASS
    assert "and TLS 1.2" not in smtp07.summary
    assert "whether it also accepts TLS 1.2 could not be tested this time" in smtp07.summary


def test_a_probe_shows_what_it_learnt_about_tls12(pki: Pki, bundle: str, tmp_path: Path) -> None:
    tls = _tls(pki, tmp_path, minimum=ssl.TLSVersion.TLSv1_3)
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.facts()["tls12_accepted"] is False


@pytest.mark.parametrize("fault", ["reset", "hang-up"])
def test_one_dropped_tls12_handshake_is_not_a_refusal(tmp_path: Path, fault: str) -> None:
    # The fourth connection (TLS 1.2 only) is dropped once, by a reset or a hang-up without a
    # TLS alert: that says nothing about TLS 1.2, so it is tried again, as the main session
    # is; only an alert, or a second drop, is a refusal (checklist §0).
    pki = Pki()
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])  # TLS 1.2 and 1.3
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", fault]), bundle, timeout=2.0)
    assert probe.tls_version == "TLSv1.3"
    assert probe.tls12_accepted is True
    assert _findings(probe)["SMTP-07"].status != Status.WARN


def test_the_tls12_question_is_left_when_the_probe_already_took_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Optional: a slow server must not push the mechanism past its budget for it. Left out,
    # it is "could not be tested this time", never a verdict.
    monkeypatch.setattr(starttls, "TLS12_QUESTION_WITHIN", 0)
    pki = Pki()
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=[]), bundle, timeout=2.0)
    assert probe.tls_version == "TLSv1.3"
    assert probe.tls12_accepted is None
    smtp07 = _findings(probe)["SMTP-07"]
    assert smtp07.status == Status.PASS
    assert "could not be tested" in smtp07.summary
