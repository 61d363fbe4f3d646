"""Blind round s17d: DNSSEC, DANE and DKIM shapes nobody listed (tests/lab/scenarios/s17d_*.toml).

The scenarios' expectations were written from the checklist and committed before the engine ran
on them; tests/test_engine_lab.py compares the fail/warn sets. These tests pin what the sets
cannot: the words of a finding where the blind run found them wrong, and the lab's `ds_keys`
knob the s17d-dszsk scenario needs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype
import pytest

from checks.engine import check_domain
from checks.findings import DomainReport, Status
from tests.test_engine_lab import describe, lab_config

pytestmark = pytest.mark.lab


def run(lab: Any, domain: str) -> DomainReport:
    scenario = lab.scenario(domain)
    config = lab_config(lab, dkim_selectors=tuple(scenario.selectors))
    return asyncio.run(check_domain(domain, config))


def test_an_alias_into_an_unsigned_zone_is_still_protected_by_its_own_tlsa(lab: Any) -> None:
    """mail.<d> CNAME relay.<d> (an unsigned sub-zone), TLSA at _25._tcp.mail.<d> (signed).

    RFC 7672 §2.2.2: the CNAME chain is not secure to the end, so the expanded name is not a
    TLSA base domain, but the original MX name is, and its TLSA RRset is secure: DANE senders
    authenticate the host with it (Postfix's posttls-finger says Verified, test_dane_oracle).
    DNSSEC-09 must not tell the owner that DANE cannot protect this host while DANE-07 passes."""
    report = run(lab, "s17d-cnameinsec.lab.test")
    host = "mail.s17d-cnameinsec.lab.test"
    dane07 = [f for f in report.findings if f.id == "DANE-07" and f.subject.startswith(host)]
    assert [f.status for f in dane07] == [Status.PASS], describe(report)
    (dnssec09,) = [f for f in report.findings if f.id == "DNSSEC-09" and f.subject == host]
    assert dnssec09.status == Status.INFO
    assert "cannot protect" not in dnssec09.summary, dnssec09.summary
    assert "relay.s17d-cnameinsec.lab.test" in dnssec09.summary
    assert f"_25._tcp.{host}" in dnssec09.summary


def test_a_host_in_an_unsigned_zone_without_a_secure_alias_still_reads_unprotected(
    lab: Any,
) -> None:
    # The sub-zone checked as a domain of its own: no TLSA anywhere, nothing to protect it.
    report = run(lab, "relay.s17d-cnameinsec.lab.test")
    (dnssec09,) = [f for f in report.findings if f.id == "DNSSEC-09"]
    assert dnssec09.status == Status.INFO
    assert "DANE cannot protect it" in dnssec09.summary


def test_ds_keys_all_puts_a_ds_for_the_zsk_in_the_parent(lab: Any) -> None:
    """The lab knob behind s17d-dszsk: one DS per zone key, and the zone still validates."""
    zone = dns.name.from_text("s17d-dszsk.lab.test.")

    def ask(rdtype: dns.rdatatype.RdataType) -> dns.message.Message:
        q = dns.message.make_query(zone, rdtype, want_dnssec=True)
        host, _, port = lab.resolver.rpartition(":")
        return dns.query.udp_with_fallback(q, host, port=int(port), timeout=5)[0]

    def rrset(answer: dns.message.Message, rdtype: dns.rdatatype.RdataType) -> Any:
        return answer.find_rrset(answer.answer, zone, dns.rdataclass.IN, rdtype)

    ds = rrset(ask(dns.rdatatype.DS), dns.rdatatype.DS)
    keys = ask(dns.rdatatype.DNSKEY)
    dnskeys = rrset(keys, dns.rdatatype.DNSKEY)
    assert keys.flags & dns.flags.AD
    assert sorted(k.flags for k in dnskeys) == [256, 257]
    tags = {dns.dnssec.key_id(k): k.flags for k in dnskeys}
    assert sorted(tags[d.key_tag] for d in ds) == [256, 257]
