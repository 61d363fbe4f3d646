"""The lab's `chain = "name-constrained-intermediate"` (blind round s47c): a current leaf from
Lab Issuing CA 5, whose critical nameConstraints permit only corp.test (RFC 5280 §4.2.1.10).

s41i could not express a name-constraint violation; every other part of this path (dates,
signatures, key usage) is sound, so only the constraint breaks it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from tests.lab.pki import LabPKI
from tests.lab.scenarios import CertSpec

CHAIN = "name-constrained-intermediate"


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def test_the_constrained_ca_permits_only_corp_test_and_is_otherwise_current() -> None:
    pki = LabPKI()
    host = "mx.nc.lab.test"
    issued = pki.leaf(host, host, CertSpec(sans=(host,), chain=CHAIN))
    (ca,) = issued.chain
    assert ca.subject.rfc4514_string() == "CN=Lab Issuing CA 5,O=mailsec lab"
    assert issued.cert.issuer == ca.subject
    assert ca.not_valid_before_utc < pki.now < ca.not_valid_after_utc
    ext = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert ext.critical
    assert ext.value.permitted_subtrees == [x509.DNSName("corp.test")]
    assert ext.value.excluded_subtrees is None
    # TLSA placeholders name it constrained-ca.
    assert (
        pki.tlsa_data(1, 0, "constrained-ca")
        == ca.public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        .hex()
        .upper()
    )


def test_both_verifiers_refuse_the_path_for_the_constraint(tmp_path: Path) -> None:
    pki = LabPKI()
    host = "mx.nc.lab.test"
    issued = pki.leaf(host, host, CertSpec(sans=(host,), chain=CHAIN))
    verifier = (
        PolicyBuilder()
        .store(Store([pki.root.cert]))
        .time(pki.now)
        .build_server_verifier(x509.DNSName(host))
    )
    try:
        verifier.verify(issued.cert, issued.chain)
    except VerificationError as exc:
        assert "constraint" in str(exc).lower()
    else:
        raise AssertionError("the name constraint did not break the path")
    # OpenSSL (what the engine's ssl module and Postfix use) says the same.
    (tmp_path / "root.pem").write_bytes(_pem(pki.root.cert))
    (tmp_path / "ca.pem").write_bytes(_pem(issued.chain[0]))
    (tmp_path / "leaf.pem").write_bytes(_pem(issued.cert))
    out = subprocess.run(
        ["openssl", "verify", "-CAfile", "root.pem", "-untrusted", "ca.pem", "leaf.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode != 0
    assert "permitted subtree violation" in out.stdout + out.stderr
    # The same CA's leaf for a name under corp.test verifies: only the constraint is at fault.
    other = pki.leaf("mx.corp.test", "mx.corp.test", CertSpec(sans=("mx.corp.test",), chain=CHAIN))
    (tmp_path / "other.pem").write_bytes(_pem(other.cert))
    ok = subprocess.run(
        ["openssl", "verify", "-CAfile", "root.pem", "-untrusted", "ca.pem", "other.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
