"""Task s41k, item 3: DANE-05 on an RRset with a record whose digest is too short beside a PKIX-EE
`1 1 1`. Its summary named the short record alone as unusable ("No TLSA record of mx1.ex.com is
usable: '3 1 1 …': SHA2-256 data must be 32 bytes"), as if the `1 1 1` were usable: SMTP
senders treat usages 0 and 1 as unusable (RFC 7672 §3.1.3). It names both now. With a usable
record beside them the warning names both too, and its fix deletes both."""

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


def test_s41k_no_usable_record_names_the_pkix_one_too() -> None:
    (pki, leaf), _, pkix, short = _records()
    found = _dane05([short, pkix], [leaf.der, pki.inter.der])
    assert found.status == Status.FAIL
    assert f"'{short}'" in found.summary, found.summary
    assert f"'{pkix}': PKIX-EE(1)" in found.summary, found.summary
    assert "RFC 7672 §3.1.3" in found.summary, found.summary


def test_s41k_some_unusable_records_names_both_and_deletes_both() -> None:
    (pki, leaf), good, pkix, short = _records()
    found = _dane05([good, short, pkix], [leaf.der, pki.inter.der])
    assert found.status == Status.WARN
    assert f"'{short}'" in found.summary and f"'{pkix}': PKIX-EE(1)" in found.summary, found
    assert f"TLSA {short}" in found.fix and f"TLSA {pkix}" in found.fix, found.fix
    assert f"TLSA {good}" not in found.fix, found.fix


def test_s41k_a_pkix_record_beside_well_formed_dane_ones_stays_dane04s() -> None:
    (pki, leaf), good, pkix, _ = _records()
    found = _dane05([good, pkix], [leaf.der, pki.inter.der])
    assert found.status == Status.PASS, found
