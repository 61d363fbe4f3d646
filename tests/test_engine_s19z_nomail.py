"""Round s19z: domains that take no mail.

A web-only or parked domain (an address, no MX, nothing taking mail on port 25) is told it looks
like a domain that receives no mail and offered first the records of one (RFC 7505 null MX,
`v=spf1 -all`, DMARC p=reject), the MX to publish only as the alternative; nothing tells it to
remove its address or to set up MTA-STS for its web server. Names that do not exist:
tests/test_engine_s19z_nxdomain.py.

The engine runs against an in-memory DNS (tests.test_mx.FakeDns); the SMTP answers are real:
a port nobody listens on, a server greeting 521 and a silent one, on 127.0.143.x.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest

from checks import engine, scoring, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import DomainReport, Finding, Status
from tests.test_mx import FakeDns

D = "parked.example.org"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


@contextmanager
def in_memory_dns(dns: FakeDns) -> Iterator[None]:
    original = CheckContext
    with patch.object(engine, "CheckContext", lambda d, c: original(d, c, dns=dns)):
        yield


def free_port(address: str) -> int:
    """A port nothing listens on at `address` (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def check(
    domain: str,
    zone: dict[tuple[str, str], list[str] | str],
    port: int,
    server: Callable[[], Awaitable[Any]] | None = None,
    cnames: dict[str, str] | None = None,
) -> DomainReport:
    config = CheckConfig(timeout=0.5, allow_private_targets=True, smtp_port=port)

    async def go() -> DomainReport:
        running = await server() if server is not None else None
        try:
            return await engine.check_domain(domain, config)
        finally:
            if running is not None:
                running.close()
                await running.wait_closed()

    with in_memory_dns(FakeDns(zone, cnames=cnames)):
        return asyncio.run(go())


def one(report: DomainReport, check_id: str) -> Finding:
    found = [f for f in report.findings if f.id == check_id]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in report.findings]
    return found[0]


def web_only(address: str, **more: list[str]) -> dict[tuple[str, str], list[str] | str]:
    zone: dict[tuple[str, str], list[str] | str] = {(D, "A"): [address]}
    zone.update({(D, rdtype): value for rdtype, value in more.items()})
    return zone


def test_a_web_only_domain_is_offered_the_records_of_a_domain_that_takes_no_mail() -> None:
    address = "127.0.143.1"
    port = free_port(address)
    report = check(D, web_only(address), port)

    mx01 = one(report, "MX-01")
    assert mx01.status == Status.WARN
    assert "looks like a domain that receives no mail" in mx01.summary
    assert f"{address} refused the connection" in mx01.summary
    lines = mx01.fix.split("\n")
    null_mx = lines.index(f"{D}. MX 0 .")
    spf = next(i for i, line in enumerate(lines) if line.startswith(f'{D}. TXT "v=spf1 -all"'))
    dmarc = lines.index(f'_dmarc.{D}. TXT "v=DMARC1; p=reject"')
    real_mx = lines.index(f"{D}. MX 10 <your mail server's host name>.")
    # The records of a domain without mail first; the MX to publish only as the alternative.
    assert null_mx < spf < dmarc < real_mx
    assert f"{D}. MX 10 {D}." not in lines  # not the web server that refuses mail
    assert mx01.evidence["takes_no_mail"] == [f"{address} refused the connection on port {port}"]

    smtp01 = one(report, "SMTP-01")
    assert smtp01.status == Status.FAIL  # unchanged: nothing says it takes no mail
    assert "remove the address" not in smtp01.fix
    assert f"Keep the address {address} in DNS" in smtp01.fix
    assert f"{D}. MX 0 ." in smtp01.fix

    mtasts01 = one(report, "MTASTS-01")
    assert mtasts01.status == Status.INFO
    assert "looks like a domain that receives no mail" in mtasts01.fix
    assert "version: STSv1" not in mtasts01.fix and f"mx: {D}" not in mtasts01.fix
    assert "_mta-sts" not in mtasts01.fix


def test_records_already_in_place_are_not_proposed_again() -> None:
    address = "127.0.143.2"
    zone = web_only(address, TXT=['"v=spf1 -all"'])
    zone[(f"_dmarc.{D}", "TXT")] = ['"v=DMARC1; p=reject"']
    fix = one(check(D, zone, free_port(address)), "MX-01").fix
    lines = fix.split("\n")
    assert f"{D}. MX 0 ." in lines
    assert not any("v=spf1" in line or "v=DMARC1" in line for line in lines)
    done = "(its SPF record already refuses every sender and DMARC p=reject already applies to it.)"
    assert done in lines


def test_an_spf_record_that_refuses_no_one_is_replaced_not_kept() -> None:
    # `~all` authorises no sender (an SPF record that does would be a sign the domain sends
    # mail, and MX-01 then offers no null MX since 90e8e44), but it is not `-all` either.
    address = "127.0.143.3"
    zone = web_only(address, TXT=['"v=spf1 ~all"'])
    fix = one(check(D, zone, free_port(address)), "MX-01").fix
    assert f'{D}. TXT "v=spf1 -all"   ; in place of any other SPF record' in fix.split("\n")


def test_a_521_greeting_is_as_plain_as_a_refused_connection() -> None:
    # RFC 7504 §3: 521 says the host accepts no mail at all, to every client.
    address = "127.0.143.4"
    port = free_port(address)

    async def refuse_all_mail(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"521 5.3.2 parked.example.org does not accept mail\r\n")
        await writer.drain()
        writer.close()

    async def server() -> asyncio.Server:
        return await asyncio.start_server(refuse_all_mail, address, port)

    mx01 = one(check(D, web_only(address), port, server), "MX-01")
    assert "looks like a domain that receives no mail" in mx01.summary
    assert "greets with 521" in mx01.summary
    assert f"{D}. MX 0 ." in mx01.fix.split("\n")


def test_a_silent_port_25_is_no_proof_the_domain_takes_no_mail() -> None:
    # A timeout may be our network or their filter ("could not check"): the advice stays the
    # MX that keeps mail going where it goes now.
    address = "127.0.143.5"
    port = free_port(address)
    held: list[asyncio.StreamWriter] = []

    async def say_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await asyncio.sleep(5)

    async def server() -> asyncio.Server:
        return await asyncio.start_server(say_nothing, address, port)

    report = check(D, web_only(address), port, server)
    mx01 = one(report, "MX-01")
    assert "receives no mail" not in mx01.summary
    assert mx01.fix == f"{D}. MX 10 {D}."
    assert one(report, "SMTP-01").status == Status.ERROR


def test_a_null_mx_domain_with_a_website_is_not_applicable_for_transport() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): ["0 ."],
        (D, "A"): ["127.0.143.6"],
        (D, "TXT"): ['"v=spf1 -all"'],
        (f"_dmarc.{D}", "TXT"): ['"v=DMARC1; p=reject"'],
    }
    report = check(D, zone, free_port("127.0.143.6"))
    assert one(report, "MX-03").status == Status.INFO
    for check_id in ("MTASTS-01", "TLSRPT-01", "SMTP-01", "DANE-01"):
        assert one(report, check_id).status == Status.NA
    ids = [f.id for f in report.findings]
    assert scoring.receives_no_mail(report.score_detail, ids)
    assert not any(f.status == Status.FAIL for f in report.findings)
