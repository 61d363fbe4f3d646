"""checks/certs.py on certificates the Web PKI no longer issues but servers still present.

SHA-1 signatures: cryptography (like OpenSSL 3 at its default security level) no longer signs
or verifies them, so they are minted here by signing the TBSCertificate by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs
from tests.test_certs import Pki

NOW = datetime.now(UTC)

# DER of the AlgorithmIdentifier OIDs: same length, so one can stand in for the other.
_SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
_SHA1_WITH_RSA = bytes.fromhex("06092a864886f70d010105")


def _der(tag: int, body: bytes) -> bytes:
    if len(body) < 0x80:
        return bytes([tag, len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _with_sha1(cert: x509.Certificate, signer: rsa.RSAPrivateKey) -> x509.Certificate:
    """`cert` as its issuer (`signer`) would have signed it with SHA-1."""
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(_SHA256_WITH_RSA) == 1
    tbs = tbs.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA)
    signature = signer.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    algorithm = _der(0x30, _SHA1_WITH_RSA + b"\x05\x00")
    body = tbs + algorithm + _der(0x03, b"\x00" + signature)
    return x509.load_der_x509_certificate(_der(0x30, body))


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    cn: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None,
    *,
    ca: bool,
    sans: list[str] | None = None,
    sha1: bool = False,
) -> x509.Certificate:
    issuer_name = issuer[0].subject if issuer else _name(cn)
    signer = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW + timedelta(days=300 if not ca else 3000))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()), False
        )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    cert = builder.sign(signer, hashes.SHA256())
    return _with_sha1(cert, signer) if sha1 else cert


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def _der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _bundle(tmp_path: Path, *roots: x509.Certificate) -> str:
    path = tmp_path / "roots.pem"
    path.write_bytes(b"".join(r.public_bytes(serialization.Encoding.PEM) for r in roots))
    return str(path)


HOST = "mx1.example.com"


def test_a_sha1_signed_leaf_is_named_not_called_a_missing_intermediate(tmp_path: Path) -> None:
    # The server sends its intermediate; what breaks the path is the leaf's SHA-1 signature
    # (OpenSSL 3 refuses it at its default security level). "Did not send the issuer" sent
    # the administrator after a certificate the server already sends.
    root_key, inter_key = _key(), _key()
    root = _cert("Test Root R1", root_key, None, ca=True)
    inter = _cert("Test Issuing CA 1", inter_key, (root, root_key), ca=True)
    leaf = _cert("leaf", _key(), (inter, inter_key), ca=False, sans=[HOST], sha1=True)
    assert certs.signature_hash_name(leaf) == "sha1"
    result = certs.verify_chain([_der_of(leaf), _der_of(inter)], HOST, _bundle(tmp_path, root))
    assert not result.ok and result.complete
    assert result.error == "invalid", result
    assert "'CN=leaf' is signed with SHA-1" in result.detail


def test_a_sha1_signed_intermediate_is_named_not_called_a_private_ca(tmp_path: Path) -> None:
    # Issued by a trusted root, so "does not chain to a trusted root" (SMTP-16 'self-signed or
    # private-CA certificate') is not what is wrong: the intermediate's SHA-1 signature is.
    root_key, inter_key = _key(), _key()
    root = _cert("Test Root R1", root_key, None, ca=True)
    inter = _cert("Test Issuing SHA1", inter_key, (root, root_key), ca=True, sha1=True)
    leaf = _cert("leaf", _key(), (inter, inter_key), ca=False, sans=[HOST])
    result = certs.verify_chain([_der_of(leaf), _der_of(inter)], HOST, _bundle(tmp_path, root))
    assert not result.ok and result.complete
    assert result.error == "invalid", result
    assert "'CN=Test Issuing SHA1' is signed with SHA-1" in result.detail


def test_a_root_with_a_sha1_self_signature_still_anchors_the_chain(tmp_path: Path) -> None:
    # Old roots in the Mozilla bundle carry SHA-1 self-signatures; nobody checks those.
    root_key, inter_key = _key(), _key()
    root = _cert("Old Root", root_key, None, ca=True, sha1=True)
    inter = _cert("Test Issuing CA 2", inter_key, (root, root_key), ca=True)
    leaf = _cert("leaf", _key(), (inter, inter_key), ca=False, sans=[HOST])
    bundle = _bundle(tmp_path, root)
    result = certs.verify_chain([_der_of(leaf), _der_of(inter), _der_of(root)], HOST, bundle)
    assert result.ok and result.error is None, result


# --- host names cryptography's verifier will not take ---------------------------------------


def _ec_pki(tmp_path: Path) -> tuple[Pki, str]:
    pki = Pki()
    return pki, pki.bundle(str(tmp_path / "ca.pem"))


def test_a_wildcard_does_not_stand_for_a_label_with_an_underscore(tmp_path: Path) -> None:
    # OpenSSL's X509_check_host (Postfix, Exim) matches "*" against letters, digits and
    # hyphens only: a wildcard certificate is not valid for MX mail_gw.example.com. That is
    # SMTP-11's name mismatch; it was SMTP-11 'valid' and SMTP-09 'invalid domain name'.
    assert not certs.dns_id_matches("*.example.com", "mail_gw.example.com")
    assert certs.dns_id_matches("*.example.com", "xn--bcher-kva.example.com")
    pki, bundle = _ec_pki(tmp_path)
    assert pki.inter is not None
    chain = [pki.leaf(["*.example.com"]).der, pki.inter.der]
    result = certs.verify_chain(chain, "mail_gw.example.com", bundle)
    assert (result.ok, result.error, result.trusted, result.name_ok) == (
        False,
        "name-mismatch",
        True,
        False,
    ), result


def test_a_host_name_with_an_underscore_named_in_the_certificate_validates(tmp_path: Path) -> None:
    # OpenSSL matches the SAN "mail_gw.example.com" exactly; cryptography's verifier refuses
    # the name itself ("invalid domain name"), which is no fault of the server's chain.
    pki, bundle = _ec_pki(tmp_path)
    assert pki.inter is not None
    host = "mail_gw.example.com"
    for sans in ([host], [host, "example.com"]):
        result = certs.verify_chain([pki.leaf(sans).der, pki.inter.der], host, bundle)
        assert result.ok and result.error is None, (sans, result)
    other = certs.verify_chain([pki.leaf([host]).der, pki.inter.der], "mail_gx.example.com", bundle)
    assert other.error == "name-mismatch", other


def test_a_host_written_with_a_trailing_dot_or_in_capitals_is_the_same_host(tmp_path: Path) -> None:
    pki, bundle = _ec_pki(tmp_path)
    assert pki.inter is not None
    chain = [pki.leaf(["mx1.example.com"]).der, pki.inter.der]
    for host in ("mx1.example.com.", "MX1.Example.COM"):
        result = certs.verify_chain(chain, host, bundle)
        assert result.ok and result.error is None, (host, result)
