"""DANE: TLSA parsing (never raises), field validity and RFC 7671/7672 matching semantics."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import certs, dane
from checks.config import CheckConfig
from checks.context import CheckContext
from tests.test_certs import Pki, make_ca, make_leaf

HOST = "mx1.example.test"


@dataclass
class FakeProbe:
    chain_der: list[bytes] = field(default_factory=list)


def _state(*texts: str, base: str = HOST) -> dane.TlsaState:
    records = []
    for text in texts:
        parsed = dane.parse_tlsa_text(text)
        assert parsed.record is not None, parsed.problems
        records.append(parsed.record)
    return dane.TlsaState(
        host=HOST, base=base, qname=f"_25._tcp.{base}", records=records, secure=True
    )


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_parse_good_and_bad() -> None:
    good = dane.parse_tlsa_text("3 1 1 " + "AB" * 32)
    assert good.record is not None and good.record.usable and not good.problems
    short = dane.parse_tlsa_text("3 1 1 04151484B717C2A4")  # checklist DANE-05 example
    assert short.record is not None and not short.record.usable
    assert "32 bytes" in short.problems[0]
    assert dane.parse_tlsa_text("3 1 2 " + "00" * 32).problems  # SHA2-512 needs 64 bytes
    assert dane.parse_tlsa_text("3 2 1 " + "00" * 32).problems  # unknown selector
    assert dane.parse_tlsa_text("3 1 1 zz").record is None
    assert dane.parse_tlsa_text("").record is None
    assert dane.parse_tlsa_text("300 1 1 00").record is None
    pkix = dane.parse_tlsa_text("1 1 1 " + "00" * 32).record
    assert pkix is not None and not pkix.usable and not pkix.problems


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    dane.parse_tlsa_text(text)


@given(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255), st.binary(max_size=80))
def test_parse_numbers_never_raise(u: int, s: int, m: int, data: bytes) -> None:
    parsed = dane.parse_tlsa_text(f"{u} {s} {m} {data.hex()}")
    if data:
        assert parsed.record is not None


def test_dane_ee_ignores_names_and_expiry(pki: Pki) -> None:
    leaf = pki.leaf(["other.example.test"], expired=True)
    state = _state(certs.tlsa_record_text(leaf.der))
    assert state.applies
    assert state.match(FakeProbe([leaf.der])).ok  # RFC 7671 §5.1
    other = pki.leaf([HOST])
    assert not state.match(FakeProbe([other.der])).ok


def test_dane_ta_needs_anchor_in_chain(pki: Pki) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([HOST])
    ta = certs.tlsa_record_text(pki.inter.der, usage=2, selector=1, mtype=1)
    state = _state(ta)
    assert state.match(FakeProbe([leaf.der, pki.inter.der])).ok
    missing = state.match(FakeProbe([leaf.der]))  # F54: leaf only
    assert not missing.ok and missing.ta_problem == "ta-not-in-chain"
    # "2 0 0" carries the whole anchor: the server may omit it (RFC 7671 §5.2.2).
    full = _state(f"2 0 0 {pki.inter.der.hex()}")
    assert full.match(FakeProbe([leaf.der])).ok


def test_dane_ta_checks_name_and_validity(pki: Pki) -> None:
    assert pki.inter is not None
    state = _state(certs.tlsa_record_text(pki.inter.der, usage=2, selector=1, mtype=1))
    wrong = pki.leaf(["elsewhere.example.test"])
    assert state.match(FakeProbe([wrong.der, pki.inter.der])).ta_problem == "name"
    old = pki.leaf([HOST], expired=True)
    assert state.match(FakeProbe([old.der, pki.inter.der])).ta_problem == "expired"
    rogue = make_leaf(pki.rogue, [HOST])
    assert state.match(FakeProbe([rogue.der, pki.inter.der])).ta_problem == "chain"


def test_dane_ta_enforces_validity_of_intermediates_below_the_anchor(pki: Pki) -> None:
    # RFC 7671 §5.2, RFC 7672 §3.1.2: normal validity applies below the TA, not only to the leaf.
    stale = make_ca("Stale Issuing CA", pki.root, expired=True)
    leaf = make_leaf(stale, [HOST])
    state = _state(certs.tlsa_record_text(pki.root.der, usage=2, selector=1, mtype=1))
    match = state.match(FakeProbe([leaf.der, stale.der, pki.root.der]))
    assert not match.ok and match.ta_problem == "expired"
    assert "CN=Stale Issuing CA" in match.detail and "expired on" in match.detail
    # The anchor's own dates are not checked: "2 x x" of the stale CA itself still matches.
    at_stale = _state(certs.tlsa_record_text(stale.der, usage=2, selector=1, mtype=1))
    assert at_stale.match(FakeProbe([leaf.der, stale.der])).ok


def test_dane_ta_expired_intermediate_fails_dane_09_naming_it(pki: Pki) -> None:
    from checks.findings import Collector, Mechanism
    from checks.starttls import SmtpProbe

    stale = make_ca("Stale Issuing CA", pki.root, expired=True)
    leaf = make_leaf(stale, [HOST])
    state = _state(certs.tlsa_record_text(pki.root.der, usage=2, selector=1, mtype=1))
    probe = SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        connected=True,
        ehlo_ok=True,
        starttls_offered=True,
        tls_ok=True,
        chain_der=[leaf.der, stale.der, pki.root.der],
    )
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, type("Host", (), {"name": HOST})(), state, [probe])
    found = {f.id: f for f in out.findings if f.id in {"DANE-07", "DANE-09"}}
    assert set(found) == {"DANE-09"} and found["DANE-09"].status == "fail"
    assert "CN=Stale Issuing CA" in found["DANE-09"].summary


@pytest.mark.parametrize(
    "order",
    [
        ["leaf", "root", "inter"],  # anchor sent before the intermediate
        ["leaf", "stray", "inter", "root"],  # an unrelated certificate in the middle
        ["leaf", "inter", "stray", "root"],
        ["leaf", "inter", "root", "stray"],
    ],
)
def test_dane_ta_builds_the_path_from_an_unordered_pool(pki: Pki, order: list[str]) -> None:
    # TLS 1.3 lets the server send its certificates in any order and with extras (RFC 8446
    # §4.4.2); OpenSSL builds the path from the pool, so the DANE-TA match must too.
    assert pki.inter is not None
    leaf = pki.leaf([HOST])
    named = {
        "leaf": leaf.der,
        "inter": pki.inter.der,
        "root": pki.root.der,
        "stray": make_ca("Unrelated CA").der,
    }
    state = _state(certs.tlsa_record_text(pki.root.der, usage=2, selector=1, mtype=1))
    match = state.match(FakeProbe([named[n] for n in order]))
    assert match.ok, match.detail


def test_dane_ta_pool_without_a_path_to_the_anchor_still_fails(pki: Pki) -> None:
    # The anchor is sent but the leaf's issuer is missing: no path, whatever the order.
    leaf = pki.leaf([HOST])
    state = _state(certs.tlsa_record_text(pki.root.der, usage=2, selector=1, mtype=1))
    match = state.match(FakeProbe([leaf.der, pki.root.der, make_ca("Unrelated CA").der]))
    assert not match.ok and match.ta_problem == "chain"


def test_pkix_usages_are_not_usable(pki: Pki) -> None:
    leaf = pki.leaf([HOST])
    spki = hashlib.sha256(certs.spki_der(leaf.cert)).hexdigest()
    state = _state(f"1 1 1 {spki}")
    assert not state.applies
    assert not state.match(FakeProbe([leaf.der])).ok


def test_recommended_record(pki: Pki) -> None:
    leaf = pki.leaf([HOST])
    state = _state("3 1 1 " + "00" * 32)
    text = dane.recommended_record(state, [leaf.der])
    assert text.startswith(f"_25._tcp.{HOST}. IN TLSA 3 1 1 ")
    assert text.endswith(hashlib.sha256(certs.spki_der(leaf.cert)).hexdigest().upper())


def _lab_findings(lab, domain: str) -> list:  # type: ignore[no-untyped-def]
    async def main() -> list:
        config = CheckConfig(
            resolvers=((lab.resolver.split(":")[0], int(lab.resolver.split(":")[1])),),
            ca_bundle=lab.ca_bundle,
            allow_private_targets=True,
            extra_public_suffixes=("test", "lab.test"),
        )
        ctx = CheckContext(domain, config)
        return await dane.evaluate(ctx)

    return asyncio.run(main())


@pytest.mark.lab
@pytest.mark.parametrize(
    ("domain", "fail", "warn"),
    [
        ("f01.lab.test", set(), set()),
        ("f51.lab.test", {"DANE-07"}, set()),
        ("f52.lab.test", set(), {"DANE-02"}),
        ("f53.lab.test", {"DANE-04"}, set()),
        ("f54.lab.test", {"DANE-09"}, set()),
        ("f55.lab.test", {"DANE-10"}, set()),
        ("f28.lab.test", {"DANE-10"}, set()),
    ],
)
def test_lab_fixtures(lab, domain: str, fail: set[str], warn: set[str]) -> None:  # type: ignore[no-untyped-def]
    findings = _lab_findings(lab, domain)
    assert {f.id for f in findings if f.status == "fail"} == fail
    assert {f.id for f in findings if f.status == "warn"} == warn
    if domain == "f01.lab.test":
        assert any(f.id == "DANE-12" and f.status == "pass" for f in findings)
    if domain == "f51.lab.test":
        fixes = [f.fix for f in findings if f.id == "DANE-07" and f.status == "fail"]
        assert fixes and fixes[0].startswith("_25._tcp.mx1.f51.lab.test. IN TLSA 3 1 1 ")


def _dane_findings(cdzone: dict) -> list:  # type: ignore[type-arg]
    from tests.test_mx import make_ctx

    zone = {
        ("ex.com", "MX"): ["10 mx.provider.example."],
        ("mx.provider.example", "A"): "SERVFAIL",
        ("mx.provider.example", "AAAA"): "SERVFAIL",
        ("_25._tcp.mx.provider.example", "TLSA"): "SERVFAIL",
    }
    return asyncio.run(dane.evaluate(make_ctx("ex.com", zone, cdzone=cdzone)))


def test_bogus_tlsa_fails_even_when_the_whole_host_zone_is_bogus() -> None:
    # The MX host's zone is bogus: A, AAAA and TLSA SERVFAIL, and answer with CD. DANE senders
    # treat the MX as unusable (RFC 7672 §2.2): a failure, not "could not check".
    cd = {
        ("mx.provider.example", "A"): ["192.0.2.7"],
        ("_25._tcp.mx.provider.example", "TLSA"): ["3 1 1 " + "ab" * 32],
    }
    assert [(f.id, f.status) for f in _dane_findings(cd)] == [("DANE-02", "fail")]


def test_tlsa_servfail_that_is_not_bogus_is_an_error() -> None:
    assert [(f.id, f.status) for f in _dane_findings({})] == [("DANE-02", "error")]


def test_an_address_family_this_checker_cannot_reach_is_only_noted() -> None:
    from checks.findings import Collector, Mechanism
    from checks.starttls import SmtpProbe

    state = dane.TlsaState(host="mx.ex.com", base="mx.ex.com", qname="_25._tcp.mx.ex.com")
    host = type("Host", (), {"name": "mx.ex.com"})()
    v6 = SmtpProbe(host="mx.ex.com", address="2001:db8::25", error_kind="no-route", problem="x")
    v4 = SmtpProbe(host="mx.ex.com", address="192.0.2.25", error_kind="timeout", problem="y")
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, host, state, [v6, v4])
    # Nothing else was tested either: both could not be checked.
    assert [f.status for f in out.findings] == ["error", "error"]
    tested = SmtpProbe(host="mx.ex.com", address="192.0.2.25", connected=True)
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, host, state, [v6, tested])
    assert out.findings[0].status == "info" and "not tested from here" in out.findings[0].summary


def test_an_mx_alias_is_probed_with_the_tlsa_base_domain_as_sni() -> None:
    # mx.ex.com is a secure CNAME to mx.provider.example, which holds the TLSA records: that
    # name is the TLSA base domain and the SNI to send (DANE-07, DANE-13; RFC 7671 §7).
    from unittest import mock

    from checks import starttls
    from checks.config import CheckConfig
    from checks.context import CheckContext
    from tests.test_mx import FakeDns

    zone = {
        ("ex.com", "MX"): ["10 mx.ex.com."],
        ("mx.provider.example", "A"): ["192.0.2.7"],
        ("_25._tcp.mx.provider.example", "TLSA"): ["3 1 1 " + "ab" * 32],
    }
    fake = FakeDns(zone, cnames={"mx.ex.com": "mx.provider.example"}, ad=True)
    ctx = CheckContext("ex.com", CheckConfig(), dns=fake)  # type: ignore[arg-type]
    asked: list[tuple[str, str]] = []

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        asked.append((host, address))
        return starttls.SmtpProbe(host=host, address=address, error_kind="timeout", problem="-")

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        asyncio.run(dane.evaluate(ctx))
    assert asked == [("mx.provider.example", "192.0.2.7")]


# ---- evaluate() end to end on the fake resolver, with STARTTLS probes faked -----------------

MX1, MX2 = "mx1.ex.com", "mx2.ex.com"


def _evaluate(
    zone: dict,  # type: ignore[type-arg]
    probe: object,
    cdzone: dict | None = None,  # type: ignore[type-arg]
) -> list:  # type: ignore[type-arg]
    """dane.evaluate for ex.com (DNSSEC-secure answers) with `probe(host, address)` as the
    STARTTLS probe of every MX address."""
    from unittest import mock

    from checks import starttls
    from tests.test_mx import FakeDns

    fake = FakeDns(zone, ad=True, cdzone=cdzone)
    ctx = CheckContext("ex.com", CheckConfig(allow_private_targets=True), dns=fake)  # type: ignore[arg-type]

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        return probe(host, address)  # type: ignore[operator]

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        return asyncio.run(dane.evaluate(ctx))


def _good_probe(chains: dict[str, list[bytes]]):  # type: ignore[no-untyped-def]
    from checks.starttls import SmtpProbe

    def probe(host: str, address: str) -> SmtpProbe:
        chain = chains[host]
        return SmtpProbe(
            host=host,
            address=address,
            connected=True,
            ehlo_ok=True,
            starttls_offered=True,
            tls_ok=True,
            chain_der=chain,
            cipher="TLS_AES_256_GCM_SHA384",
            name_ok=True,
            no_sni_ok=True,
            leaf=certs.facts_of(certs.load_der(chain[0])),  # type: ignore[arg-type]
        )

    return probe


def _mx_zone(pki: Pki, *names: str) -> tuple[dict, object]:  # type: ignore[type-arg]
    """ex.com with MX hosts `names` (one address each), each serving its own leaf; only the
    first publishes a matching 3 1 1 record."""
    leaves = {name: pki.leaf([name]) for name in names}
    zone: dict = {("ex.com", "MX"): [f"{10 * i} {n}." for i, n in enumerate(names, 1)]}  # type: ignore[type-arg]
    for i, name in enumerate(names, 1):
        zone[(name, "A")] = [f"192.0.2.{i}"]
    zone[(f"_25._tcp.{names[0]}", "TLSA")] = [certs.tlsa_record_text(leaves[names[0]].der, 3, 1, 1)]
    return zone, _good_probe({n: [leaf.der] for n, leaf in leaves.items()})


def test_dane_11_a_tlsa_lookup_that_failed_is_unknown_coverage_not_partial(pki: Pki) -> None:
    # mx2's TLSA lookup SERVFAILs and the CD retry does not answer: we do not know whether it
    # has TLSA, so "partial deployment" (warn) would be a guess (checklist §0: error).
    zone, probe = _mx_zone(pki, MX1, MX2)
    zone[(f"_25._tcp.{MX2}", "TLSA")] = "SERVFAIL"
    found = [f for f in _evaluate(zone, probe) if f.id == "DANE-11"]
    assert [f.status for f in found] == ["error"]
    assert "coverage could not be determined" in found[0].summary and MX2 in found[0].summary
    assert found[0].evidence["unknown"] == [MX2] and found[0].evidence["without"] == []


def test_dane_11_a_bogus_host_is_not_called_reachable_without_authentication(pki: Pki) -> None:
    # Bogus TLSA makes DANE senders defer (RFC 7672 §2.2; DANE-02 fails it): that host is
    # not one mail "can still reach without authentication".
    bogus_tlsa = {(f"_25._tcp.{MX2}", "TLSA"): ["3 1 1 " + "ab" * 32]}
    zone, probe = _mx_zone(pki, MX1, MX2)
    zone[(f"_25._tcp.{MX2}", "TLSA")] = "SERVFAIL"
    found = _evaluate(zone, probe, cdzone=bogus_tlsa)
    assert ("DANE-02", "fail") in [(f.id, f.status) for f in found]
    coverage = [f for f in found if f.id == "DANE-11"]
    assert [f.status for f in coverage] == ["warn"]  # checklist DANE-11: not all secure
    assert "defer" in coverage[0].summary and "can still reach" not in coverage[0].summary
    # With a host really lacking TLSA too, the warning names only that one as reachable.
    zone, probe = _mx_zone(pki, MX1, MX2, "mx3.ex.com")
    zone[(f"_25._tcp.{MX2}", "TLSA")] = "SERVFAIL"
    coverage = [f for f in _evaluate(zone, probe, cdzone=bogus_tlsa) if f.id == "DANE-11"]
    assert [f.status for f in coverage] == ["warn"]
    assert "(mx3.ex.com has none)" in coverage[0].summary
    assert coverage[0].evidence["without"] == ["mx3.ex.com"]
    assert coverage[0].evidence["bogus"] == [MX2]


@pytest.mark.parametrize(
    ("banner_code", "problem"),
    [
        (554, "the greeting was 554 no service here, not 220"),
        (220, "EHLO was answered 550 go away"),
    ],
)
def test_dane_07_an_address_refusing_the_session_is_untested_not_skipped(
    pki: Pki, banner_code: int, problem: str
) -> None:
    # With secure usable TLSA, an address that greets 554 or refuses EHLO taught us nothing
    # about STARTTLS or the key: it must show as "could not be tested", not vanish.
    from checks.starttls import SmtpProbe

    def refusing(host: str, address: str) -> SmtpProbe:
        return SmtpProbe(
            host=host,
            address=address,
            connected=True,
            banner_code=banner_code,
            error_kind="protocol",
            problem=problem,
        )

    zone, _ = _mx_zone(pki, MX1)
    found = [f for f in _evaluate(zone, refusing) if f.id in {"DANE-07", "DANE-10"}]
    assert [(f.id, f.status) for f in found] == [("DANE-07", "error")]
    assert found[0].summary == f"{MX1} [192.0.2.1] could not be tested ({problem})."


def test_dane_12_a_matching_dane_ta_record_needs_no_next_key_record(pki: Pki) -> None:
    # "3 1 1 <leaf>" + "2 1 1 <issuing CA>" is the rollover-safe pairing (RFC 7671 §8.1,
    # §8.4): a renewed leaf from that CA is still authenticated, so a leaf expiring in 9 days
    # is no reason to advise publishing a next-key record.
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1], days=10)
    chain = [leaf.der, pki.inter.der]
    zone, _ = _mx_zone(pki, MX1)
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ta = certs.tlsa_record_text(pki.inter.der, 2, 1, 1)
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [ee, ta]
    found = [f for f in _evaluate(zone, _good_probe({MX1: chain})) if f.id == "DANE-12"]
    assert [f.status for f in found] == ["pass"]
    assert "next key" not in found[0].summary and "DANE-TA" in found[0].summary
    # Without the DANE-TA record the advice stays: the leaf's key is the only anchor.
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [ee]
    found = [f for f in _evaluate(zone, _good_probe({MX1: chain})) if f.id == "DANE-12"]
    assert [f.status for f in found] == ["info"] and "no record for a next key" in found[0].summary


def test_the_record_named_when_several_match_does_not_depend_on_answer_order(pki: Pki) -> None:
    # An RRset is unordered (RFC 1034 §3.6) and resolvers rotate it: with "3 1 1 <leaf>",
    # "3 0 1 <leaf>", "2 1 1 <issuing CA>" and "2 1 1 <root>" all matching, each answer order
    # must give the same findings, naming the DANE-EE "3 1 1" record (RFC 7671 §5.1: the
    # primary record; DANE-TA the companion for a key change, §5.2) and DANE-08, not DANE-09.
    import itertools

    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1], days=200)
    chain = [leaf.der, pki.inter.der, pki.root.der]
    ee = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    records = [
        ee,
        certs.tlsa_record_text(leaf.der, 3, 0, 1),
        certs.tlsa_record_text(pki.inter.der, 2, 1, 1),
        certs.tlsa_record_text(pki.root.der, 2, 1, 1),
    ]
    zone, _ = _mx_zone(pki, MX1)
    outcomes = set()
    for order in itertools.permutations(records):
        zone[(f"_25._tcp.{MX1}", "TLSA")] = list(order)
        found = _evaluate(zone, _good_probe({MX1: chain}))
        named = [f for f in found if f.id in {"DANE-07", "DANE-08", "DANE-09"}]
        assert [(f.id, f.status) for f in named] == [("DANE-07", "pass"), ("DANE-08", "pass")]
        assert named[0].evidence["record"] == ee.lower()
        outcomes.add(tuple((f.id, f.status, f.summary, f.fix) for f in found))
    assert len(outcomes) == 1
    # Only DANE-TA records, both anchors in the chain: the same one is named either way.
    tas = records[2:]
    named_ta = {_state(*order).match(FakeProbe(chain)).record.text for order in (tas, tas[::-1])}  # type: ignore[union-attr]
    assert len(named_ta) == 1


def test_a_one_off_tlsa_servfail_in_a_signed_zone_is_not_bogus() -> None:
    # The CD retry answers with signatures, but the plain lookup asked again answers: an
    # authority that timed out once, not bogus data (the same rule as DNSSEC's and MX's).
    from checks.dns import DnsAnswer

    class OnceFailing:
        def __init__(self) -> None:
            self.fresh: list[str] = []

        async def query(
            self, name: str, rdtype: str, *, cd: bool = False, fresh: bool = False
        ) -> DnsAnswer:
            if rdtype != "TLSA":
                return DnsAnswer(name, rdtype, "NOERROR")
            if fresh:
                self.fresh.append(name)
                return DnsAnswer(name, rdtype, "NOERROR")
            return DnsAnswer(name, rdtype, "NOERROR" if cd else "SERVFAIL", signed=cd)

    ctx = CheckContext("ex.com", CheckConfig())
    ctx.dns = OnceFailing()  # type: ignore[assignment]
    state = asyncio.run(dane.get_tlsa(ctx, "mx.ex.com"))
    assert state.failed and not state.bogus
    assert ctx.dns.fresh == ["_25._tcp.mx.ex.com"]  # type: ignore[attr-defined]
