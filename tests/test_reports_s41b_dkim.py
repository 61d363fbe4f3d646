"""Round s41b (H01, H02, H03, K03): report signatures RFC 8301 and RFC 6376 do not let count.

* a=rsa-sha1: RFC 8301 §3.1, "rsa-sha1 MUST NOT be used for signing or verifying"; a report
  signed so was parsed as signed.
* a key record whose h= does not list the signature's hash (h=sha1 under an rsa-sha256
  signature): RFC 6376 §6.1.2 has the verifier ignore the key (PERMFAIL, inappropriate hash
  algorithm); it was used.
* a key record in testing mode (t=y): RFC 6376 §3.6.1, "Verifiers MUST NOT treat messages
  from Signers in testing mode differently from unsigned email"; RFC 8460 §3 ignores
  unsigned reports. It counted as signed.
* an i= of a subdomain of d= under a key with t=s: RFC 6376 §3.6.1, such an i= "MUST have
  the same domain value ... as d=", the key does not vouch for it; it counted as signed.
"""

from __future__ import annotations

import base64

import dkim
from cryptography.hazmat.primitives import serialization

from reports.mail import verify_dkim
from tests.test_reports_email import rsa_2048_key

MESSAGE = (
    b"From: noreply-smtp-tls-reporting@sender.example\r\n"
    b"To: tlsrpt@example.com\r\n"
    b"Subject: Report Domain: example.com Submitter: sender.example\r\n"
    b"TLS-Report-Submitter: sender.example\r\n"
    b"\r\n"
    b"A TLS report would be attached here.\r\n"
)


def signed(
    algorithm: bytes, key_record: bytes, identity: bytes | None = None
) -> tuple[bytes, dict[bytes, bytes]]:
    key = rsa_2048_key("dkim")
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    records = {b"k1._domainkey.sender.example.": key_record + base64.b64encode(public)}
    signature = dkim.sign(
        MESSAGE,
        b"k1",
        b"sender.example",
        private,
        include_headers=[b"from", b"to", b"subject", b"tls-report-submitter"],
        signature_algorithm=algorithm,
        identity=identity,
    )
    return signature + MESSAGE, records


def outcome(algorithm: bytes, key_record: bytes, identity: bytes | None = None) -> tuple[str, str]:
    message, records = signed(algorithm, key_record, identity)
    result = verify_dkim(message, lambda name, timeout=5: records.get(name), "sender.example")
    return result.result, result.detail


def test_an_rsa_sha1_signature_does_not_count() -> None:
    assert outcome(b"rsa-sha256", b"v=DKIM1; k=rsa; s=tlsrpt; p=")[0] == "pass"
    result, detail = outcome(b"rsa-sha1", b"v=DKIM1; k=rsa; s=tlsrpt; p=")
    assert result == "fail"
    assert "rsa-sha1" in detail and "RFC 8301" in detail, detail


def test_a_key_whose_h_does_not_list_the_signatures_hash_is_not_used() -> None:
    result, detail = outcome(b"rsa-sha256", b"v=DKIM1; k=rsa; h=sha1; s=tlsrpt; p=")
    assert result == "fail"
    assert "h=sha1" in detail and "sha256" in detail, detail
    # 'SHA256' too: names matched without case, as OpenDKIM does (review s42zB of b803208e).
    for listed in (b"h=sha256", b"h = sha1 : sha256", b"h=SHA256"):
        record = b"v=DKIM1; k=rsa; " + listed + b"; s=tlsrpt; p="
        assert outcome(b"rsa-sha256", record)[0] == "pass", listed


def test_a_key_in_testing_mode_does_not_make_a_report_signed() -> None:
    result, detail = outcome(b"rsa-sha256", b"v=DKIM1; k=rsa; t=y; s=tlsrpt; p=")
    assert result == "fail"
    assert "t=y" in detail and "RFC 6376" in detail, detail
    for flags in (b"t=s", b"t=s:y", b"t = y : s"):
        record = b"v=DKIM1; k=rsa; " + flags + b"; s=tlsrpt; p="
        assert outcome(b"rsa-sha256", record)[0] == ("fail" if b"y" in flags else "pass"), flags


def test_a_strict_key_does_not_vouch_for_a_subdomain_identity() -> None:
    strict = b"v=DKIM1; k=rsa; t=s; s=tlsrpt; p="
    result, detail = outcome(b"rsa-sha256", strict, b"@mail.sender.example")
    assert result == "fail"
    assert "t=s" in detail and "mail.sender.example" in detail, detail
    for identity in (None, b"@sender.example", b"tlsrpt@sender.example"):
        assert outcome(b"rsa-sha256", strict, identity)[0] == "pass", identity
    lax = b"v=DKIM1; k=rsa; s=tlsrpt; p="
    assert outcome(b"rsa-sha256", lax, b"@mail.sender.example")[0] == "pass"
