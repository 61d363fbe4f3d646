"""Defects a reviewer confirmed in the handshake offering no anonymous suite (96ec164, 8781fb6):
an MX whose first handshake chose an anonymous (aNULL) suite is asked once more as senders
that authenticate ask (starttls.SmtpProbe.anon_cert).

- Connections: that question was asked per address and MX name, so six names on one
  anonymous-only server cost 20 connections instead of 8, and a server answering 421 after
  10 left the later names "could not check". It is now asked once per address; only a
  certificate in the answer (which may depend on SNI) makes each other name ask its own.
- MTASTS-32 failed an address whose question got no answer ('untested': "does not pass
  MTA-STS validation ... Senders will not deliver there"), as no certificate was seen; only
  the verdict counting it (_probe_verdict) had been made "could not check". It is "could
  not check" (error) now, as SMTP-09 and DANE-07 are.
- A server serving one session and dropping every later one after STARTTLS (a session
  limit, a restarting worker) hung up twice on the question, which read as a refusal:
  anonymous-only, SMTP-09 failing under enforce and DANE-07 failing. Hang-ups count as a
  refusal now only when the handshake without SNI, offering aNULL, completes right after.

Real aiosmtpd servers on 127.0.0.1 (tests/test_starttls.py); no lab.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.smtp import SMTP

from checks import mtasts, mx, starttls
from checks.context import CheckContext
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Pki
from tests.test_engine_s12_review2 import BOTH, _dane, _first_connection_only, _state, _tls
from tests.test_starttls import ADDR, HOST, _config, _Handler, _port, _serve, run_probe
from tests.test_starttls_s11_dual_certs import _all

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


# ---- 2. MTASTS-32: no answer is "could not check" --------------------------------------------


def test_mtasts_32_cannot_check_an_address_whose_question_got_no_answer(
    pki: Pki, tmp_path: Path
) -> None:
    tls = _tls(tmp_path, pki, BOTH, pki.leaf([HOST]))
    make_server = _first_connection_only(tls)  # the question without aNULL meets a 421
    host = mx.MxHost(name=HOST, preference=10, addresses=[ADDR])
    mxset = mx.MxSet(answer=None, hosts=[host])
    out = Collector(Mechanism.MTASTS)

    async def main() -> None:
        server = await make_server()
        try:
            config = _config(_port(server), pki.bundle(str(tmp_path / "ca.pem")))
            ctx = CheckContext("example.test", config)

            async def known() -> mx.MxSet:
                return mxset

            await ctx.once("mx", known)  # the MX set, as mx.get_mx would have found it
            target = SimpleNamespace(mode="enforce", fix="")
            state = mtasts.MtaStsState(patterns=[HOST])
            await mtasts._validation_findings(ctx, state, mxset, [host], Status.FAIL, out, target)  # type: ignore[arg-type]
            (probe,) = [p for _, p in (await mtasts.get_validation(ctx, mxset)).probes[HOST]]
            assert isinstance(probe, starttls.SmtpProbe) and probe.anon_cert == "untested"
        finally:
            server.close()

    asyncio.run(main())
    (mtasts32,) = [f for f in out.findings if f.id == "MTASTS-32"]
    assert mtasts32.status == Status.ERROR
    assert mtasts32.summary.startswith(f"Could not check {HOST} ({ADDR}): it chose the anonymous")
    assert "offering no anonymous suite, as MTA-STS senders do, got no answer" in mtasts32.summary
    assert "Senders will not deliver" not in mtasts32.summary


# ---- 3. hang-ups are a refusal only beside a handshake that completes ------------------------


class _DropsAfterStarttls(asyncio.Protocol):
    """A later session: banner, EHLO offering STARTTLS, 220 to STARTTLS, then the server
    closes without reading our ClientHello (out of sessions, a worker restarting)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self.transport, self.buffer = transport, b""
        transport.write(b"220 mx1.example.test ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            command = line.upper()
            if command.startswith(b"EHLO"):
                self.transport.write(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
            elif command.startswith((b"STARTTLS", b"QUIT")):
                self.transport.write(b"220 ready\r\n" if command == b"STARTTLS" else b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 ok\r\n")


def test_a_server_dropping_later_sessions_is_not_anonymous_only(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.leaf([HOST])
    tls = _tls(tmp_path, pki, BOTH, leaf)
    count = 0

    def factory() -> asyncio.Protocol:
        nonlocal count
        count += 1
        if count == 1:
            return SMTP(_Handler(), hostname=HOST, tls_context=tls, require_starttls=False)
        return _DropsAfterStarttls()

    probe = run_probe(lambda: _serve(factory), pki.bundle(str(tmp_path / "ca.pem")))
    assert probe.tls_ok and probe.chain_der == [] and probe.no_sni_ok is False
    # The question hung up on twice, as an anonymous-only aiosmtpd does; the handshake without
    # SNI (and its plain retry), offering aNULL, hung up too: no refusal, no answer.
    assert probe.anon_cert == "untested"
    found = _all(probe, under_sts=True)
    (smtp09,) = [f for f in found if f.id == "SMTP-09"]
    assert smtp09.status == Status.ERROR and "could not be tested" in smtp09.summary
    assert [f.id for f in found if f.status == Status.FAIL] == []
    dane_found = {f.id: f.status for f in _dane(probe, _state(leaf.der))}
    assert dane_found["DANE-07"] == Status.ERROR
    assert mtasts._probe_verdict(probe) == "error"
    # First session, the question twice, without SNI twice, old TLS: no connection added.
    assert count == probe.connections == 6
