"""Defects a reviewer confirmed in the handshake offering no anonymous suite (96ec164, 8781fb6):
an MX whose first handshake chose an anonymous (aNULL) suite is asked once more as senders
that authenticate ask (starttls.SmtpProbe.anon_cert).

- Connections: that question was asked per address and MX name, so six names on one
  anonymous-only server cost 20 connections instead of 8, and a server answering 421 after
  10 left the later names "could not check". It is now asked once per address; only a
  certificate in the answer (which may depend on SNI) makes each other name ask its own.

Real aiosmtpd servers on 127.0.0.1 (tests/test_starttls.py); no lab.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

from checks import starttls
from checks.context import CheckContext
from tests.test_certs import Pki
from tests.test_engine_s12_review2 import BOTH, _tls
from tests.test_starttls import ADDR, _config, _Handler, _port, _serve

ANON_ONLY = "aNULL:@SECLEVEL=0"
NAMES = [f"mx{i}.example.test" for i in range(1, 7)]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


class _Busy(asyncio.Protocol):
    """A server past its connections per client: 421 at the banner."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(b"421 4.7.0 mx1.example.test too many connections from you\r\n")
        transport.close()


def _probe_names(
    pki: Pki, tmp: Path, ciphers: str, limit: int = 1000
) -> tuple[list[starttls.SmtpProbe], int]:
    """Every name of NAMES probed at one address, as the checks do (concurrently, the
    engine serialises them per address); the server answers 421 past `limit` connections.
    The probes and the number of connections the server saw."""
    tls = _tls(tmp, pki, ciphers, pki.leaf(NAMES))
    count = 0

    def factory() -> asyncio.Protocol:
        nonlocal count
        count += 1
        if count > limit:
            return _Busy()
        return SMTP(_Handler(), hostname=NAMES[0], tls_context=tls, require_starttls=False)

    async def main() -> list[starttls.SmtpProbe]:
        server = await _serve(factory)
        try:
            config = _config(_port(server), pki.bundle(str(tmp / "ca.pem")))
            ctx = CheckContext("example.test", config)
            return list(await asyncio.gather(*(starttls.probe_mx(ctx, n, ADDR) for n in NAMES)))
        finally:
            server.close()

    probes = asyncio.run(main())
    return probes, count


# ---- 1. the question is asked once per address ----------------------------------------------


def test_an_anonymous_only_server_is_asked_once_for_all_its_names(pki: Pki, tmp_path: Path) -> None:
    probes, connections = _probe_names(pki, tmp_path, ANON_ONLY)
    assert [p.anon_cert for p in probes] == ["none"] * 6
    # Six first sessions; the question without aNULL (aiosmtpd hangs up on it: twice), the
    # handshake without SNI and the one with old TLS versions once for the address. It was 20.
    assert connections == 10
    assert sum(p.connections for p in probes) == 10


def test_a_server_limiting_connections_gets_every_name_checked(pki: Pki, tmp_path: Path) -> None:
    probes, _ = _probe_names(pki, tmp_path, ANON_ONLY, limit=10)
    # mx4..mx6 were "could not check" (421): the questions for mx1..mx3 had used the ten.
    assert [p.could_not_check for p in probes] == [False] * 6
    assert all(p.tls_ok for p in probes)
    assert [p.anon_cert for p in probes] == ["none"] * 6


def test_a_server_preferring_anonymous_suites_is_asked_per_name(pki: Pki, tmp_path: Path) -> None:
    probes, connections = _probe_names(pki, tmp_path, BOTH)
    # A certificate came back: it may depend on the name, so each name asks for its own.
    assert [p.anon_cert for p in probes] == ["other"] * 6
    assert all(p.mta_sts_ok for p in probes)
    # Six first sessions and six questions without aNULL; once for the address: without SNI,
    # old TLS, and the RSA question (an ECDSA leaf; aiosmtpd hangs up on it: twice).
    assert connections == 16
