"""DNSSEC-05 on really signed answers: an RRset is judged by its best signature (RFC 4035 §5.3.1,
§5.3.3; RFC 6840 §5.11), so a key or algorithm rollover's second signature is no alarm."""

from __future__ import annotations

import time
from typing import Any

import dns.dnssec
import dns.message
import dns.name
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from checks import dnssec
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status

APEX = dns.name.from_text("example.test.")
DAY = 86400.0


class Key:
    """A zone signing key: its DNSKEY record and a way to sign with a chosen window."""

    def __init__(self, algorithm: int = 13) -> None:
        self.private: Any = (
            ec.generate_private_key(ec.SECP256R1())
            if algorithm == 13
            else ed25519.Ed25519PrivateKey.generate()
        )
        self.dnskey = dns.dnssec.make_dnskey(self.private.public_key(), algorithm, 257)

    def sign(self, rrset: dns.rrset.RRset, start_days: float, end_days: float) -> Any:
        now = time.time()
        return dns.dnssec.sign(
            rrset,
            self.private,
            APEX,
            self.dnskey,
            inception=now + start_days * DAY,
            expiration=now + end_days * DAY,
        )


def _answer(rdtype: str, rrset: dns.rrset.RRset, sigs: list[Any]) -> DnsAnswer:
    """What the resolver answers with DO: the RRset and its RRSIGs in the answer section."""
    response = dns.message.make_response(dns.message.make_query(APEX, rdtype, want_dnssec=True))
    response.answer.append(rrset)
    if sigs:
        response.answer.append(dns.rrset.from_rdata(APEX, 3600, *sigs))
    return DnsAnswer("example.test", rdtype, "NOERROR", records=list(rrset), message=response)


SOA = dns.rrset.from_text(APEX, 3600, "IN", "SOA", "ns.example.test. h.example.test. 1 2 3 4 5")


def _dnssec05(
    soa_sigs: list[Any], keys: list[Key], dnskey_sigs: list[Any] | None = None
) -> Finding:
    dnskeys = dns.rrset.from_rdata(APEX, 3600, *[k.dnskey for k in keys])
    if dnskey_sigs is None:
        dnskey_sigs = [keys[0].sign(dnskeys, -1, 20)]
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec05(
        out,
        "example.test",
        [_answer("SOA", SOA, soa_sigs), _answer("DNSKEY", dnskeys, dnskey_sigs)],
    )
    assert len(out.findings) == 1
    return out.findings[0]


def test_an_expired_signature_beside_a_current_one_passes() -> None:
    # A rollover: the new key signs, the retired key's last signature has expired but is
    # still served. Resolvers validate with the current one (RFC 4035 §5.3.3).
    old, new = Key(), Key()
    found = _dnssec05([old.sign(SOA, -30, -1 / 24), new.sign(SOA, -1, 20)], [old, new])
    assert found.status == Status.PASS
    assert "additional signature is outside its window" in found.summary
    assert len(found.evidence["skipped"]) == 1


def test_a_not_yet_valid_signature_beside_a_current_one_passes() -> None:
    # An algorithm rollover (RFC 6781 §4.1.4): the ED25519 key's signatures are made ahead.
    old, new = Key(13), Key(15)
    found = _dnssec05([old.sign(SOA, -1, 20), new.sign(SOA, 2, 30)], [old, new])
    assert found.status == Status.PASS


def test_an_rrset_whose_every_signature_expired_fails() -> None:
    old, new = Key(), Key()
    found = _dnssec05([old.sign(SOA, -30, -2), new.sign(SOA, -20, -1 / 24)], [old, new])
    assert found.status == Status.FAIL
    assert "outside their validity window: SOA of example.test." in found.summary


def test_one_rrset_without_a_current_signature_fails_though_another_is_fine() -> None:
    key = Key()
    dnskeys = dns.rrset.from_rdata(APEX, 3600, key.dnskey)
    found = _dnssec05([key.sign(SOA, -1, 20)], [key], [key.sign(dnskeys, -30, -1)])
    assert found.status == Status.FAIL and "DNSKEY of example.test." in found.summary


def test_a_signature_expiring_soon_beside_a_longer_one_is_no_warning() -> None:
    # The RRset stays signed until the later signature expires.
    old, new = Key(), Key()
    found = _dnssec05([old.sign(SOA, -20, 1), new.sign(SOA, -1, 20)], [old, new])
    assert found.status == Status.PASS
    assert "first expires in 19 days" in found.summary
    # Control: the same soon-expiring signature alone is the DNSSEC-05 warning.
    assert _dnssec05([old.sign(SOA, -20, 1)], [old, new]).status == Status.WARN


def test_a_current_signature_by_a_key_no_longer_published_does_not_rescue_the_rrset() -> None:
    # The published key's signature expired; the one in its window was made by a key that
    # left the DNSKEY set, so no validator can use it (RFC 4035 §5.3.1).
    published, gone = Key(), Key()
    found = _dnssec05([published.sign(SOA, -30, -1), gone.sign(SOA, -1, 20)], [published])
    assert found.status == Status.FAIL and "outside their validity window" in found.summary
