"""DKIM key-record grammar corners (RFC 6376 §3.2 tag-list ABNF, §3.6.1 key tags; RFC 8301;
RFC 8463), each with the outcome the RFCs and checklist §5 give, run through the engine.

§3.2: tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]; tag-name = ALPHA
*ALNUMPUNC (letters, digits, "_"); tag-value may be empty; "Tags MUST be interpreted in a
case-sensitive manner"; a repeated tag name makes the entire tag-list invalid.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from checks import dkim
from checks.findings import Status
from tests.test_dkim import ed_b64, rsa_b64
from tests.test_spf import flagged, run

D = "example.com"


@functools.cache
def certificate_b64() -> str:
    """A whole self-signed X.509 certificate (DER, base64) around a 2048-bit RSA key: what
    some owners paste into p= instead of the public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, D)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


# cryptography refuses to make RSA keys under 1024 bits: the checklist's 512-bit key (F40).
RSA_512 = (
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK7WQCS+GOHbPAtKpSvu9BPb2GjFyDfQ3xcPt7Ap9n63QdLLJJCpKibR"
    "vi767NzF0Z18WAoiqb3kx0JLp3w1axsCAwEAAQ=="
)


def spaced(text: str, every: int = 64) -> str:
    return " ".join(text[i : i + every] for i in range(0, len(text), every))


