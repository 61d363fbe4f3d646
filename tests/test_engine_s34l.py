"""Engine faults the s34l blind lab round found (tests/test_lab_s34l_blind.py), each shown
here without the lab: DANE-06's reasons for a Full(0) key and a DANE-TA certificate digest,
DANE-12's pass for a record of a key not presented now, and DANE fixes for an MX host run
by another organisation."""

from __future__ import annotations

from typing import Any

from checks import certs
from tests.test_certs import Pki
from tests.test_dane import MX1, _evaluate, _good_probe

PROVIDER_MX = "mx.prov.net"


def _one_host(records: list[str], chain: list[bytes], host: str = MX1) -> list[Any]:
    zone: dict = {  # type: ignore[type-arg]
        ("ex.com", "MX"): [f"10 {host}."],
        (host, "A"): ["192.0.2.1"],
        (f"_25._tcp.{host}", "TLSA"): records,
    }
    return _evaluate(zone, _good_probe({host: chain}))


def _dane06(records: list[str], chain: list[bytes]) -> str:
    (finding,) = [f for f in _one_host(records, chain) if f.id == "DANE-06"]
    return finding.summary


# ------------------------------------------------------------------ DANE-06
def test_dane06_a_full_key_record_is_not_said_to_break_at_every_renewal() -> None:
    # s34l-mixedforms: '3 1 0' carries the whole public key. DANE-06 said it is one of the
    # "large RRsets that break on every certificate renewal": a certificate renewed with the
    # same key keeps the same SubjectPublicKeyInfo, so the record still matches (as a 3 1 1).
    pki = Pki()
    leaf = pki.leaf([MX1])
    summary = _dane06([certs.tlsa_record_text(leaf.der, 3, 1, 0)], [leaf.der, pki.inter.der])
    assert "every certificate renewal" not in summary
    assert "every renewal" not in summary
    assert "public key" in summary


def test_dane06_a_full_certificate_record_still_breaks_at_every_renewal() -> None:
    pki = Pki()
    leaf = pki.leaf([MX1])
    summary = _dane06([certs.tlsa_record_text(leaf.der, 3, 0, 0)], [leaf.der, pki.inter.der])
    assert "renewal" in summary


def test_dane06_a_ca_certificate_digest_is_not_said_to_change_at_every_renewal() -> None:
    # s34l-mixedforms: '2 0 1' of the issuing CA. DANE-06 said "a certificate hash changes at
    # every renewal", while DANE-12 for the same record said, rightly, that a certificate
    # renewed by that CA stays authenticated without a TLSA change: the CA's certificate is
    # what it names, and that changes when the CA's certificate is replaced.
    pki = Pki()
    leaf = pki.leaf([MX1])
    summary = _dane06([certs.tlsa_record_text(pki.inter.der, 2, 0, 1)], [leaf.der, pki.inter.der])
    assert "changes at every renewal" not in summary
    assert "CA" in summary


def test_dane06_a_leaf_certificate_digest_still_changes_at_every_renewal() -> None:
    pki = Pki()
    leaf = pki.leaf([MX1])
    summary = _dane06([certs.tlsa_record_text(leaf.der, 3, 0, 1)], [leaf.der, pki.inter.der])
    assert "changes at every renewal" in summary


# ------------------------------------------------------------------ DANE-12
def test_dane12_does_not_call_a_record_of_an_unused_key_the_next_key() -> None:
    # s34l-rollleftover: after a rollover the retired key's '3 1 1' stayed beside the current
    # one. DANE-12 passed it as "pre-publishes a record for the next key": a record of a key
    # not presented now may be the next key's or a retired one's, which the check cannot tell.
    pki = Pki()
    leaf, other = pki.leaf([MX1]), pki.leaf([MX1])
    findings = _one_host(
        [certs.tlsa_record_text(leaf.der, 3, 1, 1), certs.tlsa_record_text(other.der, 3, 1, 1)],
        [leaf.der, pki.inter.der],
    )
    (finding,) = [f for f in findings if f.id == "DANE-12"]
    assert str(finding.status) == "pass"
    assert "pre-publishes a record for the next key" not in finding.summary
    assert "retired" in finding.summary
    assert certs.tlsa_record_text(other.der, 3, 1, 1)[:20].lower() in finding.summary.lower()


# ------------------------------------------------------------------ another organisation's MX
def test_dane07_fix_for_a_provider_host_says_only_its_operator_can_publish() -> None:
    # s34l-rollbackupprov: the backup is a provider's host whose '3 1 1' names a key it no
    # longer presents. DANE-07's fix was the bare record at _25._tcp.mx.prov.net, which the
    # owner of ex.com cannot publish (DANE-01 already says so for a provider host without TLSA).
    pki = Pki()
    leaf, old = pki.leaf([PROVIDER_MX]), pki.leaf([PROVIDER_MX])
    findings = _one_host(
        [certs.tlsa_record_text(old.der, 3, 1, 1)], [leaf.der, pki.inter.der], PROVIDER_MX
    )
    (finding,) = [f for f in findings if f.id == "DANE-07"]
    assert str(finding.status) == "fail"
    assert "in prov.net, not in your domain" in finding.fix
    assert "only its operator can make this change" in finding.fix
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in finding.fix


def test_dane07_fix_for_an_own_host_is_the_record() -> None:
    pki = Pki()
    leaf, old = pki.leaf([MX1]), pki.leaf([MX1])
    findings = _one_host([certs.tlsa_record_text(old.der, 3, 1, 1)], [leaf.der, pki.inter.der])
    (finding,) = [f for f in findings if f.id == "DANE-07"]
    assert finding.fix.startswith(f"_25._tcp.{MX1}. IN TLSA 3 1 1 ")
    assert "operator" not in finding.fix
