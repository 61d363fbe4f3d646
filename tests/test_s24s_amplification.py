"""Round s24s: one check asks a bounded number of DNS questions, whatever the records list.

A record is anyone's to write, and the free check runs for anonymous visitors: an MX RRset of
300 hosts, a DMARC rua of 300 addresses and an SPF record of 300 a: terms made one check ask
the resolver 2,229 distinct questions (mechanisms timed out before asking the rest; about
5,000 for 1,000 MX hosts), each a query our resolver sends on to the servers of whatever zone
the names are in: a random-subdomain flood of someone else's name servers, paid for with one
free check. The engine's DNS client now asks at most dns.MAX_QUESTIONS per check; what is left
unasked is "could not check", saying why, never a failure of the domain. Real DNS client,
in-process DNS server.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from checks import dns as engine_dns
from checks import engine
from checks.config import CheckConfig
from checks.dns import DnsClient
from checks.findings import Status
from tests.test_dns_s9_server import Reply, answer, fake_dns

DOMAIN = "attacker.example"
VICTIM = "victim.example.net"
ENTRIES = 300


def _txt(name: str, text: str) -> dns.rrset.RRset:
    """One TXT record of `text`, cut into strings of at most 255 octets."""
    parts = " ".join(f'"{text[i : i + 250]}"' for i in range(0, len(text), 250))
    return dns.rrset.from_text(name, 300, "IN", "TXT", parts)


def _hostile(query: dns.message.Message, transport: str) -> Reply:
    """The attacker's zone: every list as long as a record can hold; every name in the victim's
    zone is NXDOMAIN (as its servers would answer a random-subdomain flood)."""
    question = query.question[0]
    name = question.name.to_text().rstrip(".").lower()
    rdtype = question.rdtype
    if name == DOMAIN and rdtype == dns.rdatatype.MX:
        rrset = dns.rrset.from_text_list(
            question.name, 300, "IN", "MX", [f"10 h{i}.{VICTIM}." for i in range(ENTRIES)]
        )
        return Reply(answer(query, rrset))
    if name == DOMAIN and rdtype == dns.rdatatype.TXT:
        spf = "v=spf1 " + " ".join(f"a:s{i}.{VICTIM}" for i in range(ENTRIES)) + " -all"
        return Reply(answer(query, _txt(question.name.to_text(), spf)))
    if name == f"_dmarc.{DOMAIN}" and rdtype == dns.rdatatype.TXT:
        rua = ",".join(f"mailto:r@d{i}.{VICTIM}" for i in range(ENTRIES))
        return Reply(answer(query, _txt(question.name.to_text(), f"v=DMARC1; p=reject; rua={rua}")))
    if name == DOMAIN:
        return Reply(answer(query))  # NODATA
    return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))


def test_it_asks_at_most_the_budget_for_a_domain_whose_records_list_hundreds_of_names() -> None:
    with fake_dns(_hostile) as server:
        config = CheckConfig(resolvers=(server.address,), timeout=5.0)
        report = asyncio.run(engine.check_domain(DOMAIN, config))
        # Questions, not datagrams: a question tried again after a lost answer is one.
        asked = {(name, rdtype) for _, name, rdtype in server.asked}
    assert len(asked) <= engine_dns.MAX_QUESTIONS
    # Only the unasked are "could not check", with the reason in words; no host is said to
    # have no address on the strength of a question never asked.
    unasked = [f for f in report.findings if "not asked" in f.summary]
    assert unasked
    assert all(f.status == Status.ERROR for f in unasked)
    assert any(f"at most {engine_dns.MAX_QUESTIONS}" in f.summary for f in unasked)


def test_questions_past_the_budget_are_not_sent_and_read_as_could_not_check() -> None:
    def nxdomain(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    async def go(client: DnsClient) -> list[engine_dns.DnsAnswer]:
        names = [f"n{i}.{VICTIM}" for i in range(engine_dns.MAX_QUESTIONS + 40)]
        first = await asyncio.gather(*(client.query(n, "A") for n in names))
        # Asked again: the run's cache answers, nothing more is sent.
        await asyncio.gather(*(client.query(n, "A") for n in names[:10]))
        return list(first)

    with fake_dns(nxdomain) as server:
        client = DnsClient(CheckConfig(resolvers=(server.address,), timeout=10.0))
        answers = asyncio.run(go(client))
        asked = {name for _, name, _ in server.asked}
    assert len(asked) == engine_dns.MAX_QUESTIONS
    answered = [a for a in answers if not a.failed]
    refused = [a for a in answers if a.failed]
    assert len(answered) == engine_dns.MAX_QUESTIONS
    assert all(a.nxdomain for a in answered)
    assert len(refused) == 40
    assert all(a.rcode == "NOTASKED" and not a.nxdomain for a in refused)
    assert f"at most {engine_dns.MAX_QUESTIONS}" in refused[0].describe_failure()
