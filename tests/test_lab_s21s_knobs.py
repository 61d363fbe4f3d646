"""The lab knobs blind round s21s added: the chain values `with-root` and `cross-expired-root`,
`validity` on a private CA's leaf, and `nosni_sans` (another certificate without SNI).

No lab needed: the PKI mints in memory, and the no-SNI server runs on a loopback socket here.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from tests.lab.pki import LabPKI
from tests.lab.scenarios import CertSpec, ScenarioError, load_one_host
from tests.lab.servers import JsonLog, answer_without_sni, server_context


def _subjects(chain: list[x509.Certificate]) -> list[str]:
    return [c.subject.rfc4514_string() for c in chain]


def test_with_root_sends_the_chain_in_order_with_the_root_last() -> None:
    pki = LabPKI()
    issued = pki.leaf("a", "a.lab.test", CertSpec(sans=("a.lab.test",), chain="with-root"))
    names = _subjects(issued.chain)
    assert "Lab Issuing CA 1" in names[0] and "Lab Root R1" in names[1] and len(names) == 2
    assert issued.chain[1] == pki.root.cert


def test_cross_expired_root_is_the_root_key_under_an_expired_untrusted_root() -> None:
    pki = LabPKI()
    host = "b.lab.test"
    issued = pki.leaf(host, host, CertSpec(sans=(host,), chain="cross-expired-root"))
    ca1, cross = issued.chain
    assert ca1 == pki.issuing.cert
    assert cross.subject == pki.root.cert.subject and cross != pki.root.cert
    assert cross.public_key() == pki.root.cert.public_key()
    assert "Lab Legacy Root" in cross.issuer.rfc4514_string()
    legacy = pki.stale["legacy-root"].cert
    assert legacy.not_valid_after_utc < pki.now.replace(tzinfo=dt.UTC)
    assert cross.not_valid_before_utc <= pki.now.replace(tzinfo=dt.UTC) < cross.not_valid_after_utc
    # Against the lab bundle (Lab Root R1 only) a current path exists.
    verifier = (
        PolicyBuilder()
        .store(Store([pki.root.cert]))
        .time(pki.now)
        .build_server_verifier(x509.DNSName(host))
    )
    verifier.verify(issued.cert, issued.chain)


def test_validity_applies_to_a_private_ca_leaf(tmp_path: Path) -> None:
    row = load_one_host(tmp_path, 'cert = "rogue"\nvalidity = [-30, 1795]')
    pki = LabPKI()
    issued = pki.leaf(row.cert_ref, row.host, row.cert)
    assert (issued.cert.not_valid_after_utc - issued.cert.not_valid_before_utc).days == 1825
    assert "Rogue Root X" in issued.cert.issuer.rfc4514_string()
    with pytest.raises(ScenarioError):
        load_one_host(tmp_path, 'cert = "expired"\nvalidity = [-30, 5]')


def test_nosni_sans_parses_and_refuses_hosts_that_cannot_answer_without_sni(
    tmp_path: Path,
) -> None:
    assert load_one_host(tmp_path, 'nosni_sans = ["Default.Hoster.test"]').nosni_sans == (
        "default.hoster.test",
    )
    assert load_one_host(tmp_path, "").nosni_sans == ()
    for extra in ("require_sni = true", "starttls = false", 'tls_alert = "internal_error"'):
        with pytest.raises(ScenarioError, match="nosni_sans"):
            load_one_host(tmp_path, f'nosni_sans = ["d.hoster.test"]\n{extra}')


def _served_name(port: int, ca: Path, sni: str | None) -> str:
    client = ssl.create_default_context(cafile=str(ca))
    client.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    with client.wrap_socket(raw, server_hostname=sni) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    return san.value.get_values_for_type(x509.DNSName)[0]


def test_nosni_sans_server_sends_the_default_certificate_only_without_sni(
    tmp_path: Path,
) -> None:
    pki = LabPKI()
    own = pki.leaf("mx1", "mx1.knob.lab.test", CertSpec(sans=("mx1.knob.lab.test",)))
    default = pki.leaf("mx1#nosni", "mx1", CertSpec(sans=("default.hoster.test",)))
    cert, key = pki.write_server(own, tmp_path, "own")
    dcert, dkey = pki.write_server(default, tmp_path, "default")
    ca = pki.write_cas(tmp_path / "ca")
    row = {"ip": "127.0.0.1", "nosni_cert": str(dcert), "nosni_key": str(dkey)}
    ctx = server_context(str(cert), str(key))
    answer_without_sni(ctx, row, JsonLog(tmp_path / "events.jsonl"))

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve(n: int) -> None:
        for _ in range(n):
            conn, _ = listener.accept()
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, args=(2,), daemon=True)
    thread.start()
    try:
        assert _served_name(port, ca, "mx1.knob.lab.test") == "mx1.knob.lab.test"
        assert _served_name(port, ca, None) == "default.hoster.test"
    finally:
        thread.join(10)
        listener.close()
