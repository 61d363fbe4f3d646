"""BIMI-04 and BIMI-10: a logo or mark-certificate host whose TLS certificate is refused says
what is wrong with it.

BIMI-04 called every refused certificate "not trusted", an expired one, one not yet valid and
one for another name included. The reason comes from the https layer (CertInfo.verify_code,
OpenSSL's X509_V_ERR_* code, and starts_in), told in words with times to the second in UTC. A
certificate that starts within certs.NOT_BEFORE_SKEW of our clock is "could not check", as
MTASTS-12 treats the policy host's. Real TLS servers on 127.0.0.1, as in test_https; no lab."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks import bimi, certs
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.test_bimi import CERT, GOOD_VMC, LOGO, D
from tests.test_certs import Issued, Pki, make_ca
from tests.test_certs_s10_edges import mint
from tests.test_https import TlsServer
from tests.test_spf import make_ctx

HOST = "bimi.example.com"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@dataclass
class Served:
    """A leaf (and the CA certificates sent after it) for the BIMI host."""

    leaf: Issued
    chain: list[Issued]

    @property
    def start(self) -> datetime:
        return self.leaf.cert.not_valid_before_utc

    @property
    def end(self) -> datetime:
        return self.leaf.cert.not_valid_after_utc


def fetched(pki: Pki, tmp: Path, served: Served, url: str) -> HttpsResult:
    """The guarded HTTPS client's result for `url` from a server presenting `served`."""
    (tmp / "served.pem").write_bytes(served.leaf.pem + b"".join(c.pem for c in served.chain))
    (tmp / "served.key").write_bytes(served.leaf.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, HOST, OK)
    server.ctx = context  # the test server's own certificate replaced by this leaf
    ctx = make_ctx(
        D,
        {(HOST, "A"): ["127.0.0.1"]},
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=pki.bundle(str(tmp / "roots.pem")),
        timeout=2.0,
    )
    try:
        return asyncio.run(bimi._fetch(ctx, url, bimi.SVG_FETCH_LIMIT))
    finally:
        server.close()


def logo_findings(result: HttpsResult) -> list[Finding]:
    out = Collector(Mechanism.BIMI)
    bimi._logo(out, LOGO, result)
    return out.findings


def mark_findings(result: HttpsResult, logo_result: Any = None) -> list[Finding]:
    out = Collector(Mechanism.BIMI)
    bimi._mark(out, CERT, result, [D], None, logo_result)
    return out.findings


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# Each case: the certificate served, and what BIMI-04 must say about it.
CASES: dict[str, tuple[Callable[[Pki], Served], Callable[[Served], str]]] = {
    "expired": (
        lambda p: Served(
            mint(p.inter, not_before=now() - timedelta(days=100), host=HOST), [p.inter]
        ),
        lambda s: f"a certificate that expired on {certs.utc_text(s.end)}",
    ),
    "not yet valid": (
        lambda p: Served(
            mint(p.inter, not_before=now() + timedelta(hours=3), host=HOST), [p.inter]
        ),
        lambda s: f"a certificate that is not valid until {certs.utc_text(s.start)}",
    ),
    "another name": (
        lambda p: Served(
            mint(p.inter, not_before=now() - timedelta(days=1), host="cdn.example.net"), [p.inter]
        ),
        lambda s: f"a certificate that is not valid for {HOST} (its names: cdn.example.net)",
    ),
    "unknown issuer": (
        lambda p: Served(mint(p.rogue, not_before=now() - timedelta(days=1), host=HOST), []),
        lambda s: (
            "a certificate that is not trusted: it does not chain to a public root "
            "(unable to get local issuer certificate)"
        ),
    ),
    "self-signed": (
        lambda p: Served(mint(None, not_before=now() - timedelta(days=1), host=HOST), []),
        lambda s: (
            "a certificate that is not trusted: it does not chain to a public root "
            "(self-signed certificate)"
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bimi_04_says_what_is_wrong_with_the_logo_hosts_certificate(
    case: str, pki: Pki, tmp_path: Path
) -> None:
    make, expected = CASES[case]
    served = make(pki)
    [finding] = logo_findings(fetched(pki, tmp_path, served, LOGO))
    assert (finding.id, finding.status) == ("BIMI-04", Status.FAIL)
    assert finding.summary == (
        f"The logo's web server presents {expected(served)}; receivers will not fetch the logo."
    )
    assert "not trusted" not in finding.summary or "does not chain" in finding.summary


def test_an_expired_ca_certificate_is_named_as_such(pki: Pki, tmp_path: Path) -> None:
    # The leaf is current; the intermediate sent with it expired two days ago.
    stale = make_ca("Stale Issuing CA", pki.root, expired=True)
    served = Served(mint(stale, not_before=now() - timedelta(days=1), host=HOST), [stale])
    [finding] = logo_findings(fetched(pki, tmp_path, served, LOGO))
    assert (finding.id, finding.status) == ("BIMI-04", Status.FAIL)
    assert "with an expired CA certificate in its chain" in finding.summary


def test_a_logo_certificate_starting_within_the_skew_could_not_be_checked(
    pki: Pki, tmp_path: Path
) -> None:
    served = Served(
        mint(pki.inter, not_before=now() + timedelta(seconds=60), host=HOST), [pki.inter]
    )
    result = fetched(pki, tmp_path, served, LOGO)
    [finding] = logo_findings(result)
    assert (finding.id, finding.status) == ("BIMI-04", Status.ERROR)
    assert f"becomes valid at {certs.utc_text(served.start)}" in finding.summary
    assert "Check again after that time" in finding.summary
    # The mark certificate's logo could then not be compared: could not check, not 'unusable'.
    good = HttpsResult(url=CERT, status=200, body=GOOD_VMC)
    statuses = [(f.status, f.summary) for f in mark_findings(good, result)]
    assert statuses[0][0] == Status.PASS
    assert statuses[1] == (
        Status.ERROR,
        "The logo in the mark certificate was not compared with the l= logo, because the logo "
        "could not be fetched.",
    )


def test_bimi_10_says_what_is_wrong_with_the_evidence_hosts_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    expired = Served(
        mint(pki.inter, not_before=now() - timedelta(days=100), host=HOST), [pki.inter]
    )
    (tmp_path / "expired").mkdir()
    [finding] = mark_findings(fetched(pki, tmp_path / "expired", expired, CERT))
    assert (finding.id, finding.status) == ("BIMI-10", Status.FAIL)
    assert finding.summary == (
        f"The mark certificate could not be fetched from {CERT}: its web server presents a "
        f"certificate that expired on {certs.utc_text(expired.end)}; receivers will not fetch it."
    )
    fresh = Served(
        mint(pki.inter, not_before=now() + timedelta(seconds=60), host=HOST), [pki.inter]
    )
    (tmp_path / "fresh").mkdir()
    [finding] = mark_findings(fetched(pki, tmp_path / "fresh", fresh, CERT))
    assert (finding.id, finding.status) == ("BIMI-10", Status.ERROR)
    assert f"becomes valid at {certs.utc_text(fresh.start)}" in finding.summary
