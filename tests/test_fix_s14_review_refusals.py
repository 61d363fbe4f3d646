"""A review of the certificate fix texts (262b51b, f38f6dc): https.refusal_text/refusal_fix
followed OpenSSL's one error code, compared names with the checked domain rather than its
organisational domain, called a certificate it could not read an expired CA certificate, and
said "(names: none)" of a certificate naming its host only in the CN.

Real TLS servers on 127.0.0.1 (tests/test_fix_s14_cert_fixes.py's), unit calls where the case
needs a CertInfo the server cannot produce (a capture that failed). No lab.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from checks import bimi, certs, https, mtasts
from checks.findings import Finding
from tests.test_bimi_s11_logo_tls import OK, Served, now
from tests.test_certs import Issued, Pki, _name, _ski, make_leaf
from tests.test_certs_s10_edges import mint
from tests.test_fix_s14_cert_fixes import POLICY_HOST, one, picked_by_sni, policy_findings
from tests.test_https import TlsServer
from tests.test_spf import make_ctx


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def ca_valid_from(pki: Pki, cn: str, days: int) -> Issued:
    """An intermediate under the test root whose validity starts `days` from now."""
    key = ec.generate_private_key(ec.SECP256R1())
    starts = now() + timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(pki.root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(starts)
        .not_valid_after(starts + timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.root.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(pki.root.key, hashes.SHA256())
    )
    return Issued(cert, key)


def expired_leaf(issuer: Issued, host: str = POLICY_HOST) -> Issued:
    return mint(issuer, not_before=now() - timedelta(days=100), host=host)


# 1. Several problems in one chain: the leaf's own expiry is said whatever OpenSSL met first.


def test_an_expired_leaf_sent_without_its_intermediate_says_renew_with_the_full_chain(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    served = Served(expired_leaf(pki.inter), [])
    finding = one(policy_findings(pki, tmp_path, served), "MTASTS-12")
    ends = certs.utc_text(served.end)
    # OpenSSL stopped at the missing issuer (20) before looking at the dates.
    assert finding.evidence["certificate"]["verify_code"] == 20
    assert f"that expired on {ends}" in finding.summary
    assert "does not chain to a public root" in finding.summary
    assert finding.fix.startswith(
        f"Renew the certificate of {POLICY_HOST} (it expired on {ends}) and install it with "
        "its full chain"
    )
    assert "fullchain.pem" in finding.fix


def test_an_expired_leaf_under_a_ca_not_valid_yet_says_renew_not_install_the_intermediate(
    pki: Pki, tmp_path: Path
) -> None:
    future = ca_valid_from(pki, "Next Issuing CA", days=2)
    served = Served(expired_leaf(future), [future])
    finding = one(policy_findings(pki, tmp_path, served), "MTASTS-12")
    ends = certs.utc_text(served.end)
    assert finding.evidence["certificate"]["verify_code"] == https.CERT_NOT_YET_VALID
    assert f"that expired on {ends}" in finding.summary
    assert finding.fix.startswith(f"Renew the certificate of {POLICY_HOST} (it expired on {ends})")
    assert "intermediate certificate" not in finding.fix


# 2. The provider decision compares names with the organisational domain.


def sub_policy_findings(pki: Pki, tmp: Path, domain: str, served: Served) -> list[Finding]:
    """mtasts.evaluate of `domain` with its policy host presenting `served`."""
    host = f"mta-sts.{domain}"
    (tmp / "served.pem").write_bytes(served.leaf.pem + b"".join(c.pem for c in served.chain))
    (tmp / "served.key").write_bytes(served.leaf.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, host, OK)
    server.ctx = picked_by_sni(context, server.ctx)
    zone = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["192.0.2.11"],
        (f"_mta-sts.{domain}", "TXT"): ["v=STSv1; id=20260601"],
        (host, "A"): ["127.0.0.1"],
    }
    ctx = make_ctx(
        domain,
        zone,
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=pki.bundle(str(tmp / "roots.pem")),
        timeout=2.0,
    )
    try:
        return asyncio.run(mtasts.evaluate(ctx))
    finally:
        server.close()


def test_a_subdomains_policy_host_with_a_sibling_name_is_told_to_install_not_to_ask(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    served = Served(
        mint(pki.inter, not_before=now() - timedelta(days=1), host="www.example.com"), [pki.inter]
    )
    finding = one(sub_policy_findings(pki, tmp_path, "sub.example.com", served), "MTASTS-12")
    assert finding.fix.startswith(
        "Install on mta-sts.sub.example.com a certificate whose names include "
        "mta-sts.sub.example.com (the one it sends names: www.example.com)"
    )
    assert "ask the provider" not in finding.fix


def test_a_subdomains_logo_host_under_the_organisational_domain_is_the_owners(
    pki: Pki, tmp_path: Path
) -> None:
    # BIMI of sub.example.com with its logo at bimi.example.com, whose certificate is for
    # www.example.com: the organisation's own names, so no provider to ask.
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=now() - timedelta(days=1), host="www.example.com")
    (tmp_path / "served.pem").write_bytes(leaf.pem + pki.inter.pem)
    (tmp_path / "served.key").write_bytes(leaf.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "served.pem", tmp_path / "served.key")
    server = TlsServer(tmp_path, "bimi.example.com", OK)
    server.ctx = context
    domain = "sub.example.com"
    zone = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"_dmarc.{domain}", "TXT"): ["v=DMARC1; p=reject"],
        (f"default._bimi.{domain}", "TXT"): ["v=BIMI1; l=https://bimi.example.com/logo.svg; a="],
        ("bimi.example.com", "A"): ["127.0.0.1"],
    }
    ctx = make_ctx(
        domain,
        zone,
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=pki.bundle(str(tmp_path / "roots.pem")),
        timeout=2.0,
    )
    try:
        findings = asyncio.run(bimi.evaluate(ctx))
    finally:
        server.close()
    finding = one(findings, "BIMI-04")
    assert finding.fix.startswith(
        "Install on bimi.example.com a certificate whose names include bimi.example.com"
    )


# 3. A certificate the second connection could not read: which one expired is not known.


def uncaptured(host: str) -> https.HttpsResult:
    # What _Fetch._capture returns when the connection that reads the certificates fails.
    cert = https.CertInfo(
        verify_error="certificate has expired", verify_code=https.CERT_HAS_EXPIRED
    )
    return https.HttpsResult(
        url=f"https://{host}/x",
        host=host,
        cert=cert,
        error_kind="tls-cert",
        error="certificate not accepted: certificate has expired",
    )


def test_an_unread_expired_certificate_is_not_called_a_ca_certificate() -> None:
    result = uncaptured(POLICY_HOST)
    text, fix = https.refusal_text(result), https.refusal_fix(result, "example.com")
    assert "CA certificate" not in text
    assert "a certificate among those it sends has expired" in text
    assert "could not be read" in text
    assert fix.startswith(f"Renew the expired certificate among those {POLICY_HOST} sends")
    assert "full chain" in fix
    assert "current intermediate" not in fix


# 7. Texts: a CN-only certificate, the wildcard notes, a third-party host, CA names quoted.


def test_a_certificate_naming_the_host_only_in_its_cn_says_so(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    served = Served(make_leaf(pki.inter, None, cn=POLICY_HOST), [pki.inter])
    finding = one(policy_findings(pki, tmp_path, served), "MTASTS-12")
    for text in (finding.summary, finding.fix):
        assert "none" not in text
        assert "no DNS name in its subjectAltName" in text
        assert "the CN in its subject is not used" in text


def mismatch(host: str, sans: list[str]) -> https.HttpsResult:
    cert = https.CertInfo(verify_code=https.HOSTNAME_MISMATCH, sans=sans)
    return https.HttpsResult(url=f"https://{host}/x", host=host, cert=cert, error_kind="tls-cert")


def test_a_wildcard_of_the_host_itself_says_it_never_covers_the_bare_name() -> None:
    fix = https.refusal_fix(mismatch(POLICY_HOST, [f"*.{POLICY_HOST}"]), "example.com")
    assert fix.endswith(
        f"A wildcard name never covers the name it stands under: *.{POLICY_HOST} is not "
        f"{POLICY_HOST}."
    )
    assert "one label only" not in fix
    below = https.refusal_fix(mismatch(POLICY_HOST, [f"*.a.{POLICY_HOST}"]), "example.com")
    assert "wildcard" not in below.lower()


def test_a_wildcard_above_the_hosts_parent_says_one_label_only() -> None:
    host = "mta-sts.sub.example.com"
    fix = https.refusal_fix(mismatch(host, ["*.example.com", "example.com"]), "example.com")
    assert fix.endswith(
        f"A wildcard name covers one label only: *.example.com does not cover {host}."
    )


def test_a_third_party_hosts_expired_certificate_says_ask_its_provider() -> None:
    # a= on the mark certificate issuer's own host: renewing is theirs to do.
    cert = https.CertInfo(
        verify_error="certificate has expired",
        verify_code=https.CERT_HAS_EXPIRED,
        sans=["vmc.issuer.example"],
        not_after="2026-01-01T00:00:00+00:00",
    )
    result = https.HttpsResult(
        url="https://vmc.issuer.example/x.pem",
        host="vmc.issuer.example",
        cert=cert,
        error_kind="tls-cert",
    )
    fix = https.refusal_fix(result, "example.com")
    assert not fix.startswith("Renew")
    assert fix.startswith("vmc.issuer.example is not a name of example.com: ask the provider")
    assert "expired on 2026-01-01 00:00:00 UTC" in fix


def test_ca_names_are_quoted_as_verify_chain_quotes_them(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    served = Served(mint(pki.inter, not_before=now() - timedelta(days=1), host=POLICY_HOST), [])
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    issuer = served.leaf.cert.issuer.rfc4514_string()
    assert f"'{issuer}'" in fix
    assert f"({issuer})" not in fix


def test_a_leaf_within_skew_has_no_fix_yet() -> None:
    # Unchanged: nothing to do while the certificate starts within the clock allowance.
    cert = https.CertInfo(
        verify_code=https.CERT_NOT_YET_VALID,
        not_before=(now() + timedelta(seconds=60)).isoformat(),
        starts_in=60.0,
    )
    result = https.HttpsResult(url=f"https://{POLICY_HOST}/x", host=POLICY_HOST, cert=cert)
    result.error_kind = "tls-cert"
    assert https.refusal_fix(result, "example.com") == ""
