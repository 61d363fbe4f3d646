"""A server holding an ECDSA and an RSA certificate (Postfix smtpd_tls_eccert_file beside
smtpd_tls_cert_file, Exim, Exchange) presents the RSA one to senders that offer only RSA: the
probe asks for it once and judges it by the same rules (SMTP-09/10/11/14/16, MTA-STS). Real
aiosmtpd servers on 127.0.0.1 with both certificates loaded; no lab."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from checks import mtasts, starttls
from checks.findings import Finding, Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings
from tests.test_starttls_retry import flaky_server


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _serving(tmp: Path, pki: Pki, *leaves: Issued) -> ssl.SSLContext:
    """A server context holding each leaf (with the intermediate): OpenSSL keeps one
    certificate per key type and picks by what the client can verify."""
    assert pki.inter is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for index, leaf in enumerate(leaves):
        cert, key = tmp / f"leaf{index}.pem", tmp / f"leaf{index}.key"
        cert.write_bytes(leaf.pem + pki.inter.pem)
        key.write_bytes(leaf.key_pem)
        context.load_cert_chain(str(cert), str(key))
    return context


def _all(probe: starttls.SmtpProbe, *, under_sts: bool) -> list[Finding]:
    """Every SMTP-xx finding of the probe, in order (_findings keeps the first per id)."""
    from types import SimpleNamespace

    from checks.config import CheckConfig
    from checks.context import CheckContext
    from checks.findings import Collector, Mechanism

    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    policy = starttls._Context(sts_mode="enforce" if under_sts else None, sts_usable=under_sts)
    starttls._per_probe(out, SimpleNamespace(name=probe.host), probe, policy, None, ctx)
    return out.findings


def _rsa_leaf(pki: Pki, **kw: object) -> Issued:
    return make_leaf(pki.inter, kw.pop("sans", [HOST]), rsa_bits=2048, **kw)  # type: ignore[arg-type]


def test_an_expired_rsa_certificate_beside_a_good_ecdsa_one_fails(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    tls = _serving(tmp_path, pki, _rsa_leaf(pki, expired=True), make_leaf(pki.inter, [HOST]))
    probe = run_probe(aiosmtpd_server(tls), bundle)
    # The first handshake got the ECDSA certificate, which is fine ...
    assert probe.leaf is not None and probe.leaf.key_type.startswith("EC")
    assert probe.verify_ok and probe.name_ok
    # ... and a sender offering only RSA gets the expired one.
    assert probe.rsa_cert == "other" and probe.rsa_variant is not None
    assert probe.rsa_variant.leaf is not None and probe.rsa_variant.leaf.key_type == "RSA"
    assert probe.rsa_variant.verify_error == "expired"
    assert not probe.mta_sts_ok and mtasts._probe_verdict(probe) == "fail"
    smtp10 = [f for f in _all(probe, under_sts=True) if f.id == "SMTP-10"]
    assert [f.status for f in smtp10] == [Status.PASS, Status.FAIL]
    assert "The RSA certificate of" in smtp10[1].summary and "only RSA" in smtp10[1].summary
    assert smtp10[1].fix and "RSA certificate" in smtp10[1].fix
    # Its dates are the RSA leaf's, so expiry alerts see that certificate too.
    rsa_leaf = probe.rsa_variant.leaf
    assert smtp10[1].evidence["leaf"]["not_after"] == rsa_leaf.not_after
    # Without a policy it is SMTP-10's fail all the same, as for the first certificate.
    plain = [f for f in _all(probe, under_sts=False) if f.id == "SMTP-10"]
    assert plain[1].status == Status.FAIL


def test_a_misnamed_rsa_certificate_is_a_name_mismatch_saying_which(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    tls = _serving(
        tmp_path, pki, make_leaf(pki.inter, [HOST]), _rsa_leaf(pki, sans=["other.example.test"])
    )
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.rsa_variant is not None and not probe.rsa_variant.name_ok
    assert not probe.mta_sts_ok
    smtp11 = [f for f in _all(probe, under_sts=True) if f.id == "SMTP-11"]
    assert [f.status for f in smtp11] == [Status.PASS, Status.FAIL]
    assert "RSA certificate" in smtp11[1].summary and "other.example.test" in smtp11[1].summary
    # Opportunistic TLS: a warning, as SMTP-11 is for the first certificate.
    assert [f.status for f in _all(probe, under_sts=False) if f.id == "SMTP-11"][1] == Status.WARN


def test_two_good_certificates_pass_and_the_keys_summary_names_both(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    tls = _serving(tmp_path, pki, _rsa_leaf(pki), make_leaf(pki.inter, [HOST]))
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.rsa_cert == "other" and probe.mta_sts_ok
    found = _all(probe, under_sts=True)
    assert {f.status for f in found if f.id.startswith("SMTP-")} <= {Status.PASS, Status.INFO}
    assert len([f for f in found if f.id == "SMTP-10"]) == 1  # a pass is said once
    smtp14 = next(f for f in found if f.id == "SMTP-14")
    assert "EC secp256r1" in smtp14.summary and "RSA 2048-bit" in smtp14.summary
    # The RSA handshake was TLS 1.2: the versions seen say so.
    assert "TLSv1.2" in probe.tls_versions_accepted
    assert probe.facts()["rsa_handshake"]["leaf"]["key_type"] == "RSA"


def test_an_ecdsa_only_server_has_no_second_certificate(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    # A blocking OpenSSL server, as Postfix and Exim are: it answers RSA suites alone with the
    # alert handshake_failure ("no shared cipher"), the server's answer: nothing to report.
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, [HOST]))
    probe = run_probe(flaky_server(tls, 0, faults=[]), bundle)
    assert probe.rsa_cert == "none" and probe.rsa_variant is None
    assert probe.mta_sts_ok
    smtp14 = next(f for f in _all(probe, under_sts=True) if f.id == "SMTP-14")
    assert smtp14.status == Status.PASS and "RSA" not in smtp14.summary


@pytest.mark.parametrize("fault", ["hang-up", "reset"])
def test_an_rsa_handshake_dropped_without_an_alert_is_asked_again(
    pki: Pki, bundle: str, tmp_path: Path, fault: str
) -> None:
    # One hang-up (or reset) says nothing about an RSA certificate (an overloaded server may
    # drop a connection so): asked again, the server presents its expired RSA certificate.
    tls = _serving(tmp_path, pki, _rsa_leaf(pki, expired=True), make_leaf(pki.inter, [HOST]))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", "", fault]), bundle)
    assert probe.rsa_cert == "other" and probe.connections == 6
    assert probe.rsa_variant is not None and probe.rsa_variant.verify_error == "expired"
    assert not probe.mta_sts_ok


@pytest.mark.parametrize("fault", ["hang-up", "reset"])
def test_an_rsa_handshake_dropped_twice_is_no_rsa_certificate(
    pki: Pki, bundle: str, tmp_path: Path, fault: str
) -> None:
    # Twice in a row, right after the ClientHello, from a server that has just completed a
    # TLS 1.2 handshake: as an alert, the answer that there is no RSA certificate (an asyncio
    # server such as aiosmtpd drops the connection so on "no shared cipher").
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, [HOST]))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", "", fault, fault]), bundle)
    assert probe.rsa_cert == "none" and probe.rsa_variant is None and probe.mta_sts_ok
    assert probe.connections == 6


def test_an_rsa_leaf_costs_no_extra_handshake(pki: Pki, bundle: str, tmp_path: Path) -> None:
    probe = run_probe(aiosmtpd_server(_serving(tmp_path, pki, _rsa_leaf(pki))), bundle)
    assert probe.leaf is not None and probe.leaf.key_type == "RSA"
    assert probe.rsa_cert == "" and probe.rsa_variant is None
    # Main session, no SNI, TLS 1.0/1.1 only, TLS 1.2 only: nothing more.
    assert probe.connections == 4


def test_an_rsa_handshake_that_never_finishes_is_not_tested(pki: Pki, tmp_path: Path) -> None:
    # Connections: main, no SNI, TLS 1.0/1.1, TLS 1.2, then RSA suites only, which stalls.
    # Slow is not broken (checklist §0): the first certificate's verdicts stand, nothing fails.
    tls = _serving(tmp_path, pki, _rsa_leaf(pki, expired=True), make_leaf(pki.inter, [HOST]))
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", "", "stall"]), bundle, timeout=1.0)
    assert probe.tls_ok and probe.error_kind is None
    assert probe.rsa_cert == "untested" and probe.rsa_variant is None
    assert probe.mta_sts_ok and mtasts._probe_verdict(probe) == "ok"
    found = _all(probe, under_sts=True)
    assert not [f for f in found if f.status in {Status.FAIL, Status.WARN, Status.ERROR}]
    smtp14 = next(f for f in found if f.id == "SMTP-14")
    assert "RSA certificate" in smtp14.summary and "could not be tested" in smtp14.summary


def test_the_rsa_question_is_left_when_the_probe_already_took_long(
    pki: Pki, bundle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(starttls, "TLS12_QUESTION_WITHIN", 0)
    tls = _serving(tmp_path, pki, _rsa_leaf(pki, expired=True), make_leaf(pki.inter, [HOST]))
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.rsa_cert == "untested" and probe.mta_sts_ok
    assert _findings(probe, under_sts=True)["SMTP-10"].status == Status.PASS
