"""SPF-15 for a record pasted with a look-alike character (blind round s38m, spfendash).

'v=spf1 mx –all' with an EN DASH (U+2013) is a permanent error (RFC 7208 §3.1: US-ASCII; the
term matches no mechanism, §4.6). The finding named the dash and wrote the retyped record in
its sentence, but its fix, the record to publish that the page offers to copy, was empty, as
it is not for a stray quote or Unicode names (SPF-15's other shapes). Each test runs the SPF
evaluator against a real DNS server on loopback (tests/test_dns_s9_server).
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


def _spf15(record_zone_text: str) -> Finding:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower()
        if name == f"{DOMAIN}." and q.rdtype == dns.rdatatype.TXT:
            return Reply(answer(query, records(f"{name} 300 TXT {record_zone_text}")))
        if name == f"{DOMAIN}." and q.rdtype == dns.rdatatype.MX:
            return Reply(answer(query, records(f"{name} 300 MX 10 mx1.{DOMAIN}.")))
        if name == f"mx1.{DOMAIN}." and q.rdtype == dns.rdatatype.A:
            return Reply(answer(query, records(f"{name} 300 A 192.0.2.25")))
        if name == f"mx1.{DOMAIN}.":
            return Reply(answer(query))  # NODATA
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(spf.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "SPF-15"]
    return found


def test_an_en_dash_gets_the_retyped_record_as_its_fix() -> None:
    found = _spf15('"v=spf1 mx \\226\\128\\147all"')  # U+2013 in UTF-8
    assert found.status == Status.FAIL
    assert "en dash" in found.summary
    assert found.fix == f'{DOMAIN}. TXT "v=spf1 mx -all"'


def test_a_retyped_record_that_would_still_be_wrong_gets_no_fix() -> None:
    # Retyped, two redirect= modifiers naming different domains are still a permanent error
    # (RFC 7208 §6, SPF-12): no record is offered as the fix then.
    found = _spf15('"v=spf1 mx \\226\\128\\147all redirect=x redirect=y"')
    assert found.status == Status.FAIL
    assert not found.fix
