"""STARTTLS probe against SMTP servers speaking the way real MTAs do, which the fixtures do not:
multi-line and fragmented greetings, odd EHLO keyword spelling, long reply lines, PIPELINING and
CHUNKING beside STARTTLS, and Postfix >= 3.9 / Exim refusing a STARTTLS that has a command
pipelined behind it. Real TLS on 127.0.0.1 with minted certificates; no lab."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from checks.findings import Status
from tests.test_certs import Pki
from tests.test_starttls import ADDR, HOST, _server_context, run_probe
from tests.test_starttls_extra2 import _findings

EHLO = b"250-mx1.example.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-8BITMIME\r\n250 STARTTLS\r\n"
EHLO_IN_TLS = b"250-mx1.example.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n"
SYNC_ERROR = b"554 5.5.0 Error: SMTP protocol synchronization\r\n"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def mta(
    tls: object,
    *,
    greeting: list[bytes] | None = None,
    ehlo: bytes = EHLO,
    refuse_pipelined_starttls: bool = True,
    starttls_only_first: bool = False,
) -> Callable[[], Awaitable[asyncio.Server]]:
    """An SMTP server that does STARTTLS for real. `greeting` is written piece by piece (a
    reply split over TCP segments). With `refuse_pipelined_starttls`, input waiting behind
    STARTTLS is answered as Postfix >= 3.9 does (smtpd_forbid_unauth_pipelining = yes, its
    default): 554 and a hang-up. Otherwise the pending input is discarded (RFC 3207 §4.2)."""

    sessions = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sessions
        sessions += 1
        in_tls = False
        try:
            for piece in greeting or [b"220 mx1.example.test ESMTP Postfix\r\n"]:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.02)
            while line := await reader.readline():
                verb = line.split()[0].upper() if line.split() else b""
                if verb == b"EHLO":
                    writer.write(EHLO_IN_TLS if in_tls else ehlo)
                elif verb == b"STARTTLS" and not in_tls and starttls_only_first and sessions > 1:
                    # Whatever follows it: a server out of TLS sessions after the first.
                    writer.write(b"554 5.7.0 TLS not available now\r\n")
                    await writer.drain()
                    return
                elif verb == b"STARTTLS" and not in_tls:
                    pending = b""
                    with contextlib.suppress(TimeoutError):
                        pending = await asyncio.wait_for(reader.read(256), 0.2)
                    if pending and refuse_pipelined_starttls:
                        writer.write(SYNC_ERROR)
                        await writer.drain()
                        return
                    writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                    await writer.drain()
                    await writer.start_tls(tls)  # type: ignore[arg-type]
                    in_tls = True
                    continue
                elif verb == b"QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"250 2.0.0 Ok\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return lambda: asyncio.start_server(handle, ADDR, 0)


@pytest.fixture()
def tls(pki: Pki, tmp_path: Path) -> object:
    assert pki.inter is not None
    return _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])


def test_a_refused_pipelined_starttls_still_tests_sni_and_passes_smtp06(
    tls: object, bundle: str
) -> None:
    # Postfix >= 3.9 and Exim answer STARTTLS with a command pipelined behind it with 554 and
    # hang up (RFC 2920 §3.1: STARTTLS ends a group). That is no injection (SMTP-06 passes),
    # and the handshake without SNI (SMTP-13) must still be tried.
    probe = run_probe(mta(tls), bundle)
    assert probe.tls_ok and probe.error_kind is None
    assert probe.no_sni_ok is True
    assert probe.injection_vulnerable is False and probe.injection_refused
    found = _findings(probe)
    assert found["SMTP-13"].status == Status.PASS
    assert found["SMTP-06"].status == Status.PASS
    assert "refuses STARTTLS sent with a command pipelined" in found["SMTP-06"].summary


def test_a_5xx_to_every_later_starttls_is_no_refusal_of_pipelining(
    tls: object, bundle: str
) -> None:
    # The pipelined STARTTLS got 554, but so did the plain one after it: the refusal had
    # nothing to do with pipelining, so SMTP-06 may not pass on it (nor was it tested).
    probe = run_probe(mta(tls, starttls_only_first=True), bundle)
    assert probe.tls_ok
    assert not probe.injection_refused
    smtp06 = _findings(probe).get("SMTP-06")
    assert smtp06 is None or "refuses STARTTLS sent with a command pipelined" not in smtp06.summary


def test_a_server_discarding_pipelined_input_passes_smtp06(tls: object, bundle: str) -> None:
    probe = run_probe(mta(tls, refuse_pipelined_starttls=False), bundle)
    assert probe.tls_ok and probe.no_sni_ok is True
    assert probe.injection_vulnerable is False and not probe.injection_refused
    assert "discards commands pipelined" in _findings(probe)["SMTP-06"].summary


@pytest.mark.parametrize(
    ("greeting", "ehlo"),
    [
        # A multi-line greeting (RFC 5321 §4.2.1), as Exim and Sendmail can be told to send.
        (
            [b"220-mx1.example.test ESMTP\r\n", b"220-No UCE\r\n", b"220 ready\r\n"],
            EHLO,
        ),
        # A greeting split across TCP segments.
        ([b"22", b"0 mx1.exa", b"mple.test ESMTP\r\n"], EHLO),
        # Keywords are case-insensitive (RFC 5321 §2.4); trailing blanks are noise.
        (None, b"250-mx1.example.test\r\n250-pipelining\r\n250 starttls\r\n"),
        (None, b"250-mx1.example.test\r\n250-STARTTLS \r\n250 8BITMIME\r\n"),
        # EHLO lines over 512 octets (long AUTH lists, chatty greetings).
        (
            None,
            b"250-mx1.example.test "
            + b"x" * 600
            + b"\r\n250-AUTH "
            + b"PLAIN " * 120
            + b"\r\n250 STARTTLS\r\n",
        ),
        # Bare LF line ends.
        ([b"220 mx1.example.test\n"], b"250-mx1.example.test\n250 STARTTLS\n"),
    ],
    ids=["multiline-220", "split-220", "lowercase", "trailing-space", "long-lines", "bare-lf"],
)
def test_real_world_greetings_and_ehlo_replies_reach_tls(
    tls: object, bundle: str, greeting: list[bytes] | None, ehlo: bytes
) -> None:
    probe = run_probe(mta(tls, greeting=greeting, ehlo=ehlo), bundle)
    assert probe.ehlo_ok and probe.starttls_offered and probe.tls_ok, probe.problem
    assert probe.verify_ok and probe.name_ok and probe.mta_sts_ok
    found = _findings(probe, under_sts=True)
    assert not [f.id for f in found.values() if f.status in {Status.FAIL, Status.ERROR}]
    assert found["SMTP-02"].status == Status.PASS
    assert found["SMTP-05"].status == Status.PASS


def test_a_server_closing_after_ehlo_is_could_not_check(bundle: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx1.example.test ESMTP\r\n")
        await reader.readline()
        writer.write(EHLO)
        await writer.drain()
        writer.close()

    probe = run_probe(lambda: asyncio.start_server(handle, ADDR, 0), bundle)
    assert probe.starttls_offered and probe.could_not_check
    found = _findings(probe, under_sts=True)
    assert found["SMTP-01"].status == Status.ERROR
    assert not [f.id for f in found.values() if f.status == Status.FAIL]
