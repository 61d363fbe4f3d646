"""Review s39p of bf57c37f: DANE asks whether each MX host's TLSA denial is an Opt-Out one
(dnssec.opt_out_denial) for all hosts together, not one host after another.

Behind a secure MX RRset every host without TLSA records gets that question (the denial asked
again with DO): a signed domain whose MX hosts are a provider's in an unsigned zone asks it for
each. Asked in turn, a slow resolver made DANE wait once per host (10 MX hosts at 1 s: 10 s of
a check's time budget); the TLSA lookups themselves were already made together. The resolver
is a real DNS server on loopback (tests/test_dns_s9_server); the MX hosts' addresses are on
127.0.244.x and never connected to (the check's SSRF guard refuses loopback targets).
"""

from __future__ import annotations

import asyncio
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from checks import dane
from checks.config import CheckConfig
from checks.context import CheckContext
from tests.test_dns_s9_server import Reply, fake_dns, records

DOMAIN = "s39p-signed.example"
HOSTS = [f"mx{i}.s39p-provider.example" for i in range(1, 7)]
DELAY = 1.0


def test_the_opt_out_questions_of_all_mx_hosts_are_asked_together() -> None:
    asked_at: list[float] = []

    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().rstrip(".")
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if q.rdtype == dns.rdatatype.MX and name == DOMAIN:
            for i, host in enumerate(HOSTS):
                response.answer.append(records(f"{DOMAIN}. 300 MX {10 * (i + 1)} {host}."))
            response.flags |= dns.flags.AD  # the MX RRset validates
        elif q.rdtype == dns.rdatatype.A and name in HOSTS:
            response.answer.append(records(f"{name}. 300 A 127.0.244.{HOSTS.index(name) + 1}"))
        elif q.rdtype == dns.rdatatype.TLSA and query.ednsflags & dns.flags.DO:
            # The DO question opt_out_denial asks: slow, as a resolver under load is.
            asked_at.append(time.monotonic())
            response.set_rcode(dns.rcode.NXDOMAIN)
            return Reply(response.to_wire(max_size=65535), delay=DELAY)
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return Reply(response.to_wire(max_size=65535))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=5.0)
        asyncio.run(dane.evaluate(CheckContext(DOMAIN, config)))

    assert len(asked_at) == len(HOSTS)
    # Together: all asked before the first answer came back (in turn: DELAY apart).
    assert max(asked_at) - min(asked_at) < DELAY / 2, [round(t - asked_at[0], 2) for t in asked_at]
