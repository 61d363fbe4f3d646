"""DANE-06 beside a stray DANE-TA record of a whole certificate (s47l).

A '3 1 1' of the leaf with a '2 0 1' of a certificate the server sends that issued none of its
chain (a stray root), or of one it does not send: DANE-12 reads that record as authenticating
nothing now and asks to delete it (22e8752b, e1549dc5). DANE-06 gave the generic sentence for
a '2 0 1', "a DANE-TA record of the CA's whole certificate keeps a certificate renewed by that
CA authenticated", untrue of it; it now says the record anchors none of the certificates
presented, as b938c4b7 does for a stray '2 1 1'. Beside a '2 0 1' of the sent issuing CA the
sentence stays. Status info as before. No network: in-memory DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki, make_ca
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset

GENERIC = "keeps a certificate renewed by that CA authenticated"
STRAY = "anchors none of the certificates presented now, so it keeps no renewal authenticated"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_dane06_beside_a_201_of_a_sent_stray_root(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    stray = make_ca("Stray Root X")
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(stray.der, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der, stray.der])
    (dane06,) = _of(found, "DANE-06")
    (dane12,) = _of(found, "DANE-12")
    assert "delete it" in dane12.summary, dane12.summary
    assert str(dane06.status) == "info", dane06
    assert GENERIC not in dane06.summary, dane06.summary
    assert STRAY in dane06.summary, dane06.summary
    assert "(see DANE-12)" in dane06.summary, dane06.summary


@pytest.mark.parametrize("which", ["stray", "root"])
def test_dane06_beside_a_201_of_a_certificate_not_sent(
    pki: Pki, tmp_path: Path, which: str
) -> None:
    # A DANE-TA record of a whole certificate matches only a certificate in the chain sent
    # (RFC 7671 §5.2): the issuing chain's root left out of it, or a CA nobody sends.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    cert = make_ca("Stray Root X").der if which == "stray" else pki.root.der
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(cert, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    (dane12,) = _of(found, "DANE-12")
    assert "matches no certificate chain presented now" in dane12.summary, dane12.summary
    assert str(dane06.status) == "info", dane06
    assert GENERIC not in dane06.summary, dane06.summary
    if which == "stray":
        assert STRAY in dane06.summary, dane06.summary
    else:
        # The root above the chain, known from the CA bundle: it does anchor the chain, merely
        # unsent, and sending it would let senders use the record (s48a,
        # tests/test_engine_s48a_dane06_unsent_anchor.py).
        assert STRAY not in dane06.summary, dane06.summary
        assert "that certificate would let them use it" in dane06.summary, dane06.summary


def test_dane06_beside_a_201_of_the_sent_issuing_ca_is_unchanged(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    stray = make_ca("Stray Root X")
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    inter = certs.tlsa_record_text(pki.inter.der, 2, 0, 1)
    for records, chain in (
        ([ee, inter], [leaf.der, pki.inter.der]),
        # One '2 0 1' anchors the chain: the sentence is true of it (DANE-12 names the other).
        (
            [ee, inter, certs.tlsa_record_text(stray.der, 2, 0, 1)],
            [leaf.der, pki.inter.der, stray.der],
        ),
    ):
        found = _dane_rrset(pki, tmp_path, records, chain)
        (dane06,) = _of(found, "DANE-06")
        assert GENERIC in dane06.summary, dane06.summary
        assert STRAY not in dane06.summary, dane06.summary
