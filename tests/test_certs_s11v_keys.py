"""A key under 2048 bits, told where it is: a short-keyed leaf is the server's to reissue, a
short-keyed CA certificate is its CA's, so SMTP-14's fix says which (reissuing the leaf under
the same CA would change nothing). One rule decides what is short, for MTA-STS validation
(certs.verify_chain's 'weak-key') and SMTP-14 alike. Real STARTTLS probes on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from checks import certs, starttls
from checks.config import CheckConfig
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_certs_s11_keys import _serving
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _short_ca(pki: Pki, bits: int = 1024) -> Issued:
    """An intermediate CA under the test root with an RSA key of `bits`."""
    key = rsa.generate_private_key(65537, bits)
    now = datetime.now(UTC)
    return Issued(
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Short Key CA")]))
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


def test_a_short_leaf_is_to_be_reissued(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    tls = _serving(tmp_path, [make_leaf(pki.inter, [HOST], rsa_bits=1024), pki.inter])
    smtp14 = _findings(run_probe(aiosmtpd_server(tls), bundle), under_sts=True)["SMTP-14"]
    assert smtp14.status == Status.FAIL and "the leaf has a 1024-bit RSA key" in smtp14.summary
    assert smtp14.fix.startswith("Reissue the certificate")
    assert "2048" in smtp14.fix and "CA" not in smtp14.fix


def test_a_short_intermediate_asks_for_another_chain_not_a_new_leaf(
    pki: Pki, tmp_path: Path
) -> None:
    ca = _short_ca(pki)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    tls = _serving(tmp_path, [make_leaf(ca, [HOST]), ca])
    smtp14 = _findings(run_probe(aiosmtpd_server(tls), bundle), under_sts=True)["SMTP-14"]
    assert smtp14.status == Status.FAIL
    assert "CN=Short Key CA has a 1024-bit RSA key" in smtp14.summary
    assert "the leaf" not in smtp14.summary
    # The leaf (an ECDSA P-256 key, SHA-256) is fine: the CA's chain is what must change.
    assert "Reissue" not in smtp14.fix
    assert "chain from a CA whose keys are at least 2048 bits" in smtp14.fix


def test_a_short_leaf_under_a_short_intermediate_is_told_both(pki: Pki, tmp_path: Path) -> None:
    ca = _short_ca(pki)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    tls = _serving(tmp_path, [make_leaf(ca, [HOST], rsa_bits=1024), ca])
    smtp14 = _findings(run_probe(aiosmtpd_server(tls), bundle), under_sts=True)["SMTP-14"]
    assert "the leaf has a 1024-bit RSA key" in smtp14.summary
    assert "CN=Short Key CA has a 1024-bit RSA key" in smtp14.summary
    assert smtp14.fix.startswith("Reissue the certificate")
    assert "chain from a CA whose keys are at least 2048 bits" in smtp14.fix


def test_a_sha1_signed_intermediate_asks_for_another_chain() -> None:
    # This cryptography signs nothing with SHA-1, so the facts stand in for such a chain: the
    # root's signature on the CA certificate is SHA-1, the CA's to change, not the leaf's.
    leaf = certs.CertFacts(
        subject="CN=mx1",
        issuer="CN=SHA-1 CA",
        key_type="EC secp256r1",
        key_size=256,
        signature_hash="sha256",
    )
    ca = certs.CertFacts(
        subject="CN=SHA-1 CA",
        issuer="CN=Root",
        key_type="RSA",
        key_size=2048,
        signature_hash="sha1",
        is_ca=True,
    )
    probe = starttls.SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        tls_ok=True,
        tls_version="TLSv1.3",
        leaf=leaf,
        chain=[leaf, ca],
        verify_ok=True,
        name_ok=True,
    )
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, probe.subject, {}, under_sts=True, dane_ok=False)
    smtp14 = next(f for f in out.findings if f.id == "SMTP-14")
    assert smtp14.status == Status.FAIL and "CN=SHA-1 CA is signed with SHA1" in smtp14.summary
    assert "Reissue" not in smtp14.fix and "signed with SHA-256" in smtp14.fix


def _facts(issued: Issued) -> certs.CertFacts:
    return certs.facts_of(issued.cert)


def test_one_rule_says_which_keys_are_short(pki: Pki) -> None:
    assert pki.inter is not None
    cases = {
        "RSA 1024": (make_leaf(pki.inter, [HOST], rsa_bits=1024), True),
        "RSA 2048": (make_leaf(pki.inter, [HOST], rsa_bits=2048), False),
        "EC P-256": (make_leaf(pki.inter, [HOST]), False),
    }
    for name, (leaf, short) in cases.items():
        chain = [_facts(leaf), _facts(pki.inter), _facts(pki.root)]
        assert [c.subject for c in certs.short_keys(chain)] == (["CN=leaf"] if short else []), name
    # A short-keyed CA below the root counts; a self-signed root after the leaf does not (its
    # key is the trust store's business), while a self-signed leaf is judged as any leaf.
    ca = _short_ca(pki)
    chain = [_facts(make_leaf(ca, [HOST])), _facts(ca)]
    assert [c.subject for c in certs.short_keys(chain)] == ["CN=Short Key CA"]
    root_1024 = make_leaf(None, [HOST], cn="Old Root", rsa_bits=1024)
    assert certs.short_keys([_facts(make_leaf(pki.inter, [HOST])), _facts(root_1024)]) == []
    assert len(certs.short_keys([_facts(root_1024)])) == 1


@pytest.mark.parametrize("bits", [1024, 2048, None])
def test_mta_sts_validation_and_smtp14_agree_on_a_short_leaf(
    pki: Pki, tmp_path: Path, bits: int | None
) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    leaf = make_leaf(pki.inter, [HOST], rsa_bits=bits)
    probe = starttls.SmtpProbe(host=HOST, address="192.0.2.25", tls_ok=True)
    probe.chain_der = [leaf.der, pki.inter.der]
    starttls._analyse_chain(CheckConfig(ca_bundle=bundle), probe)
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, probe.subject, {}, under_sts=True, dane_ok=False)
    smtp14 = next(f for f in out.findings if f.id == "SMTP-14")
    weak = probe.verify_error == "weak-key"
    assert weak is (bits == 1024)
    assert (smtp14.status == Status.FAIL) is weak
