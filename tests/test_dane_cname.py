"""Where the TLSA records of an MX alias are looked up (RFC 7672 §2.2.2, §2.2.3): the expanded
name of a secure CNAME chain first; when that lookup is insecure or securely empty, the original
name next. Only a secure TLSA RRset (or a failed lookup) ends the search."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest

from checks import certs, dane, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from tests.test_certs import Pki
from tests.test_dane import _good_probe
from tests.test_mx import FakeDns

ALIAS, TARGET = "mx.ex.com", "mx.provider.example"
AT_ALIAS, AT_TARGET = f"_25._tcp.{ALIAS}", f"_25._tcp.{TARGET}"
_T1, _T2 = "3 1 1 " + "ab" * 32, "3 1 1 " + "cd" * 32


class PartlySigned:
    """FakeDns that validates (AD) everything except the answers for the names in `unsigned`:
    a provider whose TLSA name sits in a zone without DNSSEC, say."""

    def __init__(self, inner: FakeDns, unsigned: set[str]) -> None:
        self.inner = inner
        self.unsigned = {normalize(n) for n in unsigned}

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def query(self, name: str, rdtype: str, **kw: object) -> DnsAnswer:
        answer = await self.inner.query(name, rdtype, **kw)  # type: ignore[arg-type]
        if normalize(name) in self.unsigned:
            answer.ad = False
        return answer

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        return [r.to_text() for r in a.records] + [r.to_text() for r in aaaa.records], [a, aaaa]


def _ctx(zone: dict, unsigned: set[str], cdzone: dict | None = None) -> CheckContext:  # type: ignore[type-arg]
    inner = FakeDns(zone, cnames={ALIAS: TARGET}, ad=True, cdzone=cdzone)
    fake = PartlySigned(inner, unsigned)
    return CheckContext("ex.com", CheckConfig(allow_private_targets=True), dns=fake)  # type: ignore[arg-type]


def _tlsa(zone: dict, unsigned: set[str], cdzone: dict | None = None) -> dane.TlsaState:  # type: ignore[type-arg]
    return asyncio.run(dane.get_tlsa(_ctx(zone, unsigned, cdzone), ALIAS))


BASE_ZONE = {("ex.com", "MX"): [f"10 {ALIAS}."], (TARGET, "A"): ["192.0.2.1"]}


def test_insecure_tlsa_at_the_target_falls_back_to_secure_tlsa_at_the_alias() -> None:
    # The provider's zone is unsigned but the customer signs its own alias and TLSA: senders
    # find no secure TLSA at the expanded name and look at the original one (RFC 7672 §2.2.2).
    zone = {**BASE_ZONE, (AT_TARGET, "TLSA"): [_T2], (AT_ALIAS, "TLSA"): [_T1]}
    state = _tlsa(zone, unsigned={AT_TARGET})
    assert state.secure and state.applies
    assert (state.base, state.qname) == (ALIAS, AT_ALIAS)
    assert [r.text for r in state.records] == [_T1]
    assert state.tried == [AT_TARGET, AT_ALIAS]


@pytest.mark.parametrize("alias_tlsa", ["absent", "insecure"])
def test_insecure_tlsa_at_the_target_is_reported_when_the_alias_has_nothing_secure(
    alias_tlsa: str,
) -> None:
    # Nothing secure anywhere: the records senders would have used, had they been signed, are
    # the expanded name's; both lookups are listed.
    zone = {**BASE_ZONE, (AT_TARGET, "TLSA"): [_T2]}
    unsigned = {AT_TARGET}
    if alias_tlsa == "insecure":
        zone[(AT_ALIAS, "TLSA")] = [_T1]
        unsigned.add(AT_ALIAS)
    state = _tlsa(zone, unsigned)
    assert not state.secure and not state.failed and state.present
    assert (state.base, [r.text for r in state.records]) == (TARGET, [_T2])
    assert state.tried == [AT_TARGET, AT_ALIAS]


def test_a_bogus_tlsa_rrset_at_the_alias_after_insecure_target_records_is_bogus() -> None:
    # The sender goes on to the original name and gets a validation failure there: it defers.
    zone = {**BASE_ZONE, (AT_TARGET, "TLSA"): [_T2], (AT_ALIAS, "TLSA"): "SERVFAIL"}
    state = _tlsa(zone, {AT_TARGET}, cdzone={(AT_ALIAS, "TLSA"): [_T1]})
    assert state.failed and state.bogus and state.qname == AT_ALIAS


def test_secure_tlsa_at_the_target_is_used_without_asking_the_alias() -> None:
    zone = {**BASE_ZONE, (AT_TARGET, "TLSA"): [_T2], (AT_ALIAS, "TLSA"): [_T1]}
    state = _tlsa(zone, unsigned=set())
    assert state.secure and state.base == TARGET and state.tried == [AT_TARGET]


def test_dane_checks_the_alias_records_with_the_alias_as_sni(pki: Pki) -> None:
    # End to end: DANE-02 passes (secure records at the original name), and the server is
    # asked for, and matched against, the original name's certificate.
    leaf = pki.leaf([ALIAS])
    zone = {
        **BASE_ZONE,
        (AT_TARGET, "TLSA"): [_T2],
        (AT_ALIAS, "TLSA"): [certs.tlsa_record_text(leaf.der)],
    }
    ctx = _ctx(zone, {AT_TARGET})
    asked: list[str] = []
    good = _good_probe({ALIAS: [leaf.der]})

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        asked.append(host)
        return good(host, address)  # type: ignore[no-any-return]

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        found = asyncio.run(dane.evaluate(ctx))
    statuses = {(f.id, f.status) for f in found}
    assert ("DANE-02", "pass") in statuses and ("DANE-07", "pass") in statuses
    assert not [f for f in found if f.status in {"fail", "warn"}]
    assert asked == [ALIAS]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()
