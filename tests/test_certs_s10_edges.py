"""checks/certs.verify_chain on certificate edges real servers present (checklist SMTP-09/10):
a leaf whose notBefore is a little ahead of our clock, and a leaf that asserts cA=TRUE.

Certificates are minted here; `now` is passed explicitly so the clock is the test's own."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks import certs
from tests.test_certs import Issued, Pki

HOST = "mx1.example.com"

# A notBefore with seconds, a month back: the test CAs (tests/test_certs.make_ca) are valid from
# a year before the clock, so a fixed date would fall before them a year on (it broke on
# 2027-03-01 with 2026-03-01 here).
START = datetime.combine(datetime.now(UTC).date() - timedelta(days=30), time(12, 0, 30), UTC)


def mint(
    issuer: Issued | None,
    *,
    not_before: datetime,
    days: int = 90,
    ca: bool = False,
    key_usage: bool = False,
    signs: bool = True,
    host: str = HOST,
) -> Issued:
    """A leaf for `host` issued by `issuer` (self-signed without one), valid from `not_before`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
    )
    if key_usage:
        # What `openssl req -x509` style CA-flagged server certificates tend to carry.
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=signs,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: object) -> str:
    return pki.bundle(f"{tmp_path}/ca.pem")


# --- notBefore ahead of our clock --------------------------------------------------------------


@pytest.mark.parametrize(
    "ahead", [timedelta(seconds=1), timedelta(seconds=60), timedelta(minutes=5)]
)
def test_a_leaf_starting_within_the_skew_validates(pki: Pki, bundle: str, ahead: timedelta) -> None:
    # Issued and installed at once by a CA that does not backdate notBefore, checked by a
    # clock a little behind the CA's: valid, flagged, and not "not yet valid".
    start = START
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=start)
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle, now=start - ahead)
    assert result.ok and result.error is None, result
    assert result.starts_within_skew


def test_a_leaf_starting_past_the_skew_is_not_yet_valid_to_the_second(
    pki: Pki, bundle: str
) -> None:
    start = START
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=start)
    late = start - certs.NOT_BEFORE_SKEW - timedelta(seconds=1)
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle, now=late)
    assert not result.ok and result.error == "not-yet-valid"
    assert not result.starts_within_skew
    # The time, in UTC, not only the date: "not valid before <today>" says nothing useful.
    assert result.detail == f"not valid before {start:%Y-%m-%d} 12:00:30 UTC"


def test_no_grace_after_not_after(pki: Pki, bundle: str) -> None:
    # The skew is for notBefore only: a certificate a minute past its notAfter has expired.
    start = START
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=start, days=10)
    after = leaf.cert.not_valid_after_utc + timedelta(minutes=1)
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle, now=after)
    assert not result.ok and result.error == "expired"


def test_a_leaf_already_valid_is_not_flagged(pki: Pki, bundle: str) -> None:
    start = START
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=start)
    result = certs.verify_chain(
        [leaf.der, pki.inter.der], HOST, bundle, now=start + timedelta(seconds=1)
    )
    assert result.ok and not result.starts_within_skew


# --- basicConstraints cA=TRUE on the leaf ------------------------------------------------------


@pytest.mark.parametrize("key_usage", [False, True])
def test_a_ca_flagged_leaf_from_a_trusted_ca_validates_and_is_flagged(
    pki: Pki, bundle: str, key_usage: bool
) -> None:
    # OpenSSL (Postfix, Exim) accepts it; cryptography's verifier alone rejects it, which
    # must not make it "does not validate": the disagreement is reported by SMTP-09.
    now = datetime.now(UTC)
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=now - timedelta(days=1), ca=True, key_usage=key_usage)
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle)
    assert result.ok and result.error is None, result
    assert result.leaf_is_ca


def test_a_ca_flagged_leaf_whose_key_usage_allows_no_tls_is_invalid(pki: Pki, bundle: str) -> None:
    # keyUsage keyCertSign alone: no TLS library lets a server sign a handshake with it.
    now = datetime.now(UTC)
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=now - timedelta(days=1), ca=True, key_usage=True, signs=False)
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle)
    assert not result.ok and result.error == "invalid"


def test_a_ca_flagged_leaf_keeps_its_other_faults(pki: Pki, bundle: str) -> None:
    now = datetime.now(UTC)
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=now - timedelta(days=1), ca=True)
    # Wrong name, missing intermediate: each still reported as such.
    wrong = certs.verify_chain([leaf.der, pki.inter.der], "mx2.example.com", bundle)
    assert not wrong.ok and wrong.error == "name-mismatch"
    alone = certs.verify_chain([leaf.der], HOST, bundle)
    assert not alone.ok and alone.error == "incomplete-chain"
    # A self-signed CA:TRUE certificate (what `openssl req -x509` makes) stays self-signed.
    own = mint(None, not_before=now - timedelta(days=1), ca=True)
    selfsigned = certs.verify_chain([own.der], HOST, bundle)
    assert not selfsigned.ok and selfsigned.error == "self-signed"


def test_an_ordinary_leaf_is_not_flagged_as_ca(pki: Pki, bundle: str) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([HOST])
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle)
    assert result.ok and not result.leaf_is_ca
