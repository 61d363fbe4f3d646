"""Task s47k: DANE-12 for a TLSA parameter combination whose only matches are records in the
wrong role (checklist §8 DANE-12, RFC 7671 §8.4).

45f7273c and 22e8752b read a record that matches a presented certificate in the role its
usage does not look at (a DANE-TA '2 x x' of the leaf, a DANE-TA record of a sent certificate
that issued none of the chain, a DANE-EE record of the CA) as adding nothing: DANE-12 passed,
"delete it". When such records are the only ones of their combination, that combination
matches no current chain, which RFC 7671 §8.4 says each combination should: the checklist's
warn ("warn if some parameter combination matches no current chain"), with the delete as the
fix. Where another record of the same combination authenticates (the CA's '3 1 1' beside the
leaf's '3 1 1', s47c-eefullchain; a '2 1 1' of the leaf beside the issuing CA's '2 1 1'),
§8.4 holds and DANE-12 passes, still saying to delete the record that adds nothing.

DANE-07 for a '3 1 1' of the leaf set aside by '3 1 2' records that are the CA's (RFC 7671 §9)
called them "the stale '3 1 2' records"; a DANE-EE record of the CA certificate is no old
key's, it never authenticates (§5.1), and the fix now says so. No network: in-memory DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki, make_ca
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset

QNAME = f"_25._tcp.{MX1}"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_a_dane_ta_record_of_the_leaf_alone_in_its_combination_warns(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(leaf.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    assert "combination 2 1 1" in dane12.summary, dane12.summary
    assert "RFC 7671 §8.4" in dane12.summary, dane12.summary
    assert "the server's own certificate, which a DANE-TA (2) record never" in dane12.summary
    assert "delete it" in dane12.summary, dane12.summary
    fix = dane12.fix or ""
    assert f"{QNAME}. TLSA {ta.lower()}" in fix, fix
    assert ee.lower() not in fix, fix


def test_a_dane_ta_record_of_a_stray_sent_root_alone_in_its_combination_warns(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    stray = make_ca("Stray Root X")
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(stray.der, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der, stray.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    assert "combination 2 0 1" in dane12.summary, dane12.summary
    assert f"'{ta[:40].lower()}…' matches CN=Stray Root X" in dane12.summary, dane12.summary
    assert "issued none of its certificates" in dane12.summary, dane12.summary
    assert f"{QNAME}. TLSA {ta.lower()}" in (dane12.fix or ""), dane12.fix


def test_a_dane_ta_record_of_the_leaf_beside_one_of_the_issuer_passes_with_the_delete(
    pki: Pki, tmp_path: Path
) -> None:
    # The combination 2 1 1 authenticates through the issuing CA's record: §8.4 holds.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ta_leaf = certs.tlsa_record_text(leaf.der, 2, 1, 1)
    ta_ca = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ta_ca, ta_leaf], [leaf.der, pki.inter.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "pass", dane12
    assert f"'{ta_leaf[:40].lower()}…' matches the server's own certificate" in dane12.summary
    assert "delete it" in dane12.summary, dane12.summary


def test_a_dane_ee_record_of_the_ca_beside_the_leafs_still_passes(pki: Pki, tmp_path: Path) -> None:
    # s47c-eefullchain: both are 3 1 1, and the leaf's authenticates.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ca = certs.tlsa_record_text(pki.inter.der, 3, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ca], [leaf.der, pki.inter.der])
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "pass", dane12
    assert "delete it" in dane12.summary, dane12.summary


def test_dane07_does_not_call_dane_ee_records_of_the_ca_stale(pki: Pki, tmp_path: Path) -> None:
    # '3 1 1' of the leaf, '3 1 2' of the CA: SHA2-512 outranks for 3 1 (RFC 7671 §9) and
    # matches nothing DANE-EE looks at, so the leaf's record is never consulted.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ca = certs.tlsa_record_text(pki.inter.der, 3, 1, 2)
    found = _dane_rrset(pki, tmp_path, [ee, ca], [leaf.der, pki.inter.der])
    (dane07,) = _of(found, "DANE-07")
    assert str(dane07.status) == "fail", dane07
    fix = dane07.fix or ""
    assert "stale" not in fix, fix
    assert "CN=Test Issuing CA 1" in fix, fix
    assert "never authenticates" in fix, fix
    assert certs.tlsa_record_text(leaf.der, 3, 1, 2) in fix, fix


def test_dane07_does_not_call_dane_ta_records_of_the_leaf_stale(pki: Pki, tmp_path: Path) -> None:
    # '2 1 1' of the issuing CA set aside by a '2 1 2' of the leaf itself.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ta = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    of_leaf = certs.tlsa_record_text(leaf.der, 2, 1, 2)
    found = _dane_rrset(pki, tmp_path, [ta, of_leaf], [leaf.der, pki.inter.der])
    (dane07,) = _of(found, "DANE-07")
    assert str(dane07.status) == "fail", dane07
    fix = dane07.fix or ""
    assert "stale" not in fix, fix
    assert "which match the server's own certificate" in fix, fix
    assert certs.tlsa_record_text(pki.inter.der, 2, 1, 2) in fix, fix
