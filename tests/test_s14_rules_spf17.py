"""SPF-17 (HELO identity, RFC 7208 §2.3, info): the MX hosts of the domain's own organisation
should carry an SPF record for their own name. The lab scenarios s14_helo* check the same
against real DNS; these run the evaluator on a resolver that answers CNAME chains.
"""

from __future__ import annotations

import asyncio

import dns.rdata
import dns.rdataclass
import dns.rdatatype

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Collector, Finding, Mechanism

DOMAIN = "example.test"


class AliasDns:
    """TXT answers by name, following `aliases` (name -> target) as a resolver does: the
    answer carries the chain in `cnames` and the target's records."""

    def __init__(self, txt: dict[str, list[str]], aliases: dict[str, str]) -> None:
        self.txt = txt
        self.aliases = aliases

    async def query(self, name: str, rdtype: str, *, cd: bool = False) -> DnsAnswer:
        name = normalize(name)
        chain: list[str] = []
        while name in self.aliases:
            name = self.aliases[name]
            chain.append(name)
        records = [
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, f'"{t}"')
            for t in self.txt.get(name, [])
        ]
        return DnsAnswer(name, rdtype, "NOERROR", records=records, cnames=chain, ttl=300)


def _mx(*hosts: str) -> DnsAnswer:
    records = [
        dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.MX, f"{10 * i} {h}.")
        for i, h in enumerate(hosts, 1)
    ]
    return DnsAnswer(DOMAIN, "MX", "NOERROR", records=records)


def _helo(mx: DnsAnswer, txt: dict[str, list[str]], aliases: dict[str, str]) -> list[Finding]:
    config = CheckConfig(extra_public_suffixes=("test",))
    ctx = CheckContext(DOMAIN, config, dns=AliasDns(txt, aliases))  # type: ignore[arg-type]
    out = Collector(Mechanism.SPF)
    asyncio.run(spf._helo(out, ctx, mx))
    return [f for f in out.findings if f.id == "SPF-17"]


def test_it_lists_own_hosts_without_spf_and_not_other_organisations() -> None:
    (f,) = _helo(
        _mx("mx1.example.test", "mx2.example.test", "mx3.example.test", "mx.provider.test"),
        {"mx1.example.test": ["v=spf1 a -all"], "mx3.example.test": ["site-verification=x"]},
        {},
    )
    assert f.evidence["hosts"] == ["mx2.example.test", "mx3.example.test"]
    assert f.fix.splitlines() == [
        'mx2.example.test. TXT "v=spf1 a -all"',
        'mx3.example.test. TXT "v=spf1 a -all"',
    ]


def test_it_says_nothing_when_every_own_host_has_spf() -> None:
    assert _helo(_mx("mx1.example.test"), {"mx1.example.test": ["v=spf1 a -all"]}, {}) == []


def test_an_aliased_mx_gets_its_record_at_the_name_the_alias_leads_to() -> None:
    (f,) = _helo(
        _mx("mail1.example.test", "mail2.example.test"),
        {"host1.example.test": ["v=spf1 a -all"]},
        {"mail1.example.test": "host1.example.test", "mail2.example.test": "host2.example.test"},
    )
    assert f.evidence["hosts"] == ["mail2.example.test"]
    assert "mail2.example.test (an alias of host2.example.test)" in f.summary
    # A CNAME owner can hold no TXT (RFC 1034 §3.6.2): the fix names the canonical host.
    assert f.fix == 'host2.example.test. TXT "v=spf1 a -all"'


def test_an_mx_aliased_into_another_organisation_is_not_ours_to_judge() -> None:
    found = _helo(
        _mx("mail3.example.test"),
        {},
        {"mail3.example.test": "mx.provider.test"},
    )
    assert found == []


def test_two_mx_names_aliased_to_one_host_get_one_record() -> None:
    (f,) = _helo(
        _mx("a.example.test", "b.example.test"),
        {},
        {"a.example.test": "host.example.test", "b.example.test": "host.example.test"},
    )
    assert f.evidence["hosts"] == ["a.example.test", "b.example.test"]
    assert f.fix == 'host.example.test. TXT "v=spf1 a -all"'
