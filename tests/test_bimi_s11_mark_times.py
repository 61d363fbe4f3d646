"""BIMI-10: the validity of the mark certificate and its CA certificates, to the second in UTC.

A mark certificate published the moment it was issued (or read by a checker whose clock runs
behind the issuer's) starts a few seconds after our clock: within certs.NOT_BEFORE_SKEW it is
judged as of its notBefore, with its CA certificates, as certs.verify_chain and DANE-TA judge a
leaf. Beyond that, and for every expiry (no grace), the problem says the time to the second:
"not valid before 2026-10-31" read as a contradiction on the day it was checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from checks import bimi, certs
from tests.lab.pki import Issued
from tests.test_bimi import GOOD_SVG, PKI, D, mint


def dt_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _dates(pem: bytes) -> list[tuple[datetime, datetime]]:
    return [
        (c.not_valid_before_utc, c.not_valid_after_utc)
        for c in x509.load_pem_x509_certificates(pem)
    ]


def test_a_mark_certificate_starting_within_the_skew_is_judged_as_of_its_start() -> None:
    pem = mint()
    (starts, _), *issuers = _dates(pem)
    # The lab's CA certificates start within seconds of the mark certificate: all of them are
    # ahead of a clock a minute behind, and none is valid any later than the leaf's start.
    assert all(start <= starts for start, _ in issuers)
    for ahead in (timedelta(seconds=1), timedelta(seconds=60), certs.NOT_BEFORE_SKEW):
        report = bimi.check_mark_certificate(pem, [D], GOOD_SVG, now=starts - ahead)
        assert report.problems == [], ahead


def test_a_mark_certificate_starting_beyond_the_skew_is_not_valid_before_its_start() -> None:
    # Its CA certificate starts 10 s before it, so at a clock more than the allowance behind
    # the mark certificate's start the CA certificate is not valid yet either. (The lab root's
    # own start depends on when the lab PKI was made, so it is not counted on here.)
    leaf_starts = dt_now() - timedelta(days=30)  # as mint() dates the mark certificate
    ca = _mark_ca(leaf_starts - timedelta(seconds=10), leaf_starts + timedelta(days=3650))
    pem = mint(issuer=ca)
    (starts, _), (ca_starts, _), *_ = _dates(pem)
    now = starts - certs.NOT_BEFORE_SKEW - timedelta(seconds=1)
    assert now < ca_starts
    problems = bimi.check_mark_certificate(pem, [D], GOOD_SVG, now=now).problems
    assert problems[0] == (
        f"the mark certificate is not valid before {certs.utc_text(starts)}, beyond the 5 "
        "minutes of clock difference allowed"
    )
    # The CA certificate gets no allowance of its own and is told with its own time.
    assert (
        f"the CA certificate 'CN=Short Mark CA' is not valid before {certs.utc_text(ca_starts)}"
        in problems[1:]
    )
    assert all(
        "the CA certificate" in p and "UTC" in p and "clock difference" not in p
        for p in problems[1:]
    )


def test_an_expired_mark_certificate_says_when_to_the_second() -> None:
    pem = mint(days=(-400, 300))
    (_, ends), *_ = _dates(pem)
    expired = bimi.check_mark_certificate(pem, [D], GOOD_SVG, now=ends + timedelta(seconds=1))
    assert expired.problems == [f"the mark certificate expired on {certs.utc_text(ends)}"]
    assert bimi.check_mark_certificate(pem, [D], GOOD_SVG, now=ends).problems == []


def _mark_ca(not_before: datetime, not_after: datetime) -> Issued:
    """A mark-issuing CA certificate under the lab root with these dates."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Short Mark CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(PKI.root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(PKI.root.key, hashes.SHA256())
    )
    return Issued(key, cert, [PKI.root.cert])


def test_the_skew_grants_no_expiry_any_grace() -> None:
    # Judged as of the mark certificate's start, a CA certificate that ends in the minute
    # before it has expired, though it is still current by our clock a minute behind.
    leaf_starts = dt_now() - timedelta(days=30)  # as mint() dates the mark certificate
    ca = _mark_ca(leaf_starts - timedelta(days=60), leaf_starts - timedelta(seconds=30))
    pem = mint(issuer=ca)
    (starts, _), (_, ca_ends), _ = _dates(pem)
    now = starts - timedelta(seconds=60)
    assert now < ca_ends < starts
    problems = bimi.check_mark_certificate(pem, [D], GOOD_SVG, now=now).problems
    assert problems == [
        f"the CA certificate 'CN=Short Mark CA' expired on {certs.utc_text(ca_ends)}"
    ]


def test_a_ca_certificate_gets_no_allowance_of_its_own() -> None:
    # The mark certificate is current; its CA certificate starts a minute after our clock.
    # Only the mark certificate's start gets the allowance (as certs.verify_chain and
    # DANE-TA), so the CA certificate is not valid yet, said to the second.
    now = dt_now()
    ca = _mark_ca(now + timedelta(seconds=60), now + timedelta(days=3650))
    pem = mint(issuer=ca)
    _, (ca_starts, _), _ = _dates(pem)
    problems = bimi.check_mark_certificate(pem, [D], GOOD_SVG, now=now).problems
    assert problems == [
        f"the CA certificate 'CN=Short Mark CA' is not valid before {certs.utc_text(ca_starts)}"
    ]
