# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""s25d: TLS-RPT report mail signed with Ed25519 (RFC 8463), alone or beside RSA.

RFC 8460 §3 wants report mail DKIM-signed by the reporter; RFC 8463 §4 advises signing both
ways (rsa-sha256 and ed25519-sha256) while verifiers catch up; RFC 6376 §6.1: a message passes
when any of its signatures verifies, and one that fails spoils no other. dkimpy verifies
ed25519-sha256 only with PyNaCl, which was no dependency: a report signed with Ed25519 alone,
or with a good Ed25519 signature beside a broken RSA one, was rejected ("pynacl module
required"), a genuine report lost. With PyNaCl, a signature whose b= is no 64-byte Ed25519
signature (or an RSA signature whose key is k=ed25519) raised PyNaCl's ValueError out of
dkimpy, so a report with a good RSA signature beside such a one ended as a parse error.

Each case goes through both mail doors (`manage.py ingest_email` on stdin and the aiosmtpd
listener over STARTTLS); keys are generated here and served by the tests' DNS stub.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from types import SimpleNamespace

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.management import call_command

from reports.mail import ed25519_verifiable
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SIGNED_HEADERS,
    DnsStub,
    _client,
    address,
    dns_stub,
    eager,
    ingest,
    make_message,
    only_raw,
    sign,
    signer,
    smtpd,
    tls_files,
)

ED_SELECTOR = b"ed2026"


