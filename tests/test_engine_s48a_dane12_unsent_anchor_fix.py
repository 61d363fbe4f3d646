"""Task s48a, beside items 1-2: DANE-12's fix for a DANE-TA digest record of a certificate the
server does not send.

DANE-12 warns that the record's combination matches no chain presented now (RFC 7671 §8.4)
and its fix said only "Remove this record (unless the certificate chain it matches goes live
within two TTLs)", while DANE-06 beside it (s48a) gives the other repair: the server must send
the CA certificate a digest record names (RFC 7671 §5.2.2), and once it does the record
matches the chain presented now. The fix now says so for the root above the chain (known
from the CA bundle) and, where the chain cannot be followed to a root, for a CA that may be
it. A CA off a chain known up to its root gets the remove alone, as before. Status warn as
before. No network: in-memory DNS.
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


def _dane12_fix(pki: Pki, tmp_path: Path, chain_pki: Pki, ta_der: bytes) -> tuple[str, str]:
    assert chain_pki.inter is not None
    leaf = chain_pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(ta_der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, chain_pki.inter.der])
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    fix = dane12.fix or ""
    assert "Remove this record (unless the certificate chain it matches goes live" in fix, fix
    assert f"{QNAME}. TLSA {ta.lower()}" in fix, fix
    return ta, fix


def test_s48a_dane12_fix_for_a_211_of_the_known_unsent_root(pki: Pki, tmp_path: Path) -> None:
    ta, fix = _dane12_fix(pki, tmp_path, pki, pki.root.der)
    assert (
        f"'{ta[:40].lower()}…' names CN=Test Root R1, a CA above the certificates presented "
        "that the server does not send: sending that certificate in the chain makes it match "
        "now (RFC 7671 §5.2.2; see DANE-06)."
    ) in fix, fix


def test_s48a_dane12_fix_for_a_211_of_an_unseen_private_root(pki: Pki, tmp_path: Path) -> None:
    private = Pki(root=make_ca("Private Root P"))
    ta, fix = _dane12_fix(pki, tmp_path, private, private.root.der)
    assert (
        f"If '{ta[:40].lower()}…' names a CA that issued the server's certificates (a root "
        "above those it sends, say), sending that CA's certificate in the chain makes it "
        "match instead (RFC 7671 §5.2.2; see DANE-06)."
    ) in fix, fix


def test_s48a_dane12_fix_for_a_211_of_a_ca_off_a_known_chain_is_unchanged(
    pki: Pki, tmp_path: Path
) -> None:
    _, fix = _dane12_fix(pki, tmp_path, pki, make_ca("Stray Root X").der)
    assert "in the chain" not in fix, fix
    assert "RFC 7671 §5.2.2" not in fix, fix
