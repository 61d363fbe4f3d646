"""DANE (task s35d): TLSA records published at a name senders never look at, and the owner's MX
name pointing at a server that names itself a host of another organisation.

1. RFC 6698 §3 names a TLSA record `_<port>._<protocol>.<host>`; SMTP relay looks only at
   `_25._tcp.<mx host>` (RFC 7672 §2.2.3). When nothing is there, records at `_25._udp.<mx>`,
   `_465._tcp.<mx>`/`_587._tcp.<mx>` (submission), `_tcp.<mx>` (no port) or `_25._tcp.<domain>`
   are pointed out, with where they belong and the record to publish there.
2. The owner's `mx.ex.com` (A record) at a server whose certificate names only `smtp.prov.net`:
   the TLSA records are the owner's to publish, but the key is the provider's, and a `3 1 1`
   record pins it (RFC 7671 §8.1), while a `2 x x` record needs a certificate naming the MX
   host (RFC 7672 §3.2.3), which this one is not.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from unittest import mock

import pytest

from checks import certs, dane, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_certs import Pki
from tests.test_dane import _good_probe
from tests.test_mx import FakeDns

MX = "mx.ex.com"
PKI = Pki()
LEAF = PKI.leaf([MX])


def _run(zone: dict[Any, Any], chains: dict[str, list[bytes]]) -> tuple[list[Finding], FakeDns]:
    fake = FakeDns(zone, ad=True)
    ctx = CheckContext("ex.com", CheckConfig(allow_private_targets=True), dns=fake)  # type: ignore[arg-type]
    probe = _good_probe(chains)

    async def probe_mx(_ctx: object, host: str, address: str) -> object:
        # As a real probe: name_ok only when the certificate names the host.
        found = probe(host, address)
        return dataclasses.replace(found, name_ok=certs.name_matches(chains[host][0], host))

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        return asyncio.run(dane.evaluate(ctx)), fake


def _zone(**extra: list[str]) -> dict[Any, Any]:
    zone: dict[Any, Any] = {("ex.com", "MX"): [f"10 {MX}."], (MX, "A"): ["192.0.2.1"]}
    for name, records in extra.items():
        zone[(name, "TLSA")] = records
    return zone


def _dane01(findings: list[Finding], host: str = MX) -> Finding:
    (finding,) = [f for f in findings if f.id == "DANE-01" and f.subject == f"_25._tcp.{host}"]
    return finding


RECORD = certs.tlsa_record_text(LEAF.der, 3, 1, 1)


@pytest.mark.parametrize(
    "wrong",
    [f"_25._udp.{MX}", f"_465._tcp.{MX}", f"_587._tcp.{MX}", f"_tcp.{MX}", "_25._tcp.ex.com"],
)
def test_a_tlsa_record_at_a_wrong_name_is_pointed_out_with_where_it_belongs(wrong: str) -> None:
    findings, _ = _run({**_zone(), (wrong, "TLSA"): [RECORD]}, {MX: [LEAF.der]})
    finding = _dane01(findings)
    assert finding.status == Status.INFO  # still no TLSA where senders look
    assert wrong in finding.summary
    assert f"_25._tcp.{MX}" in finding.summary
    assert finding.fix is not None
    assert f"_25._tcp.{MX}. IN TLSA {RECORD}" in finding.fix
    assert "same" in finding.fix  # the same record data, moved
    assert finding.fix.count(f"_25._tcp.{MX}. IN TLSA") == 1  # said once, with any steps first
    assert wrong in finding.fix
    assert finding.evidence["misplaced"] == [{"name": wrong, "record": RECORD}]


def test_submission_records_are_not_to_be_deleted_only_copied() -> None:
    # _587._tcp.<mx> serves mail submission clients (RFC 6698 §3 names any port); relays look
    # at port 25 only. The record to add is the same; the one at 587 may stay if that port is
    # served with the same key.
    findings, _ = _run(_zone(**{f"_587._tcp.{MX}": [RECORD]}), {MX: [LEAF.der]})
    fix = _dane01(findings).fix or ""
    assert "submission" in fix
    assert f"Delete the TLSA records at _587._tcp.{MX}" not in fix


def test_a_misplaced_record_that_matches_no_presented_key_is_not_moved_as_it_is() -> None:
    other = PKI.leaf([MX])
    stale = certs.tlsa_record_text(other.der, 3, 1, 1)
    findings, _ = _run(_zone(**{f"_25._udp.{MX}": [stale]}), {MX: [LEAF.der]})
    finding = _dane01(findings)
    assert f"_25._udp.{MX}" in finding.summary
    fix = finding.fix or ""
    assert "do not match" in fix
    assert f"_25._tcp.{MX}. IN TLSA {RECORD}" in fix  # the key the server presents
    assert f"IN TLSA {stale}" not in fix


def test_the_misplaced_names_are_asked_only_when_no_tlsa_is_found() -> None:
    findings, fake = _run(_zone(**{f"_25._tcp.{MX}": [RECORD]}), {MX: [LEAF.der]})
    assert _dane01(findings).status == Status.PASS
    asked = {name for name, rdtype in fake.asked if rdtype == "TLSA"}
    assert asked == {
        f"_25._tcp.{MX}",
        "_25._tcp.ex.com",
    }  # the latter: DANE-01's policy-domain check
    findings, fake = _run(_zone(), {MX: [LEAF.der]})
    finding = _dane01(findings)
    assert "where senders never look" not in finding.summary
    extra = {n for n, t in fake.asked if t == "TLSA"} - {f"_25._tcp.{MX}", "_25._tcp.ex.com"}
    assert extra == {f"_25._udp.{MX}", f"_465._tcp.{MX}", f"_587._tcp.{MX}", f"_tcp.{MX}"}
    assert sorted(finding.evidence["also_looked_at"]) == sorted(extra | {"_25._tcp.ex.com"})


def test_a_providers_host_names_are_not_searched() -> None:
    # mx.prov.net's names are its operator's zone: the owner can move nothing there.
    host = "mx.prov.net"
    leaf = PKI.leaf([host])
    zone = {("ex.com", "MX"): [f"10 {host}."], (host, "A"): ["192.0.2.1"]}
    findings, fake = _run(zone, {host: [leaf.der]})
    asked = {n for n, t in fake.asked if t == "TLSA"}
    assert asked == {f"_25._tcp.{host}", "_25._tcp.ex.com"}
    assert _dane01(findings, host).status == Status.INFO


# ------------------------------------------------------------------ item 2
PROVIDERS = PKI.leaf(["smtp.prov.net"])


def test_the_owners_name_at_a_providers_server_says_whose_key_the_record_pins() -> None:
    findings, _ = _run(_zone(), {MX: [PROVIDERS.der, PKI.inter.der]})
    finding = _dane01(findings)
    fix = finding.fix or ""
    record = certs.tlsa_record_text(PROVIDERS.der, 3, 1, 1)
    assert f"_25._tcp.{MX}. IN TLSA {record}" in fix  # still the owner's to publish
    assert "smtp.prov.net" in fix and "prov.net" in fix
    assert "your zone" in fix
    assert "RFC 7671 §8.1" in fix  # a new key needs its record two TTLs ahead
    assert "rollover" in fix
    # A DANE-TA record would fail: the certificate does not name mx.ex.com (RFC 7672 §3.2.3).
    assert "2 1 1" in fix and "RFC 7672 §3.2.3" in fix and f"names {MX}" in fix


def test_a_mismatch_at_the_owners_name_at_a_providers_server_says_the_same() -> None:
    stale = certs.tlsa_record_text(PKI.leaf(["smtp.prov.net"]).der, 3, 1, 1)
    findings, _ = _run(_zone(**{f"_25._tcp.{MX}": [stale]}), {MX: [PROVIDERS.der, PKI.inter.der]})
    (dane07,) = [f for f in findings if f.id == "DANE-07"]
    assert dane07.status == Status.FAIL
    assert "smtp.prov.net" in (dane07.fix or "") and "RFC 7671 §8.1" in (dane07.fix or "")


def test_the_owners_own_server_keeps_the_plain_fix() -> None:
    findings, _ = _run(_zone(), {MX: [LEAF.der, PKI.inter.der]})
    fix = _dane01(findings).fix or ""
    assert f"_25._tcp.{MX}. IN TLSA {RECORD}" in fix
    assert "RFC 7671 §8.1" not in fix and "names itself" not in fix
