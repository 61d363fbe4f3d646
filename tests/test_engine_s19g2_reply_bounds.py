"""Round s19g2: one SMTP reply (greeting, EHLO, STARTTLS) is bounded in time, lines and bytes.

A reply was read with a timeout per line only: a server sending a "220-" continuation line every
second held its probe for the whole SMTP session budget (3 × timeout), past a caller's deadline,
and the SMTP mechanism ended as an ENGINE-01 timeout with every per-MX finding lost. Now a reply
not finished within the timeout, or longer than starttls._MAX_REPLY_LINES lines or
starttls._MAX_REPLY_BYTES bytes, ends that address's probe as "could not check" (error, never
fail) naming what the server did, and the other addresses keep their findings. Real servers on
127.0.149.x; in-memory DNS.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from checks import engine, starttls
from checks.config import CheckConfig
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import free_port, in_memory_dns
from tests.test_mx import FakeDns

D = "slow-replies.example.org"
SLOW_MX, GOOD_MX = "mx1.slow-replies.example.org", "mx2.slow-replies.example.org"
SLOW_ADDRESS, GOOD_ADDRESS = "127.0.149.1", "127.0.149.2"

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


async def _drip(writer: asyncio.StreamWriter, line: bytes) -> None:
    """One continuation line a second, for longer than any test waits."""
    try:
        for _ in range(60):
            writer.write(line)
            await writer.drain()
            await asyncio.sleep(1)
    except (ConnectionError, asyncio.CancelledError):
        pass


async def _read_command(reader: asyncio.StreamReader) -> bytes:
    return (await reader.readline()).strip().upper()


async def _dripping_greeting(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _drip(writer, b"220-still greeting\r\n")


async def _dripping_ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mx1 ESMTP\r\n")
    await writer.drain()
    await _read_command(reader)
    await _drip(writer, b"250-still answering\r\n")


async def _dripping_starttls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mx1 ESMTP\r\n")
    await writer.drain()
    await _read_command(reader)
    writer.write(b"250-mx1\r\n250 STARTTLS\r\n")
    await writer.drain()
    await _read_command(reader)
    await _drip(writer, b"220-ready in a moment\r\n")


def _flooding_greeting(lines: int, width: int) -> Handler:
    """A greeting of `lines` "220-" lines of `width` characters sent at once, then its end and
    the dialogue of _good_server."""
    greeting = b"".join(b"220-" + b"x" * width + b"\r\n" for _ in range(lines))

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _good_server(reader, writer, greeting + b"220 mx1 ESMTP\r\n")

    return handler


async def _good_server(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    greeting: bytes = b"220 mx2 ESMTP\r\n",
) -> None:
    """A plain SMTP server without STARTTLS: enough to show its findings survive."""
    try:
        writer.write(greeting)
        await writer.drain()
        while command := await _read_command(reader):
            if command.startswith(b"EHLO"):
                writer.write(b"250-mx\r\n250 PIPELINING\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 not implemented\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


def _check(
    slow_server: Handler, *, timeout: float, deadline_seconds: float | None = None
) -> tuple[DomainReport, float]:
    """Check D's SMTP mechanism: its first MX runs `slow_server`, its second `_good_server`.
    Returns the report and when the SMTP mechanism reported, in seconds from the start."""
    port = free_port(SLOW_ADDRESS)
    config = CheckConfig(timeout=timeout, allow_private_targets=True, smtp_port=port)
    reported: dict[str, float] = {}

    async def go() -> DomainReport:
        slow = await asyncio.start_server(slow_server, SLOW_ADDRESS, port)
        good = await asyncio.start_server(_good_server, GOOD_ADDRESS, port)
        started = time.monotonic()

        def progress(mechanism: object, _findings: object) -> None:
            reported[str(mechanism)] = time.monotonic() - started

        try:
            return await engine.check_domain(
                D,
                config,
                mechanisms=["smtp"],
                on_progress=progress,
                deadline_seconds=deadline_seconds,
            )
        finally:
            slow.close()
            good.close()

    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 {SLOW_MX}.", f"20 {GOOD_MX}."],
        (SLOW_MX, "A"): [SLOW_ADDRESS],
        (GOOD_MX, "A"): [GOOD_ADDRESS],
    }
    with in_memory_dns(FakeDns(zone)):
        report = asyncio.run(go())
    return report, reported["smtp"]


def _about(report: DomainReport, address: str) -> list[Finding]:
    return [f for f in report.findings if address in (f.subject or "")]


def _only(findings: list[Finding], check_id: str) -> Finding:
    found = [f for f in findings if f.id == check_id]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def _assert_good_mx_kept(report: DomainReport) -> None:
    good = _about(report, GOOD_ADDRESS)
    assert _only(good, "SMTP-02").status == Status.PASS
    assert _only(good, "SMTP-03").status == Status.WARN  # it offers no STARTTLS


def test_a_dripping_greeting_ends_its_probe_inside_the_deadline() -> None:
    # The reviewer's case: a "220-" line a second, timeout 3 s, a caller's deadline of 8 s.
    report, took = _check(_dripping_greeting, timeout=3, deadline_seconds=8)
    assert not [f for f in report.findings if f.id == "ENGINE-01"]
    slow = _about(report, SLOW_ADDRESS)
    smtp01 = _only(slow, "SMTP-01")
    assert smtp01.status == Status.ERROR
    match = re.search(
        r"sent 220- lines for ([\d.]+) s without finishing its greeting", smtp01.summary
    )
    assert match, smtp01.summary
    # The whole reply had the timeout: the probe gave up after about 3 s, not the 9 s session.
    assert 2.5 <= float(match.group(1)) <= 4
    assert not [f for f in slow if f.status == Status.FAIL]
    _assert_good_mx_kept(report)
    assert took < 6


def test_a_dripping_ehlo_reply_is_could_not_check() -> None:
    report, took = _check(_dripping_ehlo, timeout=1.5)
    slow = _about(report, SLOW_ADDRESS)
    smtp01 = _only(slow, "SMTP-01")
    assert smtp01.status == Status.ERROR
    assert re.search(
        r"answered too slowly \(it sent 250- lines for [\d.]+ s without finishing its reply to our EHLO",
        smtp01.summary,
    ), smtp01.summary
    assert not [f for f in slow if f.status == Status.FAIL]
    _assert_good_mx_kept(report)
    assert took < 1.5 * starttls.SESSION_TIMEOUTS


def test_a_dripping_starttls_reply_is_could_not_check() -> None:
    report, took = _check(_dripping_starttls, timeout=1.5)
    slow = _about(report, SLOW_ADDRESS)
    assert _only(slow, "SMTP-03").status == Status.PASS
    smtp04 = _only(slow, "SMTP-04")
    assert smtp04.status == Status.ERROR
    assert re.search(
        r"answered too slowly \(it sent 220- lines for [\d.]+ s without finishing its reply to our STARTTLS\)",
        smtp04.summary,
    ), smtp04.summary
    assert not [f for f in slow if f.status == Status.FAIL]
    _assert_good_mx_kept(report)
    assert took < 1.5 * starttls.SESSION_TIMEOUTS


@pytest.mark.parametrize(
    ("lines", "width", "said"),
    [
        # More lines than any server sends, each short.
        (starttls._MAX_REPLY_LINES + 50, 10, f"{starttls._MAX_REPLY_LINES} lines"),
        # Fewer lines, but long ones (each under the per-line limit): too many bytes.
        (40, 3000, f"{starttls._MAX_REPLY_BYTES // 1024} KiB"),
    ],
)
def test_an_endless_looking_greeting_is_could_not_check(lines: int, width: int, said: str) -> None:
    report, _ = _check(_flooding_greeting(lines, width), timeout=1.5)
    slow = _about(report, SLOW_ADDRESS)
    smtp01 = _only(slow, "SMTP-01")
    assert smtp01.status == Status.ERROR
    assert f"sent 220- lines beyond {said} without finishing its greeting" in smtp01.summary
    assert not [f for f in slow if f.status == Status.FAIL]
    _assert_good_mx_kept(report)


def test_a_long_greeting_within_the_bounds_is_read_whole() -> None:
    # Just under both bounds: a real (if chatty) server, judged as any.
    report, _ = _check(_flooding_greeting(starttls._MAX_REPLY_LINES - 1, 10), timeout=1.5)
    slow = _about(report, SLOW_ADDRESS)
    assert not [f for f in slow if f.status == Status.ERROR]
    assert _only(slow, "SMTP-02").status == Status.PASS
