"""A chain that validates but for an RSA key under 2048 bits: OpenSSL-based senders that
validate certificates (MTA-STS, at OpenSSL's default security level 2 on Debian, Ubuntu and
RHEL) refuse it, so MTA-STS validation fails with SMTP-14, while the chain itself (SMTP-09)
is fine. Real STARTTLS probes on 127.0.0.1, and a verifying OpenSSL client as the witness."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from checks import certs, mtasts
from checks.findings import Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _serving(tmp: Path, chain: list[Issued]) -> ssl.SSLContext:
    """A server context that loads short keys too (security level 0, set before loading)."""
    cert, key = tmp / "chain.pem", tmp / "key.pem"
    cert.write_bytes(b"".join(c.pem for c in chain))
    key.write_bytes(chain[0].key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.load_cert_chain(str(cert), str(key))
    return context


def _openssl_accepts(tls: ssl.SSLContext, bundle: str) -> bool:
    """Does a validating OpenSSL client (Python's default context) complete the handshake?"""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            tls.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    client = ssl.create_default_context(cafile=bundle)
    with socket.create_connection(listener.getsockname()) as raw:
        try:
            client.wrap_socket(raw, server_hostname=HOST).close()
        except ssl.SSLCertVerificationError:
            return False
        finally:
            listener.close()
    return True


@pytest.mark.parametrize("bits", [1024, 2048])
def test_a_short_rsa_leaf_fails_mta_sts_as_openssl_refuses_it(
    pki: Pki, tmp_path: Path, bits: int
) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    leaf = make_leaf(pki.inter, [HOST], rsa_bits=bits)
    tls = _serving(tmp_path, [leaf, pki.inter])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    short = bits < 2048
    assert _openssl_accepts(tls, bundle) is not short
    assert probe.mta_sts_ok is not short
    assert mtasts._probe_verdict(probe) == ("fail" if short else "ok")
    found = _findings(probe, under_sts=True)
    assert found["SMTP-09"].status == Status.PASS  # the chain itself is complete and trusted
    assert found["SMTP-11"].status == Status.PASS
    smtp14 = found["SMTP-14"]
    assert smtp14.status == (Status.FAIL if short else Status.PASS)
    if short:
        assert probe.verify_error == "weak-key"
        assert "1024-bit RSA" in smtp14.summary and "MTA-STS senders" in smtp14.summary


def test_a_short_rsa_intermediate_is_named(pki: Pki, tmp_path: Path) -> None:
    key = rsa.generate_private_key(65537, 1024)
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Short Key CA")])
    ca = Issued(
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(pki.root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=10))
        .not_valid_after(now + timedelta(days=300))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.root.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(pki.root.key, hashes.SHA256()),
        key,
    )
    leaf = make_leaf(ca, [HOST])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    # cryptography's verifier refuses a short key that signs: the path does not validate.
    result = certs.verify_chain([leaf.der, ca.der], HOST, bundle)
    assert not result.ok and result.trusted and result.name_ok
    tls = _serving(tmp_path, [leaf, ca])
    assert not _openssl_accepts(tls, bundle)
    smtp14 = _findings(run_probe(aiosmtpd_server(tls), bundle), under_sts=True)["SMTP-14"]
    assert (
        smtp14.status == Status.FAIL and "CN=Short Key CA has a 1024-bit RSA key" in smtp14.summary
    )
