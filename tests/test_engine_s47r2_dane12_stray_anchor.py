"""Review s47r2 of f399c887/45f7273c: DANE-12 beside a DANE-TA record of a stray certificate.

f399c887 reads a DANE-TA record naming a certificate the server sends that issued none of its
chain (an unrelated root appended to the bundle, s47c-tarogue) as matching nothing: DANE-07
fails when it is the only record. Beside a '3 1 1' of the leaf that authenticates, DANE-12
still counted it as the rollover-safe DANE-TA anchor: "has a DANE-TA record ('2 0 1 …')
matching a CA certificate of mx1: a renewed certificate from that CA stays authenticated
without a TLSA change", untrue, as the stray root issues no certificate of this server. It
now reads as 45f7273c's records that can never authenticate: named, "it adds nothing, delete
it" (a warn since s47k: the record is the only one of its combination, RFC 7671 §8.4). DANE-06 beside such a '2 1 1' called it with the '3 1 1' "the
usual rollover pair"; it now says the CA it names signs none of the certificates presented,
as for a CA nobody sends. No network: in-memory DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki, make_ca
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_dane12_does_not_call_a_stray_sent_root_the_renewal_anchor(
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
    # Warn since s47k: the '2 0 1' is the only record of its combination, which so matches no
    # current chain (RFC 7671 §8.4; tests/test_engine_s47k_dane12_misplaced.py).
    assert str(dane12.status) == "warn", dane12
    assert "stays authenticated" not in dane12.summary, dane12.summary
    assert "Every TLSA record" not in dane12.summary, dane12.summary
    assert f"'{ta[:40].lower()}…' matches CN=Stray Root X" in dane12.summary, dane12.summary
    assert "issued none of its certificates" in dane12.summary, dane12.summary
    assert "delete it" in dane12.summary, dane12.summary


def test_dane12_still_calls_the_sent_issuing_ca_the_renewal_anchor(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.inter.der, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane12,) = _of(found, "DANE-12")
    assert "stays authenticated without a TLSA change" in dane12.summary, dane12.summary


def test_dane06_does_not_call_a_dane_ta_record_of_a_stray_root_a_rollover_pair(
    pki: Pki, tmp_path: Path
) -> None:
    # '3 1 1' of the leaf beside '2 1 1' of an unrelated root the server also sends: the
    # root issues none of its certificates, so the pair keeps no renewal authenticated.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    stray = make_ca("Stray Root X")
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(stray.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der, stray.der])
    (dane06,) = _of(found, "DANE-06")
    assert "usual rollover pair" not in dane06.summary, dane06.summary
    assert "signs none of the certificates it presents now" in dane06.summary, dane06.summary
