"""Task s41m, item 1: DNSSEC-01's fix for a bogus zone whose DS names a key tag the zone does
not publish said the key is one "which the zone no longer publishes" also when the DS is of an
algorithm none of the zone's keys use: a guess, as for DNSSEC-02's fix (s41k, item 2). It now
says what is seen, no key of that algorithm in the DNSKEY set, as DNSSEC-02 does."""

from __future__ import annotations

import dns.dnssec
import dns.rdata

from checks import dnssec
from checks.dns import DnsAnswer
from checks.findings import Collector, Mechanism, Status
from tests.test_engine_s40i import DOMAIN, stale_ds


def _fix(algorithm: int, beside: int | None = None) -> tuple[int, int, str]:
    """DNSSEC-01's fix for a zone of one algorithm-13 key whose parent DS names another key
    tag, of `algorithm`: (the DS's tag, the key's tag, the fix)."""
    (tag,), ds, dnskey = stale_ds()
    ds = DnsAnswer(
        DOMAIN,
        "DS",
        "NOERROR",
        records=[dns.rdata.from_text("IN", "DS", f"{tag} {algorithm} 2 {'cd' * 32}")],
    )
    key = dns.dnssec.key_id(dnskey.records[0])
    if beside is not None:
        return tag, key, dnssec._ds_of_unpublished_keys(ds, dnskey, [dnskey], beside=beside)
    out = Collector(Mechanism.DNSSEC)
    soa = DnsAnswer(DOMAIN, "SOA", "SERVFAIL", ede=[(9, "")])
    dnssec._dnssec01(out, dnssec.Validation(DOMAIN, "bogus", soa), ds, dnskey, signed=[dnskey])
    (found,) = out.findings
    assert found.status == Status.FAIL
    return tag, key, found.fix or ""


def test_s41m_a_ds_of_an_algorithm_no_key_uses_is_told_as_seen() -> None:
    tag, key, fix = _fix(8)
    assert "no longer publishes" not in fix, fix
    assert (
        f"the DS names key tag {tag}, of algorithm 8 (RSASHA256), and the zone's DNSKEY set "
        f"has no key of that algorithm, only key tag {key}, of algorithm 13 "
        "(ECDSAP256SHA256), so no chain of trust reaches it (RFC 4035 §5.2)."
    ) in fix, fix
    assert fix.startswith("Replace the DS record at the registrar with the one DNSSEC-02 gives")


def test_s41m_beside_a_resolvers_code_it_is_told_alike() -> None:
    tag, key, fix = _fix(8, beside=7)
    assert "no longer publishes" not in fix, fix
    assert f"it names key tag {tag}, of algorithm 8 (RSASHA256), and the zone's" in fix, fix


def test_s41m_a_ds_of_the_keys_algorithm_keeps_its_words() -> None:
    tag, key, fix = _fix(13)
    assert f"key tag {tag}, which the zone no longer publishes (it publishes {key})" in fix, fix
