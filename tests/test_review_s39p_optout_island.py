"""Review s39p of bf57c37f: NSEC3 Opt-Out explains a denial without AD only in a zone that
validates.

A signed zone whose parent holds no DS for it (an island of security, RFC 4033 §3.1: its
signatures lead to no trust anchor) answers every denial without AD, Opt-Out or not; its
NSEC3 records may carry the flag all the same, as signers set it on every record of an Opt-Out
chain. opt_out_denial took the flag alone as the reason, so DNSSEC-07 said "its NSEC3 records
carry the Opt-Out flag" and gave the fix "sign ... without Opt-Out", which would change nothing
there, and DANE-01 dropped its "sign the zone" step for TLSA records that would be insecure.
The zone whose NSEC3 records they are must itself validate (its DNSKEY RRset answered with
AD). The resolver is a real DNS server on loopback (tests/test_dns_s9_server).
"""

from __future__ import annotations

import asyncio

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from checks.config import CheckConfig
from checks.dns import DnsClient
from checks.dnssec import opt_out_denial
from tests.test_dns_s9_server import Reply, fake_dns, records

ZONE = "s39p-island.example"
NAME = f"_mta-sts.{ZONE}"
NSEC3 = (
    f"ncig9ga06kufm37hdojo4h0fcmme45ca.{ZONE}. 60 NSEC3 1 1 0 - "
    "S83U1UI2BQESAHS6PPSD1P6RIJ4R080R NS SOA MX TXT RRSIG DNSKEY NSEC3PARAM"
)


def _opt_out(zone_validates: bool) -> bool:
    """opt_out_denial for NAME's TXT denial (NXDOMAIN without AD, its NSEC3 records with the
    Opt-Out flag); the zone's DNSKEY RRset answered with AD when `zone_validates`."""

    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if q.rdtype == dns.rdatatype.DNSKEY and q.name.to_text() == f"{ZONE}.":
            response.answer.append(records(f"{ZONE}. 300 DNSKEY 257 3 13 " + "A" * 88))
            if zone_validates:
                response.flags |= dns.flags.AD
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(
                records(f"{ZONE}. 300 SOA ns1.{ZONE}. hostmaster.{ZONE}. 1 3600 600 86400 60")
            )
            response.authority.append(records(NSEC3))
        return Reply(response.to_wire(max_size=65535))

    async def ask() -> bool:
        client = DnsClient(CheckConfig(resolvers=(server.address,), timeout=2.0))
        answer = await client.query(NAME, "TXT")
        assert answer.nxdomain and not answer.ad
        return await opt_out_denial(client, answer)

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        return asyncio.run(ask())


def test_opt_out_is_the_reason_in_a_zone_that_validates() -> None:
    # Control: the zone's keys validate, so only the flag can have kept AD off the denial.
    assert _opt_out(zone_validates=True) is True


def test_opt_out_is_not_the_reason_in_an_island_of_security() -> None:
    # The zone itself is insecure: every denial of it comes without AD, flag or not.
    assert _opt_out(zone_validates=False) is False
