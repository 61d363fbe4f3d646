"""SMTP-15 (revocation, RFC 8461 §4.2 MAY; checklist: info). The probe cannot ask for an OCSP
staple (Python's ssl module sends no status_request), so the finding says revocation was not
checked; it concerns a certificate, and a server that negotiates only anonymous suites presents
none (lab: tests/lab/scenarios/s14_ocsp.toml).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from checks.findings import Status
from tests.test_certs import Pki
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_it_says_revocation_was_not_checked_for_a_presented_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der
    smtp15 = _findings(probe, under_sts=True)["SMTP-15"]
    assert smtp15.status == Status.INFO
    assert "not checked" in smtp15.summary and HOST in smtp15.summary


def test_it_says_nothing_of_revocation_without_a_certificate(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    tls.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no anonymous suites
    tls.set_ciphers("aNULL:@SECLEVEL=0")
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der == []
    found = _findings(probe, under_sts=True)
    assert "SMTP-15" not in found, found.get("SMTP-15")
    assert "no certificate" in found["SMTP-09"].summary  # the absence is said there
