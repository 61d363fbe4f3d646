"""Task s48a, item 3: DANE-12's next-key warning names a misplaced record beside it.

A next key's record published only in a digest that a stronger one outranks for its usage and
selector is never consulted (RFC 7671 §9): DANE-12 warns that senders ignore it. A record in
the wrong role in the same RRset (a '3 x x' matching the intermediate the server sends, which
a DANE-EE record never authenticates, RFC 7671 §5.1; or a '2 x x' matching the server's own
certificate, RFC 7671 §5.2) in a combination another record keeps current was named by the
pass and info texts of DANE-12 (s47k) but not by this warning, so the reader could not tell
which record to delete. The warning now names it, "delete it", and its fix lists it.
No network: in-memory DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki, make_leaf
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset

QNAME = f"_25._tcp.{MX1}"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _next_key_record(pki: Pki) -> str:
    # The '3 1 1' of a key the server does not present yet (its renewal's).
    assert pki.inter is not None
    return certs.tlsa_record_text(make_leaf(pki.inter, [MX1]).der, 3, 1, 1)


def test_s48a_dane12_next_key_warning_names_a_dane_ee_record_of_the_intermediate(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    records = [
        certs.tlsa_record_text(leaf.der, 3, 1, 1),
        certs.tlsa_record_text(leaf.der, 3, 1, 2),
        _next_key_record(pki),
        # The intermediate's key as a DANE-EE record: its combination is live via the leaf's.
        misplaced := certs.tlsa_record_text(pki.inter.der, 3, 1, 2),
    ]
    found = _dane_rrset(pki, tmp_path, records, [leaf.der, pki.inter.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    assert "DANE senders ignore it" in dane12.summary, dane12.summary
    assert f"'{misplaced[:40].lower()}…' matches CN=Test Issuing CA 1" in dane12.summary
    assert "which a DANE-EE (3) record never authenticates" in dane12.summary, dane12.summary
    assert "delete it" in dane12.summary, dane12.summary
    fix = dane12.fix or ""
    assert f"{QNAME}. TLSA {misplaced.lower()}" in fix, fix
    assert "Publish the next key in every matching type" in fix, fix


def test_s48a_dane12_next_key_warning_names_a_dane_ta_record_of_the_leaf(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    records = [
        certs.tlsa_record_text(leaf.der, 3, 1, 1),
        certs.tlsa_record_text(leaf.der, 3, 1, 2),
        _next_key_record(pki),
        certs.tlsa_record_text(pki.inter.der, 2, 1, 1),
        # The leaf's key as a DANE-TA record: '2 1 1' stays live through the CA's record.
        misplaced := certs.tlsa_record_text(leaf.der, 2, 1, 1),
    ]
    found = _dane_rrset(pki, tmp_path, records, [leaf.der, pki.inter.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    assert "DANE senders ignore it" in dane12.summary, dane12.summary
    assert f"'{misplaced[:40].lower()}…' matches the server's own certificate" in dane12.summary
    assert f"{QNAME}. TLSA {misplaced.lower()}" in (dane12.fix or ""), dane12.fix


def test_s48a_dane12_next_key_warning_alone_is_unchanged(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    records = [
        certs.tlsa_record_text(leaf.der, 3, 1, 1),
        certs.tlsa_record_text(leaf.der, 3, 1, 2),
        _next_key_record(pki),
    ]
    found = _dane_rrset(pki, tmp_path, records, [leaf.der, pki.inter.der])
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    assert "DANE senders ignore it" in dane12.summary, dane12.summary
    assert "delete" not in dane12.summary, dane12.summary
    assert dane12.fix == (
        "Publish the next key in every matching type the RRset uses (RFC 7671 §8.3), "
        "or drop the stronger digest records before the switch."
    ), dane12.fix
