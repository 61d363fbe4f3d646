"""DNSSEC-03/05/06 for a zone served unsigned while its parent still has a DS (lab s11d-orphands).

The zone is bogus and DNSSEC-02 fails it. It has no DNSKEY, no RRSIG and no NSEC3 chain, so the
other zone checks have nothing to judge: they must not say "signed with ECDSAP256SHA256" (the DS's
algorithm), "uses NSEC" or "signatures could not be retrieved".
"""

from __future__ import annotations

import asyncio

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from checks import dnssec
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, Mechanism, Status

APEX = "example.test"


def _material(dnskey: DnsAnswer) -> dict[str, Status]:
    ds = DnsAnswer(
        APEX,
        "DS",
        "NOERROR",
        records=[
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, f"31337 13 2 {'ab' * 32}")
        ],
    )
    soa = DnsAnswer(APEX, "SOA", "NOERROR", records=[object()])  # type: ignore[list-item]
    nsec3 = DnsAnswer(APEX, "NSEC3PARAM", "NOERROR")
    out = Collector(Mechanism.DNSSEC)
    dnssec._zone_material(out, APEX, soa, ds, dnskey, nsec3)
    return {f.id: f.status for f in out.findings}


def test_a_ds_for_a_zone_without_dnskey_leaves_nothing_else_to_judge() -> None:
    statuses = _material(DnsAnswer(APEX, "DNSKEY", "NOERROR"))  # NODATA: no keys at all
    assert statuses == {
        "DNSSEC-02": Status.FAIL,
        "DNSSEC-03": Status.NA,
        "DNSSEC-04": Status.PASS,
        "DNSSEC-05": Status.NA,
        "DNSSEC-06": Status.NA,
    }


def test_an_unreadable_dnskey_set_is_not_taken_for_an_unsigned_zone() -> None:
    # Control: the DNSKEY lookup failed, so whether the zone is signed is unknown; the DS
    # algorithms stand in for DNSSEC-03 and DNSSEC-05 says it could not check.
    statuses = _material(DnsAnswer(APEX, "DNSKEY", "SERVFAIL"))
    assert statuses["DNSSEC-02"] == Status.ERROR
    assert statuses["DNSSEC-03"] == Status.PASS
    assert statuses["DNSSEC-05"] == Status.ERROR


@pytest.mark.lab
def test_lab_zone_served_unsigned_under_a_ds(lab) -> None:  # type: ignore[no-untyped-def]
    host, port = lab.resolver.split(":")
    config = CheckConfig(
        resolvers=((host, int(port)),),
        ca_bundle=lab.ca_bundle,
        allow_private_targets=True,
        extra_public_suffixes=("test", "lab.test"),
    )
    findings = asyncio.run(dnssec.evaluate(CheckContext("s11d-orphands.lab.test", config)))
    statuses = {f.id: f.status for f in findings}
    assert statuses["DNSSEC-01"] == Status.FAIL
    assert statuses["DNSSEC-02"] == Status.FAIL
    assert [statuses[i] for i in ("DNSSEC-03", "DNSSEC-05", "DNSSEC-06")] == [Status.NA] * 3
