"""Task s48r1: review of s48a (DANE-06/DANE-12 beside a DANE-TA digest record of a certificate
the server does not send), with the record sets s48a did not build.

RFC 7671 §5.2.2 (checklist §8 DANE-09): a DANE-TA record with a digest matches only a CA
certificate the server sends, on the path from its own certificate; only '2 0 0', which
carries the whole certificate, lets that certificate be left out.

1. Mixed sets: a DANE-TA record of a stray CA the server sends (it issued none of the chain)
   beside one of the root it leaves out. s48a judged the records as one set, so the sent stray
   hid the root: DANE-06 fell back to "anchors none of the certificates presented now, so it
   keeps no renewal authenticated" (untrue of the root, s47l/s48a) with no fix, while DANE-12's
   fix said sending the root makes it match now; for '2 1 1' the fix was missing.
2. On a chain that cannot be followed to a root (a private root), a '2 1 1' of a stray CA the
   server sends is off the path from the leaf, yet DANE-06 called it "the usual rollover pair,
   which keeps a certificate renewed with a new key from the same CA authenticated" (and, for
   '2 0 1', "keeps a certificate renewed by that CA authenticated").
3. A '2 0 0' of the root the server leaves out authenticates the chain with the certificate it
   carries; beside a '3 1 1' DANE-12 warned that its combination "matches no certificate chain
   presented now" and said to remove it.
4. Beside a combination nothing matches, DANE-12 did not name a '3 1 1' of the CA certificate
   sent (wrong role) whose combination the leaf's '3 1 1' keeps current, nor list its delete.
5. With the leaf alone sent, "add that CA's certificate to the chain" for a record of the root
   leaves the chain stopping at the leaf: the issuing CA's certificate must be sent too.

Every record the findings offer is computed here with hashlib over cryptography's encodings,
not with the engine's helper. No network: in-memory DNS.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.test_certs import Pki, make_ca
from tests.test_engine_s12_small import MX1, _of
from tests.test_lab_s47c_fixes import _dane_rrset

QNAME = f"_25._tcp.{MX1}"
ROLLOVER_PAIR = "the usual rollover pair"
SIGNS_NONE = "signs none of the certificates"
ANCHORS_NONE = "anchors none of the certificates presented now"
NOT_SENT = "names a certificate the server does not send"


def tlsa(der: bytes, usage: int, selector: int, mtype: int) -> str:
    """The record for `der`, computed independently of checks.certs."""
    cert = x509.load_der_x509_certificate(der)
    data = (
        der
        if selector == 0
        else cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    digest = {0: lambda b: b.hex(), 1: lambda b: hashlib.sha256(b).hexdigest()}.get(
        mtype, lambda b: hashlib.sha512(b).hexdigest()
    )(data)
    return f"{usage} {selector} {mtype} {digest}"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()  # root R1 in the CA bundle the check uses


@pytest.fixture(scope="module")
def private() -> Pki:
    return Pki(root=make_ca("Private Root P"))  # in no bundle, sent by no MX


@pytest.fixture(scope="module")
def stray() -> bytes:
    return make_ca("Stray CA S").der


def _one(found: list, check_id: str):  # type: ignore[no-untyped-def]
    (finding,) = _of(found, check_id)
    return finding


def test_s48r1_201_of_a_sent_stray_beside_201_of_the_known_unsent_root(
    pki: Pki, stray: bytes, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    root_201 = tlsa(pki.root.der, 2, 0, 1)
    found = _dane_rrset(
        pki,
        tmp_path,
        [tlsa(leaf.der, 3, 1, 1), tlsa(stray, 2, 0, 1), root_201],
        [leaf.der, pki.inter.der, stray],
    )
    dane06 = _one(found, "DANE-06")
    assert str(dane06.status) == "info", dane06
    assert ANCHORS_NONE not in dane06.summary, dane06.summary
    assert (
        f"its DANE-TA record '{root_201[:40]}…' of a whole certificate names CN=Test Root R1"
        in (dane06.summary)
    ), dane06.summary
    fix = dane06.fix or ""
    assert "Add the certificate of CN=Test Root R1 to the chain the server sends" in fix, fix
    inter_201 = tlsa(pki.inter.der, 2, 0, 1)
    assert f"{QNAME}. IN TLSA 2 0 1 {inter_201[6:].upper()}" in fix, fix
    # DANE-12 gives the same repair for the root's record and deletes the stray's.
    dane12 = _one(found, "DANE-12")
    assert "names CN=Test Root R1" in (dane12.fix or ""), dane12.fix
    assert f"TLSA {tlsa(stray, 2, 0, 1)}" in (dane12.fix or ""), dane12.fix


def test_s48r1_211_of_a_sent_stray_beside_211_of_the_known_unsent_root_gets_the_fix(
    pki: Pki, stray: bytes, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    root_211 = tlsa(pki.root.der, 2, 1, 1)
    found = _dane_rrset(
        pki,
        tmp_path,
        [tlsa(leaf.der, 3, 1, 1), tlsa(stray, 2, 1, 1), root_211],
        [leaf.der, pki.inter.der, stray],
    )
    dane06 = _one(found, "DANE-06")
    assert f"record '{root_211[:40]}…' beside it names a CA above" in dane06.summary, dane06
    fix = dane06.fix or ""
    assert "Add the certificate of CN=Test Root R1 to the chain the server sends, so DANE " in fix
    assert f"can match '{root_211[:40]}…'" in fix, fix
    inter_211 = tlsa(pki.inter.der, 2, 1, 1)
    assert f"{QNAME}. IN TLSA 2 1 1 {inter_211[6:].upper()}" in fix, fix


@pytest.mark.parametrize("selector", [1, 0])
def test_s48r1_sent_stray_beside_an_unsent_private_root_is_no_rollover_pair(
    pki: Pki, private: Pki, stray: bytes, tmp_path: Path, selector: int
) -> None:
    # Leaf <- Issuing CA 1 <- Private Root P (not sent, known nowhere); Stray CA S is sent
    # after them and issued none of them: neither DANE-TA record authenticates now.
    assert private.inter is not None
    leaf = private.leaf([MX1])
    root_ta = tlsa(private.root.der, 2, selector, 1)
    found = _dane_rrset(
        pki,
        tmp_path,
        [tlsa(leaf.der, 3, 1, 1), tlsa(stray, 2, selector, 1), root_ta],
        [leaf.der, private.inter.der, stray],
    )
    dane06 = _one(found, "DANE-06")
    summary = dane06.summary
    assert ROLLOVER_PAIR not in summary, summary
    assert "keeps a certificate renewed by that CA authenticated, but breaks" not in summary
    assert SIGNS_NONE not in summary and ANCHORS_NONE not in summary, summary
    assert f"'{root_ta[:40]}…'" in summary, summary
    assert "the server does not send" in summary, summary
    fix = dane06.fix or ""
    assert "add that CA's certificate to the chain the server sends" in fix, fix
    inter_ta = tlsa(private.inter.der, 2, selector, 1)
    assert f"{QNAME}. IN TLSA {inter_ta[:6]}{inter_ta[6:].upper()}" in fix, fix


def test_s48r1_a_sent_stray_alone_on_a_private_chain_signs_none(
    pki: Pki, private: Pki, stray: bytes, tmp_path: Path
) -> None:
    assert private.inter is not None
    leaf = private.leaf([MX1])
    found = _dane_rrset(
        pki,
        tmp_path,
        [tlsa(leaf.der, 3, 1, 1), tlsa(stray, 2, 1, 1)],
        [leaf.der, private.inter.der, stray],
    )
    dane06 = _one(found, "DANE-06")
    assert ROLLOVER_PAIR not in dane06.summary, dane06.summary
    assert SIGNS_NONE in dane06.summary, dane06.summary


@pytest.mark.parametrize("which", ["known", "private"])
def test_s48r1_200_of_the_unsent_root_beside_311_is_current(
    pki: Pki, private: Pki, tmp_path: Path, which: str
) -> None:
    chain_pki = pki if which == "known" else private
    assert chain_pki.inter is not None
    leaf = chain_pki.leaf([MX1])
    full = tlsa(chain_pki.root.der, 2, 0, 0)
    found = _dane_rrset(
        pki, tmp_path, [tlsa(leaf.der, 3, 1, 1), full], [leaf.der, chain_pki.inter.der]
    )
    dane12 = _one(found, "DANE-12")
    assert str(dane12.status) == "pass", dane12
    assert "matches no certificate chain presented now" not in dane12.summary, dane12.summary
    assert f"has a DANE-TA record ('{full[:40]}')" in dane12.summary, dane12.summary
    # DANE-06's fix sends the root before a digest form replaces the '2 0 0', never before.
    dane06 = _one(found, "DANE-06")
    fix = dane06.fix or ""
    root_201 = tlsa(chain_pki.root.der, 2, 0, 1)
    assert f"{QNAME}. IN TLSA 2 0 1 {root_201[6:].upper()}" in fix, fix
    assert "add the certificate to the chain the server sends before replacing the record" in fix


def test_s48r1_dane12_beside_a_stray_combination_names_a_wrong_role_record(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    ca_311 = tlsa(pki.inter.der, 3, 1, 1)
    found = _dane_rrset(
        pki,
        tmp_path,
        [tlsa(leaf.der, 3, 1, 1), ca_311, tlsa(pki.root.der, 2, 1, 1)],
        [leaf.der, pki.inter.der],
    )
    dane12 = _one(found, "DANE-12")
    assert str(dane12.status) == "warn", dane12
    assert f"'{ca_311[:40]}…' matches CN=Test Issuing CA 1, the CA certificate" in dane12.summary
    assert f"Delete this record, which never authenticates: {QNAME}. TLSA {ca_311}." in (
        dane12.fix or ""
    ), dane12.fix


def test_s48r1_leaf_only_fix_sends_the_certificates_between(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.leaf([MX1])
    found = _dane_rrset(
        pki, tmp_path, [tlsa(leaf.der, 3, 1, 1), tlsa(pki.root.der, 2, 1, 1)], [leaf.der]
    )
    between = "with every CA certificate between it and the server's own"
    assert between in (_one(found, "DANE-06").fix or "")
    assert between in (_one(found, "DANE-12").fix or "")


def test_s48r1_control_the_usual_rollover_pair_stays(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    found = _dane_rrset(
        pki,
        tmp_path,
        [tlsa(leaf.der, 3, 1, 1), tlsa(pki.inter.der, 2, 1, 1)],
        [leaf.der, pki.inter.der],
    )
    assert ROLLOVER_PAIR in _one(found, "DANE-06").summary
    assert str(_one(found, "DANE-12").status) == "pass"
