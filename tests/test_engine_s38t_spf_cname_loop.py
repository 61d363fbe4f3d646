"""SPF-20 at an include whose name is a CNAME loop (task s38t, item 2).

RFC 1034 §3.6.2: a loop is "signalled as an error", so the TXT question at the include gets
SERVFAIL from a validating resolver, as it does at every receiver (RFC 7208 §5.2: temperror).
SPF-20 said only "SERVFAIL for …"; as DMARC-01 and DKIM-01 do since e5753f12 / 243237c7, it
now names the loop (dns.cname_loop) and what to change, and stays "could not check". The
evaluator runs against a real DNS server on loopback (tests/test_dns_s9_server) answering as
Unbound does.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

DOMAIN = "example.org"
INCLUDE = f"_spf.{DOMAIN}"
ALIASES = {f"{INCLUDE}.": f"_spf2.{DOMAIN}.", f"_spf2.{DOMAIN}.": f"{INCLUDE}."}


def _spf20(loop: bool) -> Finding:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower()
        if name == f"{DOMAIN}." and q.rdtype == dns.rdatatype.TXT:
            return Reply(answer(query, records(f'{name} 300 TXT "v=spf1 include:{INCLUDE} -all"')))
        if name in ALIASES and loop and q.rdtype == dns.rdatatype.CNAME:
            return Reply(answer(query, records(f"{name} 300 CNAME {ALIASES[name]}")))
        if name in ALIASES:
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(spf.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "SPF-20" and f.subject == INCLUDE]
    return found


def test_an_include_that_is_a_cname_loop_is_named_so() -> None:
    found = _spf20(loop=True)
    assert found.status == Status.ERROR  # could not check, never fail
    assert f"{INCLUDE} -> _spf2.{DOMAIN} -> {INCLUDE}" in found.summary
    assert "CNAME loop" in found.summary and "SERVFAIL" in found.summary
    assert f"Delete the CNAME record at {INCLUDE}" in found.fix
    assert found.evidence["cname_loop"] == [INCLUDE, f"_spf2.{DOMAIN}", INCLUDE]


def test_a_plain_servfail_at_an_include_reads_as_before() -> None:
    found = _spf20(loop=False)
    assert found.status == Status.ERROR
    assert "loop" not in found.summary and not found.fix
    assert f"SERVFAIL for {INCLUDE} TXT" in found.summary
