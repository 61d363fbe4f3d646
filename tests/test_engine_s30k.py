"""DNSSEC-02 and DNSSEC-04 judge a DS by the role of its key (s30k item 1).

RFC 4035 §5.2: the DS that carries the chain of trust must match a DNSKEY that signs the
zone's DNSKEY RRset. A key published without signing it (a KSK pre-published for a rollover,
or a ZSK whose DS the registrar was sent) leads validators nowhere. DNSSEC-04 counted a DS as
"matching" when it matched any published key: beside the SHA-1 DS of the key that signs the
key set and a SHA-256 DS of a pre-published KSK, it told the owner to remove the SHA-1 DS and
keep the SHA-256 one, which leaves no DS a validator can follow (bogus everywhere). DNSSEC-02
said that SHA-256 DS "matches no key". The answers below are recorded as a resolver gives
them: the DNSKEY RRset with its RRSIG, made by the signing key only.
"""

from __future__ import annotations

from typing import Any

import dns.dnssec
import dns.message
import dns.name
import dns.rdata
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status

APEX = "example.test"
ORIGIN = dns.name.from_text(APEX + ".")


class Zone:
    """A signed zone's keys: `active` (flags 257) signs the DNSKEY RRset; `other` is
    published beside it and signs nothing of it (flags 257: a KSK pre-published for a
    rollover; flags 256: a ZSK)."""

    def __init__(self, other_flags: int = 257) -> None:
        self._active_private = ec.generate_private_key(ec.SECP256R1())
        self.active = dns.dnssec.make_dnskey(self._active_private.public_key(), 13, 257)
        other = ec.generate_private_key(ec.SECP256R1()).public_key()
        self.other = dns.dnssec.make_dnskey(other, 13, other_flags)

    def tag(self, key: Any) -> int:
        return dns.dnssec.key_id(key)

    def ds(self, key: Any, digest_type: int) -> Any:
        return dns.dnssec.make_ds(ORIGIN, key, digest_type, validating=True)

    def line(self, record: Any) -> str:
        return f"{APEX}. IN DS {record.to_text()}"

    def dnskey_answer(self) -> DnsAnswer:
        keys = dns.rrset.from_rdata_list(ORIGIN, 300, [self.active, self.other])
        sig = dns.dnssec.sign(keys, self._active_private, ORIGIN, self.active, lifetime=86400)
        query = dns.message.make_query(ORIGIN, "DNSKEY", want_dnssec=True)
        message = dns.message.make_response(query)
        message.answer.append(keys)
        message.answer.append(dns.rrset.from_rdata(ORIGIN, 300, sig))
        return DnsAnswer(
            APEX, "DNSKEY", "NOERROR", records=[self.active, self.other], message=message
        )

    def findings(self, ds_records: list[Any], validation: str = "secure") -> dict[str, Finding]:
        ds = DnsAnswer(APEX, "DS", "NOERROR", records=ds_records)
        dnskey = self.dnskey_answer()
        out = Collector(Mechanism.DNSSEC)
        dnssec._dnssec02(out, APEX, ds, dnskey, validation)
        dnssec._dnssec04(out, APEX, ds, dnskey)
        return {f.id: f for f in out.findings}


def test_dnssec04_does_not_keep_a_sha256_ds_whose_key_signs_nothing() -> None:
    # A KSK rollover begun from a SHA-1 DS: the new key's DS went in as SHA-256 while the new
    # key is only published. The SHA-1 DS is the one a validator can follow.
    zone = Zone(257)
    sha1, next_ds = zone.ds(zone.active, 1), zone.ds(zone.other, 2)
    found = zone.findings([sha1, next_ds])["DNSSEC-04"]
    assert found.status == Status.INFO  # SHA-1 beside SHA-256 (checklist DNSSEC-04)
    assert "Keep:" not in found.fix
    assert "only the SHA-1 one matches a DNSKEY that signs the DNSKEY set" in found.summary
    good = zone.line(zone.ds(zone.active, 2))
    assert good in found.fix
    assert found.fix.index(good) < found.fix.index(zone.line(sha1))
    # The pre-published key's DS is not "in place of" anything: its key may yet sign.
    assert "in place of" not in found.fix
    assert f"DNSKEY {zone.tag(zone.other)}" in found.fix


def test_dnssec04_a_zsk_ds_is_replaced_not_kept() -> None:
    zone = Zone(256)
    sha1, zsk_ds = zone.ds(zone.active, 1), zone.ds(zone.other, 2)
    found = zone.findings([sha1, zsk_ds])["DNSSEC-04"]
    assert found.status == Status.INFO
    assert "Keep:" not in found.fix
    good = zone.line(zone.ds(zone.active, 2))
    assert (
        found.fix.index(good) < found.fix.index("in place of") < found.fix.index(zone.line(zsk_ds))
    )
    assert found.fix.index(zone.line(zsk_ds)) < found.fix.index(zone.line(sha1))