def _ed_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key: dkimpy's private form (the 32-byte seed in base64) and the raw
    32-byte public key (RFC 8463 §4.2's p=)."""
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(seed), public


@pytest.fixture
def ed(dns_stub: DnsStub, signer: SimpleNamespace) -> SimpleNamespace:
    """sender.example's Ed25519 key (s=tlsrpt) published at ed2026; `other` is a key of
    nobody's, to make signatures that do not verify. The RSA key (`signer`) is published at
    tlsrpt2026 by its fixture."""
    private, public = _ed_key()
    other, _ = _ed_key()
    p = base64.b64encode(public)
    dns_stub.records["ed2026._domainkey.sender.example."] = b"v=DKIM1; k=ed25519; s=tlsrpt; p=" + p
    return SimpleNamespace(private=private, other=other, public=public, stub=dns_stub)


def ed_sign(message: bytes, private: bytes, selector: bytes = ED_SELECTOR) -> bytes:
    include = [h for h in SIGNED_HEADERS if h.decode() + ":" in message.decode().lower()]
    signature = dkim.sign(
        message,
        selector,
        b"sender.example",
        private,
        signature_algorithm=b"ed25519-sha256",
        include_headers=include,
    )
    return signature + message


# RSA keys nobody published under the selector used: a signature that does not verify.
_WRONG_RSA = SimpleNamespace()


def rsa_sign(message: bytes, signer: SimpleNamespace, good: bool = True) -> bytes:
    if good:
        return sign(message, signer)
    if not hasattr(_WRONG_RSA, "private"):
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _WRONG_RSA.private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    return sign(message, _WRONG_RSA)


def mangled_b(message: bytes) -> bytes:
    """The topmost signature's b= cut to 48 bytes: no 64-byte Ed25519 signature."""
    top = re.match(rb"DKIM-Signature:.*?(?=\r\n[^ \t])", message, re.DOTALL)
    assert top is not None
    short = base64.b64encode(b"x" * 48)
    field = re.sub(rb"(;\s*b=)[^;]*\Z", lambda m: m.group(1) + short, top.group(0))
    assert field != top.group(0)
    return field + message[top.end() :]


# Each case: how the message is signed, then the expected status and DKIM selector.
Build = Callable[[bytes, SimpleNamespace, SimpleNamespace], bytes]
CASES: dict[str, tuple[Build, str, str]] = {
    # (a) Ed25519 only.
    "a_ed25519_only": (lambda m, r, e: ed_sign(m, e.private), "parsed", "ed2026"),
    # (b) both ways (RFC 8463 §4), in either order: the topmost good one is recorded.
    "b_both_ed25519_on_top": (
        lambda m, r, e: ed_sign(rsa_sign(m, r), e.private),
        "parsed",
        "ed2026",
    ),
    "b_both_rsa_on_top": (
        lambda m, r, e: rsa_sign(ed_sign(m, e.private), r),
        "parsed",
        "tlsrpt2026",
    ),
    # (c) a bad Ed25519 signature beside a good RSA one.
    "c_bad_ed25519_good_rsa": (
        lambda m, r, e: ed_sign(rsa_sign(m, r), e.other),
        "parsed",
        "tlsrpt2026",
    ),
    # (d) a good Ed25519 signature beside a bad RSA one.
    "d_good_ed25519_bad_rsa": (
        lambda m, r, e: ed_sign(rsa_sign(m, r, good=False), e.private),
        "parsed",
        "ed2026",
    ),
    "d_bad_rsa_on_top": (
        lambda m, r, e: rsa_sign(ed_sign(m, e.private), r, good=False),
        "parsed",
        "ed2026",
    ),
    # Both bad: nothing verifies, rejected (RFC 8460 §3).
    "both_bad": (
        lambda m, r, e: ed_sign(rsa_sign(m, r, good=False), e.other),
        "rejected",
        "",
    ),
    # An Ed25519 signature whose b= is no 64-byte signature, beside a good RSA one (was a
    # parse error: PyNaCl's ValueError) and alone (rejected, never an error).
    "mangled_ed25519_good_rsa": (
        lambda m, r, e: mangled_b(ed_sign(rsa_sign(m, r), e.private)),
        "parsed",
        "tlsrpt2026",
    ),
    "mangled_ed25519_alone": (lambda m, r, e: mangled_b(ed_sign(m, e.private)), "rejected", ""),
}


def _expect(raw: RawReport, status: str, selector: str) -> None:
    assert raw.parse_status == status, raw.error
    if status == "parsed":
        assert (raw.dkim_result, raw.dkim_domain, raw.dkim_selector) == (
            "pass",
            "sender.example",
            selector,
        )
        assert raw.report.warnings == []
        assert TlsReport.objects.count() == 1
    else:
        assert raw.dkim_result == "fail"
        assert "did not verify" in raw.error
        assert TlsReport.objects.count() == 0


@pytest.mark.parametrize("case", CASES)
def test_ed25519_signed_report_piped_into_ingest_email(
    case: str, address: ReportAddress, signer: SimpleNamespace, ed: SimpleNamespace, eager: None
) -> None:
    build, status, selector = CASES[case]
    assert ingest(build(make_message(address), signer, ed)) == 0
    _expect(only_raw(), status, selector)


@pytest.mark.parametrize("case", CASES)
def test_ed25519_signed_report_sent_to_the_smtp_listener(
    case: str,
    smtpd: tuple[str, int],
    signer: SimpleNamespace,
    ed: SimpleNamespace,
    eager: None,
    tls_files: SimpleNamespace,
) -> None:
    build, status, selector = CASES[case]
    address = ReportAddress.objects.create(domain_name="example.com")
    message = build(make_message(address), signer, ed)
    with _client(smtpd, tls_files) as client:
        assert client.sendmail("noreply@sender.example", [address.mailto], message) == {}
    _expect(only_raw(), status, selector)


def test_pynacl_is_installed() -> None:
    # A dependency (pyproject: dkimpy[ed25519]); without it the cases above cannot pass.
    assert ed25519_verifiable()


# --- Keys that are wrong -------------------------------------------------------------------


def _spki(pub: bytes) -> bytes:
    return ed25519.Ed25519PublicKey.from_public_bytes(pub).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


# The key record published at ed2026 (from the raw public key), and what the error says.
WRONG_KEYS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "31_bytes": (lambda pub: b"k=ed25519; p=" + _b64(pub[:31]), "this p= is 31 bytes"),
    "33_bytes": (lambda pub: b"k=ed25519; p=" + _b64(pub + b"\0"), "this p= is 33 bytes"),
    "spki_wrapped": (
        lambda pub: b"k=ed25519; p=" + _b64(_spki(pub)),
        "this p= is 44 bytes (a SubjectPublicKeyInfo wrapping",
    ),
    "no_k_tag": (lambda pub: b"p=" + _b64(pub), "has no k=ed25519 (k= defaults to rsa)"),
    "revoked": (lambda pub: b"k=ed25519; p=", "is revoked (empty p="),
}


