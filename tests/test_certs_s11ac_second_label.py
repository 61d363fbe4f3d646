"""The second certificate of a server holding an ECDSA and an RSA one (the one senders offering
only RSA get, SmtpProbe.rsa_variant) is named one way, by SmtpProbe.second_label, in the
STARTTLS findings on it, MTA-STS's reasons for a failed validation (MTASTS-32) and DANE's
findings: "the RSA certificate of mx1…", with 'second_certificate': "RSA" in the evidence.
Real aiosmtpd servers on 127.0.0.1 with both certificates loaded; no lab."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import certs, dane, mtasts, starttls
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Pki, make_leaf
from tests.test_dane_s11_dual_certs import _state
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_s11_dual_certs import _all, _rsa_leaf, _serving


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_the_rsa_certificate_is_named_alike_by_starttls_mta_sts_and_dane(
    pki: Pki, tmp_path: Path
) -> None:
    ecdsa = make_leaf(pki.inter, [HOST])
    tls = _serving(tmp_path, pki, _rsa_leaf(pki, expired=True), ecdsa)
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.verify_ok and probe.rsa_variant is not None
    assert probe.second_label == "RSA"

    # STARTTLS: what fails on the RSA certificate says which one, in words and evidence.
    second = [f for f in _all(probe, under_sts=True) if "second_certificate" in f.evidence]
    smtp10 = next(f for f in second if f.id == "SMTP-10")
    assert smtp10.status == Status.FAIL
    assert smtp10.summary.startswith(
        f"The RSA certificate of {probe.subject}, which senders offering only RSA get, expired on"
    )
    assert {f.evidence["second_certificate"] for f in second} == {"RSA"}

    # MTA-STS: the RSA certificate alone fails validation, named as STARTTLS names it.
    failures = mtasts._certificate_failures(probe, HOST)
    assert failures.second == "RSA"
    assert failures.reason.startswith(f"the RSA certificate of {HOST}, which senders offering")

    # DANE: a TLSA record for the ECDSA key alone leaves the RSA certificate unauthenticated.
    out = Collector(Mechanism.DANE)
    state = _state(certs.tlsa_record_text(ecdsa.der))
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    failed = [f for f in out.findings if f.id == "DANE-07" and f.status == Status.FAIL]
    assert [f.evidence.get("second_certificate") for f in failed] == ["RSA"]
    assert "to senders offering only RSA" in failed[0].summary


def test_a_server_with_one_certificate_has_no_second_label(pki: Pki, tmp_path: Path) -> None:
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, [HOST]))
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.verify_ok and probe.rsa_variant is None
    assert probe.second_label == ""
    found = Collector(Mechanism.SMTP)
    starttls.certificate_findings(found, probe, probe.subject, {}, under_sts=True, dane_ok=False)
    assert not any("second_certificate" in f.evidence for f in found.findings)
    assert mtasts._certificate_failures(probe, HOST).second == ""
