"""Round s19m (1): MX-01 never waits for a whole port-25 probe of the domain's own address.

93736a6 made MX-01 of a domain with no MX wait for STARTTLS's probe of its address (to tell a
website that refuses mail): a silent or slowly greeting server held MX-01 for the whole probe,
and under a deadline (the free check's) the MX category ended as an ENGINE-01 timeout. Now a
probe not finished within mx.NO_MAIL_WAIT_SECONDS proves nothing and MX-01 gives the advice of
a domain that receives mail. Real servers on 127.0.0.1; in-memory DNS.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from checks import engine, mx, starttls
from checks.config import CheckConfig
from checks.findings import DomainReport, Status
from tests.test_engine_s19z_nomail import free_port, in_memory_dns, one
from tests.test_mx import FakeDns

D = "parked.example.org"
ADDRESS = "127.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


async def _say_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An SMTP server that accepts the connection and never greets."""
    await asyncio.sleep(30)
    writer.close()


async def _dribble(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An SMTP server whose greeting never ends: a '220-' continuation line every second."""
    try:
        for _i in range(100):
            writer.write(b"220-slow\r\n")
            await writer.drain()
            await asyncio.sleep(1)
    except (ConnectionError, asyncio.CancelledError):
        pass


def _run_against(
    handler: object, *, timeout: float, deadline_seconds: float | None = None
) -> tuple[DomainReport, dict[str, float]]:
    """Check D (no MX, an address whose port 25 runs `handler`), MX alone; with the time each
    mechanism reported at."""
    port = free_port(ADDRESS)
    config = CheckConfig(timeout=timeout, allow_private_targets=True, smtp_port=port)
    reported: dict[str, float] = {}

    async def go() -> DomainReport:
        server = await asyncio.start_server(handler, ADDRESS, port)  # type: ignore[arg-type]
        started = time.monotonic()

        def progress(mechanism: object, findings: object) -> None:
            reported[str(mechanism)] = time.monotonic() - started

        try:
            return await engine.check_domain(
                D,
                config,
                mechanisms=["mx"],
                on_progress=progress,
                deadline_seconds=deadline_seconds,
            )
        finally:
            server.close()

    with in_memory_dns(FakeDns({(D, "A"): [ADDRESS]})):
        return asyncio.run(go()), reported


def test_it_gives_mx01_without_waiting_for_a_silent_port_25() -> None:
    report, reported = _run_against(_say_nothing, timeout=4)
    mx01 = one(report, "MX-01")
    assert mx01.status == Status.WARN
    # A silence proves nothing: the advice of a domain that receives mail, at its address.
    assert mx01.fix == f"{D}. MX 10 {D}."
    # The probe itself waits the whole 4 s timeout.
    assert reported["mx"] < mx.NO_MAIL_WAIT_SECONDS + 1.0 < 4


def test_it_keeps_mx01_when_port_25_greets_forever_under_a_deadline() -> None:
    # A greeting of endless "220-" lines: the probe outlasts the 8 s deadline.
    report, reported = _run_against(_dribble, timeout=4, deadline_seconds=8)
    assert not [f for f in report.findings if f.id == "ENGINE-01"]
    mx01 = one(report, "MX-01")
    assert mx01.status == Status.WARN and mx01.fix == f"{D}. MX 10 {D}."
    assert reported["mx"] < mx.NO_MAIL_WAIT_SECONDS + 1.0
