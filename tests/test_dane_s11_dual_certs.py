"""DANE-07 on a server holding an ECDSA and an RSA certificate (Postfix eccert beside cert,
Exim, Exchange): a DANE sender offering only RSA gets the RSA one, and authentication must
succeed for it too (RFC 7671 §4.1, RFC 7672 §3.1), so the TLSA records must match both keys.
Real aiosmtpd servers on 127.0.0.1 with both certificates loaded, as in
test_starttls_s11_dual_certs; no lab."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import certs, dane, starttls
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_retry import flaky_server
from tests.test_starttls_s11_dual_certs import _rsa_leaf, _serving


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _state(*records: str) -> dane.TlsaState:
    parsed = [dane.parse_tlsa_text(text).record for text in records]
    return dane.TlsaState(
        host=HOST,
        base=HOST,
        qname=f"_25._tcp.{HOST}",
        records=[r for r in parsed if r is not None],
        secure=True,
    )


def _dane(state: dane.TlsaState, probe: starttls.SmtpProbe) -> list[Finding]:
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    return out.findings


def _dual(pki: Pki, tmp: Path) -> tuple[Issued, Issued, starttls.SmtpProbe]:
    """(RSA leaf, ECDSA leaf, the probe of a server holding both, both valid for HOST)."""
    rsa, ecdsa = _rsa_leaf(pki), make_leaf(pki.inter, [HOST])
    probe = run_probe(aiosmtpd_server(_serving(tmp, pki, rsa, ecdsa)), pki.bundle(str(tmp / "b")))
    return rsa, ecdsa, probe


def test_tlsa_for_the_ecdsa_key_alone_fails_dane_07_naming_the_rsa_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    rsa, ecdsa, probe = _dual(pki, tmp_path)
    # The first handshake got the ECDSA certificate; senders offering only RSA get the other.
    assert probe.leaf is not None and probe.leaf.key_type.startswith("EC")
    assert probe.rsa_cert == "other" and probe.rsa_variant is not None
    found = _dane(_state(certs.tlsa_record_text(ecdsa.der)), probe)
    dane07 = [f for f in found if f.id == "DANE-07"]
    assert [f.status for f in dane07] == [Status.PASS, Status.FAIL]
    failed = dane07[1]
    assert "RSA certificate" in failed.summary and "only RSA" in failed.summary
    assert "CN=leaf" in failed.summary and "matches none of the TLSA records" in failed.summary
    # The fix is the record for the RSA key, to publish beside the ECDSA one.
    assert certs.tlsa_record_text(rsa.der, 3, 1, 1) in failed.fix
    assert certs.tlsa_record_text(ecdsa.der, 3, 1, 1) not in failed.fix
    # Marked as the second certificate's, as the STARTTLS findings on it are (alerts).
    assert failed.evidence["second_certificate"] == "RSA"
    assert failed.evidence["leaf"]["key_type"] == "RSA"


def test_tlsa_matching_both_keys_passes_once_and_is_no_next_key(pki: Pki, tmp_path: Path) -> None:
    rsa, ecdsa, probe = _dual(pki, tmp_path)
    state = _state(certs.tlsa_record_text(ecdsa.der), certs.tlsa_record_text(rsa.der))
    found = _dane(state, probe)
    assert {f.status for f in found} == {Status.PASS}
    dane07 = [f for f in found if f.id == "DANE-07"]
    assert len(dane07) == 1 and "RSA certificate" in dane07[0].summary
    # The RSA record matches a certificate presented now: not a pre-published next key.
    dane12 = next(f for f in found if f.id == "DANE-12")
    assert "next key" not in dane12.summary


def test_a_dane_ta_record_for_the_shared_issuer_covers_both(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    _, _, probe = _dual(pki, tmp_path)
    found = _dane(_state(certs.tlsa_record_text(pki.inter.der, 2, 1, 1)), probe)
    assert [f.status for f in found if f.id in {"DANE-07", "DANE-09"}] == [
        Status.PASS,
        Status.PASS,
    ]


def test_a_dane_ta_failure_on_the_rsa_chain_says_which_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    # The RSA certificate is misnamed: DANE-TA needs the MX name (RFC 7672 §3.2.3).
    assert pki.inter is not None
    rsa = _rsa_leaf(pki, sans=["other.example.test"])
    tls = _serving(tmp_path, pki, rsa, make_leaf(pki.inter, [HOST]))
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "b")))
    found = _dane(_state(certs.tlsa_record_text(pki.inter.der, 2, 1, 1)), probe)
    dane09 = [f for f in found if f.id == "DANE-09"]
    assert [f.status for f in dane09] == [Status.PASS, Status.FAIL]
    assert "to senders offering only RSA" in dane09[1].summary
    assert dane09[1].evidence["second_certificate"] == "RSA"


def test_an_rsa_handshake_that_got_no_answer_stays_silent(pki: Pki, tmp_path: Path) -> None:
    # Main session, no SNI, TLS 1.0/1.1, TLS 1.2, then the RSA-only one, which never finishes
    # (a hang-up is asked again): nothing is known of an RSA certificate, so nothing fails
    # (checklist §0).
    ecdsa = make_leaf(pki.inter, [HOST])
    tls = _serving(tmp_path, pki, _rsa_leaf(pki), ecdsa)
    bundle = pki.bundle(str(tmp_path / "b"))
    probe = run_probe(flaky_server(tls, 0, faults=["", "", "", "", "stall"]), bundle, timeout=1.0)
    assert probe.rsa_cert == "untested" and probe.rsa_variant is None
    found = _dane(_state(certs.tlsa_record_text(ecdsa.der)), probe)
    assert {f.status for f in found} == {Status.PASS}
