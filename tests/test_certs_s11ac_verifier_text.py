"""What the verifier refuses, in words: a chain that fails validation says why as a reader
needs it ("the chain's CA certificate 'CN=…' has a 1024-bit RSA key, which validators refuse"),
never in cryptography's own ("validation failed: candidates exhausted: RSA key is too weak",
"(encountered processing <Certificate(…)>)"), and its fix points at what can mend it. The
verdicts (error codes, statuses) stay as they were. Real chains, real STARTTLS probes on
127.0.0.1; no lab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from checks import certs
from checks.findings import Status
from tests.test_certs import Pki, make_ca, make_leaf
from tests.test_certs_s10_edges import mint
from tests.test_certs_s11_keys import _serving
from tests.test_certs_s11_paths import _LongChain
from tests.test_certs_s11v_keys import _short_ca
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings

# Words of cryptography's VerificationError that must not reach a report.
VERIFIER_WORDS = ("validation failed", "candidates exhausted", "encountered processing", "<")


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.mark.parametrize("short_leaf", [False, True])
def test_a_short_keyed_ca_fails_smtp09_saying_so_with_another_chain_as_the_fix(
    pki: Pki, tmp_path: Path, short_leaf: bool
) -> None:
    ca = _short_ca(pki)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    leaf = make_leaf(ca, [HOST], rsa_bits=1024 if short_leaf else None)
    probe = run_probe(aiosmtpd_server(_serving(tmp_path, [leaf, ca])), bundle)
    found = _findings(probe, under_sts=True)
    smtp09, smtp14 = found["SMTP-09"], found["SMTP-14"]
    # Validation does fail: the status stays.
    assert probe.verify_error == "invalid" and not probe.mta_sts_ok
    assert smtp09.status == Status.FAIL and smtp14.status == Status.FAIL
    assert (
        "the chain's CA certificate 'CN=Short Key CA' has a 1024-bit RSA key, which "
        "validators refuse" in smtp09.summary
    )
    assert not any(word in smtp09.summary.split("(presented")[0] for word in VERIFIER_WORDS)
    # The CA is publicly trusted: what must change is the chain it hands out.
    assert "publicly trusted" not in smtp09.fix
    assert smtp09.fix.startswith("Use a chain from a CA whose keys are at least 2048 bits")
    # The same sentence as SMTP-14's, which also says the leaf's key when it is short.
    assert "CN=Short Key CA has a 1024-bit RSA key" in smtp14.summary
    assert ("the leaf has a 1024-bit RSA key" in smtp14.summary) is short_leaf
    assert ("not at fault" in smtp09.fix) is not short_leaf


def test_a_short_keyed_ca_is_named_by_the_chain_verdict(pki: Pki, tmp_path: Path) -> None:
    ca = _short_ca(pki)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    result = certs.verify_chain([make_leaf(ca, [HOST]).der, ca.der], HOST, bundle)
    assert not result.ok and result.error == "invalid" and result.trusted
    assert result.short_ca == "CN=Short Key CA"
    # A short leaf under a good CA validates but for OpenSSL ('weak-key'): no CA to blame.
    assert pki.inter is not None
    weak_leaf = make_leaf(pki.inter, [HOST], rsa_bits=1024)
    result = certs.verify_chain([weak_leaf.der, pki.inter.der], HOST, bundle)
    assert result.error == "weak-key" and result.short_ca == ""
    assert result.detail.startswith("the certificate has a 1024-bit RSA key;")


def test_a_leaf_not_for_tls_servers_says_so(tmp_path: Path) -> None:
    chain = _LongChain(tmp_path, ExtendedKeyUsageOID.CLIENT_AUTH)
    result = certs.verify_chain(chain.sent, HOST, str(chain.bundle))
    assert not result.ok and result.error == "invalid"
    assert result.detail == (
        "the certificate is not for TLS servers (its extendedKeyUsage does not include serverAuth)"
    )


def test_a_key_usage_allowing_no_tls_says_so(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    yesterday = datetime.now(UTC) - timedelta(days=1)
    leaf = mint(pki.inter, not_before=yesterday, ca=True, key_usage=True, signs=False, host=HOST)
    result = certs.verify_chain([leaf.der, pki.inter.der], HOST, bundle)
    assert not result.ok and result.error == "invalid"
    assert result.detail == "the certificate's keyUsage allows no TLS server use"


def test_a_chain_ending_at_an_unknown_root_names_it(pki: Pki, tmp_path: Path) -> None:
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    rogue_inter = make_ca("Rogue Issuing", pki.rogue)
    chain = [make_leaf(rogue_inter, [HOST]), rogue_inter, pki.rogue]
    result = certs.verify_chain([c.der for c in chain], HOST, bundle)
    assert not result.ok and result.error == "untrusted"
    assert result.detail == "its chain ends at 'CN=Rogue Root X', which is not a trusted root"
    probe = run_probe(aiosmtpd_server(_serving(tmp_path, chain)), bundle)
    smtp09 = _findings(probe, under_sts=True)["SMTP-09"]
    assert smtp09.status == Status.FAIL
    assert not any(word in smtp09.summary.split("(presented")[0] for word in VERIFIER_WORDS)
    assert "which is not a trusted root" in smtp09.summary
