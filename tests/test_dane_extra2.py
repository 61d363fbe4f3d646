"""DANE on setups nobody listed: digest algorithm agility (RFC 7671 §9) as OpenSSL-based senders
(Postfix, Exim) apply it, key rollovers, DANE-TA anchors, unusual parameters, an unsigned MX
RRset in front of a signed MX host zone."""

from __future__ import annotations

import asyncio

import pytest

from checks import certs, dane
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from tests.test_certs import Pki, make_ca, make_leaf
from tests.test_dane import MX1, FakeProbe, _evaluate, _good_probe, _mx_zone

TLSA = (f"_25._tcp.{MX1}", "TLSA")


@pytest.fixture(scope="module")
def pki() -> Pki:
    pki = Pki()
    pki.inter = make_ca("Issuing CA 1", pki.root)
    return pki


def _run(pki: Pki, records: list[str], chain: list[bytes]) -> list:  # type: ignore[type-arg]
    zone, _ = _mx_zone(pki, MX1)
    zone[TLSA] = records
    return _evaluate(zone, _good_probe({MX1: chain}))


def _by_id(findings: list, check_id: str) -> list:  # type: ignore[type-arg]
    return [f for f in findings if f.id == check_id]


def _state(*texts: str) -> dane.TlsaState:
    records = [dane.parse_tlsa_text(t).record for t in texts]
    assert all(records)
    return dane.TlsaState(
        host=MX1,
        base=MX1,
        qname=f"_25._tcp.{MX1}",
        records=records,
        secure=True,  # type: ignore[arg-type]
    )


# ---- RFC 7671 §9: per usage and selector, only the strongest digest (and Full) is matched ----


def test_it_fails_a_sha256_match_outranked_by_a_stale_sha512_record(pki: Pki) -> None:
    # The admin added "3 1 2" for an old key next to the working "3 1 1": OpenSSL (Postfix's
    # smtp_tls_dane_digests = sha512 sha256) matches only the 3 1 2 records and defers.
    assert pki.inter is not None
    leaf, old = make_leaf(pki.inter, [MX1]), make_leaf(pki.inter, [MX1])
    records = [certs.tlsa_record_text(leaf.der, 3, 1, 1), certs.tlsa_record_text(old.der, 3, 1, 2)]
    found = _by_id(_run(pki, records, [leaf.der, pki.inter.der]), "DANE-07")
    assert [f.status for f in found] == ["fail"]
    assert "RFC 7671 §9" in found[0].summary and "ignore" in found[0].summary
    good = certs.tlsa_record_text(leaf.der, 3, 1, 2)
    assert good in found[0].fix and "3 1 2" in found[0].fix
    assert not _state(*records).authenticates(FakeProbe([leaf.der]))
    # Control: once the 3 1 2 record matches the current key too, both digests agree.
    fixed = _by_id(_run(pki, [records[0], good], [leaf.der, pki.inter.der]), "DANE-07")
    assert [f.status for f in fixed] == ["pass"]


def test_it_applies_agility_to_dane_ta_records_too(pki: Pki) -> None:
    # "2 1 1 <issuing CA>" matches, "2 1 2 <retired CA>" outranks it: not a missing-anchor
    # DANE-09 story but the same digest-agility failure.
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1])
    retired = make_ca("Retired CA", pki.root)
    records = [
        certs.tlsa_record_text(pki.inter.der, 2, 1, 1),
        certs.tlsa_record_text(retired.der, 2, 1, 2),
    ]
    found = _run(pki, records, [leaf.der, pki.inter.der])
    assert [f.status for f in _by_id(found, "DANE-07")] == ["fail"]
    assert not _by_id(found, "DANE-09")
    assert certs.tlsa_record_text(pki.inter.der, 2, 1, 2) in _by_id(found, "DANE-07")[0].fix


def test_it_keeps_full_records_and_other_selectors_beside_the_strongest_digest(pki: Pki) -> None:
    # Full(0) is never set aside by agility, and agility works per usage *and* selector: a
    # "3 0 2" for another certificate does not outrank a "3 1 1" for the current key.
    leaf, other = pki.leaf([MX1]), pki.leaf([MX1])
    full = _state(
        certs.tlsa_record_text(leaf.der, 3, 1, 0), certs.tlsa_record_text(other.der, 3, 1, 2)
    )
    assert full.authenticates(FakeProbe([leaf.der]))
    mixed = _state(
        certs.tlsa_record_text(leaf.der, 3, 1, 1), certs.tlsa_record_text(other.der, 3, 0, 2)
    )
    assert mixed.authenticates(FakeProbe([leaf.der]))
    # A malformed SHA2-512 record is discarded before agility (RFC 7671 §9): 3 1 1 still counts.
    broken = _state(certs.tlsa_record_text(leaf.der, 3, 1, 1), "3 1 2 " + "ab" * 32)
    assert broken.authenticates(FakeProbe([leaf.der]))


