"""s20: DANE-02's fix for bogus TLSA records follows the resolver's RFC 8914 code.

Like DNSSEC-01/07/09 (tests/test_dnssec_s20_ede.py, dnssec.bogus_advice), a bogus TLSA RRset
gets the remedy the validating resolver's Extended DNS Error points to: 7 the signer stopped
re-signing, 8 the signer's clock is ahead, 9 the DS matches no DNSKEY, 10 records without
signatures under a DS. DANE-02 said "Re-sign the zone holding ... or remove the broken
records" whatever the code. Without a code the generic text stays; the status stays fail.
"""

from __future__ import annotations

import asyncio
import base64
from types import SimpleNamespace

import dns.message
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from checks import dane
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status

HOST = "mx.example.net"
QNAME = f"_25._tcp.{HOST}"
TARGET = "_25._tcp.mx.provider.example"
TLSA = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, "3 1 1 " + "ab" * 32)


class FakeDns:
    """A validating resolver's view of one bogus TLSA RRset: SERVFAIL with the given RFC 8914
    codes, the signed records with CD. With `alias`, the TLSA name is a CNAME (itself valid)
    into provider.example, whose RRSIG names that zone as the signer."""

    def __init__(self, codes: tuple[int, ...], alias: bool = False) -> None:
        self.codes = codes
        self.alias = alias

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        if rdtype == "A":
            return DnsAnswer(name, rdtype, "NOERROR", ad=True)
        if rdtype == "CNAME":
            return DnsAnswer(name, rdtype, "NOERROR", ad=True)
        if rdtype == "TLSA" and not cd:
            # Without a code, only a second plain try failing as well makes it bogus.
            return DnsAnswer(name, rdtype, "SERVFAIL", ede=[(c, "") for c in self.codes])
        if not self.alias:
            return DnsAnswer(name, rdtype, "NOERROR", records=[TLSA], signed=True)
        sig = dns.rrset.from_text(
            TARGET,
            300,
            "IN",
            "RRSIG",
            "TLSA 13 5 300 20200101000000 20190101000000 4242 provider.example. "
            + base64.b64encode(b"x" * 64).decode(),
        )
        message = dns.message.make_response(dns.message.make_query(name, rdtype))
        message.answer.append(sig)
        return DnsAnswer(
            name, rdtype, "NOERROR", records=[TLSA], cnames=[TARGET], signed=True, message=message
        )


def _dane02(*codes: int, alias: bool = False) -> Finding:
    ctx = CheckContext("example.test", CheckConfig(), dns=FakeDns(codes, alias))  # type: ignore[arg-type]
    state = asyncio.run(dane._resolve_state(ctx, HOST))
    assert state.bogus
    out = Collector(Mechanism.DANE)
    host = SimpleNamespace(name=HOST, bogus=False, addresses=["192.0.2.1"])
    mxset = SimpleNamespace(implicit=False, answer=SimpleNamespace(ad=True, evidence=dict))
    dane._host_findings(out, ctx, host, state, [], mxset)
    (found,) = [f for f in out.findings if f.id == "DANE-02"]
    assert found.status == Status.FAIL
    assert found.fix is not None
    return found


def test_expired_signatures_point_at_the_signer_that_stopped() -> None:
    fix = _dane02(7).fix
    assert fix.startswith(
        f"Re-sign the zone holding {QNAME} and find out why re-signing stopped"
    ), fix
    assert "hidden primary" in fix and "EDE 7 (Signature Expired)" in fix
    # Only the TLSA RRset may be stale: dropping it is still a way out.
    assert "remove the broken records" in fix
    assert "registrar" not in fix


def test_signatures_not_yet_valid_point_at_the_clock() -> None:
    fix = _dane02(8).fix
    assert fix.startswith(
        f"Set the signing server's clock right (NTP), then re-sign the zone holding {QNAME}"
    ), fix
    assert "EDE 8 (Signature Not Yet Valid)" in fix


def test_dnskey_missing_points_at_the_registrar() -> None:
    fix = _dane02(9).fix
    assert fix.startswith("Publish at the registrar the DS record of the current KSK"), fix
    assert QNAME in fix and "EDE 9 (DNSKEY Missing)" in fix
    # The whole zone fails then: removing the TLSA records would fix nothing.
    assert "remove the broken records" not in fix


def test_rrsigs_missing_means_sign_every_record_or_drop_the_ds() -> None:
    fix = _dane02(10).fix
    assert fix.startswith(f"Sign the zone holding {QNAME} (all its records)"), fix
    assert "remove the DS record at the registrar" in fix
    assert "EDE 10 (RRSIGs Missing)" in fix and "remove the broken records" not in fix


def test_no_code_or_a_vague_one_keeps_the_generic_re_sign() -> None:
    for codes, says in [((), "gave no reason"), ((6,), "EDE 6 (DNSSEC Bogus)")]:
        fix = _dane02(*codes).fix
        assert fix.startswith(f"Re-sign the zone holding {QNAME}, or remove the broken records"), (
            fix
        )
        assert says in fix, fix


def test_an_alias_into_another_zone_gets_that_zones_remedy() -> None:
    found = _dane02(9, alias=True)
    fix = found.fix
    assert fix.startswith("Publish at the registrar the DS record of the current KSK of "), fix
    assert "provider.example (where the alias" in fix
    assert f"or point {QNAME} at TLSA records in a zone that validates" in fix
    assert f"the zone holding {QNAME}" not in fix
    assert found.evidence["alias_zone"] == "provider.example"


def test_an_alias_into_another_zone_without_a_code_keeps_re_sign() -> None:
    fix = _dane02(alias=True).fix
    assert fix.startswith("Re-sign provider.example (where the alias"), fix
    assert "gave no reason" in fix
