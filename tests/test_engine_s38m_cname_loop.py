"""DMARC-01 at a _dmarc name that is a CNAME loop (blind round s38m, dmarcloop), and DKIM-01
at a selector that is one.

RFC 1034 §3.6.2: CNAME loops are "signalled as an error": a validating resolver answers the
TXT question with SERVFAIL, and every receiver meets the same, so no DMARC policy is ever
applied. The engine said only that "the DNS query failed", which the owner cannot act on; it
stays "could not check" (a SERVFAIL is never a fail), and now names the loop and what to
publish. Each test runs the DMARC evaluator against a real DNS server on loopback
(tests/test_dns_s9_server) answering as Unbound does.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype

from checks import dkim, dmarc
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

DOMAIN = "example.org"
ALIASES = {
    f"_dmarc.{DOMAIN}.": f"_dmarc-old.{DOMAIN}.",
    f"_dmarc-old.{DOMAIN}.": f"_dmarc.{DOMAIN}.",
    f"s1._domainkey.{DOMAIN}.": f"s1.dkim.{DOMAIN}.",
    f"s1.dkim.{DOMAIN}.": f"s1._domainkey.{DOMAIN}.",
}


def _resolver(loop_in_answer: bool = False):  # type: ignore[no-untyped-def]
    """A resolver for a zone whose _dmarc and _dmarc-old are CNAMEs of each other: the TXT
    question gets SERVFAIL (or, `loop_in_answer`, the looping chain with NOERROR, as some
    forwarders pass it on); a CNAME question gets the alias itself, not followed."""

    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower()
        if name in ALIASES and q.rdtype == dns.rdatatype.CNAME:
            return Reply(answer(query, records(f"{name} 300 CNAME {ALIASES[name]}")))
        if name in ALIASES:
            if loop_in_answer:
                chain = [records(f"{n} 300 CNAME {t}") for n, t in ALIASES.items()]
                return Reply(answer(query, *chain))
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    return handler


def _dmarc01(loop_in_answer: bool = False) -> Finding:
    with fake_dns(_resolver(loop_in_answer)) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(dmarc.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "DMARC-01"]
    return found


def test_a_servfail_at_a_cname_loop_names_the_loop_and_what_to_publish() -> None:
    found = _dmarc01()
    assert found.status == Status.ERROR  # could not check, never fail
    assert "CNAME loop" in found.summary
    assert f"_dmarc.{DOMAIN} -> _dmarc-old.{DOMAIN} -> _dmarc.{DOMAIN}" in found.summary
    assert f'_dmarc.{DOMAIN}. TXT "v=DMARC1;' in found.fix
    assert f"Delete the CNAME record at _dmarc.{DOMAIN}" in found.fix


def test_a_loop_passed_on_with_noerror_reads_the_same() -> None:
    found = _dmarc01(loop_in_answer=True)
    assert found.status == Status.ERROR
    assert f"_dmarc.{DOMAIN} -> _dmarc-old.{DOMAIN} -> _dmarc.{DOMAIN}" in found.summary
    assert f"Delete the CNAME record at _dmarc.{DOMAIN}" in found.fix


def test_a_plain_servfail_still_says_only_that_the_query_failed() -> None:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, rcode=dns.rcode.SERVFAIL))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(dmarc.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "DMARC-01" and f.subject == f"_dmarc.{DOMAIN}"]
    assert found.status == Status.ERROR
    assert "the DNS query failed" in found.summary and "loop" not in found.summary
    assert not found.fix


def test_a_selector_that_is_a_cname_loop_is_named_so() -> None:
    with fake_dns(_resolver()) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0, dkim_selectors=("s1",))
        findings = asyncio.run(dkim.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "DKIM-01" and f.status == Status.ERROR]
    assert found.subject == f"s1._domainkey.{DOMAIN}"
    assert f"s1._domainkey.{DOMAIN} -> s1.dkim.{DOMAIN} -> s1._domainkey.{DOMAIN}" in found.summary
    assert f"Delete the CNAME record at s1._domainkey.{DOMAIN}" in found.fix
