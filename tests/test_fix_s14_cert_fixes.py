"""Every refused certificate of a policy, logo or mark-certificate host has a fix that names
what to do: renew (with the date it expired), a certificate for the right name (with the names
it has), the intermediate to send, a public CA, or the provider to ask.

MTASTS-12 and BIMI-04/-10 gave no fix for an expired leaf, a name mismatch or an untrusted
chain, only for a stale intermediate. The certificates are served by real TLS servers on
127.0.0.1 (tests/test_bimi_s11_logo_tls.py's); no lab.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from datetime import timedelta
from pathlib import Path

import pytest

from checks import bimi, certs, https, mtasts
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_bimi import CERT, LOGO, D
from tests.test_bimi_s11_logo_tls import OK, Served, fetched, now
from tests.test_certs import Pki, make_ca
from tests.test_certs_s10_edges import mint
from tests.test_https import TlsServer
from tests.test_spf import make_ctx

POLICY_HOST = f"mta-sts.{D}"
ZONE = {
    (D, "MX"): [f"10 mx1.{D}."],
    (f"mx1.{D}", "A"): ["192.0.2.11"],
    (f"_mta-sts.{D}", "TXT"): ["v=STSv1; id=20260601"],
    (POLICY_HOST, "A"): ["127.0.0.1"],
}


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def picked_by_sni(context: ssl.SSLContext, other: ssl.SSLContext) -> ssl.SSLContext:
    """`context` as the certificate a server installed for the name asked for (SNI), with
    `other`'s for a handshake without SNI: a server that honours SNI, whose certificate for
    the name is the fault (MTASTS-12). One presenting it without SNI too is answering with its
    default certificate, MTASTS-13's case (tests/test_https_s30n_default_vhost.py)."""

    def pick(sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        if name is None:
            sslobj.context = other

    context.sni_callback = pick
    return context


def policy_findings(pki: Pki, tmp: Path, served: Served) -> list[Finding]:
    """mtasts.evaluate with the policy host presenting `served` (leaf and chain sent)."""
    (tmp / "served.pem").write_bytes(served.leaf.pem + b"".join(c.pem for c in served.chain))
    (tmp / "served.key").write_bytes(served.leaf.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, POLICY_HOST, OK)
    server.ctx = picked_by_sni(context, server.ctx)
    ctx = make_ctx(
        D,
        ZONE,
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=pki.bundle(str(tmp / "roots.pem")),
        timeout=2.0,
    )
    try:
        return asyncio.run(mtasts.evaluate(ctx))
    finally:
        server.close()


def one(findings: list[Finding], check_id: str) -> Finding:
    [found] = [f for f in findings if f.id == check_id and f.status == Status.FAIL]
    return found


def test_an_expired_policy_host_certificate_says_renew_it_by_its_date(
    pki: Pki, tmp_path: Path
) -> None:
    served = Served(
        mint(pki.inter, not_before=now() - timedelta(days=100), host=POLICY_HOST), [pki.inter]
    )
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    assert fix.startswith(
        f"Renew the certificate of {POLICY_HOST} (it expired on {certs.utc_text(served.end)})"
    )
    assert "ACME" in fix


def test_a_certificate_for_other_own_names_says_which_name_it_needs(
    pki: Pki, tmp_path: Path
) -> None:
    served = Served(
        mint(pki.inter, not_before=now() - timedelta(days=1), host=f"www.{D}"), [pki.inter]
    )
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    assert fix.startswith(
        f"Install on {POLICY_HOST} a certificate whose names include {POLICY_HOST} "
        f"(the one it sends names: www.{D})"
    )


def test_a_providers_certificate_says_ask_the_provider(pki: Pki, tmp_path: Path) -> None:
    served = Served(
        mint(pki.inter, not_before=now() - timedelta(days=1), host="sts.provider.example"),
        [pki.inter],
    )
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    assert "certificate is for sts.provider.example" in fix
    assert f"ask the provider that hosts {POLICY_HOST} to serve a certificate for" in fix


def test_a_missing_intermediate_says_send_it(pki: Pki, tmp_path: Path) -> None:
    # The leaf alone, without the intermediate that links it to the trusted root.
    served = Served(mint(pki.inter, not_before=now() - timedelta(days=1), host=POLICY_HOST), [])
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    issuer = served.leaf.cert.issuer.rfc4514_string()
    assert fix.startswith(f"Make {POLICY_HOST} send its CA's intermediate certificate")
    assert "fullchain.pem" in fix
    assert issuer.split(",")[0] in fix


def test_a_self_signed_certificate_says_use_a_public_ca(pki: Pki, tmp_path: Path) -> None:
    served = Served(mint(None, not_before=now() - timedelta(days=1), host=POLICY_HOST), [])
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    assert fix.startswith(f"Replace the certificate of {POLICY_HOST} with one from a public CA")
    assert fix.endswith("it is self-signed.")


def test_a_leaf_not_yet_valid_says_from_when(pki: Pki, tmp_path: Path) -> None:
    served = Served(
        mint(pki.inter, not_before=now() + timedelta(hours=3), host=POLICY_HOST), [pki.inter]
    )
    fix = one(policy_findings(pki, tmp_path, served), "MTASTS-12").fix
    assert f"valid only from {certs.utc_text(served.start)}" in fix


def test_a_stale_intermediate_is_read_from_its_dates(pki: Pki, tmp_path: Path) -> None:
    stale = make_ca("Stale Issuing CA", pki.root, expired=True)
    served = Served(mint(stale, not_before=now() - timedelta(days=1), host=POLICY_HOST), [stale])
    finding = one(policy_findings(pki, tmp_path, served), "MTASTS-12")
    assert finding.evidence["certificate"]["stale_ca_state"] == "expired"
    assert finding.fix.startswith(
        f"Install the current intermediate certificate from your CA in the chain {POLICY_HOST}"
    )
    assert "Stale Issuing CA" in finding.fix
    # The state, not OpenSSL's code, says which way: the same refusal with a CA certificate
    # that is not valid yet reads so whatever code OpenSSL gave.
    cert = https.CertInfo(
        verify_code=https.CERT_HAS_EXPIRED,
        stale_ca="the CA certificate 'CN=Next CA' is not valid before 2030-01-01 00:00:00 UTC",
        stale_ca_state="not-yet-valid",
    )
    result = https.HttpsResult(url="https://h.example/x", host="h.example", cert=cert)
    result.error_kind = "tls-cert"
    assert "in place of the one that is not valid yet" in https.refusal_fix(result)
    assert "with a certificate in its chain that is not yet valid" in https.refusal_text(result)


def test_a_refused_connection_names_the_address_and_port() -> None:
    with socket.socket() as free:  # a port nothing listens on once closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    ctx = make_ctx(D, ZONE, allow_private_targets=True, https_port=port, timeout=2.0)
    finding = one(asyncio.run(mtasts.evaluate(ctx)), "MTASTS-11")
    assert finding.fix.startswith(
        f"Make the web server at {POLICY_HOST} (127.0.0.1) accept HTTPS on port 443"
    )


# BIMI-04 and BIMI-10: the same refusals on the logo and the evidence host, with the same fixes.


def test_the_logo_hosts_expired_certificate_says_renew(pki: Pki, tmp_path: Path) -> None:
    host = "bimi.example.com"
    served = Served(mint(pki.inter, not_before=now() - timedelta(days=100), host=host), [pki.inter])
    out = Collector(Mechanism.BIMI)
    bimi._logo(out, LOGO, fetched(pki, tmp_path, served, LOGO), "", D)
    [finding] = out.findings
    assert finding.id == "BIMI-04"
    assert finding.fix.startswith(
        f"Renew the certificate of {host} (it expired on {certs.utc_text(served.end)})"
    )


def test_the_evidence_hosts_certificate_for_another_provider_says_ask_them(
    pki: Pki, tmp_path: Path
) -> None:
    served = Served(
        mint(pki.inter, not_before=now() - timedelta(days=1), host="cdn.example.net"), [pki.inter]
    )
    out = Collector(Mechanism.BIMI)
    bimi._mark(out, CERT, fetched(pki, tmp_path, served, CERT), [D], None, None)
    [finding] = out.findings
    assert finding.id == "BIMI-10"
    assert "ask the provider that hosts bimi.example.com" in finding.fix
    assert "cdn.example.net" in finding.fix
