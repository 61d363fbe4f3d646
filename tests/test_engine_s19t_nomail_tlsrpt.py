"""Round s19t: TLS-RPT advice for a domain that looks like it takes no mail.

A domain with no MX whose own address refuses port 25 (or greets 521) is told by MX-01 that it
looks like a domain that receives no mail (tests/test_engine_s19z_nomail.py). TLS-RPT reports
are about mail delivered to the domain, so its findings say TLS-RPT matters only if the domain
is meant to receive mail and point at MX-01, as the null-MX case makes TLS-RPT "not
applicable"; and no fix proposes a report mailbox at the domain, where no report can arrive.

In-memory DNS (tests.test_mx.FakeDns), real SMTP answers on 127.0.145.x.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest

from checks import starttls
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import D, check, free_port, one, web_only

# A report mailbox at the checked domain, in any finding's fix.
MAILBOX_AT_D = re.compile(rf"mailto:[^\s,;\"]*@{re.escape(D)}(?![A-Za-z0-9.-])", re.IGNORECASE)
REPORTS_ELSEWHERE = "reports.example.net"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def tlsrpt_findings(report: DomainReport) -> list[Finding]:
    return [f for f in report.findings if f.id.startswith("TLSRPT-")]


def assert_no_mailbox_at_the_domain(report: DomainReport) -> None:
    # TLS-RPT's findings (DMARC-01's example rua is DMARC's own, reported separately).
    proposing = [(f.id, f.fix) for f in tlsrpt_findings(report) if MAILBOX_AT_D.search(f.fix)]
    assert proposing == []


def with_tlsrpt(address: str, record: str) -> dict[tuple[str, str], list[str] | str]:
    zone = web_only(address)
    zone[(f"_smtp._tls.{D}", "TXT")] = [f'"{record}"']
    # A mail domain elsewhere that receives mail, for the owner's other report address.
    zone[(REPORTS_ELSEWHERE, "MX")] = [f"10 mx.{REPORTS_ELSEWHERE}."]
    zone[(f"mx.{REPORTS_ELSEWHERE}", "A")] = ["192.0.2.25"]
    return zone


def test_no_record_says_tls_rpt_matters_only_if_the_domain_receives_mail() -> None:
    address = "127.0.145.1"
    report = check(D, web_only(address), free_port(address))

    tlsrpt01 = one(report, "TLSRPT-01")
    assert tlsrpt01.status == Status.INFO  # unchanged: not a declared null MX
    assert "only if it is meant to receive mail" in tlsrpt01.summary
    assert "see MX-01" in tlsrpt01.summary and "see MX-01" in tlsrpt01.fix
    assert f"{address} refused the connection" in tlsrpt01.fix
    assert "null MX" in tlsrpt01.fix
    assert "v=TLSRPTv1" not in tlsrpt01.fix  # no record to publish for a domain without mail
    assert_no_mailbox_at_the_domain(report)


def test_a_521_greeting_gives_the_same_advice() -> None:
    address = "127.0.145.2"
    port = free_port(address)

    async def refuse_all_mail(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"521 5.3.2 parked.example.org does not accept mail\r\n")
        await writer.drain()
        writer.close()

    async def server() -> asyncio.Server:
        return await asyncio.start_server(refuse_all_mail, address, port)

    report = check(D, web_only(address), port, server)
    tlsrpt01 = one(report, "TLSRPT-01")
    assert tlsrpt01.status == Status.INFO
    assert "greets with 521" in tlsrpt01.fix
    assert_no_mailbox_at_the_domain(report)


def test_a_record_without_a_usable_address_is_not_repaired_with_a_mailbox_at_the_domain() -> None:
    address = "127.0.145.3"
    report = check(D, with_tlsrpt(address, "v=TLSRPTv1;"), free_port(address))
    tlsrpt05 = one(report, "TLSRPT-05")
    assert tlsrpt05.status == Status.FAIL  # the record is still broken
    assert "only if" in tlsrpt05.fix and "see MX-01" in tlsrpt05.fix
    assert "v=TLSRPTv1" not in tlsrpt05.fix
    assert_no_mailbox_at_the_domain(report)


def test_a_report_mailbox_at_the_domain_itself_cannot_be_delivered() -> None:
    address = "127.0.145.4"
    report = check(D, with_tlsrpt(address, f"v=TLSRPTv1; rua=mailto:tls@{D}"), free_port(address))
    tlsrpt10 = one(report, "TLSRPT-10")
    assert tlsrpt10.status == Status.WARN
    assert "cannot be delivered" in tlsrpt10.summary and "see MX-01" in tlsrpt10.summary
    (answer,) = tlsrpt10.evidence["takes_no_mail"]
    assert answer.startswith(f"{address} refused the connection on port ")
    assert "tls@" not in tlsrpt10.fix
    assert_no_mailbox_at_the_domain(report)


def test_the_owner_s_other_addresses_are_kept_and_the_one_at_the_domain_left_out() -> None:
    address = "127.0.145.5"
    # TLSRPT-07 (a DMARC size suffix) makes the record's own fix propose a record.
    record = f"v=TLSRPTv1; rua=mailto:tls@{D},mailto:tls@{REPORTS_ELSEWHERE}!10m"
    report = check(D, with_tlsrpt(address, record), free_port(address))
    tlsrpt07 = one(report, "TLSRPT-07")
    assert f'"v=TLSRPTv1; rua=mailto:tls@{REPORTS_ELSEWHERE}"' in tlsrpt07.fix
    assert "only if" in tlsrpt07.fix and "see MX-01" in tlsrpt07.fix
    tlsrpt10 = one(report, "TLSRPT-10")
    assert tlsrpt10.status == Status.WARN
    assert f"rua=mailto:tls@{REPORTS_ELSEWHERE}" in tlsrpt10.fix
    assert_no_mailbox_at_the_domain(report)


def test_a_silent_port_25_keeps_the_usual_record() -> None:
    # A timeout proves nothing ("could not check"): the usual advice, the example mailbox.
    address = "127.0.145.6"
    port = free_port(address)
    held: list[asyncio.StreamWriter] = []

    async def say_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await asyncio.sleep(5)

    async def server() -> asyncio.Server:
        return await asyncio.start_server(say_nothing, address, port)

    report = check(D, web_only(address), port, server)
    tlsrpt01 = one(report, "TLSRPT-01")
    assert tlsrpt01.status == Status.INFO
    assert "receive mail" not in tlsrpt01.summary
    assert tlsrpt01.fix == f'_smtp._tls.{D}. TXT "v=TLSRPTv1; rua=mailto:tls-reports@{D}"'
