"""Review s47r2 of d7b3960b/45f7273c: DANE-06 beside a DANE-TA record of the leaf itself.

DANE-06 beside '3 1 1' of the leaf and '2 1 1' of the same leaf called the pair "the usual
rollover pair, which keeps a certificate renewed with a new key from the same CA
authenticated". A DANE-TA record is matched against the CA certificates above the leaf only
(RFC 7671 §5.2; the rule d7b3960b and 45f7273c apply to DANE-07 and DANE-12): one of the
leaf's own key keeps nothing authenticated, and DANE-12 beside it says "it adds nothing,
delete it". DANE-06 now says it is no rollover pair. No network: in-memory DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_dane06_does_not_call_a_dane_ta_record_of_the_leaf_a_rollover_pair(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([MX1])
    assert pki.inter is not None
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta_of_leaf = certs.tlsa_record_text(leaf.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta_of_leaf], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    assert "usual rollover pair" not in dane06.summary, dane06.summary
    assert "matches the server's own certificate" in dane06.summary, dane06.summary
    assert "no rollover pair" in dane06.summary, dane06.summary
    (dane12,) = _of(found, "DANE-12")
    assert "delete it" in dane12.summary, dane12.summary


def test_dane06_still_calls_a_dane_ta_record_of_the_sent_ca_a_rollover_pair(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([MX1])
    assert pki.inter is not None
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    assert "usual rollover pair" in dane06.summary, dane06.summary
