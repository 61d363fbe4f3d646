"""Round s19k: DMARC-01 for a domain that looks like it takes no mail.

A domain with no MX whose own address refuses port 25 (or greets 521) is told by MX-01 that it
looks like a domain that receives no mail, with DMARC p=reject among the records of one
(93736a6), and TLS-RPT proposes no report mailbox at it (90c6b1f). DMARC-01 proposed
'v=DMARC1; p=none; rua=mailto:dmarc-reports@<the domain>', a mailbox that cannot receive: it
now agrees with MX-01. Real refusals and a real greeting on 127.0.147.x, in-memory DNS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from checks import starttls
from checks.findings import Status
from tests.test_engine_s19z_nomail import D as PARKED
from tests.test_engine_s19z_nomail import check, free_port, one, web_only


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def test_dmarc01_agrees_with_mx01_for_a_domain_that_takes_no_mail() -> None:
    address = "127.0.147.1"
    report = check(PARKED, web_only(address), free_port(address))

    mx01 = one(report, "MX-01")
    assert "looks like a domain that receives no mail" in mx01.summary
    dmarc01 = one(report, "DMARC-01")
    assert dmarc01.status == Status.INFO  # unchanged
    assert f'_dmarc.{PARKED}. TXT "v=DMARC1; p=reject"' in dmarc01.fix
    assert f"@{PARKED}" not in dmarc01.fix
    assert "p=none" not in dmarc01.fix
    assert "Start with p=none" not in dmarc01.summary
    assert "MX-01" in dmarc01.summary


def test_dmarc01_keeps_its_advice_for_a_domain_whose_address_takes_mail() -> None:
    # A domain without MX whose own address answers on port 25: nothing says it takes no mail.
    address = "127.0.147.2"

    async def greeter() -> asyncio.Server:
        async def greet(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"220 mail ready\r\n")
            await writer.drain()
            writer.close()

        return await asyncio.start_server(greet, address, port)

    port = free_port(address)
    report = check(PARKED, web_only(address), port, server=greeter)
    dmarc01 = one(report, "DMARC-01")
    assert f"rua=mailto:dmarc-reports@{PARKED}" in dmarc01.fix


def test_dmarc01_agrees_with_mx01_for_a_domain_that_sends_mail() -> None:
    # Its address refuses port 25, but its SPF record authorises senders: MX-01 tells it to
    # publish an MX for its replies (90e8e44), not the no-mail records, so DMARC-01 proposes
    # no p=reject either.
    address = "127.0.147.3"
    zone = web_only(address)
    zone[(PARKED, "TXT")] = ['"v=spf1 include:sendgrid.net -all"']
    zone[("sendgrid.net", "TXT")] = ['"v=spf1 ip4:167.89.0.0/17 -all"']
    report = check(PARKED, zone, free_port(address))

    mx01 = one(report, "MX-01")
    assert "sending_signs" in mx01.evidence and "p=reject" not in mx01.fix
    dmarc01 = one(report, "DMARC-01")
    assert "p=reject" not in dmarc01.fix
    assert "looks like a domain that receives no mail" not in dmarc01.summary
