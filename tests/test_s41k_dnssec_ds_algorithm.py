"""Task s41k, item 2: DNSSEC-02's fix for a DS whose algorithm none of the zone's keys use (a DS
of algorithm 12 beside keys of algorithm 13). It said the zone "no longer publishes" the key
("most often a key retired while its DS stayed"): a guess, and a wrong one for a DS of another
algorithm (a DS made for another zone or key type, a registrar form's choice). It now says
what is seen, no key of that algorithm in the DNSKEY set, and gives the DS to publish instead."""

from __future__ import annotations

import dns.dnssec
from cryptography.hazmat.primitives.asymmetric import ec

from checks.findings import Status
from tests.test_dnssec import _dnssec02

KEY = dns.dnssec.make_dnskey(ec.derive_private_key(41, ec.SECP256R1()).public_key(), 13, 257)
TAG = dns.dnssec.key_id(KEY)
OTHER = (TAG + 1) % 65536
DIGEST = "ab" * 32


def test_s41k_a_ds_of_an_algorithm_no_key_uses_is_told_as_seen() -> None:
    _, findings = _dnssec02([f"{OTHER} 12 2 {DIGEST}"], KEY)
    (found,) = [f for f in findings if f.id == "DNSSEC-02"]
    assert found.status == Status.FAIL
    assert "no longer publishes" not in found.fix, found.fix
    assert "retired" not in found.fix, found.fix
    assert "no key of algorithm 12 (ECC-GOST), only of 13 (ECDSAP256SHA256)" in found.fix, found.fix
    # What to do: the DS record in place, the current key's DS given.
    assert f"example.test. IN DS {OTHER} 12 2 {DIGEST}" in found.fix, found.fix
    new = dns.dnssec.make_ds("example.test.", KEY, "SHA256").to_text()
    assert found.fix.endswith(f"example.test. IN DS {new}"), found.fix
    assert f"DNSKEY {TAG}" in found.fix, found.fix


def test_s41k_a_ds_of_the_keys_algorithm_naming_no_key_keeps_its_words() -> None:
    _, findings = _dnssec02([f"{OTHER} 13 2 {DIGEST}"], KEY)
    (found,) = [f for f in findings if f.id == "DNSSEC-02"]
    assert f"key tag {OTHER}, which the zone no longer publishes" in found.fix, found.fix
