"""DNSSEC-01's stale-DS fix names the key tags the parent's DS records carry: "key tag 5" for
one, "key tags 5, 6" for two (review s40t: it said "key tag 5, 6")."""

from __future__ import annotations

import time

import dns.dnssec
import dns.message
import dns.name
import dns.rdata
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.dns import DnsAnswer

DOMAIN = "example.org"


def _fix(ds_count: int, beside: int | None = None) -> tuple[list[int], str]:
    private = ec.generate_private_key(ec.SECP256R1())
    key = dns.dnssec.make_dnskey(private.public_key(), 13, 257)
    name = dns.name.from_text(DOMAIN)
    keys = dns.rrset.from_rdata_list(name, 3600, [key])
    now = time.time()
    sig = dns.dnssec.sign(keys, private, name, key, inception=now - 86400, expiration=now + 86400)
    message = dns.message.make_response(dns.message.make_query(DOMAIN, "DNSKEY", want_dnssec=True))
    message.answer.append(keys)
    message.answer.append(dns.rrset.from_rdata_list(name, 3600, [sig]))
    dnskey = DnsAnswer(DOMAIN, "DNSKEY", "NOERROR", records=[key], message=message)
    tags = [(dns.dnssec.key_id(key) + n) % 65536 for n in range(1, ds_count + 1)]
    records = [dns.rdata.from_text("IN", "DS", f"{t} 13 2 {'cd' * 32}") for t in tags]
    ds = DnsAnswer(DOMAIN, "DS", "NOERROR", records=records)
    return sorted(tags), dnssec._ds_of_unpublished_keys(ds, dnskey, [dnskey], beside=beside)


def test_one_stale_ds_names_its_key_tag() -> None:
    (tag,), fix = _fix(1)
    assert f"the DS names key tag {tag}, which" in fix, fix


def test_two_stale_ds_records_name_their_key_tags() -> None:
    tags, fix = _fix(2)
    assert f"key tags {tags[0]}, {tags[1]}, which" in fix, fix
    assert "key tag " not in fix, fix


def test_beside_a_resolvers_code_the_key_tags_are_named_alike() -> None:
    (tag,), one = _fix(1, beside=7)
    tags, two = _fix(2, beside=7)
    assert f"it names key tag {tag}, which" in one, one
    assert f"they name key tags {tags[0]}, {tags[1]}, which" in two, two
