"""SPF-06 offers the record without the owner's stale names (blind round s39a, void/voidtwo).

'v=spf1 ip4:... a:old1 a:old2 mx:gone -all' with three names that are gone (RFC 7208 §4.6.4:
more than two void lookups are a permanent error) got SPF-06 fail saying "Remove the stale
entries." and no record to publish, where SPF-08 and SPF-03 offer one for the same kind of
repair. Now, when every void name is a term of the owner's own record (a:, mx:, exists:), the
fix is that record without those terms, vetted as the other SPF fixes are. A void name in a
provider's record, or an MX host without an address, gets no record (the owner cannot drop
it by editing their own). Status unchanged. The evaluator runs against a real DNS server on
loopback (tests/test_dns_s9_server).
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


def _spf06(zone: list[str]) -> Finding:
    """SPF-06 for DOMAIN, served `zone` (zone-file lines with absolute names)."""
    rrs = [records(line) for line in zone]
    names = {r.name.to_text().lower() for r in rrs}

    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower()
        hits = [r for r in rrs if r.name.to_text().lower() == name and r.rdtype == q.rdtype]
        cname = [r for r in rrs if r.name.to_text().lower() == name and r.rdtype == 5]
        if hits or cname:
            return Reply(answer(query, *(hits or cname)))
        if name in names:
            return Reply(answer(query))  # NODATA
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(spf.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "SPF-06"]
    return found


def test_three_stale_names_of_the_owners_record_get_the_record_without_them() -> None:
    found = _spf06(
        [
            f'{DOMAIN}. 300 TXT "v=spf1 ip4:192.0.2.0/28 a:old1.{DOMAIN} a:old2.{DOMAIN} '
            f'mx:gone.{DOMAIN} -all"',
            f'old2.{DOMAIN}. 300 TXT "decommissioned"',
        ]
    )
    assert found.status == Status.FAIL
    assert found.fix == f'{DOMAIN}. TXT "v=spf1 ip4:192.0.2.0/28 -all"'
    assert "the record suggested" in found.summary


def test_two_stale_names_get_the_record_without_them_too() -> None:
    found = _spf06(
        [
            f'{DOMAIN}. 300 TXT "v=spf1 mx exists:gone.{DOMAIN} a:www.{DOMAIN} -all"',
            f"{DOMAIN}. 300 MX 10 mx1.{DOMAIN}.",
            f"mx1.{DOMAIN}. 300 A 192.0.2.1",
            f"www.{DOMAIN}. 300 CNAME site.host.example.",
        ]
    )
    assert found.status == Status.WARN
    assert found.fix == f'{DOMAIN}. TXT "v=spf1 mx -all"'


def test_stale_names_in_a_providers_record_get_no_record() -> None:
    # Control: the names are in a record the owner cannot edit (fails before and after).
    found = _spf06(
        [
            f'{DOMAIN}. 300 TXT "v=spf1 include:_spf.esp.example -all"',
            '_spf.esp.example. 300 TXT "v=spf1 a:old1.esp.example a:old2.esp.example '
            'a:old3.esp.example -all"',
        ]
    )
    assert found.status == Status.FAIL
    assert found.fix == ""


def test_an_mx_host_without_an_address_gets_no_record() -> None:
    # Control: the void lookup is an MX host's, and dropping 'mx' would drop every MX host.
    found = _spf06(
        [
            f'{DOMAIN}. 300 TXT "v=spf1 mx -all"',
            f"{DOMAIN}. 300 MX 10 mx1.{DOMAIN}.",
            f"{DOMAIN}. 300 MX 20 mx2.{DOMAIN}.",
            f"mx1.{DOMAIN}. 300 A 192.0.2.1",
        ]
    )
    assert found.status == Status.WARN
    assert found.fix == ""
