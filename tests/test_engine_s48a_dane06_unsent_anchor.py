"""Task s48a, items 1-2: DANE-06 beside a DANE-TA digest record of a certificate the server
does not send.

With usage 2 and a digest ('2 1 1', '2 0 1') the server MUST send the certificate the record
names in its chain; only a '2 0 0' record, which carries the whole certificate, lets it be left
out (RFC 7671 §5.2.2; checklist §8 DANE-09). A record whose CA is not sent so matches nothing
DANE senders are given.

1. '3 1 1' of the leaf + '2 1 1' of a private root above the intermediate the server sends,
   the root in no CA bundle and sent by no MX: the engine cannot see which CA the record
   names, yet DANE-06 said it "names a CA that signs none of the certificates it presents
   now", untrue of that root. It now says the server does not send the certificate the
   record names, so senders cannot match it, and the fix names the two repairs: send that CA
   certificate in the chain, or publish a record for a CA certificate that is sent. Where the
   root is known (s47n) the words stay and the same fix is given, naming the root.
2. '3 1 1' + '2 0 1' of the unsent root: DANE-06 said the record "anchors none of the
   certificates presented now, so it keeps no renewal authenticated". It now says the server
   does not send that CA, and that sending it in the chain would let senders use the record.
A stray CA whose absence from a chain known up to its root is certain keeps the old words
(s47n, s47l). No network: in-memory DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from tests.test_certs import Pki, make_ca
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset

QNAME = f"_25._tcp.{MX1}"
SIGNS_NONE = "signs none of the certificates"
ANCHORS_NONE = "anchors none of the certificates presented now"
NOT_SENT = "names a certificate the server does not send"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture(scope="module")
def private() -> Pki:
    # A private PKI: its root is in no CA bundle the check uses (that is pki's), and no MX sends it.
    return Pki(root=make_ca("Private Root P"), inter=None)


def test_s48a_dane06_211_of_an_unseen_private_root_says_it_is_not_sent(
    pki: Pki, private: Pki, tmp_path: Path
) -> None:
    assert private.inter is not None
    leaf = private.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(private.root.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, private.inter.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane06,) = _of(found, "DANE-06")
    assert str(dane06.status) == "info", dane06
    assert SIGNS_NONE not in dane06.summary, dane06.summary
    assert NOT_SENT in dane06.summary, dane06.summary
    assert "RFC 7671 §5.2.2" in dane06.summary, dane06.summary
    assert "DANE senders cannot match it" in dane06.summary, dane06.summary
    fix = dane06.fix or ""
    # Both repairs: send the CA certificate the record names, or a record for one that is sent.
    assert "add that CA's certificate to the chain the server sends" in fix, fix
    inter_211 = certs.tlsa_record_text(private.inter.der, 2, 1, 1)
    assert f"{QNAME}. IN TLSA {inter_211}" in fix, fix
    assert "CN=Test Issuing CA 1" in fix, fix


def test_s48a_dane06_211_of_the_known_unsent_root_gives_the_fix(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.root.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    assert "names a CA above the certificates it presents" in dane06.summary, dane06.summary
    fix = dane06.fix or ""
    assert "Add the certificate of CN=Test Root R1 to the chain the server sends" in fix, fix
    inter_211 = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    assert f"{QNAME}. IN TLSA {inter_211}" in fix, fix


def test_s48a_dane06_211_of_a_stray_ca_below_a_known_root_still_signs_none(
    pki: Pki, tmp_path: Path
) -> None:
    # The chain is known up to its root (in the CA bundle): a CA off it signs none of it.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(make_ca("Stray Root X").der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    assert SIGNS_NONE in dane06.summary, dane06.summary
    assert NOT_SENT not in dane06.summary, dane06.summary


@pytest.mark.parametrize("which", ["known", "private"])
def test_s48a_dane06_201_of_an_unsent_root_says_sending_it_would_let_senders_use_it(
    pki: Pki, private: Pki, tmp_path: Path, which: str
) -> None:
    chain_pki = pki if which == "known" else private
    assert chain_pki.inter is not None
    leaf = chain_pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(chain_pki.root.der, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, chain_pki.inter.der])
    assert [f.id for f in found if str(f.status) == "fail"] == []
    (dane06,) = _of(found, "DANE-06")
    assert str(dane06.status) == "info", dane06
    assert ANCHORS_NONE not in dane06.summary, dane06.summary
    assert "RFC 7671 §5.2.2" in dane06.summary, dane06.summary
    assert "does not send" in dane06.summary, dane06.summary
    if which == "known":
        assert "names CN=Test Root R1, a CA above the certificates presented" in dane06.summary
        assert "sent in the chain, that certificate would let them use it" in dane06.summary
        fix = dane06.fix or ""
        assert "Add the certificate of CN=Test Root R1 to the chain" in fix, fix
    else:
        assert NOT_SENT in dane06.summary, dane06.summary
        assert "sending that certificate in the chain would let them use it" in dane06.summary
        fix = dane06.fix or ""
        assert "add that CA's certificate to the chain the server sends" in fix, fix


def test_s48a_dane06_201_of_a_stray_ca_below_a_known_root_still_anchors_none(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(make_ca("Stray Root X").der, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der, pki.inter.der])
    (dane06,) = _of(found, "DANE-06")
    assert ANCHORS_NONE in dane06.summary, dane06.summary
    assert "would let them" not in dane06.summary, dane06.summary


def test_s48a_dane06_fix_when_the_server_sends_no_ca_certificate(pki: Pki, tmp_path: Path) -> None:
    # Leaf only: no DANE-TA digest record can match until a CA certificate is sent. Beside a
    # '3 1 1' that authenticates, the other repair is to delete the '2 1 1', not to publish
    # "a record for a CA certificate the server sends", as there is none.
    leaf = pki.leaf([MX1])
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.root.der, 2, 1, 1)
    found = _dane_rrset(pki, tmp_path, [ee, ta], [leaf.der])
    (dane06,) = _of(found, "DANE-06")
    assert SIGNS_NONE not in dane06.summary, dane06.summary
    fix = dane06.fix or ""
    assert "a record for a CA certificate the server sends" not in fix, fix
    assert f"otherwise delete '{ta[:40].lower()}…': the server sends no CA certificate" in fix


def test_s48a_dane06_fix_for_a_lone_201_when_the_server_sends_no_ca_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    # '2 0 1' of the issuing CA alone, the server sending its leaf only (DANE-09 fails): the
    # other repair is the leaf's '3 1 1', there being no CA certificate sent to name.
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ta = certs.tlsa_record_text(pki.inter.der, 2, 0, 1)
    found = _dane_rrset(pki, tmp_path, [ta], [leaf.der])
    assert _of(found, "DANE-09"), found
    (dane06,) = _of(found, "DANE-06")
    assert ANCHORS_NONE not in dane06.summary, dane06.summary
    assert "sending that certificate in the chain would let them use it" in dane06.summary
    fix = dane06.fix or ""
    assert "a record for a CA certificate the server sends" not in fix, fix
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    assert f"otherwise publish {QNAME}. IN TLSA {ee} in place of '{ta[:40].lower()}…'" in fix, fix
