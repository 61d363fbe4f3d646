"""A leaf whose name the verifier cannot take (only an IP SAN), sent with the chain many CAs
send: leaf, intermediate, and the root cross-signed by an older root no longer trusted. The
path meets our root at the intermediate: trusted, and the name is the problem (SMTP-11), not
a missing intermediate (SMTP-09)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs

NOW = dt.datetime.now(dt.UTC)


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    san: list[x509.GeneralName] | None = None,
    days: tuple[int, int] = (-30, 300),
) -> x509.Certificate:
    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + dt.timedelta(days=days[0]))
        .not_valid_after(NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(usage, critical=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        builder = builder.add_extension(x509.SubjectAlternativeName(san or []), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_a_cross_signed_root_sent_after_the_intermediate_does_not_hide_the_anchor(
    tmp_path: Path,
) -> None:
    keys = {n: ec.generate_private_key(ec.SECP256R1()) for n in ("old", "root", "int", "leaf")}
    root = _cert("New Root", keys["root"], "New Root", keys["root"], ca=True, days=(-3000, 3000))
    cross = _cert("New Root", keys["root"], "Old Root", keys["old"], ca=True, days=(-3000, 300))
    inter = _cert("Issuing CA", keys["int"], "New Root", keys["root"], ca=True)
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    leaf = _cert(
        "mx.example.com",
        keys["leaf"],
        "Issuing CA",
        keys["int"],
        ca=False,
        san=[x509.IPAddress(ipaddress.ip_address("192.0.2.25"))],
    )
    for chain in ([leaf, inter], [leaf, inter, cross], [leaf, cross, inter]):
        result = certs.verify_chain([_der(c) for c in chain], "mx.example.com", str(bundle))
        assert (result.ok, result.trusted, result.error) == (False, True, "name-mismatch"), chain
