"""Finding texts and fixes that misquoted the situation (s12 engine wording review).

- DANE-07 for an MX that negotiates only anonymous (aNULL) suites said it "presents a key that
  matches none of the TLSA records", with an empty fix: it presents no certificate at all.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import certs, dane
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Pki
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


# ---- DANE-07: anonymous TLS -----------------------------------------------------------------


@pytest.mark.parametrize("usage", [3, 2])
def test_dane_07_says_an_anonymous_tls_server_presents_no_certificate(
    pki: Pki, tmp_path: Path, usage: int
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([HOST])
    tls = _server_context(tmp_path, [leaf, pki.inter])
    tls.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no anonymous suites
    tls.set_ciphers("aNULL:@SECLEVEL=0")
    probe = run_probe(aiosmtpd_server(tls), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der == []
    # The records name the certificate the server holds but never sends.
    named = leaf.der if usage == 3 else pki.inter.der
    text = certs.tlsa_record_text(named, usage, 1, 1)
    record = dane.parse_tlsa_text(text).record
    assert record is not None
    state = dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=[record], secure=True
    )
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    (dane07,) = [f for f in out.findings if f.id == "DANE-07"]
    assert dane07.status == Status.FAIL
    assert "presents no certificate" in dane07.summary
    assert "anonymous TLS" in dane07.summary and probe.cipher in dane07.summary
    assert "no TLSA record" in dane07.summary and "can match" in dane07.summary
    assert "key that matches none" not in dane07.summary
    assert "certificate whose key the TLSA records" in dane07.fix
    assert "disable anonymous (aNULL) cipher suites" in dane07.fix
    assert [f.status for f in out.findings if f.id == "DANE-14"] == [Status.WARN]