def test_dnssec04_keeps_only_the_ds_of_the_key_that_signs() -> None:
    # Control: both digests of the signing key and the next key's SHA-256 DS. The SHA-1 one
    # can go; "Keep" names the signing key's SHA-256 DS, not the next key's as the chain.
    zone = Zone(257)
    sha1, sha256, next_ds = zone.ds(zone.active, 1), zone.ds(zone.active, 2), zone.ds(zone.other, 2)
    found = zone.findings([sha1, sha256, next_ds])
    assert found["DNSSEC-02"].status == Status.PASS
    assert found["DNSSEC-04"].status == Status.INFO
    keep = found["DNSSEC-04"].fix.split("Keep:\n", 1)[1]
    assert keep.splitlines()[0] == zone.line(sha256)
    assert zone.line(next_ds) not in keep.splitlines()[:1]
    assert f"DNSKEY {zone.tag(zone.other)}" in keep


def test_dnssec02_names_the_key_a_sha256_ds_is_for() -> None:
    zone = Zone(257)
    found = zone.findings([zone.ds(zone.active, 1), zone.ds(zone.other, 2)])["DNSSEC-02"]
    assert found.status == Status.FAIL  # RFC 4509 §3 validators see only the SHA-256 DS
    assert "matches no key" not in found.summary
    assert f"DNSKEY {zone.tag(zone.other)}" in found.summary
    assert "does not sign the DNSKEY set" in found.summary
    # Add the signing key's SHA-256 DS; the next key's DS need not go.
    assert zone.line(zone.ds(zone.active, 2)) in found.fix
    assert not found.fix.startswith("Replace")


def test_dnssec02_a_ds_of_a_prepublished_ksk_alone_is_named_so() -> None:
    # The old DS was removed before the new KSK signed the key set: bogus (RFC 4035 §5.2).
    zone = Zone(257)
    found = zone.findings([zone.ds(zone.other, 2)], "bogus")["DNSSEC-02"]
    assert found.status == Status.FAIL
    assert f"DNSKEY {zone.tag(zone.other)}, a key-signing key (flags 257)" in found.summary
    assert "does not sign the DNSKEY set" in found.summary
    assert zone.line(zone.ds(zone.active, 2)) in found.fix


def test_double_ds_rollover_passes() -> None:
    # Control: the DS of the signing key and of the next one, both SHA-256 (RFC 6781 §4.1.2).
    zone = Zone(257)
    found = zone.findings([zone.ds(zone.active, 2), zone.ds(zone.other, 2)])
    assert found["DNSSEC-02"].status == Status.PASS
    assert f"DNSKEY {zone.tag(zone.active)}" in found["DNSSEC-02"].summary
    assert found["DNSSEC-04"].status == Status.PASS


def _dnssec01_bogus(zone: Zone, ds_records: list[Any], ede: int) -> Finding:
    answer = DnsAnswer(APEX, "SOA", "SERVFAIL", ede=[(ede, "signature missing")])
    status = dnssec.Validation(APEX, "bogus", answer)
    ds = DnsAnswer(APEX, "DS", "NOERROR", records=ds_records)
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec01(out, status, ds, zone.dnskey_answer())
    (found,) = out.findings
    return found


def test_dnssec01_names_the_ds_of_a_key_that_signs_nothing_as_the_cause() -> None:
    # s30k-prepubonly: Unbound says EDE 10 (RRSIGs Missing), finding no signature by the DS's
    # key over the DNSKEY set. "Sign the zone (all its records) ... or remove the DS" sent the
    # owner to a zone that is signed, or to switching DNSSEC off.
    for flags in (257, 256):
        zone = Zone(flags)
        found = _dnssec01_bogus(zone, [zone.ds(zone.other, 2)], 10)
        assert found.status == Status.FAIL
        assert "Sign the zone" not in found.fix
        assert f"DNSKEY {zone.tag(zone.other)}" in found.fix
        assert "does not sign the DNSKEY set" in found.fix
        assert "DNSSEC-02" in found.fix


def test_dnssec01_keeps_its_words_for_records_without_signatures() -> None:
    # Control: a DS matching no published key keeps the resolver's reading.
    zone = Zone(257)
    stale = dns.rdata.from_text("IN", "DS", f"4711 13 2 {'cd' * 32}")
    found = _dnssec01_bogus(zone, [stale], 10)
    assert "Sign the zone" in found.fix


def test_dnssec04_does_not_keep_a_zsk_ds_beside_the_working_one() -> None:
    zone = Zone(256)
    sha1, sha256, zsk_ds = zone.ds(zone.active, 1), zone.ds(zone.active, 2), zone.ds(zone.other, 2)
    fix = zone.findings([sha1, sha256, zsk_ds])["DNSSEC-04"].fix
    keep, rest = fix.split("Keep:\n", 1)[1].split("\n", 1)
    assert keep == zone.line(sha256)
    assert "match no key that signs the DNSKEY set" in rest and zone.line(zsk_ds) in rest


def test_dnssec04_keeps_nothing_when_no_ds_carries_the_chain() -> None:
    # Both digests name the ZSK: DNSSEC-02 fails and gives the DS; DNSSEC-04 keeps none.
    zone = Zone(256)
    found = zone.findings([zone.ds(zone.other, 1), zone.ds(zone.other, 2)])
    assert found["DNSSEC-02"].status == Status.FAIL
    assert "Keep:" not in found["DNSSEC-04"].fix
    assert "publish first the one DNSSEC-02 gives" in found["DNSSEC-04"].fix
