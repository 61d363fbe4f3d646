"""checks/dns.py: how a resolver's response becomes a DnsAnswer (no network)."""

from __future__ import annotations

import dns.message
import dns.rcode
import dns.rrset

from checks.dns import DnsClient


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
    # No explanation: the CD retry decides.
    plain = DnsAnswer("mx.example.com", "A", "SERVFAIL")
    assert validation_failed(plain, answered) and not validation_failed(plain, timed_out)