def test_it_warns_when_the_next_key_is_published_only_in_an_outranked_digest(pki: Pki) -> None:
    # 3 1 1 + 3 1 2 for the current key, and a next key pre-published only as 3 1 1: after the
    # switch the 3 1 2 records match nothing and senders ignore the 3 1 1 one (RFC 7671 §8.3).
    assert pki.inter is not None
    leaf, nxt = make_leaf(pki.inter, [MX1]), make_leaf(pki.inter, [MX1])
    records = [
        certs.tlsa_record_text(leaf.der, 3, 1, 1),
        certs.tlsa_record_text(leaf.der, 3, 1, 2),
        certs.tlsa_record_text(nxt.der, 3, 1, 1),
    ]
    found = _run(pki, records, [leaf.der, pki.inter.der])
    assert [f.status for f in _by_id(found, "DANE-07")] == ["pass"]
    rollover = _by_id(found, "DANE-12")
    assert [f.status for f in rollover] == ["warn"]
    assert "next key" in rollover[0].summary and "RFC 7671 §9" in rollover[0].summary
    # Published in both digests, the pre-published key is a proper rollover.
    records.append(certs.tlsa_record_text(nxt.der, 3, 1, 2))
    rollover = _by_id(_run(pki, records, [leaf.der, pki.inter.der]), "DANE-12")
    assert [f.status for f in rollover] == ["pass"]


# ---- other realistic TLSA sets: verdicts as a DANE sender reaches them ----


def test_a_plain_3_1_1_rollover_passes_and_counts_as_a_next_key(pki: Pki) -> None:
    assert pki.inter is not None
    leaf, nxt = make_leaf(pki.inter, [MX1]), make_leaf(pki.inter, [MX1])
    records = [certs.tlsa_record_text(leaf.der), certs.tlsa_record_text(nxt.der)]
    found = _run(pki, records, [leaf.der, pki.inter.der])
    assert [f.status for f in _by_id(found, "DANE-07")] == ["pass"]
    assert [f.status for f in _by_id(found, "DANE-12")] == ["pass"]
    assert "next key" in _by_id(found, "DANE-12")[0].summary


def test_a_dane_ta_record_for_a_root_the_server_does_not_send_fails(pki: Pki) -> None:
    # "2 1 1 <root>" with a chain leaf + intermediate (root omitted, as for public CAs): the
    # sender has no anchor to match (RFC 7671 §5.2.2) and defers. At the intermediate: fine.
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1])
    chain = [leaf.der, pki.inter.der]
    at_root = _run(pki, [certs.tlsa_record_text(pki.root.der, 2, 1, 1)], chain)
    assert [f.status for f in _by_id(at_root, "DANE-09")] == ["fail"]
    assert "trust-anchor" in _by_id(at_root, "DANE-09")[0].summary
    at_inter = _run(pki, [certs.tlsa_record_text(pki.inter.der, 2, 1, 1)], chain)
    assert [f.status for f in _by_id(at_inter, "DANE-09")] == ["pass"]


@pytest.mark.parametrize(("selector", "mtype"), [(0, 1), (1, 2), (0, 2), (1, 0)])
def test_other_dane_ee_parameter_forms_authenticate(pki: Pki, selector: int, mtype: int) -> None:
    leaf = pki.leaf([MX1])
    found = _run(pki, [certs.tlsa_record_text(leaf.der, 3, selector, mtype)], [leaf.der])
    assert [f.status for f in _by_id(found, "DANE-07")] == ["pass"]
    assert [f.status for f in _by_id(found, "DANE-06")] == ["warn" if mtype == 0 else "info"]


@pytest.mark.parametrize(
    ("usage", "words"),
    [
        (0, "only PKIX usages (PKIX-TA)"),
        (4, "no DANE usage (unknown usage 4)"),
        (255, "no DANE usage"),
    ],
)
def test_records_without_a_dane_usage_fail_dane_04_with_the_right_words(
    pki: Pki, usage: int, words: str
) -> None:
    leaf = pki.leaf([MX1])
    found = _run(pki, [certs.tlsa_record_text(leaf.der, usage, 1, 1)], [leaf.der])
    assert [f.status for f in _by_id(found, "DANE-04")] == ["fail"]
    assert words in _by_id(found, "DANE-04")[0].summary
    assert not _by_id(found, "DANE-07")  # nothing usable to match


