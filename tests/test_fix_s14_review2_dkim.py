"""DKIM fixes after the second review of 7297a51: what the records they propose do in a real
verifier (dkimpy), and whose records they name.

s=email:tlsrpt is valid RFC 6376, but dkimpy compares the whole s= value as one string, so with
it nothing verifies; the fix leaves s= out. h=sha1 turned into h=sha256 rejects the rsa-sha1
signatures the signer still makes; the fix says to switch the signer first and leaves h= out.
At a selector that is an alias of a provider's name, the records to delete are the provider's.
A 512-bit key inside PEM armour gets the steps to a new key, not "copy it again". Two records
with the same key are told apart by their tags.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import dkim as dkimpy
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks import dkim
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_fix_s14_dkim_dmarc_keys import RECORD, RSA_512, AliasDns, findings, one
from tests.test_spf import Zone, published

D = "example.org"
_KEY = rsa.generate_private_key(65537, 2048)
PRIVATE = _KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.TraditionalOpenSSL,
    serialization.NoEncryption(),
)
PUB = base64.b64encode(
    _KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()
MESSAGE = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n"


def verifies(record: str, algorithm: bytes = b"rsa-sha256", *, tlsrpt: Any = False) -> bool:
    """Does dkimpy verify a message signed with our key when `record` is the key record?"""
    signature = dkimpy.sign(
        MESSAGE,
        b"s1",
        D.encode(),
        PRIVATE,
        signature_algorithm=algorithm,
        include_headers=[b"from"],
    )
    return bool(
        dkimpy.verify(signature + MESSAGE, dnsfunc=lambda *a, **k: record.encode(), tlsrpt=tlsrpt)
    )


def record_of(finding: Finding) -> str:
    (line,) = [line for line in finding.fix.split("\n") if RECORD.match(line)]
    return published(line)[1]


def test_the_s_tlsrpt_fix_verifies_mail_and_tls_reports_in_dkimpy() -> None:
    written = f"v=DKIM1; s=tlsrpt; p={PUB}"
    assert not verifies(written)
    fixed = record_of(one(findings("s1", written), "DKIM-10", Status.FAIL))
    assert verifies(fixed) and verifies(fixed, tlsrpt=True)


def test_a_tls_report_only_key_fails_and_says_when_that_is_meant() -> None:
    # Checklist DKIM-10 and its fixture F40: a selector given with s=tlsrpt only fails, beside
    # usable keys too; nothing tells a key kept for TLS reports from a mail key restricted by
    # mistake, so the summary says which is which.
    zone: Zone = {(f"mail._domainkey.{D}", "TXT"): [f"v=DKIM1; p={PUB}"]}
    found = findings("tlsrpt", f"v=DKIM1; s=tlsrpt; p={PUB}", zone=zone, also=("mail",))
    finding = one(found, "DKIM-10")
    assert finding.status == Status.FAIL
    assert "If this selector only signs TLS reports (RFC 8460 §3), that is as meant" in (
        finding.summary
    )


def test_the_h_sha1_fix_names_the_signer_and_accepts_both_while_it_switches() -> None:
    written = f"v=DKIM1; h=sha1; p={PUB}"
    finding = one(findings("s1", written), "DKIM-09", Status.FAIL)
    assert finding.fix.startswith(
        "First make sure your mail's DKIM-Signature says a=rsa-sha256 (switch the signer if it "
        "says rsa-sha1); then publish:\n"
    )
    fixed = record_of(finding)
    assert "h=" not in fixed
    assert verifies(fixed, b"rsa-sha1") and verifies(fixed, b"rsa-sha256")


def _aliased(records: list[str]) -> tuple[str, list[Finding]]:
    target = "s1.dkim.provider.example"
    zone: Zone = {(f"s1._domainkey.{D}", "CNAME"): [f"{target}."], (target, "TXT"): records}
    config = CheckConfig(dkim_selectors=("s1",), extra_public_suffixes=("test",))
    ctx = CheckContext(D, config, dns=AliasDns(zone))  # type: ignore[arg-type]
    return target, asyncio.run(dkim.evaluate(ctx))


def test_records_to_delete_at_an_alias_are_the_providers() -> None:
    for stray in ("google-site-verification=abc", f"v=DKIM1; p={RSA_512}"):
        target, found = _aliased([f"v=DKIM1; p={PUB}", stray])
        fix = one(found, "DKIM-02").fix
        assert f"Delete this record: s1._domainkey.{D}." not in fix, stray
        assert f"Delete this record: {target}. TXT" in fix, stray
        assert f"ask them to delete this record at {target}" in fix, stray
    target, found = _aliased([f"v=DKIM1; p={PUB}", f"v=DKIM1; p={PUB[:-8]}AQAB"])
    fix = one(found, "DKIM-02").fix
    assert f"at s1._domainkey.{D}" not in fix and target in fix


def test_a_512_bit_key_in_pem_armour_gets_the_steps_to_a_new_key() -> None:
    pem = "-----BEGIN PUBLIC KEY----- " + RSA_512 + " -----END PUBLIC KEY-----"
    fix = one(findings("old", f"v=DKIM1; k=rsa; p={pem}"), "DKIM-06", Status.FAIL).fix
    assert "Copy the public key" not in fix
    assert "512 bits" in fix and "generate a new 2048-bit RSA key" in fix


def test_two_records_of_one_key_are_told_apart_by_their_tags() -> None:
    plain, testing = f"v=DKIM1; p={PUB}", f"v=DKIM1; t=y; p={PUB}"
    for records in ((plain, testing), (testing, plain)):
        fix = one(findings("s1", *records), "DKIM-02").fix
        assert "ends '" not in fix and "differ only in t=" in fix
        assert (
            fix.split("\n")[-1]
            == f"Delete this record: {dkim.txt_fix(f's1._domainkey.{D}', testing)}"
        )
