"""Task s41k, item 3: DANE-05 on an RRset with a record whose digest is too short beside a PKIX-EE
`1 1 1`. Its summary named the short record alone as unusable ("No TLSA record of mx1.ex.com is
usable: '3 1 1 …': SHA2-256 data must be 32 bytes"), as if the `1 1 1` were usable: SMTP
senders treat usages 0 and 1 as unusable (RFC 7672 §3.1.3). It says now that the PKIX record
is unusable too; since s42b without quoting it: the record is DANE-04's to name and delete
(tests/test_s42b_dane_pkix_owner.py). With a usable record beside them the warning says so too,
and its fix deletes the malformed record only."""

from __future__ import annotations

from typing import Any

from checks import certs
from checks.findings import Status
from tests.test_certs import Pki
from tests.test_engine_s34l import MX1, _one_host


def _records() -> tuple[Any, str, str, str]:
    pki = Pki()
    leaf = pki.leaf([MX1])
    good = certs.tlsa_record_text(leaf.der, 3, 1, 1).lower()
    pkix = certs.tlsa_record_text(leaf.der, 1, 1, 1).lower()
    short = "3 1 1 " + good.split()[-1][:40]
    return (pki, leaf), good, pkix, short


def _dane05(records: list[str], chain: list[bytes]) -> Any:
    (found,) = [f for f in _one_host(records, chain) if f.id == "DANE-05"]
    return found


def test_s41k_no_usable_record_says_the_pkix_one_is_unusable_too() -> None:
    (pki, leaf), _, pkix, short = _records()
    found = _dane05([short, pkix], [leaf.der, pki.inter.der])
    assert found.status == Status.FAIL
    assert f"'{short}'" in found.summary, found.summary
    assert "The PKIX-EE(1) record beside it is unusable too (see DANE-04)." in found.summary
    assert f"'{pkix}'" not in found.summary, found.summary


def test_s41k_some_unusable_records_says_both_and_deletes_the_malformed_one() -> None:
    (pki, leaf), good, pkix, short = _records()
    found = _dane05([good, short, pkix], [leaf.der, pki.inter.der])
    assert found.status == Status.WARN
    assert f"'{short}'" in found.summary and "PKIX-EE(1) record" in found.summary, found
    assert f"TLSA {short}" in found.fix and f"TLSA {pkix}" not in found.fix, found.fix
    assert f"TLSA {good}" not in found.fix, found.fix


def test_s41k_a_pkix_record_beside_well_formed_dane_ones_stays_dane04s() -> None:
    (pki, leaf), good, pkix, _ = _records()
    found = _dane05([good, pkix], [leaf.der, pki.inter.der])
    assert found.status == Status.PASS, found
