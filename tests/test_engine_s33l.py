"""What blind round s33l (tests/test_lab_s33l_blind.py) found the engine saying wrong, pinned
without the lab (a fake resolver and fake authoritative answers)."""

from __future__ import annotations

import asyncio
import errno
from unittest import mock

import dns.rdata
import dns.rdataclass
import dns.rdatatype

from checks import dnssec
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status

APEX = "example.test"


class NameServers:
    """The resolver's view: the apex NS RRset and each name server's addresses."""

    def __init__(self, servers: dict[str, list[str]]) -> None:
        self.servers = servers

    async def query(self, name: str, rdtype: str, **_: object) -> DnsAnswer:
        if (name, rdtype) == (APEX, "SOA"):
            # DNSSEC-10 reads the primary's name (MNAME) when servers disagree (s38a); this
            # view has no SOA record, so no server is known as the primary.
            return DnsAnswer(name, rdtype, "NOERROR", ad=True)
        assert (name, rdtype) == (APEX, "NS")
        records = [
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NS, f"{n}.") for n in self.servers
        ]
        return DnsAnswer(name, rdtype, "NOERROR", records=records, ad=True)

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        return self.servers[name], []


def _dnssec10(
    servers: dict[str, list[str]], answers: dict[str, tuple[int, frozenset[str]] | str | None]
) -> list[Finding]:
    """DNSSEC-10's findings when each address answers as `answers` says: (serial, DNSKEY set),
    None (no answer: a timeout, a refusal) or dnssec.NO_ROUTE (our checker cannot reach that
    address family)."""
    ctx = CheckContext(
        APEX,
        CheckConfig(allow_private_targets=True),
        dns=NameServers(servers),  # type: ignore[arg-type]
    )
    out = Collector(Mechanism.DNSSEC)

    async def ask(_ctx: object, _apex: str, address: str) -> object:
        return answers[address]

    with mock.patch.object(dnssec, "_ask_authoritative", ask):
        asyncio.run(dnssec._consistency(out, ctx, APEX, DnsAnswer(APEX, "DNSKEY", "NOERROR")))
    return [f for f in out.findings if f.id == "DNSSEC-10"]


KEYS = frozenset({"257 3 13 AAAA"})


def test_dnssec10_a_name_server_that_does_not_answer_is_could_not_check() -> None:
    # s33l-ns2dead: the zone names ns1 and ns2, and nothing answers at ns2's address any more.
    # With one server left there is nothing to compare; DNSSEC-10 said nothing at all, as if
    # the check did not apply. A timeout is "could not check", never a clean absence
    # (checklist §0), and the dead server is worth naming.
    findings = _dnssec10(
        {"ns1.example.test": ["192.0.2.53"], "ns2.example.test": ["192.0.2.54"]},
        {"192.0.2.53": (2026120301, KEYS), "192.0.2.54": None},
    )
    assert [f.status for f in findings] == [Status.ERROR], findings
    assert "ns2.example.test [192.0.2.54]" in findings[0].summary
    assert "did not answer" in findings[0].summary
    assert "ns2.example.test" in findings[0].fix


def test_dnssec10_compares_the_servers_that_answer_and_names_the_one_that_did_not() -> None:
    # Two of three agree: the comparison stands (pass), and its sentence says which server
    # was not part of it rather than 'all 2 authoritative servers'.
    findings = _dnssec10(
        {
            "ns1.example.test": ["192.0.2.53"],
            "ns2.example.test": ["192.0.2.54"],
            "ns3.example.test": ["192.0.2.55"],
        },
        {"192.0.2.53": (7, KEYS), "192.0.2.54": (7, KEYS), "192.0.2.55": None},
    )
    assert [f.status for f in findings] == [Status.PASS], findings
    assert "ns3.example.test [192.0.2.55] did not answer" in findings[0].summary
    assert "All 2" not in findings[0].summary


def test_dnssec10_an_address_family_we_cannot_reach_is_left_out() -> None:
    # Control: a checker without IPv6 cannot ask the IPv6 address of a one-name NS set; that
    # says nothing about the server, and one address left is nothing to compare: no finding,
    # as before.
    findings = _dnssec10(
        {"ns1.example.test": ["192.0.2.53", "2001:db8::53"]},
        {"192.0.2.53": (7, KEYS), "2001:db8::53": dnssec.NO_ROUTE},
    )
    assert findings == []


def test_ask_authoritative_tells_no_route_from_no_answer() -> None:
    ctx = CheckContext(APEX, CheckConfig(timeout=0.2), dns=NameServers({}))  # type: ignore[arg-type]

    async def unreachable(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    async def refused(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    with mock.patch("dns.asyncquery.udp_with_fallback", unreachable):
        assert asyncio.run(dnssec._ask_authoritative(ctx, APEX, "2001:db8::53")) == (
            dnssec.NO_ROUTE
        )
    with mock.patch("dns.asyncquery.udp_with_fallback", refused):
        assert asyncio.run(dnssec._ask_authoritative(ctx, APEX, "192.0.2.54")) is None
