"""An expired cross-sign sent beside the current root it stands for (the long Let's Encrypt
chain: leaf, R3, ISRG Root X1 cross-signed by the expired DST Root CA X3) breaks no path, so
it is never blamed for a failure that has another cause. Real chains through a real STARTTLS
probe on 127.0.0.1; no lab."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs
from checks.findings import Status
from tests.test_certs import Issued
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings

NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    days: tuple[int, int] = (-30, 300),
    eku: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    """A CA certificate, or with `eku` a leaf for HOST with that extended key usage."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + dt.timedelta(days=days[0]))
        .not_valid_after(NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=eku is None, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if eku is None:
        usage = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


class _LongChain:
    """Root X1 (trusted), X1 cross-signed by an expired old root, R3 under X1, a leaf."""

    def __init__(self, tmp: Path, leaf_eku: x509.ObjectIdentifier) -> None:
        x1_key, old_key, r3_key, leaf_key = (
            ec.generate_private_key(ec.SECP256R1()) for _ in "1234"
        )
        self.x1 = _cert("X1", x1_key, "X1", x1_key, days=(-1000, 3000))
        self.x1_cross = _cert("X1", x1_key, "Old Root", old_key, days=(-1000, -10))
        self.r3 = Issued(_cert("R3", r3_key, "X1", x1_key), r3_key)
        self.leaf = Issued(
            _cert("mx", leaf_key, "R3", r3_key, days=(-1, 60), eku=leaf_eku), leaf_key
        )
        self.bundle = tmp / "x1.pem"
        self.bundle.write_bytes(_pem(self.x1))

    @property
    def sent(self) -> list[bytes]:
        return [self.leaf.der, self.r3.der, _der(self.x1_cross)]


def test_the_long_chain_validates(tmp_path: Path) -> None:
    chain = _LongChain(tmp_path, ExtendedKeyUsageOID.SERVER_AUTH)
    assert certs.verify_chain(chain.sent, HOST, str(chain.bundle)).ok


def test_a_leaf_failing_for_another_reason_is_not_blamed_on_the_expired_cross_sign(
    tmp_path: Path,
) -> None:
    # A leaf for client authentication only: the path fails on its EKU, which is what SMTP-09
    # must say; the expired X1 cross-sign is not on any path a verifier builds.
    chain = _LongChain(tmp_path, ExtendedKeyUsageOID.CLIENT_AUTH)
    result = certs.verify_chain(chain.sent, HOST, str(chain.bundle))
    assert not result.ok and result.error == "invalid"
    assert result.expired_ca == "" and "extendedKeyUsage" in result.detail
    x1_cross = Issued(chain.x1_cross, ec.generate_private_key(ec.SECP256R1()))  # key unused
    tls = _server_context(tmp_path, [chain.leaf, chain.r3, x1_cross])
    probe = run_probe(aiosmtpd_server(tls), str(chain.bundle))
    smtp09 = _findings(probe, under_sts=True)["SMTP-09"]
    assert smtp09.status == Status.FAIL
    assert "expired CA certificate" not in smtp09.summary and "extendedKeyUsage" in smtp09.summary
    assert smtp09.fix and "X1" not in smtp09.fix


def test_an_expired_intermediate_without_a_current_twin_is_still_named(tmp_path: Path) -> None:
    chain = _LongChain(tmp_path, ExtendedKeyUsageOID.SERVER_AUTH)
    r3_key = chain.r3.key
    assert isinstance(r3_key, ec.EllipticCurvePrivateKey)
    x1_key = ec.generate_private_key(ec.SECP256R1())
    x1 = _cert("X1", x1_key, "X1", x1_key, days=(-1000, 3000))
    stale_r3 = _cert("R3", r3_key, "X1", x1_key, days=(-900, -5))
    leaf = _cert(
        "mx",
        ec.generate_private_key(ec.SECP256R1()),
        "R3",
        r3_key,
        eku=ExtendedKeyUsageOID.SERVER_AUTH,
    )
    bundle = tmp_path / "own.pem"
    bundle.write_bytes(_pem(x1))
    result = certs.verify_chain([_der(leaf), _der(stale_r3)], HOST, str(bundle))
    assert result.error == "expired" and result.expired_ca == "CN=R3"
