"""checks/dns.py: how a resolver's response becomes a DnsAnswer (no network)."""

from __future__ import annotations

import dns.message
import dns.rcode
import dns.rdata
import dns.rrset

from checks.dns import DnsAnswer, DnsClient


def _response(name: str, rdtype: str, rcode: int, *rrsets: dns.rrset.RRset) -> dns.message.Message:
    response = dns.message.make_response(dns.message.make_query(name, rdtype))
    response.set_rcode(rcode)
    response.answer.extend(rrsets)
    # Through the wire format, as from a resolver: dnspython indexes sections when parsing.
    return dns.message.from_wire(response.to_wire())


def test_nxdomain_keeps_the_cname_chain() -> None:
    # A dangling alias: mail.example.com CNAME gone.provider.example, which does not exist.
    # The resolver answers NXDOMAIN (for the chain's end) with the CNAME in the answer section.
    cname = dns.rrset.from_text("mail.example.com.", 300, "IN", "CNAME", "gone.provider.example.")
    answer = DnsClient._parse(
        "mail.example.com", "A", _response("mail.example.com", "A", dns.rcode.NXDOMAIN, cname)
    )
    assert answer.nxdomain and answer.empty and not answer.records
    assert answer.cnames == ["gone.provider.example"]


def test_noerror_follows_the_chain_to_the_records() -> None:
    rrsets = (
        dns.rrset.from_text("mail.example.com.", 300, "IN", "CNAME", "host7.provider.example."),
        dns.rrset.from_text("host7.provider.example.", 60, "IN", "A", "192.0.2.7"),
    )
    answer = DnsClient._parse(
        "mail.example.com", "A", _response("mail.example.com", "A", dns.rcode.NOERROR, *rrsets)
    )
    assert answer.cnames == ["host7.provider.example"]
    assert answer.to_text() == ["192.0.2.7"] and answer.ttl == 60


def test_servfail_carries_no_chain() -> None:
    answer = DnsClient._parse(
        "mail.example.com", "A", _response("mail.example.com", "A", dns.rcode.SERVFAIL)
    )
    assert answer.failed and answer.cnames == [] and not answer.records


def test_a_servfail_is_bogus_only_when_validation_failed() -> None:
    from checks.dns import DnsAnswer, validation_failed

    answered = DnsAnswer("mx.example.com", "A", "NOERROR")
    timed_out = DnsAnswer("mx.example.com", "A", "SERVFAIL")
    # The resolver says why (RFC 8914): believed, whatever the CD retry found.
    bogus = DnsAnswer("mx.example.com", "A", "SERVFAIL", ede=[(6, "DNSSEC Bogus")])
    expired = DnsAnswer("mx.example.com", "A", "SERVFAIL", ede=[(7, "")])
    unreachable = DnsAnswer("mx.example.com", "A", "SERVFAIL", ede=[(22, "")])
    assert validation_failed(bogus, timed_out) and validation_failed(expired, answered)
    assert not validation_failed(unreachable, answered)  # a cache answered the CD retry
    # No explanation: the CD retry decides, and only signed data can be bogus.
    plain = DnsAnswer("mx.example.com", "A", "SERVFAIL")
    signed = DnsAnswer("mx.example.com", "A", "NOERROR", signed=True)
    assert validation_failed(plain, signed) and not validation_failed(plain, timed_out)


def test_a_servfail_of_an_unsigned_zone_is_not_bogus() -> None:
    # BIND without EDE, dnsmasq: a one-off SERVFAIL (upstream timeout), then the CD retry
    # answers without RRSIGs. Unsigned data cannot fail validation (RFC 4035 §4.3).
    from checks.dns import DnsAnswer, validation_failed

    plain = DnsAnswer("mx.example.com", "A", "SERVFAIL")
    unsigned = DnsAnswer("mx.example.com", "A", "NOERROR", records=["192.0.2.7"])  # type: ignore[list-item]
    assert not validation_failed(plain, unsigned)


_RRSIG = "{} 13 3 300 20300101000000 20200101000000 12345 example.com. AAAA"


def test_rrsigs_in_the_response_mark_the_answer_signed() -> None:
    a = dns.rrset.from_text("mail.example.com.", 300, "IN", "A", "192.0.2.7")
    sig = dns.rrset.from_text("mail.example.com.", 300, "IN", "RRSIG", _RRSIG.format("A"))
    other = dns.rrset.from_text("mail.example.com.", 300, "IN", "RRSIG", _RRSIG.format("TXT"))
    parse = DnsClient._parse
    ok = dns.rcode.NOERROR
    assert parse("mail.example.com", "A", _response("mail.example.com", "A", ok, a, sig)).signed
    assert not parse("mail.example.com", "A", _response("mail.example.com", "A", ok, a)).signed
    # Signatures over another type are no evidence that this answer is signed.
    unrelated = _response("mail.example.com", "A", ok, a, other)
    assert not parse("mail.example.com", "A", unrelated).signed


