"""DANE fix texts on setups nobody listed (lab scenarios s8_tawrongname.toml, s8_gworkspace.toml,
s8_postfixleaf.toml): the record or step each DANE finding proposes must be one that repairs it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checks import certs
from checks.dns import DnsAnswer
from tests.test_certs import Pki, make_ca, make_leaf
from tests.test_dane import MX1, _evaluate, _good_probe, _mx_zone


@pytest.fixture(scope="module")
def pki() -> Pki:
    pki = Pki()
    pki.inter = make_ca("Issuing CA 1", pki.root)
    return pki


def test_a_dane_ta_name_mismatch_fix_asks_for_the_name_not_the_chain(pki: Pki) -> None:
    # The chain (leaf + the anchor named by 2 1 1) is complete; only the leaf's names miss the
    # MX host (RFC 7672 §3.2.3). "Send the full chain" would change nothing.
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, ["mail.other.example"])
    zone, _ = _mx_zone(pki, MX1)
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [certs.tlsa_record_text(pki.inter.der, 2, 1, 1)]
    findings = _evaluate(zone, _good_probe({MX1: [leaf.der, pki.inter.der]}))
    (dane09,) = [f for f in findings if f.id == "DANE-09"]
    assert dane09.status == "fail"
    assert "full chain" not in dane09.fix
    assert f"subjectAltName includes {MX1}" in dane09.fix
    # ...or the DANE-EE record for the key it presents, which ignores names.
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in dane09.fix


def test_a_dane_ta_anchor_missing_from_the_chain_still_asks_for_the_chain(pki: Pki) -> None:
    assert pki.inter is not None
    leaf = make_leaf(pki.inter, [MX1])
    zone, _ = _mx_zone(pki, MX1)
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [certs.tlsa_record_text(pki.root.der, 2, 1, 1)]
    findings = _evaluate(zone, _good_probe({MX1: [leaf.der, pki.inter.der]}))
    (dane09,) = [f for f in findings if f.id == "DANE-09"]
    assert dane09.status == "fail" and "full chain" in dane09.fix


def _absent(pki: Pki, mx_host: str, *, signed: bool) -> str:
    """The DANE-01 fix for ex.com whose only MX, `mx_host`, has no TLSA records."""
    import asyncio
    from unittest import mock

    from checks import dane, starttls
    from checks.config import CheckConfig
    from checks.context import CheckContext
    from tests.test_mx import FakeDns

    leaf = pki.leaf([mx_host])
    zone = {("ex.com", "MX"): [f"10 {mx_host}."], (mx_host, "A"): ["192.0.2.1"]}

    class SignedDenials(FakeDns):
        # A validating resolver sets AD on a secure NXDOMAIN/NODATA too (RFC 4035 §3.2.3).
        async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
            answer = await super().query(name, rdtype, **kw)
            return replace(answer, ad=self.ad) if answer.empty else answer

    fake = SignedDenials(zone, ad=signed)  # the DNS answers, not the thing under test
    ctx = CheckContext("ex.com", CheckConfig(allow_private_targets=True), dns=fake)  # type: ignore[arg-type]
    probe = _good_probe({mx_host: [leaf.der]})

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        return probe(host, address)  # type: ignore[no-any-return]

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        findings = asyncio.run(dane.evaluate(ctx))
    (dane01,) = [f for f in findings if f.id == "DANE-01" and f.status == "info"]
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in dane01.fix
    return str(dane01.fix)


def test_a_signed_domain_is_told_the_record_alone(pki: Pki) -> None:
    fix = _absent(pki, "mx1.ex.com", signed=True)
    assert fix.startswith("_25._tcp.mx1.ex.com. IN TLSA 3 1 1 ")


def test_an_unsigned_domain_is_told_to_sign_before_publishing(pki: Pki) -> None:
    # TLSA in an unsigned zone is ignored (RFC 7672 §2.2; DANE-02 would warn about it).
    fix = _absent(pki, "mx1.ex.com", signed=False)
    assert fix.startswith("1. Sign ex.com with DNSSEC")
    assert "2. Then publish: _25._tcp.mx1.ex.com. IN TLSA 3 1 1 " in fix


def test_a_providers_mx_is_left_to_the_provider(pki: Pki) -> None:
    # The customer cannot publish in mail.provider.example's zone.
    fix = _absent(pki, "in1.mail.provider.example", signed=True)
    assert "in provider.example, not in your domain" in fix
    assert "must also be DNSSEC-signed" not in fix
    unsigned = _absent(pki, "in1.mail.provider.example", signed=False)
    assert "ex.com must also be DNSSEC-signed" in unsigned
