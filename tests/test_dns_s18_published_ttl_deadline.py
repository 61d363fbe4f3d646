"""The published-TTL lookup behind TLSRPT-11 (an info note at most) has one deadline: the
zone's name servers' addresses are looked up together, and the whole lookup gives up after
three times the per-query limit (min(timeout, 3 s)). It looked the addresses up one after
another, each allowed the whole check timeout: four silent name-server zones added about
4 × timeout to the TLS-RPT check (review s18rv)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from checks import dns as checks_dns
from checks.config import CheckConfig
from checks.dns import DnsAnswer
from tests.test_mx import FakeDns

DEAD = {"ns1.dead1.net", "ns2.dead2.net", "ns3.dead3.net", "ns4.dead4.net"}


class SlowDns(FakeDns):
    """Name servers in zones that do not answer: each lookup waits `delay`, then SERVFAIL."""

    def __init__(self, zone: dict[Any, Any], delay: float) -> None:
        super().__init__(zone)
        self.delay = delay

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        if name.rstrip(".") in DEAD:
            await asyncio.sleep(self.delay)
            return DnsAnswer(name, rdtype, "SERVFAIL")
        return await super().query(name, rdtype, **kw)


def took(config: CheckConfig, delay: float) -> float:
    zone = {("example.org", "NS"): [f"{n}." for n in sorted(DEAD)]}
    start = time.monotonic()
    found = asyncio.run(
        checks_dns.published_ttl(SlowDns(zone, delay), config, "_smtp._tls.example.org", "TXT")
    )
    assert found is None
    return time.monotonic() - start


def test_silent_name_server_zones_cost_one_wait_not_four() -> None:
    assert took(CheckConfig(timeout=1.0), delay=1.0) < 2.0


def test_the_whole_lookup_has_one_deadline() -> None:
    # Lookups slower than the deadline (3 × 0.5 s) are given up on.
    assert took(CheckConfig(timeout=0.5), delay=5.0) < 2.5