class _Flaky:
    """Answers a name's first plain query SERVFAIL and every later one normally: an upstream
    that timed out once. `bogus` keeps the plain answers SERVFAIL (data that fails validation)."""

    def __init__(self, bogus: bool) -> None:
        self.bogus = bogus
        self.fresh: list[str] = []

    async def query(
        self, name: str, rdtype: str, *, cd: bool = False, fresh: bool = False
    ) -> DnsAnswer:
        if fresh:
            self.fresh.append(name)
        return DnsAnswer(name, rdtype, "SERVFAIL" if self.bogus else "NOERROR")


def test_a_signed_answer_is_bogus_only_if_the_plain_lookup_fails_again() -> None:
    import asyncio

    from checks.dns import DnsAnswer, servfail_is_bogus

    servfail = DnsAnswer("mx.example.com", "A", "SERVFAIL")
    cd = DnsAnswer("mx.example.com", "A", "NOERROR", signed=True)
    transient, bogus = _Flaky(bogus=False), _Flaky(bogus=True)
    assert not asyncio.run(servfail_is_bogus(transient, servfail, cd))
    assert asyncio.run(servfail_is_bogus(bogus, servfail, cd))
    assert transient.fresh == bogus.fresh == ["mx.example.com"]  # past the run's cache
    # An explained SERVFAIL (RFC 8914) needs no second try.
    explained = DnsAnswer("mx.example.com", "A", "SERVFAIL", ede=[(7, "")])
    assert asyncio.run(servfail_is_bogus(transient, explained, cd))
    assert transient.fresh == ["mx.example.com"]


class _Zones:
    """SOA and DS answers of a zone `example.com` holding mx.example.com; `ds` says whether its
    delegation has a DS (a signed zone), `failing` whether those look-ups fail."""

    def __init__(self, ds: bool, failing: bool = False) -> None:
        self.ds, self.failing = ds, failing
        self.asked: list[tuple[str, str, bool]] = []

    async def query(
        self, name: str, rdtype: str, *, cd: bool = False, fresh: bool = False
    ) -> DnsAnswer:
        self.asked.append((name, rdtype, cd))
        if self.failing:
            return DnsAnswer(name, rdtype, "SERVFAIL")
        soa = dns.rrset.from_text(
            "example.com.", 300, "IN", "SOA", "ns.example.com. h.example.com. 1 2 3 4 5"
        )
        message = dns.message.make_response(dns.message.make_query(name, rdtype))
        if rdtype == "SOA":
            message.authority.append(soa)  # NODATA for mx.example.com: the zone is example.com
            return DnsAnswer(name, rdtype, "NOERROR", message=message)
        if rdtype == "DS" and name == "example.com" and self.ds:
            ds = dns.rdata.from_text("IN", "DS", "12345 13 2 " + "ab" * 32)
            return DnsAnswer(name, rdtype, "NOERROR", records=[ds])
        return DnsAnswer(name, rdtype, "NOERROR")


def test_unsigned_data_under_a_signed_delegation_is_bogus() -> None:
    # A stale DS (the zone moved to a provider serving it unsigned), or a resolver stripping
    # RRSIGs: the CD retry answers without signatures, yet the DS says they must be there
    # (RFC 4035 §4.3 "missing data that the relevant DNSSEC RRs indicate should be present").
    import asyncio

    from checks.dns import DnsAnswer, servfail_is_bogus

    servfail = DnsAnswer("mx.example.com", "A", "SERVFAIL")
    unsigned = DnsAnswer("mx.example.com", "A", "NOERROR")
    stale_ds = _Zones(ds=True)
    assert asyncio.run(servfail_is_bogus(stale_ds, servfail, unsigned))
    assert ("example.com", "DS", True) in stale_ds.asked
    # A provably unsigned zone cannot be bogus; a delegation we cannot look up decides nothing.
    assert not asyncio.run(servfail_is_bogus(_Zones(ds=False), servfail, unsigned))
    assert not asyncio.run(servfail_is_bogus(_Zones(ds=True, failing=True), servfail, unsigned))


def test_a_signed_cname_marks_the_answer_signed() -> None:
    cname = dns.rrset.from_text("mail.example.com.", 300, "IN", "CNAME", "mx.provider.net.")
    sig = dns.rrset.from_text("mail.example.com.", 300, "IN", "RRSIG", _RRSIG.format("CNAME"))
    a = dns.rrset.from_text("mx.provider.net.", 300, "IN", "A", "192.0.2.7")
    response = _response("mail.example.com", "A", dns.rcode.NOERROR, cname, sig, a)
    assert DnsClient._parse("mail.example.com", "A", response).signed
