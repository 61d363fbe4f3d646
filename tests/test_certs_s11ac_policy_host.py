"""MTASTS-12 says what is wrong with a policy host's refused certificate, in the words BIMI-04
uses for a logo host's (https.refusal_text, from OpenSSL's verify code: CertInfo.verify_code):
expired on <UTC>, not valid for the host with the names it has, not trusted, an expired CA
certificate in the chain. It showed OpenSSL's own text ("certificate has expired"). The
status stays a fail. Real TLS servers on 127.0.0.1 as in test_https; no lab."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks import certs, https, mtasts
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_certs import Issued, Pki, make_ca
from tests.test_certs_s10_edges import mint
from tests.test_https import POLICY, StubDns, TlsServer, run
from tests.test_mtasts import evaluate

HOST = "mta-sts.example.org"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _fetch(pki: Pki, tmp: Path, chain: list[Issued]) -> https.HttpsResult:
    """The policy fetch (https.fetch) from a host presenting `chain` (leaf first)."""
    (tmp / "served.pem").write_bytes(b"".join(c.pem for c in chain))
    (tmp / "served.key").write_bytes(chain[0].key_pem)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, HOST, RESPONSE)
    server.ctx = served  # the test server's own certificate replaced by this leaf
    stub = StubDns({HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=pki.bundle(str(tmp / "roots.pem")),
        )
        return run(https.fetch(CheckContext("example.org", cfg), mtasts.policy_url("example.org")))
    finally:
        stub.close()
        server.close()


def _mtasts12(monkeypatch: pytest.MonkeyPatch, result: https.HttpsResult) -> Finding:
    [finding] = [f for f in evaluate(monkeypatch, fetched=result) if f.id == "MTASTS-12"]
    return finding


def _days_ago(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


# Each case: the chain served (leaf first), and what MTASTS-12 must say about the certificate.
CASES: dict[str, tuple[Callable[[Pki], list[Issued]], Callable[[list[Issued]], str]]] = {
    "expired": (
        lambda p: [mint(p.inter, not_before=_days_ago(100), host=HOST), p.inter],  # type: ignore[list-item]
        lambda c: f"that expired on {certs.utc_text(c[0].cert.not_valid_after_utc)}",
    ),
    "another name": (
        lambda p: [mint(p.inter, not_before=_days_ago(1), host="www.example.org"), p.inter],  # type: ignore[list-item]
        lambda c: f"that is not valid for {HOST} (its names: www.example.org)",
    ),
    "unknown issuer": (
        lambda p: [mint(p.rogue, not_before=_days_ago(1), host=HOST)],
        lambda c: "that is not trusted: it does not chain to a public root",
    ),
    "expired CA": (
        lambda p: (
            [mint(stale, not_before=_days_ago(1), host=HOST), stale]
            if (stale := make_ca("Stale Issuing CA", p.root, expired=True))
            else []
        ),
        lambda c: "with an expired CA certificate in its chain",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mtasts_12_says_what_is_wrong_with_the_policy_hosts_certificate(
    case: str, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, expected = CASES[case]
    chain = make(pki)
    result = _fetch(pki, tmp_path, chain)
    assert result.error_kind == "tls-cert" and result.cert is not None
    mtasts12 = _mtasts12(monkeypatch, result)
    assert mtasts12.status == Status.FAIL
    assert mtasts12.summary.startswith(
        f"The policy host {HOST} presents a certificate {expected(chain)}"
    )
    assert mtasts12.summary.endswith(
        f"It must be valid for {HOST}, unexpired and chain to a public root (RFC 8461 §3.3)."
    )
    # BIMI-04 says the same of a logo host presenting that certificate: one reading of it.
    assert f"a certificate {https.refusal_text(result)}" in mtasts12.summary
