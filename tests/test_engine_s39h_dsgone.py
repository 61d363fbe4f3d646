"""A parent whose only DS is for a key the zone no longer publishes (blind round s39h,
s39h-dsgone): DNSSEC-01's fix says which DS to replace.

The zone is bogus (RFC 4035 §5.2): DNSSEC-01 and DNSSEC-02 fail, as the blind round expects.
DNSSEC-01's fix came from the resolver's extended error alone, and Unbound, having marked the
key bad on the run's first lookup (the MX), answers the SOA asked next with EDE 6 "DNSSEC
Bogus" ("key ... is marked as invalid because of a previous validation failure"), so the fix
read "Re-sign the zone (expired or broken signatures) or fix the DS record at the registrar":
re-signing changes nothing here. DNSSEC-02 already knows the DS names key tag 4711 and the zone
publishes another key; DNSSEC-01 now says so, whatever code the resolver gave.
"""

from __future__ import annotations

from typing import Any

import dns.dnssec
import dns.rdata
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.dns import DnsAnswer
from checks.findings import Collector, Mechanism, Status
from tests.lab.scenarios import load_scenarios
from tests.test_engine_lab import describe, scenario_report

DOMAIN = "s39h-dsgone.lab.test"


def _dnssec01_fix(ede: int, ds_tag_offset: int) -> str:
    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    tag = dns.dnssec.key_id(key) + ds_tag_offset
    ds = dns.rdata.from_text("IN", "DS", f"{tag} 13 2 {'cd' * 32}")
    answer = DnsAnswer(DOMAIN, "SOA", "SERVFAIL", ede=[(ede, "")])
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec01(
        out,
        dnssec.Validation(DOMAIN, "bogus", answer),
        DnsAnswer(DOMAIN, "DS", "NOERROR", records=[ds]),
        DnsAnswer(DOMAIN, "DNSKEY", "NOERROR", records=[key]),
    )
    (found,) = out.findings
    return found.fix


def test_a_ds_naming_an_unpublished_key_is_the_fix_whatever_ede_6_says() -> None:
    fix = _dnssec01_fix(6, ds_tag_offset=1)
    assert fix.startswith("Replace the DS record at the registrar with the one DNSSEC-02 gives")


def test_a_ds_of_a_published_key_with_a_wrong_digest_keeps_the_resolvers_reading() -> None:
    assert _dnssec01_fix(6, ds_tag_offset=0).startswith("Re-sign the zone")


def test_expired_signatures_keep_their_own_advice_beside_an_unpublished_keys_ds() -> None:
    fix = _dnssec01_fix(7, ds_tag_offset=1)
    assert fix.startswith("Re-sign the zone and find out why"), fix
    # Corrected in s40i: the re-sign advice came alone, yet the DS naming no published key
    # keeps the zone bogus once re-signed (RFC 4035 §5.2); EDE 7 names what the resolver met,
    # not every fault (RFC 8914). The DS follows the code's remedy.
    assert "Replace the DS record at the registrar as well" in fix, fix
    assert "DNSSEC-02" in fix and "no longer publishes" in fix, fix


@pytest.mark.lab
def test_it_names_the_ds_of_the_retired_key_in_dnssec_01s_fix(lab: Any) -> None:
    scenario = next(s for s in load_scenarios() if s.domain == DOMAIN)
    report = scenario_report(lab, scenario)
    bogus = [f for f in report.findings if f.id == "DNSSEC-01"]
    assert [f.status for f in bogus] == [Status.FAIL], describe(report)
    fix = bogus[0].fix
    assert "4711" in fix, fix
    assert "DNSSEC-02" in fix, fix
    assert not fix.startswith("Re-sign"), fix
