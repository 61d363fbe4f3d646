"""DANE fix texts on setups nobody listed (lab scenarios s8_tawrongname.toml, s8_gworkspace.toml,
s8_postfixleaf.toml): the record or step each DANE finding proposes must be one that repairs it."""

from __future__ import annotations

import pytest

from checks import certs
from tests.test_certs import Pki, make_ca, make_leaf
from tests.test_dane import MX1, _evaluate, _good_probe, _mx_zone


@pytest.fixture(scope="module")
def pki() -> Pki:
    pki = Pki()
    pki.inter = make_ca("Issuing CA 1", pki.root)
    return pki


def test_a_dane_ta_name_mismatch_fix_asks_for_the_name_not_the_chain(pki: Pki) -> None:
    # The chain (leaf + the anchor named by 2 1 1) is complete; only the leaf's names miss the
    # MX host (RFC 7672 §3.2.3). "Send the full chain" would change nothing.
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, ["mail.other.example"])
    zone, _ = _mx_zone(pki, MX1)
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [certs.tlsa_record_text(pki.inter.der, 2, 1, 1)]
    findings = _evaluate(zone, _good_probe({MX1: [leaf.der, pki.inter.der]}))
    (dane09,) = [f for f in findings if f.id == "DANE-09"]
    assert dane09.status == "fail"
    assert "full chain" not in dane09.fix
    assert f"subjectAltName includes {MX1}" in dane09.fix
    # ...or the DANE-EE record for the key it presents, which ignores names.
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in dane09.fix


def test_a_dane_ta_anchor_missing_from_the_chain_still_asks_for_the_chain(pki: Pki) -> None:
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1])
    zone, _ = _mx_zone(pki, MX1)
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [certs.tlsa_record_text(pki.root.der, 2, 1, 1)]
    findings = _evaluate(zone, _good_probe({MX1: [leaf.der, pki.inter.der]}))
    (dane09,) = [f for f in findings if f.id == "DANE-09"]
    assert dane09.status == "fail" and "full chain" in dane09.fix
