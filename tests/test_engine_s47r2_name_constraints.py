"""Review s47r2 of 774bedc9: SMTP-09's name-constraint words name the subtree broken.

774bedc9 named the first CA certificate on the path carrying nameConstraints, and its permitted
subtrees when it had any, whatever the leaf broke: a CA permitting example.com but excluding
internal.example.com, asked for mx.internal.example.com, read "may issue only for names under
example.com ..., and the certificate names mx.internal.example.com", a name under example.com.
The words now name the subtree the leaf's DNS names break (RFC 5280 §4.2.1.10: a DNS subtree
is the name and every name made by adding labels to its left; an excluded subtree wins over a
permitted one), and only the names that break it. No network: certificates made here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs

NOW = dt.datetime.now(dt.UTC)
Key = ec.EllipticCurvePrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    cn: str,
    key: Key,
    issuer: str,
    signer: Key,
    *,
    sans: list[str] | None = None,
    constraints: x509.NameConstraints | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=sans is None, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
    )
    if sans is None:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False)
    builder = builder.add_extension(usage, critical=True)
    if constraints is not None:
        builder = builder.add_extension(constraints, critical=True)
    return builder.sign(signer, hashes.SHA256())


def _detail(tmp_path: Path, constraints: x509.NameConstraints, sans: list[str]) -> str:
    root_key, ca_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _cert("Root", root_key, "Root", root_key)
    ca = _cert("Corp CA", ca_key, "Root", root_key, constraints=constraints)
    leaf = _cert("mx", leaf_key, "Corp CA", ca_key, sans=sans)
    bundle = tmp_path / "root.pem"
    bundle.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    der = [c.public_bytes(serialization.Encoding.DER) for c in (leaf, ca)]
    result = certs.verify_chain(der, sans[0], str(bundle))
    assert not result.ok and result.error == "invalid", result
    return result.detail


def test_the_excluded_subtree_a_permitted_name_falls_in_is_the_one_named(tmp_path: Path) -> None:
    nc = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("example.com")],
        excluded_subtrees=[x509.DNSName("internal.example.com")],
    )
    detail = _detail(tmp_path, nc, ["mx.internal.example.com"])
    assert "may issue only for names under example.com" not in detail, detail
    assert detail == (
        "the CA certificate 'CN=Corp CA' may not issue for names under internal.example.com "
        "(its nameConstraints, RFC 5280 §4.2.1.10), and the certificate names "
        "mx.internal.example.com"
    ), detail


def test_the_names_outside_the_permitted_subtree_are_the_ones_named(tmp_path: Path) -> None:
    nc = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None
    )
    detail = _detail(tmp_path, nc, ["mx.example.com", "mx.other.test"])
    assert detail == (
        "the CA certificate 'CN=Corp CA' may issue only for names under example.com (its "
        "nameConstraints, RFC 5280 §4.2.1.10), and the certificate names mx.other.test"
    ), detail
