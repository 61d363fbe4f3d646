"""Task s36e, item 2: SMTP-11's 'point the MX at the certificate's name' and TLSA records.

Since s35k SMTP-11 (and MTASTS-32 word for word) offers, for the owner's MX name at a server
whose certificate names a host of another organisation, to point the MX at that name; since
s35e an alias (MX-04) of such a server is told to point the MX at the alias's target. Neither
said anything of TLSA records. DANE senders look TLSA records up under the name in the MX
record (RFC 7672 §2.2.2: the CNAME-expanded name first when the alias is signed, then the MX
name; §3.2.2 names the reference identifiers from those names): with the MX renamed, records
published at _25._tcp.<old name> stop applying, and DANE protects the mail only if the new
name's operator publishes TLSA records in a signed zone. The fix now says so when such records
exist; records already found at the alias target's name (looked up first) stay as they are.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from checks import certs, https, mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding
from tests.test_engine_s35e_smtp import HOSTER, OWN_MX, D, _tls_probe
from tests.test_mx import FakeDns

PROBE = _tls_probe(OWN_MX, "192.0.2.50", [HOSTER])
MATCHING = certs.tlsa_record_text(PROBE.chain_der[0], 3, 1, 1)
OTHER_KEY = "3 1 1 " + "ab" * 32
ALIAS = f"mail.{D}"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def _run(
    zone: dict[Any, Any], cnames: dict[str, str] | None = None, module: Any = starttls
) -> list[Finding]:
    async def probe_mx(ctx: Any, host: str, address: str) -> starttls.SmtpProbe:
        return dataclasses.replace(PROBE, host=host, address=address)

    fake = FakeDns(zone, cnames=cnames, ad=True)
    ctx = CheckContext(D, CheckConfig(allow_private_targets=False), dns=fake)  # type: ignore[arg-type]
    with mock.patch.object(starttls, "probe_mx", probe_mx):
        return asyncio.run(module.evaluate(ctx))


def _smtp11(findings: list[Finding]) -> Finding:
    (found,) = [f for f in findings if f.id == "SMTP-11" and f.status == "warn"]
    return found


def _own_zone(**tlsa: list[str]) -> dict[Any, Any]:
    zone: dict[Any, Any] = {(D, "MX"): [f"10 {OWN_MX}."], (OWN_MX, "A"): ["192.0.2.50"]}
    zone.update({(name, "TLSA"): records for name, records in tlsa.items()})
    return zone


def test_the_option_without_tlsa_says_nothing_of_dane() -> None:
    fix = _smtp11(_run(_own_zone())).fix
    assert f"point the MX at it:\n{D}. MX 10 {HOSTER}." in fix, fix
    assert "TLSA" not in fix, fix


@pytest.mark.parametrize("record", [MATCHING, OTHER_KEY], ids=["matching", "other-key"])
def test_renaming_an_mx_with_tlsa_says_the_records_stop_applying(record: str) -> None:
    fix = _smtp11(_run(_own_zone(**{f"_25._tcp.{OWN_MX}": [record]}))).fix
    option = fix.split("can take the place of", 1)[1]
    assert f"TLSA records at _25._tcp.{OWN_MX}" in option, fix
    assert f"look at _25._tcp.{HOSTER} instead" in option, fix
    assert "RFC 7672 §2.2.2" in option
    assert f"only if the operator of {HOSTER} publishes TLSA records there" in option, fix
    said_now = "authenticate this server for DANE senders now" in option
    assert said_now == (record == MATCHING), fix


def test_mtasts32_says_the_same_as_smtp11() -> None:
    zone = _own_zone(**{f"_25._tcp.{OWN_MX}": [MATCHING]})
    zone[(f"_mta-sts.{D}", "TXT")] = ["v=STSv1; id=20261204"]
    smtp11 = _smtp11(_run(zone)).fix
    note = smtp11[smtp11.index("\nDANE:") :]
    body = f"version: STSv1\r\nmode: testing\r\nmx: {OWN_MX}\r\nmax_age: 604800\r\n"

    async def fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0, status=200)
        result.headers = {"content-type": "text/plain"}
        result.body = body.encode()
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result

    with mock.patch.object(https, "fetch", fetch):
        found = _run(zone, module=mtasts)
    (mtasts32,) = [f for f in found if f.id == "MTASTS-32"]
    assert note in mtasts32.fix, mtasts32.fix


def test_an_alias_whose_records_are_at_its_own_name_is_told_they_stop_applying() -> None:
    zone = {
        (D, "MX"): [f"10 {ALIAS}."],
        (HOSTER, "A"): ["192.0.2.50"],
        (f"_25._tcp.{ALIAS}", "TLSA"): [OTHER_KEY],
    }
    fix = _smtp11(_run(zone, cnames={ALIAS: HOSTER})).fix
    assert f"{ALIAS} is an alias (CNAME) of {HOSTER}" in fix, fix
    assert f"TLSA records at _25._tcp.{ALIAS}" in fix, fix
    assert f"look at _25._tcp.{HOSTER} instead" in fix, fix


def test_an_alias_whose_target_has_the_records_keeps_them() -> None:
    zone = {
        (D, "MX"): [f"10 {ALIAS}."],
        (HOSTER, "A"): ["192.0.2.50"],
        (f"_25._tcp.{HOSTER}", "TLSA"): [MATCHING],
    }
    fix = _smtp11(_run(zone, cnames={ALIAS: HOSTER})).fix
    assert f"the TLSA records at _25._tcp.{HOSTER} stay" in fix, fix
    assert "stay the ones DANE senders use" in fix, fix
    assert "instead" not in fix, fix
