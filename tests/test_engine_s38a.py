"""Engine faults the s38a blind lab round found (tests/test_lab_s38a_blind.py), each shown here
without the lab: DANE-06's fix for a DANE-TA record in Full(0) form turned it into a DANE-EE
pin of today's leaf key, and DNSSEC-10 told the owner of a primary whose serial went backwards
to check that the primary gets its own NOTIFY."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from unittest import mock

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from checks import certs, dnssec
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki
from tests.test_engine_s33l import APEX, NameServers
from tests.test_engine_s34l import _one_host


def _spki(der: bytes) -> bytes:
    return (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _dane06(records: list[str], chain: list[bytes]) -> Finding:
    (finding,) = [f for f in _one_host(records, chain) if f.id == "DANE-06"]
    return finding


# ------------------------------------------------------------------ DANE-06
def test_dane06_a_full_dane_ta_record_is_given_its_digest_form_not_a_leaf_pin() -> None:
    # s38a-tlsata210: '2 1 0' (the issuing CA's whole key) on both MX. DANE-06 said "a SHA-256
    # digest would match the same" and then offered '3 1 1' of today's leaf key: a DANE-EE pin
    # that breaks when the leaf is renewed with a new key, the renewal the DANE-TA record kept
    # authenticated. The digest of the same data is '2 1 1' (RFC 7671 §5.2.1).
    pki = Pki()
    assert pki.inter is not None
    leaf = pki.leaf(["mx1.ex.com"])
    finding = _dane06([certs.tlsa_record_text(pki.inter.der, 2, 1, 0)], [leaf.der, pki.inter.der])
    assert finding.status == Status.WARN
    digest = hashlib.sha256(_spki(pki.inter.der)).hexdigest().upper()
    assert finding.fix and f"IN TLSA 2 1 1 {digest}" in finding.fix
    assert "TLSA 3 1 1" not in finding.fix
    assert "renewed" in finding.fix


def test_dane06_a_full_dane_ee_key_record_still_gets_its_3_1_1() -> None:
    # Control: '3 1 0' (the leaf's key in full): its digest form is the recommended '3 1 1'.
    pki = Pki()
    leaf = pki.leaf(["mx1.ex.com"])
    finding = _dane06([certs.tlsa_record_text(leaf.der, 3, 1, 0)], [leaf.der, pki.inter.der])  # type: ignore[union-attr]
    assert finding.status == Status.WARN
    digest = hashlib.sha256(_spki(leaf.der)).hexdigest().upper()
    assert finding.fix and f"IN TLSA 3 1 1 {digest}" in finding.fix


# ------------------------------------------------------------------ DNSSEC-10
KEYS = frozenset({"257 3 13 AAAA"})


class _WithSoa(NameServers):
    """NameServers that also answer the apex SOA, naming ns1 as the primary (MNAME)."""

    async def query(self, name: str, rdtype: str, **kwargs: Any) -> DnsAnswer:
        if (name.rstrip("."), rdtype) == (APEX, "SOA"):
            return DnsAnswer(
                APEX,
                "SOA",
                "NOERROR",
                records=[
                    dns.rdata.from_text(
                        dns.rdataclass.IN,
                        dns.rdatatype.SOA,
                        f"ns1.example.test. hostmaster.{APEX}. 2026120301 3600 600 86400 60",
                    )
                ],
                ad=True,
            )
        return await super().query(name, rdtype, **kwargs)


def _dnssec10(answers: dict[str, tuple[int, frozenset[str]]]) -> Finding:
    ctx = CheckContext(
        APEX,
        CheckConfig(allow_private_targets=True),
        dns=_WithSoa({"ns1.example.test": ["192.0.2.53"], "ns2.example.test": ["192.0.2.54"]}),  # type: ignore[arg-type]
    )
    out = Collector(Mechanism.DNSSEC)

    async def ask(_ctx: object, _apex: str, address: str) -> object:
        return answers[address]

    with mock.patch.object(dnssec, "_ask_authoritative", ask):
        asyncio.run(dnssec._consistency(out, ctx, APEX, DnsAnswer(APEX, "DNSKEY", "NOERROR")))
    (finding,) = [f for f in out.findings if f.id == "DNSSEC-10"]
    return finding


def test_dnssec10_a_primary_behind_its_secondary_is_told_to_raise_its_serial() -> None:
    # s38a-nsserialahead: the primary ns1 (the SOA MNAME) was rebuilt from a backup and serves
    # 2026120301; the secondary ns2 kept 2026120415. DNSSEC-10 said ns1 "holds an old copy"
    # and asked to check that ns1 "gets the primary's NOTIFY and can transfer the zone from
    # it": ns1 is the primary. A secondary takes no transfer of a serial lower than its own
    # (RFC 1982), so the two stay apart until the primary's serial passes the secondary's.
    finding = _dnssec10({"192.0.2.53": (2026120301, KEYS), "192.0.2.54": (2026120415, KEYS)})
    assert finding.status == Status.WARN
    assert "primary" in finding.summary and "ns1.example.test [192.0.2.53]" in finding.summary
    assert "2026120301" in finding.summary and "2026120415" in finding.summary
    assert finding.fix
    assert "the primary's NOTIFY" not in finding.fix
    assert "primary ns1.example.test" in finding.fix
    assert "raise" in finding.fix and "2026120415" in finding.fix


def test_dnssec10_a_secondary_behind_the_primary_keeps_its_transfer_advice() -> None:
    # Control (s35l-staleserial): the secondary lags; the fix is its transfer, as before.
    finding = _dnssec10({"192.0.2.53": (2026120301, KEYS), "192.0.2.54": (2026112801, KEYS)})
    assert finding.status == Status.WARN
    assert finding.fix and "ns2.example.test" in finding.fix and "transfer" in finding.fix
    assert "ns1.example.test" not in finding.fix
