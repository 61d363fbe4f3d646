"""checks/certs.py: name matching (RFC 9525), facts, chain verification, TLSA association data.

Certificates are minted here with `cryptography`; test_starttls and test_dane reuse `Pki`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs

NOW = datetime.now(UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _ski(key: object) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())  # type: ignore[attr-defined]


def make_ca(cn: str, issuer: Issued | None = None, *, expired: bool = False) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    # An expired CA still outlives nothing it issued in the past: 400 days back to 2 days ago.
    nb, na = NOW - timedelta(days=400 if expired else 365), NOW + timedelta(days=3650)
    if expired:
        na = NOW - timedelta(days=2)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(nb)
        .not_valid_after(na)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(_ski(key), critical=False)
    )
    signer = issuer.key if issuer else key
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def make_leaf(
    issuer: Issued | None,
    sans: list[str] | None,
    *,
    cn: str = "leaf",
    days: int = 60,
    expired: bool = False,
    rsa_bits: int | None = None,
) -> Issued:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    key = (
        rsa.generate_private_key(65537, rsa_bits)
        if rsa_bits
        else ec.generate_private_key(ec.SECP256R1())
    )
    if expired:
        nb, na = NOW - timedelta(days=90), NOW - timedelta(days=1)
    else:
        nb, na = NOW - timedelta(days=1), NOW + timedelta(days=days)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(nb)
        .not_valid_after(na)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_ski(key), critical=False)
    )
    if sans is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


@dataclass
class Pki:
    root: Issued = field(default_factory=lambda: make_ca("Test Root R1"))
    inter: Issued | None = None
    rogue: Issued = field(default_factory=lambda: make_ca("Rogue Root X"))

    def __post_init__(self) -> None:
        if self.inter is None:
            self.inter = make_ca("Test Issuing CA 1", self.root)

    def bundle(self, path: str) -> str:
        with open(path, "wb") as fh:
            fh.write(self.root.pem)
        return path

    def leaf(self, sans: list[str] | None, **kw: object) -> Issued:
        assert self.inter is not None
        return make_leaf(self.inter, sans, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


# --- name matching ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "ok"),
    [
        ("mx1.example.com", "mx1.example.com", True),
        ("MX1.Example.COM.", "mx1.example.com", True),
        ("*.example.com", "mx1.example.com", True),
        ("*.example.com", "mx.eu.example.com", False),  # one label only (F30a)
        ("*.example.com", "example.com", False),
        ("f*.example.com", "foo.example.com", False),  # partial-label wildcard
        ("*oo.example.com", "foo.example.com", False),
        ("mx1.*.example.com", "mx1.eu.example.com", False),
        ("*.com", "example.com", False),  # too broad
        ("", "example.com", False),
        ("example.com", "mx1.example.com", False),
    ],
)
def test_dns_id_matches(pattern: str, host: str, ok: bool) -> None:
    assert certs.dns_id_matches(pattern, host) is ok


def test_name_matches_uses_sans_not_cn(pki: Pki) -> None:
    # F30b: CN is the MX name, SAN only the domain: no match (RFC 9525, no CN-ID).
    leaf = pki.leaf(["f30b.lab.test"], cn="mx1.f30b.lab.test")
    assert not certs.name_matches(leaf.der, "mx1.f30b.lab.test")
    assert certs.name_matches(leaf.der, "f30b.lab.test")


def test_cn_only_matches_for_dane_ta_but_not_san(pki: Pki) -> None:
    # No subjectAltName at all: MTA-STS / PKIX (SMTP-11) need a SAN DNS-ID (RFC 8461 §4.2), so
    # san_matches refuses; DANE-TA still accepts the CN then (RFC 7672 §3.2.3).
    leaf = pki.leaf(None, cn="mx1.example.com")
    assert not certs.san_matches(leaf.der, "mx1.example.com")
    assert certs.name_matches(leaf.der, "mx1.example.com")


def test_san_matches(pki: Pki) -> None:
    leaf = pki.leaf(["*.example.com"], cn="other.example.net")
    assert certs.san_matches(leaf.der, "mx1.example.com")
    assert not certs.san_matches(leaf.der, "other.example.net")
    assert not certs.san_matches(b"junk", "mx1.example.com")


def test_garbage_der_does_not_raise() -> None:
    assert not certs.name_matches(b"not a certificate", "mx.example.com")
    assert certs.cert_facts(b"\x30\x03\x02\x01\x00").subject.startswith("<unparsable")
    assert certs.tlsa_association(b"junk", 1, 1) is None


# --- facts --------------------------------------------------------------------------------------


def test_cert_facts(pki: Pki) -> None:
    leaf = pki.leaf(["mx1.example.com"], days=20)
    facts = certs.cert_facts(leaf.der)
    assert facts.sans == ["mx1.example.com"]
    assert facts.key_type == "EC secp256r1" and facts.key_size == 256
    assert facts.signature_hash == "sha256"
    assert facts.days_left in (19, 20)
    assert not facts.self_signed and "Test Issuing CA 1" in facts.issuer


def test_https_cert_info_is_the_same_facts_with_the_verify_error(pki: Pki) -> None:
    from checks.https import cert_info

    leaf = pki.leaf(["mta-sts.example.com"], days=20)
    info = cert_info(leaf.der, "Hostname mismatch")
    assert info is not None and info.verify_error == "Hostname mismatch"
    facts = certs.cert_facts(leaf.der).to_dict()
    assert {k: v for k, v in info.to_dict().items() if k != "verify_error"} == facts
    assert cert_info(b"junk") == cert_info(b"junk", "") and cert_info(b"") is None
    assert cert_info(b"junk").verify_error == "unparsable certificate"  # type: ignore[union-attr]


# --- chain verification -------------------------------------------------------------------------


def test_verify_good_chain(pki: Pki, tmp_path) -> None:
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    leaf = pki.leaf(["mx1.example.com"])
    assert pki.inter is not None
    result = certs.verify_chain([leaf.der, pki.inter.der], "mx1.example.com", bundle)
    assert result.ok and result.error is None and result.complete


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("expired", "expired"),
        ("wrong-name", "name-mismatch"),
        ("cn-only", "name-mismatch"),  # trusted, but no SAN DNS-ID: a name problem (SMTP-11)
        ("leaf-only", "incomplete-chain"),
        ("self-signed", "self-signed"),
        ("rogue", "untrusted"),
    ],
)
def test_verify_failure_reasons(pki: Pki, tmp_path, case: str, error: str) -> None:
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    assert pki.inter is not None
    host = "mx1.example.com"
    if case == "expired":
        chain = [pki.leaf([host], expired=True).der, pki.inter.der]
    elif case == "wrong-name":
        chain = [pki.leaf(["other.example.com"]).der, pki.inter.der]
    elif case == "cn-only":
        chain = [pki.leaf(None, cn=host).der, pki.inter.der]
    elif case == "leaf-only":
        chain = [pki.leaf([host]).der]
    elif case == "self-signed":
        chain = [make_leaf(None, [host], cn=host).der]
    else:
        rogue_inter = make_ca("Rogue Issuing", pki.rogue)
        chain = [make_leaf(rogue_inter, [host]).der, rogue_inter.der, pki.rogue.der]
    result = certs.verify_chain(chain, host, bundle)
    assert not result.ok
    assert result.error == error, result
    assert result.complete is (case != "leaf-only")


def test_verify_names_an_expired_intermediate(pki: Pki, tmp_path) -> None:
    # A current leaf under an expired intermediate: the reason names the CA certificate, not
    # the verifier's "candidates exhausted: cert is not valid at validation time".
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    host = "mx1.example.com"
    stale = make_ca("Stale Issuing CA", pki.root, expired=True)
    result = certs.verify_chain([make_leaf(stale, [host]).der, stale.der], host, bundle)
    assert not result.ok and result.trusted and result.complete
    assert result.error == "expired" and not result.expired  # the leaf itself is current
    assert result.expired_ca == "CN=Stale Issuing CA"
    assert "'CN=Stale Issuing CA' expired on" in result.detail


def test_verify_does_not_blame_a_stray_expired_certificate(pki: Pki, tmp_path) -> None:
    # An expired certificate that issues nothing on the leaf's path changes nothing.
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    assert pki.inter is not None
    host = "mx1.example.com"
    stray = make_ca("Stale Other CA", pki.root, expired=True)
    result = certs.verify_chain([pki.leaf([host]).der, pki.inter.der, stray.der], host, bundle)
    assert result.ok and result.expired_ca == ""


# --- TLSA ---------------------------------------------------------------------------------------


def test_tlsa_association_and_match(pki: Pki) -> None:
    leaf = pki.leaf(["mx1.example.com"])
    spki = leaf.cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert certs.tlsa_association(leaf.der, 1, 1) == hashlib.sha256(spki).digest()
    assert certs.tlsa_association(leaf.der, 0, 2) == hashlib.sha512(leaf.der).digest()
    assert certs.tlsa_association(leaf.der, 0, 0) == leaf.der
    assert certs.tlsa_association(leaf.der, 1, 0) == spki
    assert certs.tlsa_association(leaf.der, 2, 1) is None
    assert certs.tlsa_matches(leaf.der, 1, 1, hashlib.sha256(spki).digest())
    assert not certs.tlsa_matches(leaf.der, 1, 1, b"\x00" * 32)
    text = certs.tlsa_record_text(leaf.der)
    assert text == "3 1 1 " + hashlib.sha256(spki).hexdigest().upper()


def test_verify_root_sent_in_place_of_the_intermediate_is_an_incomplete_chain(
    pki: Pki, tmp_path
) -> None:
    # A common misconfiguration: the server sends leaf + root and omits the intermediate. The
    # leaf is from a trusted CA; the chain is incomplete (SMTP-09), not a private CA (SMTP-16).
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    host = "mx1.example.com"
    result = certs.verify_chain([pki.leaf([host]).der, pki.root.der], host, bundle)
    assert not result.ok and not result.complete
    assert result.error == "incomplete-chain", result
    assert "CN=Test Issuing CA 1" in result.detail


def test_verify_chain_sent_out_of_order_with_its_root_is_valid(pki: Pki, tmp_path) -> None:
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    assert pki.inter is not None
    host = "mx1.example.com"
    chain = [pki.leaf([host]).der, pki.root.der, pki.inter.der]
    assert certs.verify_chain(chain, host, bundle).ok


def test_a_san_with_a_trailing_dot_matches_no_host(pki: Pki, tmp_path) -> None:
    # "mx1.example.com." is not in the preferred name syntax (RFC 5280 §4.2.1.6); PKIX
    # verifiers (OpenSSL, Go, cryptography) do not match it, so SMTP-11 must not pass it while
    # SMTP-09's verifier fails it: a name mismatch, the chain itself being fine.
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    assert pki.inter is not None
    host = "mx1.example.com"
    leaf = pki.leaf([host + "."])
    assert not certs.san_matches(leaf.der, host)
    result = certs.verify_chain([leaf.der, pki.inter.der], host, bundle)
    assert (result.ok, result.error, result.trusted) == (False, "name-mismatch", True)