# Placeholders are filled in at run time: {rsa}, {rsa512}, {rsa1024}, {rsa_spaced}, {pkcs1}, {ed}, {ed_spki}, {cert}.
# (record, fails, warns, infos that must be there, why)
CASES: list[tuple[str, set[str], set[str], set[str], str]] = [
    ("v=DKIM1; k=rsa; p={rsa}", set(), set(), set(), "the good record"),
    ("p={rsa}", set(), set(), set(), "v= and k= are optional"),
    ("v=DKIM1; p={pkcs1}", set(), set(), set(), "a bare RSAPublicKey (erratum 3017)"),
    ("v=DKIM1; k=rsa; p={rsa};", set(), set(), set(), "a trailing ';'"),
    ("v = DKIM1 ; k = rsa ; p = {rsa}", set(), set(), set(), "FWS around '=' and ';'"),
    ("v=DKIM1;\tk=rsa;\tp={rsa}", set(), set(), set(), "tabs are FWS"),
    ("v=DKIM1;k=rsa;p={rsa}", set(), set(), set(), "no FWS at all"),
    ("v=DKIM1; p={rsa_spaced}", set(), set(), set(), "FWS inside the base64 of p="),
    # v= (DKIM-04).
    ("k=rsa; v=DKIM1; p={rsa}", {"DKIM-04"}, set(), set(), "v= must be first"),
    ("v=DKIM1.0; p={rsa}", {"DKIM-04"}, set(), set(), "DKIM1.0 is not DKIM1"),
    ("v=dkim1; p={rsa}", {"DKIM-04"}, set(), set(), "values are case-sensitive"),
    ("V=DKIM1; p={rsa}", set(), set(), set(), "V is an unknown tag (names are case-sensitive)"),
    # Tag-list syntax (DKIM-03).
    ("v=DKIM1; p={rsa}; p={rsa}", {"DKIM-03"}, set(), set(), "p twice: tag-list invalid"),
    ("v=DKIM1; k=rsa; k=rsa; p={rsa}", {"DKIM-03"}, set(), set(), "k twice"),
    ("v=DKIM1; k=rsa;; p={rsa}", {"DKIM-03"}, set(), set(), "';;' has no tag-spec"),
    ("v=DKIM1; x-note=1; p={rsa}", {"DKIM-03"}, set(), set(), "'-' is not ALNUMPUNC"),
    ("v=DKIM1; k rsa; p={rsa}", {"DKIM-03"}, set(), set(), "a tag-spec without '='"),
    ("v=DKIM1; x_note=1; p={rsa}", set(), set(), set(), "unknown tags are ignored"),
    ("v=DKIM1; g=*; p={rsa}", set(), set(), set(), "g= (RFC 4871 only) is an unknown tag"),
    # p= (DKIM-05, DKIM-06).
    ("v=DKIM1; p=", set(), set(), {"DKIM-05"}, "empty p= is a revoked key"),
    ("v=DKIM1; k=rsa", {"DKIM-05"}, set(), set(), "p= is required"),
    ("v=DKIM1; P={rsa}", {"DKIM-05"}, set(), set(), "P= is not p="),
    ("v=DKIM1; p={rsa}!!", {"DKIM-06"}, set(), set(), "not base64"),
    ("v=DKIM1; p=QUJD", {"DKIM-06"}, set(), set(), "base64 of no key"),
    ("v=DKIM1; p={cert}", {"DKIM-06"}, set(), set(), "a certificate is not a public key"),
    ("v=DKIM1; p=-----BEGIN PUBLIC KEY-----{rsa}", {"DKIM-06"}, set(), set(), "PEM armour"),
    # k= (DKIM-08).
    ("v=DKIM1; k=ed25519; p={ed}", set(), set(), {"DKIM-08"}, "Ed25519-only is info"),
    ("v=DKIM1; k=ed25519; p={ed_spki}", {"DKIM-08"}, set(), set(), "SPKI-wrapped Ed25519"),
    ("v=DKIM1; k=dsa; p={rsa}", {"DKIM-08"}, set(), set(), "unknown key type"),
    ("v=DKIM1; p={ed}", {"DKIM-08"}, set(), set(), "Ed25519 key without k=ed25519"),
    # h= (DKIM-09).
    ("v=DKIM1; h=sha256; p={rsa}", set(), set(), set(), "h=sha256"),
    ("v=DKIM1; h=sha1:sha256; p={rsa}", set(), {"DKIM-09"}, set(), "sha1 still allowed"),
    ("v=DKIM1; h=sha1; p={rsa}", {"DKIM-09"}, set(), set(), "only sha1"),
    ("v=DKIM1; h=sha256:sha512; p={rsa}", set(), set(), set(), "unknown hashes are ignored"),
    # s= (DKIM-10), t= (DKIM-11), n= (DKIM-12).
    ("v=DKIM1; s=email; p={rsa}", set(), set(), set(), "s=email"),
    ("v=DKIM1; s=*; p={rsa}", set(), set(), set(), "s=*"),
    ("v=DKIM1; s=tlsrpt; p={rsa}", {"DKIM-10"}, set(), set(), "TLS reports only"),
    ("v=DKIM1; t=y:s; p={rsa}", set(), {"DKIM-11"}, set(), "testing"),
    ("v=DKIM1; t=s; p={rsa}", set(), set(), {"DKIM-11"}, "t=s is info"),
    ("v=DKIM1; t=; p={rsa}", set(), set(), set(), "an empty tag-value is allowed"),
    ("v=DKIM1; n=rotated in 2024; p={rsa}", set(), set(), {"DKIM-12"}, "notes"),
    # More key and value corners.
    # base64string allows a final "=" ([FWS] "=", §3.6.1); dkimpy decodes the key with it.
    ("v=DKIM1; p={rsa}=", set(), set(), set(), "a stray '=' after a whole quantum"),
    ("v=DKIM1; p={rsa512}", {"DKIM-07"}, set(), set(), "512-bit RSA"),
    ("v=DKIM1; p={rsa1024}", set(), {"DKIM-07"}, set(), "1024-bit RSA"),
    ("v=DKIM1; s=email:tlsrpt; p={rsa}", set(), set(), set(), "email among the services"),
    ("v=DKIM1; k=ed25519; n=caf\u00e9; p={ed}", {"DKIM-03"}, set(), set(), "VALCHAR is ASCII only"),
    ("v=DKIM1; k=rsa; p={rsa}; ", set(), set(), set(), "FWS after the last ';'"),
]


def filled(record: str) -> str:
    return record.format(
        rsa=rsa_b64(2048),
        rsa512=RSA_512,
        rsa1024=rsa_b64(1024),
        rsa_spaced=spaced(rsa_b64(2048)),
        pkcs1=rsa_b64(2048, spki=False),
        ed=ed_b64(),
        ed_spki=ed_b64(spki=True),
        cert=certificate_b64(),
    )


@pytest.mark.parametrize(
    ("record", "fails", "warns", "infos", "why"), CASES, ids=[c[0] for c in CASES]
)
def test_it_judges_each_record_as_the_grammar_says(
    record: str, fails: set[str], warns: set[str], infos: set[str], why: str
) -> None:
    zone = {(f"s1._domainkey.{D}", "TXT"): [filled(record)]}
    found = run(dkim, D, zone, dkim_selectors=("s1",))
    assert flagged(found) == {"fail": fails, "warn": warns, "error": set()}, why
    seen = {f.id for f in found if f.status == Status.INFO}
    assert infos <= seen, why
