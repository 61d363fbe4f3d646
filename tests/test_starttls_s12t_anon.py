"""SMTP-09 for an MX that negotiates only anonymous (aNULL) suites: the session has no
certificate at all. There is no chain to a trusted root, which MTA-STS requires (RFC 8461
§4.2): SMTP-09 fails under an enforce policy and warns otherwise (checklist SMTP-09); before,
a TLS session without a certificate got no certificate finding at all, only SMTP-08 for the
suite (lab: tests/lab/scenarios/s12t_anon.toml)."""

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


@pytest.mark.parametrize(("under_sts", "status"), [(True, Status.FAIL), (False, Status.WARN)])
def test_anonymous_suite_only_server_fails_smtp_09(
    pki: Pki, tmp_path: Path, under_sts: bool, status: Status
) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    tls.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no anonymous suites
    tls.set_ciphers("aNULL:@SECLEVEL=0")
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der == [] and "AECDH" in probe.cipher
    found = _findings(probe, under_sts=under_sts)
    smtp09 = found["SMTP-09"]
    assert smtp09.status == status
    assert "no certificate" in smtp09.summary and probe.cipher in smtp09.summary
    assert smtp09.fix and "aNULL" in smtp09.fix
    assert found["SMTP-08"].status == Status.WARN  # the suite itself, unchanged
