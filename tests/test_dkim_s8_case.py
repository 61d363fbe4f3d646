"""DKIM key-record tag values are case-sensitive (RFC 6376 §3.2), checked against dkimpy.

§3.2: "Values MUST be processed as case sensitive unless the specific tag description of
semantics specifies case insensitivity." Neither k= nor s= (§3.6.1) says so, so `k=RSA` is an
unrecognised key type and `s=EMAIL` an unlisted service: a verifier that follows the RFC, such
as dkimpy, ignores the key, and every signature made with it fails.

Task s42o: s= (and h=) in another case warn rather than fail: OpenDKIM matches the names
without case (RFC 6376 §3.6.1 writes them as quoted strings, RFC 5234 §2.3), so verifiers
disagree. k= keeps its failure.
"""

from __future__ import annotations

import base64
import functools

import dkim as dkimpy
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks import dkim
from checks.findings import Status
from tests.test_spf import run, statuses

D = "example.com"
MESSAGE = (
    b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n"
    b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n"
)


@functools.cache
def rsa_pair() -> tuple[bytes, str]:
    """(private key PEM, public key SPKI base64) of one 2048-bit key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()


def dkimpy_verifies(record: str) -> bool:
    """Whether dkimpy verifies a message signed with the private key of `record`."""
    private, _ = rsa_pair()
    signature = dkimpy.sign(MESSAGE, b"s1", D.encode(), private)
    return bool(dkimpy.verify(signature + MESSAGE, dnsfunc=lambda name, timeout=5: record.encode()))


def test_k_in_the_wrong_case_is_an_unknown_key_type() -> None:
    _, pub = rsa_pair()
    for k in ("RSA", "Rsa"):
        record = f"v=DKIM1; k={k}; p={pub}"
        parsed = dkim.parse_key_record(record)
        assert not parsed.usable, k
        problems = {(p.check_id, p.status) for p in parsed.problems}
        assert ("DKIM-08", Status.FAIL) in problems, k
        assert any("k=rsa" in p.message for p in parsed.problems), k
        assert not dkimpy_verifies(record), k  # the second opinion agrees
    ed = dkim.parse_key_record("v=DKIM1; k=Ed25519; p=" + base64.b64encode(bytes(32)).decode())
    assert not ed.usable
    assert any(p.check_id == "DKIM-08" and "k=ed25519" in p.message for p in ed.problems)


def test_s_in_the_wrong_case_warns_as_dkimpy_ignores_it() -> None:
    # Task s42o: dkimpy reads s= as written and ignores the key, OpenDKIM matches "email"
    # without case: verifiers disagree, a warning (checklist §0) that names the fix.
    _, pub = rsa_pair()
    for s in ("EMAIL", "Email", "EMAIL:tlsrpt"):
        record = f"v=DKIM1; k=rsa; s={s}; p={pub}"
        parsed = dkim.parse_key_record(record)
        assert [(p.check_id, p.status) for p in parsed.problems] == [("DKIM-10", Status.WARN)], s
        assert "s=email" in parsed.problems[0].message, s
        assert "dkimpy" in parsed.problems[0].message, s
    assert not dkimpy_verifies(f"v=DKIM1; k=rsa; s=EMAIL; p={pub}")


def test_the_right_case_still_passes_and_dkimpy_agrees() -> None:
    _, pub = rsa_pair()
    for record in (
        f"v=DKIM1; k=rsa; p={pub}",
        f"v=DKIM1; k=rsa; s=email; p={pub}",
        f"v=DKIM1; k=rsa; s=*; p={pub}",
        f"v=DKIM1; k=rsa; s=email:tlsrpt; p={pub}",  # a list (§3.6.1); dkimpy refuses lists
    ):
        assert dkim.parse_key_record(record).usable, record
    assert dkimpy_verifies(f"v=DKIM1; k=rsa; s=email; p={pub}")


def test_the_evaluator_does_not_call_a_wrong_case_key_valid() -> None:
    _, pub = rsa_pair()
    zone = {(f"s1._domainkey.{D}", "TXT"): [f"v=DKIM1; k=RSA; p={pub}"]}
    found = run(dkim, D, zone, dkim_selectors=("s1",))
    assert statuses(found, "DKIM-08") == [Status.FAIL]
    assert Status.PASS not in statuses(found, "DKIM-06")
