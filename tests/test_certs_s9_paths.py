"""checks/certs.py: the reason a chain fails, when the server sends its chain the way real
servers do — out of order, with a stray extra certificate — and the leaf has no DNS-ID the
verifier can check the path with (only IP SANs, only a CN) or expired before its CA
certificate was re-issued. The path is the leaf's own through what was sent, in any order
(RFC 5280 §6; RFC 8446 §4.4.2 lets servers send extra certificates and any order)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs, starttls
from checks.config import CheckConfig
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Issued, Pki, make_ca

NOW = datetime.now(UTC)
HOST = "mx1.example.com"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(
    issuer: Issued,
    *,
    cn: str,
    ca: bool,
    not_before: datetime,
    not_after: datetime,
    sans: list[x509.GeneralName] | None = None,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), True
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), False)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)  # type: ignore[arg-type]


def _leaf(issuer: Issued, sans: list[x509.GeneralName] | None, cn: str = "leaf") -> Issued:
    return _issue(
        issuer,
        cn=cn,
        ca=False,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=60),
        sans=sans,
    )


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


IP_ONLY = [x509.IPAddress(ipaddress.ip_address("192.0.2.25"))]


@pytest.mark.parametrize("order", ["root-before-intermediate", "stray-extra", "stray-first"])
@pytest.mark.parametrize("kind", ["ip-only", "cn-only"])
def test_a_leaf_without_the_name_is_a_name_problem_however_the_chain_is_sent(
    pki: Pki, bundle: str, order: str, kind: str
) -> None:
    assert pki.inter is not None
    leaf = _leaf(pki.inter, IP_ONLY) if kind == "ip-only" else _leaf(pki.inter, None, cn=HOST)
    stray = make_ca("Unrelated Issuing CA", pki.rogue)
    chain = {
        "root-before-intermediate": [leaf, pki.root, pki.inter],
        "stray-extra": [leaf, pki.inter, stray],
        "stray-first": [leaf, stray, pki.inter],
    }[order]
    result = certs.verify_chain([c.der for c in chain], HOST, bundle)
    assert (result.ok, result.error, result.trusted) == (False, "name-mismatch", True), result

    # As SMTP-xx: the chain is fine (SMTP-09, SMTP-16 pass); the name carries the failure.
    probe = starttls.SmtpProbe(host=HOST, address="192.0.2.25", chain_der=[c.der for c in chain])
    starttls._analyse_chain(CheckConfig(ca_bundle=bundle), probe)
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, HOST, {}, True, False)
    found = {f.id: f.status for f in out.findings}
    assert found["SMTP-09"] == Status.PASS
    assert found["SMTP-16"] == Status.PASS
    assert found["SMTP-11"] == Status.FAIL


def test_an_expired_leaf_older_than_its_reissued_ca_with_a_stray_certificate_is_expired(
    pki: Pki, bundle: str
) -> None:
    # The issuing CA certificate was re-issued after the leaf's mid-life, so no instant
    # validates the whole path; the leaf's own path still links to a root: "expired" (SMTP-10),
    # not "does not chain to a trusted root", with or without a stray extra certificate.
    young = _issue(
        pki.root,
        cn="Young Issuing CA",
        ca=True,
        not_before=NOW - timedelta(days=10),
        not_after=NOW + timedelta(days=1000),
    )
    leaf = _issue(
        young,
        cn="leaf",
        ca=False,
        not_before=NOW - timedelta(days=90),
        not_after=NOW - timedelta(days=1),
        sans=[x509.DNSName(HOST)],
    )
    stray = make_ca("Unrelated Issuing CA", pki.rogue)
    for chain in ([leaf, young], [leaf, young, stray], [leaf, pki.root, young]):
        result = certs.verify_chain([c.der for c in chain], HOST, bundle)
        assert (result.error, result.trusted, result.expired) == ("expired", True, True), result


def test_a_self_signed_leaf_or_a_private_ca_stays_untrusted(pki: Pki, bundle: str) -> None:
    # The path must end at one of our roots; a rogue CA sent in full is not one.
    rogue_inter = make_ca("Rogue Issuing", pki.rogue)
    leaf = _leaf(rogue_inter, IP_ONLY)
    result = certs.verify_chain([leaf.der, pki.rogue.der, rogue_inter.der], HOST, bundle)
    assert (result.error, result.trusted) == ("untrusted", False)
