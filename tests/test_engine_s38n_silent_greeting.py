"""Task s38n, item 2: an MX that accepts the TCP connection and never sends its 220 greeting
was said to have "stopped answering during the SMTP dialogue", a dialogue that never began.
SMTP-01 now says it plainly: the server accepted the connection but never sent its greeting
within the timeout; could not check (error), never a fail. A server that greets and then
falls silent keeps the words it had.

Real servers on 127.0.188.x (asyncio); the DNS in memory (tests.test_mx.FakeDns)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from checks import engine, starttls
from checks.config import CheckConfig
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import free_port, in_memory_dns
from tests.test_mx import FakeDns

D = "silent.example.org"
MX_HOST = f"mx.{D}"
TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


async def _never_greets(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts the connection and says nothing."""
    await reader.read()  # until the checker gives up and closes
    writer.close()


async def _greets_then_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Greets 220, then never answers EHLO."""
    writer.write(b"220 mx.silent.example.org ESMTP\r\n")
    await writer.drain()
    await reader.read()
    writer.close()


def _check(handler: object, address: str) -> DomainReport:
    port = free_port(address)
    config = CheckConfig(timeout=TIMEOUT, allow_private_targets=True, smtp_port=port)
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 {MX_HOST}."],
        (MX_HOST, "A"): [address],
    }

    async def go() -> DomainReport:
        server = await asyncio.start_server(handler, address, port)  # type: ignore[arg-type]
        try:
            return await engine.check_domain(D, config, mechanisms=["smtp"])
        finally:
            server.close()

    with in_memory_dns(FakeDns(zone)):
        return asyncio.run(go())


def _smtp01(report: DomainReport) -> Finding:
    found = [f for f in report.findings if f.id == "SMTP-01"]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in report.findings]
    return found[0]


def test_a_server_that_never_greets_is_said_to_have_sent_no_greeting() -> None:
    finding = _smtp01(_check(_never_greets, "127.0.188.25"))
    assert finding.status == Status.ERROR  # could not check, never a fail
    assert finding.summary == (
        f"Could not check STARTTLS on {MX_HOST} at 127.0.188.25 this time: the server accepted "
        f"the connection but never sent its greeting within {TIMEOUT:g} seconds."
    ), finding.summary
    assert "stopped answering" not in finding.summary
    assert "dialogue" not in finding.summary


def test_a_server_silent_after_its_greeting_keeps_its_words() -> None:
    finding = _smtp01(_check(_greets_then_silent, "127.0.188.26"))
    assert finding.status == Status.ERROR
    assert finding.summary == (
        f"Could not check STARTTLS on {MX_HOST} at 127.0.188.26 this time: during the SMTP "
        f"dialogue the server stopped answering ({TIMEOUT:g}s)."
    ), finding.summary


async def _greeting_never_ends(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Sends '220-' continuation lines and never the last line of its greeting."""
    try:
        for _ in range(50):
            writer.write(b"220-slow\r\n")
            await writer.drain()
            await asyncio.sleep(0.1)
    except ConnectionError:
        pass
    writer.close()


def test_a_greeting_that_never_ends_keeps_its_words() -> None:
    finding = _smtp01(_check(_greeting_never_ends, "127.0.188.27"))
    assert finding.status == Status.ERROR
    assert "during the SMTP dialogue the server answered too slowly" in finding.summary
    assert "without finishing its greeting" in finding.summary
    assert "never sent its greeting" not in finding.summary