def test_unknown_selector_and_matching_type_leave_nothing_usable(pki: Pki) -> None:
    leaf = pki.leaf([MX1])
    found = _run(pki, ["3 2 1 " + "ab" * 32, "3 1 3 " + "ab" * 32], [leaf.der])
    assert [f.status for f in _by_id(found, "DANE-05")] == ["fail"]
    summary = _by_id(found, "DANE-05")[0].summary
    assert "unknown selector 2" in summary and "unknown matching type 3" in summary


# ---- an unsigned customer domain whose MX host lives in a signed provider zone ----


class _UnsignedMx:
    """FakeDns answers with AD everywhere except the customer's MX RRset."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def query(self, name: str, rdtype: str, **kw: object) -> DnsAnswer:
        answer: DnsAnswer = await self.inner.query(name, rdtype, **kw)  # type: ignore[attr-defined]
        if rdtype.upper() == "MX":
            answer.ad = False
        return answer

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        return await self.inner.addresses(name)  # type: ignore[attr-defined,no-any-return]


def test_dane_03_says_postfix_and_exim_skip_dane_for_an_unsigned_mx_rrset(pki: Pki) -> None:
    # RFC 7672 §2.2.1 lets a sender use the provider's TLSA anyway (MAY); Postfix ("non DNSSEC
    # destination") and Exim ("DNSSEC-secured MX, A and TLSA") do not, so "DANE protects the
    # connection" would be wrong for most of the mail.
    from unittest import mock

    from checks import starttls
    from tests.test_mx import FakeDns

    leaf = pki.leaf([MX1])
    zone, probe = _mx_zone(pki, MX1)
    zone[TLSA] = [certs.tlsa_record_text(leaf.der)]
    fake = _UnsignedMx(FakeDns(zone, ad=True))
    ctx = CheckContext("ex.com", CheckConfig(allow_private_targets=True), dns=fake)  # type: ignore[arg-type]

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        return _good_probe({MX1: [leaf.der]})(host, address)  # type: ignore[no-any-return]

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        found = asyncio.run(dane.evaluate(ctx))
    dane03 = _by_id(found, "DANE-03")
    assert [f.status for f in dane03] == ["warn"]
    assert "Postfix" in dane03[0].summary and "protect nothing" in dane03[0].summary
    assert "DANE protects the connection" not in dane03[0].summary


# ---- RFC 7672 §2.2.2 / RFC 7671 §7: where the TLSA records are looked up through CNAMEs ----

_T1, _T2 = "3 1 1 " + "ab" * 32, "3 1 1 " + "cd" * 32


@pytest.mark.parametrize(
    ("zone", "cnames", "ad", "base", "data"),
    [
        # The TLSA name itself is an alias into the provider's zone (RFC 7671 §6).
        (
            {("mx.ex.com", "A"): ["192.0.2.1"], ("_dane.provider.example", "TLSA"): [_T1]},
            {"_25._tcp.mx.ex.com": "_dane.provider.example"},
            True,
            "mx.ex.com",
            "ab",
        ),
        # Secure MX alias, records only under the original name: fall back to it.
        (
            {("mx.provider.example", "A"): ["192.0.2.1"], ("_25._tcp.mx.ex.com", "TLSA"): [_T1]},
            {"mx.ex.com": "mx.provider.example"},
            True,
            "mx.ex.com",
            "ab",
        ),
        # Secure MX alias, records at both: the expanded name wins and becomes the base.
        (
            {
                ("mx.provider.example", "A"): ["192.0.2.1"],
                ("_25._tcp.mx.ex.com", "TLSA"): [_T1],
                ("_25._tcp.mx.provider.example", "TLSA"): [_T2],
            },
            {"mx.ex.com": "mx.provider.example"},
            True,
            "mx.provider.example",
            "cd",
        ),
        # Insecure alias: only the original name may be used.
        (
            {
                ("mx.provider.example", "A"): ["192.0.2.1"],
                ("_25._tcp.mx.ex.com", "TLSA"): [_T1],
                ("_25._tcp.mx.provider.example", "TLSA"): [_T2],
            },
            {"mx.ex.com": "mx.provider.example"},
            False,
            "mx.ex.com",
            "ab",
        ),
    ],
)
def test_the_tlsa_base_domain_follows_cnames_as_rfc7672_says(
    zone: dict,
    cnames: dict,
    ad: bool,
    base: str,
    data: str,  # type: ignore[type-arg]
) -> None:
    from tests.test_mx import FakeDns

    ctx = CheckContext("ex.com", CheckConfig(), dns=FakeDns(zone, cnames=cnames, ad=ad))  # type: ignore[arg-type]
    state = asyncio.run(dane.get_tlsa(ctx, "mx.ex.com"))
    assert state.base == base and state.secure is ad
    assert [r.data.hex()[:2] for r in state.records] == [data]