@pytest.mark.parametrize("pynacl", [True, False], ids=["with_pynacl", "without_pynacl"])
@pytest.mark.parametrize("case", WRONG_KEYS)
def test_an_ed25519_key_that_is_wrong_fails_saying_so(
    case: str,
    pynacl: bool,
    address: ReportAddress,
    ed: SimpleNamespace,
    eager: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A plain failure naming the key and what is wrong with it (dkimpy only logged it, the
    # report read "signature did not verify (… or no key)"); without PyNaCl too: a key that
    # is wrong will not become right, so it is no "could not be checked".
    record, said = WRONG_KEYS[case]
    ed.stub.records["ed2026._domainkey.sender.example."] = b"v=DKIM1; " + record(ed.public)
    message = ed_sign(make_message(address), ed.private)
    if not pynacl:
        monkeypatch.delattr(dkim, "nacl")
    assert ingest(message) == 0
    raw = only_raw()
    assert (raw.parse_status, raw.dkim_result) == ("rejected", "fail"), raw.error
    assert "key ed2026._domainkey.sender.example is" in raw.error, raw.error
    assert said in raw.error, raw.error


def test_a_key_of_another_type_than_the_signature_fails_saying_so(
    address: ReportAddress, signer: SimpleNamespace, ed: SimpleNamespace, eager: None
) -> None:
    # An rsa-sha256 signature whose key is k=ed25519 (RFC 6376 §6.1.2: inappropriate key
    # algorithm): was PyNaCl's ValueError, a parse error.
    ed.stub.records["tlsrpt2026._domainkey.sender.example."] = ed.stub.records[
        "ed2026._domainkey.sender.example."
    ]
    assert ingest(rsa_sign(make_message(address), signer)) == 0
    raw = only_raw()
    assert (raw.parse_status, raw.dkim_result) == ("rejected", "fail"), raw.error
    assert "k=ed25519" in raw.error and "inappropriate key algorithm" in raw.error, raw.error


# --- s=tlsrpt on one of the reporter's two keys -------------------------------------------


def test_the_key_with_s_tlsrpt_is_recorded_when_both_verify(
    address: ReportAddress, signer: SimpleNamespace, ed: SimpleNamespace, eager: None
) -> None:
    # A reporter signing both ways whose Ed25519 key lacks s=tlsrpt: its good RSA signature
    # below, key with s=tlsrpt, is the one recorded, and no "no s=tlsrpt" warning is given.
    p = base64.b64encode(ed.public)
    ed.stub.records["ed2026._domainkey.sender.example."] = b"v=DKIM1; k=ed25519; p=" + p
    assert ingest(ed_sign(rsa_sign(make_message(address), signer), ed.private)) == 0
    raw = only_raw()
    assert raw.parse_status == "parsed", raw.error
    assert (raw.dkim_selector, raw.dkim_key_tlsrpt) == ("tlsrpt2026", True)
    assert raw.report.warnings == []


# --- An installation without PyNaCl -------------------------------------------------------


def test_without_pynacl_an_ed25519_report_is_kept_to_be_checked_again(
    address: ReportAddress,
    signer: SimpleNamespace,
    ed: SimpleNamespace,
    eager: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # dkimpy without PyNaCl (an installation that lost it) cannot check an Ed25519 signature:
    # the report must not be rejected for that (a genuine report lost), but kept as one whose
    # DKIM could not be checked, and parsed once PyNaCl is there.
    message = ed_sign(rsa_sign(make_message(address), signer, good=False), ed.private)
    with monkeypatch.context() as without:
        without.delattr(dkim, "nacl")  # what dkimpy's module is when `import nacl` failed
        assert not ed25519_verifiable()
        assert ingest(message) == 0
    raw = only_raw()
    assert (raw.parse_status, raw.dkim_result) == ("pending", "temperror"), raw.error
    assert "PyNaCl" in raw.error and "ed2026._domainkey.sender.example" in raw.error
    assert ed25519_verifiable()  # PyNaCl installed: checked again, it passes
    call_command("reparse", "--pending", stdout=io.StringIO())
    raw = only_raw()
    assert (raw.parse_status, raw.dkim_result, raw.dkim_selector) == ("parsed", "pass", "ed2026")


def test_without_pynacl_a_good_rsa_signature_still_counts(
    address: ReportAddress,
    signer: SimpleNamespace,
    ed: SimpleNamespace,
    eager: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = ed_sign(rsa_sign(make_message(address), signer), ed.private)
    monkeypatch.delattr(dkim, "nacl")
    assert ingest(message) == 0
    raw = only_raw()
    assert (raw.parse_status, raw.dkim_selector) == ("parsed", "tlsrpt2026"), raw.error
