"""s37k: the trust store is read certificate by certificate. The system bundle holds a root
whose serial RFC 5280 forbids (cryptography 50 warns of it and says a future release refuses
it); read as one, a bundle with one refused certificate gave no roots at all, and every MX
chain would have read "not trusted"."""

from __future__ import annotations

import base64
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from checks import certs


def _root(name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _refused_block() -> bytes:
    """A PEM certificate block whose body no parser takes."""
    body = base64.encodebytes(b"\x30\x03\x02\x01\x00" + b"not a certificate" * 8)
    return b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"


def test_one_refused_certificate_costs_only_itself(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_root("s37k one") + _refused_block() + b"\n" + _root("s37k two"))
    names = [
        r.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        for r in certs.roots_for(str(bundle))
    ]
    assert names == ["s37k one", "s37k two"]


def test_a_bundle_of_good_roots_is_read_whole(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"# comment lines as Debian's bundle has none\n" + _root("a") + _root("b"))
    assert len(certs.roots_for(str(bundle))) == 2


def test_the_system_bundle_loads_without_the_serial_warning() -> None:
    # The warning is the trust store's, not the checked domain's: it is not shown on every run.
    certs._load_roots.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        roots = certs.roots_for(None)
    assert len(roots) > 50
