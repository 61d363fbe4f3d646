"""DANE-06 beside a '2 1 1' of the chain's real root, which the server does not send (s47n).

A '3 1 1' of the leaf with a '2 1 1' of the root that signed the intermediate the server
sends: DANE-06 said the '2 1 1' "names a CA that signs none of the certificates it presents
now", untrue, as the root signs the intermediate. A DANE-TA record matches only a certificate
the server sends (RFC 7671 §5.2.2: only a '2 0 0', the whole certificate, lets it be left
out), so DANE senders cannot use it: DANE-06 now says so. A '2 1 1' of a CA off a chain known
up to its root keeps the old words (where the chain cannot be followed to a root, s48a says
the certificate is not sent: tests/test_engine_s48a_dane06_unsent_anchor.py); DANE-12 says
the record matches no chain presented in both. No network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki, make_ca
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset

SIGNS_NONE = "names a CA that signs none of the certificates it presents now"
UNSENT = "names a CA above the certificates it presents, one it does not send"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_dane06_beside_a_211_of_the_unsent_root(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.root.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    (dane12,) = _of(found, "DANE-12")
    assert "matches no certificate chain presented now" in dane12.summary, dane12.summary
    assert str(dane06.status) == "info", dane06
    assert SIGNS_NONE not in dane06.summary, dane06.summary
    assert UNSENT in dane06.summary, dane06.summary
    assert "DANE senders cannot use it" in dane06.summary, dane06.summary
    assert "RFC 7671 §5.2.2" in dane06.summary, dane06.summary
    assert not _of(found, "DANE-09"), found


def test_dane06_beside_a_211_of_a_stray_ca_is_unchanged(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(make_ca("Stray Root X").der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    assert SIGNS_NONE in dane06.summary, dane06.summary
    assert UNSENT not in dane06.summary, dane06.summary
