"""Task s41m, item 2: DANE-04's warning for PKIX records mixed with DANE ones said senders "rely
on the DANE-TA(2)/DANE-EE(3) records alone" also when those records are malformed themselves
(DANE-05 fails: no record is usable), and its fix said they "stay". Senders have none to rely
on then: the warning says so and sends the owner to DANE-05, which gives the record to publish."""

from __future__ import annotations

from typing import Any

from checks.findings import Status
from tests.test_engine_s34l import _one_host
from tests.test_s41k_dane05_pkix import _records


def _dane04(records: list[str], chain: list[bytes]) -> Any:
    (found,) = [f for f in _one_host(records, chain) if f.id == "DANE-04"]
    assert found.status == Status.WARN
    return found


def test_s41m_beside_broken_dane_records_senders_have_none_to_rely_on() -> None:
    (pki, leaf), _, pkix, short = _records()
    found = _dane04([short, pkix], [leaf.der, pki.inter.der])
    assert "rely on the DANE-TA(2)/DANE-EE(3) records alone" not in found.summary, found.summary
    assert (
        "the DANE-TA(2)/DANE-EE(3) record beside it is not usable either (see DANE-05), so "
        "senders have no TLSA record to rely on."
    ) in found.summary, found.summary
    assert "(the DANE-TA/DANE-EE records stay)" not in found.fix, found.fix
    assert f"TLSA {pkix}" in found.fix, found.fix


def test_s41m_beside_a_usable_dane_record_it_keeps_its_words() -> None:
    (pki, leaf), good, pkix, _ = _records()
    found = _dane04([good, pkix], [leaf.der, pki.inter.der])
    assert "rely on the DANE-TA(2)/DANE-EE(3) records alone." in found.summary, found.summary
    assert "(the DANE-TA/DANE-EE records stay)" in found.fix, found.fix
