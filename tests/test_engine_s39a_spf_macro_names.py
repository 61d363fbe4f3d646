"""SPF-06's pass does not claim names it never looked up (blind round s39a, macro).

'v=spf1 ip4:... exists:%{i}._spf.<d> include:%{ir}.%{v}.%{d}.spf.<provider> -all' (valid
macros, RFC 7208 §7) got SPF-06 pass 'Every name the SPF record refers to exists.', though the
names built with macros depend on each message and were not looked up (SPF-05 says so of the
include). Now the pass names those terms as not checked (checklist §0: not checked is no pass
of that part). Status unchanged. The evaluator runs against a real DNS server on loopback
(tests/test_dns_s9_server).
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


def _spf06(record: str) -> Finding:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower()
        if name == f"{DOMAIN}." and q.rdtype == dns.rdatatype.TXT:
            return Reply(answer(query, records(f'{name} 300 TXT "{record}"')))
        if name == f"mx1.{DOMAIN}." and q.rdtype == dns.rdatatype.A:
            return Reply(answer(query, records(f"{name} 300 A 192.0.2.1")))
        if name == f"{DOMAIN}." and q.rdtype == dns.rdatatype.MX:
            return Reply(answer(query, records(f"{name} 300 MX 10 mx1.{DOMAIN}.")))
        if name in (f"{DOMAIN}.", f"mx1.{DOMAIN}."):
            return Reply(answer(query))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(spf.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "SPF-06"]
    return found


def test_names_built_with_macros_are_said_not_looked_up() -> None:
    found = _spf06(f"v=spf1 mx exists:%{{i}}._spf.{DOMAIN} -all")
    assert found.status == Status.PASS
    assert f"exists:%{{i}}._spf.{DOMAIN}" in found.summary
    assert "could not be looked up" in found.summary
    assert found.summary != "Every name the SPF record refers to exists."


def test_a_record_without_macros_reads_as_before() -> None:
    # Control (passes before and after).
    found = _spf06("v=spf1 mx -all")
    assert found.status == Status.PASS
    assert found.summary == "Every name the SPF record refers to exists."
