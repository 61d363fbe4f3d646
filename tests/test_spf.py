"""SPF: parser units, hypothesis robustness, and evaluator runs against a fake resolver."""

from __future__ import annotations

import asyncio
from typing import Any

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status

# ---------------------------------------------------------------------------------------------
# A fake resolver shared by the SPF, DKIM, DMARC and BIMI tests.

Zone = dict[tuple[str, str], Any]


class FakeDns:
    """Answers from a dict: (name, type) -> list of record texts, or an rcode string.

    TXT values are lists whose items are either one string or a list of character-strings (to
    test concatenation). Missing names are NXDOMAIN unless another type exists there (NODATA).
    """

    def __init__(self, zone: Zone) -> None:
        self.zone = {(normalize(n), t.upper()): v for (n, t), v in zone.items()}
        self.asked: list[tuple[str, str]] = []

    async def query(self, name: str, rdtype: str, *, cd: bool = False) -> DnsAnswer:
        key = (normalize(name), rdtype.upper())
        self.asked.append(key)
        value = self.zone.get(key)
        if isinstance(value, str):
            return DnsAnswer(key[0], key[1], value)
        if value is None:
            exists = any(n == key[0] or n.endswith("." + key[0]) for n, _ in self.zone)
            return DnsAnswer(key[0], key[1], "NOERROR" if exists else "NXDOMAIN")
        records = []
        for item in value:
            if key[1] in ("TXT", "SPF"):
                parts = item if isinstance(item, list) else [item]
                text = " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)
            else:
                text = item
            records.append(
                dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(key[1]), text)
            )
        return DnsAnswer(key[0], key[1], "NOERROR", records=records, ttl=300)

    async def txt(self, name: str) -> DnsAnswer:
        return await self.query(name, "TXT")

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        return [r.to_text() for r in a.records + aaaa.records], [a, aaaa]


def make_ctx(domain: str, zone: Zone, **config: Any) -> CheckContext:
    cfg = CheckConfig(extra_public_suffixes=("test", "lab.test"), **config)
    return CheckContext(domain, cfg, dns=FakeDns(zone))  # type: ignore[arg-type]


def run(module: Any, domain: str, zone: Zone, **config: Any) -> list[Finding]:
    async def go() -> list[Finding]:
        return await module.evaluate(make_ctx(domain, zone, **config))

    return asyncio.run(go())


def flagged(findings: list[Finding]) -> dict[str, set[str]]:
    """{"fail": {ids}, "warn": {ids}, "error": {ids}} for asserting exact expectations."""
    out: dict[str, set[str]] = {"fail": set(), "warn": set(), "error": set()}
    for f in findings:
        if str(f.status) in out:
            out[str(f.status)].add(f.id)
    return out


def statuses(findings: list[Finding], check_id: str) -> list[Status]:
    return [f.status for f in findings if f.id == check_id]


# ---------------------------------------------------------------------------------------------
# Lab scenarios without the lab: the fixture zones of tests/lab/scenarios served by FakeDns.


def scenario_zone(scenario: Any) -> Zone:
    """Turn a scenario's zone-file lines into FakeDns entries (templated TLSA lines skipped)."""
    import dns.zone

    zone: dict[tuple[str, str], list[str]] = {}

    def load(origin: str, lines: tuple[str, ...]) -> None:
        text = "\n".join(line for line in lines if "{" not in line)
        parsed = dns.zone.from_text(
            f"$ORIGIN {origin}.\n$TTL 300\n@ SOA ns. h. 1 2 3 4 5\n@ NS ns.\n{text}\n",
            origin=origin,
            relativize=False,
            check_origin=False,
        )
        for name, node in parsed.nodes.items():
            for rdataset in node.rdatasets:
                rtype = dns.rdatatype.to_text(rdataset.rdtype)
                if rtype in ("SOA", "NS"):
                    continue
                key = (normalize(name.to_text()), rtype)
                for rdata in rdataset:
                    if rtype == "TXT":
                        zone.setdefault(key, []).append(  # type: ignore[arg-type]
                            [s.decode("utf-8", "replace") for s in rdata.strings]
                        )
                    else:
                        zone.setdefault(key, []).append(rdata.to_text())

    load(scenario.domain, scenario.records)
    for origin, lines in scenario.other_zones.items():
        load(origin, lines)
    return zone  # type: ignore[return-value]


def scenario_bodies(scenario: Any) -> dict[str, bytes]:
    """https://host/path -> body, for faking the logo fetch."""
    bodies: dict[str, bytes] = {}
    for host in scenario.https:
        for served in getattr(host, "files", ()):
            body = getattr(served, "body", None)
            if body is not None:
                data = body.encode() if isinstance(body, str) else bytes(body)
                bodies[f"https://{host.host}{served.path}"] = data
    return bodies


def _scenarios() -> list[Any]:
    try:
        from tests.lab.scenarios import load_scenarios
    except ImportError:
        return []
    return load_scenarios()


OWN_PREFIXES = ("SPF-", "DKIM-", "DMARC-", "BIMI-")


def test_scenario_zone_roundtrip() -> None:
    scenarios = {s.domain: s for s in _scenarios()}
    if "f39d.lab.test" not in scenarios:
        return
    zone = scenario_zone(scenarios["f39d.lab.test"])
    assert zone[("f39d.lab.test", "TXT")] == [["v=spf1 ip4:127.0.60.1", "ip4:127.0.60.2 -all"]]
