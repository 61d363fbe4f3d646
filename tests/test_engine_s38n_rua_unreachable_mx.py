"""Task s38n, item 3: TLSRPT-10 called a `mailto:` report address at the checked domain itself
usable because the domain has an MX with an address, in the very run whose STARTTLS probes
found that no MX host took a connection. RFC 8460 §3 sends such reports by mail to that
address, so they go to those same hosts: while none takes mail, reports sent there may not
arrive (senders retry for a while). That is a note (info), not a warning and never a fail:
a refusal seen from our checker, or silence, may be our network's or passing (checklist §0:
a could-not-check is never a fail); SMTP-01 judges the hosts themselves.

Real servers (or a port where nothing listens) on 127.0.188.3x; the DNS in memory
(tests.test_mx.FakeDns)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from checks import engine, starttls
from checks.config import CheckConfig
from checks.findings import DomainReport, Finding, Mechanism, Status
from tests.test_engine_s19z_nomail import free_port, in_memory_dns
from tests.test_mx import FakeDns

D = "reports.example.org"
MX_HOST = f"mx.{D}"
OTHER = "collector.example.net"  # a report domain of its own, with its own MX


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


async def _greets(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A mail server that greets and answers EHLO without STARTTLS, then QUIT."""
    writer.write(b"220 mx.reports.example.org ESMTP\r\n")
    await writer.drain()
    while line := await reader.readline():
        if line.upper().startswith(b"EHLO"):
            writer.write(b"250 mx.reports.example.org\r\n")
        elif line.upper().startswith(b"QUIT"):
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"502 no\r\n")
        await writer.drain()
    writer.close()


async def _never_greets(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()
    writer.close()


def _check(
    rua: str, address: str, handler: Any = None, mechanisms: tuple[str, ...] = ("tls-rpt", "smtp")
) -> DomainReport:
    """TLS-RPT (with the SMTP probes it reads) of D, whose one MX host is at `address` (port 25
    answered by `handler`; with none, nothing listens there: the connection is refused)."""
    port = free_port(address)
    config = CheckConfig(timeout=0.5, allow_private_targets=True, smtp_port=port)
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 {MX_HOST}."],
        (MX_HOST, "A"): [address],
        (f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua={rua}"'],
        (OTHER, "MX"): [f"10 mx.{OTHER}."],
        (f"mx.{OTHER}", "A"): ["192.0.2.25"],
    }

    async def go() -> DomainReport:
        server = None
        if handler is not None:
            server = await asyncio.start_server(handler, address, port)
        try:
            return await engine.check_domain(D, config, mechanisms=list(mechanisms))
        finally:
            if server is not None:
                server.close()

    with in_memory_dns(FakeDns(zone)):
        return asyncio.run(go())


def _tlsrpt10(report: DomainReport) -> list[Finding]:
    return [f for f in report.findings if f.id == "TLSRPT-10"]


def _nothing_bad(report: DomainReport) -> None:
    bad = [
        (f.id, f.status)
        for f in report.findings
        if f.mechanism == Mechanism.TLSRPT and f.status in (Status.FAIL, Status.WARN)
    ]
    assert bad == [], bad


@pytest.mark.parametrize(
    ("address", "handler"),
    [("127.0.188.31", None), ("127.0.188.32", _never_greets)],
    ids=["refused", "never-greets"],
)
def test_a_mailbox_at_the_domain_whose_mx_took_no_connection_gets_a_note(
    address: str, handler: Any
) -> None:
    report = _check(f"mailto:tlsrpt@{D}", address, handler)
    _nothing_bad(report)
    (note,) = _tlsrpt10(report)
    assert note.status == Status.INFO, note
    assert note.subject == f"mailto:tlsrpt@{D}"
    assert f"Reports to mailto:tlsrpt@{D} go to {D}'s own MX hosts" in note.summary
    assert "none of them could be reached on port 25 in this check" in note.summary
    assert "may not arrive" in note.summary
    assert "SMTP-01" in note.summary
    assert not note.fix
    assert note.evidence["mx_probes"][0].startswith(f"{MX_HOST} [{address}]"), note.evidence


def test_a_mailbox_at_the_domain_whose_mx_greets_passes() -> None:
    report = _check(f"mailto:tlsrpt@{D}", "127.0.188.33", _greets)
    _nothing_bad(report)
    (finding,) = _tlsrpt10(report)
    assert finding.status == Status.PASS, finding
    assert "may not arrive" not in finding.summary


def test_a_mailbox_elsewhere_is_not_noted_for_the_domains_own_mx() -> None:
    report = _check(f"mailto:tlsrpt@{OTHER}", "127.0.188.34")
    _nothing_bad(report)
    (finding,) = _tlsrpt10(report)
    assert finding.status == Status.PASS, finding


def test_tls_rpt_checked_alone_connects_to_no_mx() -> None:
    """The note reads the SMTP mechanism's probes of the run and opens no connection of its
    own (lead, after s38n): a TLS-RPT check alone leaves the MX untouched and says nothing of
    it, as before."""
    connections: list[str] = []

    async def counts(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append("one")
        await _never_greets(reader, writer)

    report = _check(f"mailto:tlsrpt@{D}", "127.0.188.35", counts, mechanisms=("tls-rpt",))
    _nothing_bad(report)
    (finding,) = _tlsrpt10(report)
    assert finding.status == Status.PASS, finding
    assert connections == []
