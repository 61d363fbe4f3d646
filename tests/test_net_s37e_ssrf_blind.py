"""Blind round s37e: the SSRF guard on outbound probes, lab setting OFF.

Expectations written before reading the existing SSRF tests. Each row is (case id, target,
expected): "refused" means checks.net.guard raises TargetRefused with allow_private_targets off,
"allowed" means it lets the address through. Rows W1-W3 were planted wrong and must fail.
The fetch rows go through checks.https.fetch with the default config (private targets off) and
never reach the network: every address is refused by the guard or the exchange is stubbed.

Run (expectations committed in 5b03bae7, 6d5db871, 2dd9d513, 69818ac8, each before its rows
ran), private targets off: 48 passed, 3 failed, the three planted rows (W1-W3) and no other.
No product gap found, so no product change. Noticed and left: the guard refuses a few ranges
IANA's special-purpose registry lists as globally reachable (192.0.0.9/32 and 192.0.0.10/32
PCP/TURN anycast; 2001:1::1/128, 2001:4:112::/48 AS112-v6 and 2001:30::/28 DRIP, all inside the
2001::/23 net.py refuses whole): stricter than needed, no mail server lives there, and never a
private target let through.
"""

from __future__ import annotations

import asyncio

import pytest

from checks import https
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.net import TargetRefused, guard

OFF = CheckConfig(allow_private_targets=False)

ROWS: list[tuple[str, str, str]] = [
    ("G01 IPv4-mapped loopback", "::ffff:127.0.0.1", "refused"),
    ("G02 IPv4-mapped loopback, hex form", "::ffff:7f00:1", "refused"),
    ("G03 NAT64 well-known prefix of RFC 1918", "64:ff9b::10.0.0.1", "refused"),
    ("G04 NAT64 local-use prefix", "64:ff9b:1::a00:1", "refused"),
    ("G05 6to4 of 192.168.1.1", "2002:c0a8:101::1", "refused"),
    ("G06 unspecified v4", "0.0.0.0", "refused"),
    ("G07 unspecified v6", "::", "refused"),
    ("G08 CGNAT 100.64/10", "100.64.0.1", "refused"),
    ("G09 benchmarking 198.18/15", "198.19.255.254", "refused"),
    ("G10 v4 multicast", "224.0.0.1", "refused"),
    ("G11 v6 multicast", "ff02::1", "refused"),
    ("G12 class E 240/4", "240.0.0.1", "refused"),
    ("G13 limited broadcast", "255.255.255.255", "refused"),
    ("G14 ULA fc00::/7", "fd12:3456::1", "refused"),
    ("G15 link-local with zone id", "fe80::1%eth0", "refused"),
    ("G16 public v6 with a zone id", "2606:4700:4700::1111%eth0", "refused"),
    ("G17 decimal literal of 127.0.0.1", "2130706433", "refused"),
    ("G18 octal literal 0177.1", "0177.1", "refused"),
    ("G19 octal dotted quad", "0177.0.0.1", "refused"),
    ("G20 hex literal", "0x7f000001", "refused"),
    ("G21 cloud metadata 169.254.169.254", "169.254.169.254", "refused"),
    ("G22 v6 loopback", "::1", "refused"),
    ("G23 Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "refused"),
    ("G24 IP literal with trailing dot", "127.0.0.1.", "refused"),
    ("G25 IPv4-compatible (deprecated) ::127.0.0.1", "::127.0.0.1", "refused"),
    ("G26 public v4", "8.8.8.8", "allowed"),
    ("G27 public v6", "2606:4700:4700::1111", "allowed"),
    ("G28 NAT64 of a public v4", "64:ff9b::808:808", "allowed"),
    # Planted wrong in 5b03bae7 (W1 'refused', W2 and W3 'allowed'); each failed as planted
    # on the first run and now holds its right value.
    ("W1 public v4", "1.1.1.1", "allowed"),
    ("W2 mapped RFC 1918", "::ffff:10.0.0.1", "refused"),
    ("W3 zoned link-local", "fe80::1%eth0", "refused"),
]


def _verdict(target: str) -> str:
    try:
        guard(target, OFF)
    except (TargetRefused, ValueError):
        return "refused"
    return "allowed"


@pytest.mark.parametrize(("case", "target", "expected"), ROWS, ids=[r[0][:3] for r in ROWS])
def test_guard_row(case: str, target: str, expected: str) -> None:
    assert _verdict(target) == expected, case


def _fetch(url: str) -> https.HttpsResult:
    return asyncio.run(https.fetch(CheckContext("example.org", CheckConfig()), url))


@pytest.mark.parametrize(
    "url",
    [
        "https://evil@127.0.0.1/",  # F01 userinfo before a loopback literal
        "https://user:pw@[::ffff:127.0.0.1]/",  # F02 userinfo + mapped loopback
        "https://[::ffff:a00:1]/.well-known/mta-sts.txt",  # F03 mapped RFC 1918
        "https://127.0.0.1./",  # F04 literal with the root's dot
        "https://[64:ff9b::a9fe:a9fe]/",  # F05 NAT64 of the metadata address
    ],
)
def test_fetch_literal_refused(url: str) -> None:
    result = _fetch(url)
    assert result.status is None
    assert result.error_kind == "refused-target", (url, result.error_kind, result.error)


def test_fetch_zone_id_literal_not_fetched() -> None:
    # F06: a zone id in the URL is never used, whatever the address.
    result = _fetch("https://[fe80::1%25eth0]/")
    assert result.status is None and result.per_address == []
    assert result.error_kind in ("http", "refused-target")


def test_fetch_mixed_addresses_connects_only_to_resolved_public(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # F07 DNS rebinding: a name with public and private addresses. Resolved once; the private
    # ones are refused before any connection; the exchange is given the very address resolved
    # (no second lookup by name), and only the public one.
    lookups: list[str] = []
    exchanged: list[str] = []

    async def look_up(
        ctx: CheckContext, url: str, host: str, result: https.HttpsResult
    ) -> tuple[str, list[str]]:
        lookups.append(host)
        result.host = host
        return host, ["10.0.0.7", "8.8.4.4", "::ffff:127.0.0.1", "fd00::1"]

    async def exchange(self: object, address: str) -> None:
        exchanged.append(address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(https, "_look_up", look_up)
    monkeypatch.setattr(https._Fetch, "_exchange", exchange)
    result = _fetch("https://rebind.example/")
    assert lookups == ["rebind.example"]
    assert exchanged == ["8.8.4.4"]
    kinds = {o.address: o.error_kind for o in result.per_address}
    for private in ("10.0.0.7", "::ffff:127.0.0.1", "fd00::1"):
        assert kinds.get(private, "refused-target") == "refused-target", kinds


def test_fetch_never_follows_a_redirect_to_a_private_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # F08 RFC 8461 §3.3 (the policy fetch must not follow redirects), and the BIMI logo fetch
    # (mailbox providers do not follow them either): a 302 to https://127.0.0.1/ is the answer;
    # nothing is fetched from the Location.
    lookups: list[str] = []
    exchanged: list[str] = []

    async def look_up(
        ctx: CheckContext, url: str, host: str, result: https.HttpsResult
    ) -> tuple[str, list[str]]:
        lookups.append(host)
        result.host = host
        return host, ["8.8.4.4"]

    async def exchange(self: https._Fetch, address: str) -> None:
        exchanged.append(address)
        self.status = 302
        self.headers = {"location": "https://127.0.0.1/.well-known/mta-sts.txt"}
        self.header_values = {"location": ["https://127.0.0.1/.well-known/mta-sts.txt"]}

    monkeypatch.setattr(https, "_look_up", look_up)
    monkeypatch.setattr(https._Fetch, "_exchange", exchange)
    result = _fetch("https://mta-sts.example.org/.well-known/mta-sts.txt")
    assert lookups == ["mta-sts.example.org"]
    assert exchanged == ["8.8.4.4"]
    assert result.status == 302


def test_bimi_redirect_to_a_private_literal_is_never_the_fix() -> None:
    # F09 a logo URL redirecting to a private address: the redirect is not followed, and the
    # target is not offered as the record's new l= (an IP literal is no FQDN: BIMI).
    from checks import bimi

    result = https.HttpsResult(url="https://logo.example/l.svg")
    result.status = 302
    result.headers = {"location": "https://10.0.0.1/l.svg"}
    result.header_values = {"location": ["https://10.0.0.1/l.svg"]}
    redirect = bimi.redirect_of("https://logo.example/l.svg", result, svg=True)
    assert redirect is not None
    assert redirect.target == "https://10.0.0.1/l.svg"
    assert redirect.problem


@pytest.mark.parametrize("host", ["2130706433", "0177.1", "0x7f.0.0.1", "xn--e1afmkfd.example"])
def test_fetch_odd_hosts_are_guarded_after_lookup(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    # F10-F13: a decimal/octal/hex "address" is not taken as 127.0.0.1 by fetch (it is a name,
    # looked up through the engine's resolver); whatever it resolves to passes the guard: here a
    # resolver answering loopback is refused. An IDN (A-label) host likewise.
    exchanged: list[str] = []

    async def look_up(
        ctx: CheckContext, url: str, h: str, result: https.HttpsResult
    ) -> tuple[str, list[str]]:
        result.host = h
        return h, ["127.0.0.1"]

    async def exchange(self: https._Fetch, address: str) -> None:
        exchanged.append(address)

    monkeypatch.setattr(https, "_look_up", look_up)
    monkeypatch.setattr(https._Fetch, "_exchange", exchange)
    result = _fetch(f"https://{host}/")
    assert exchanged == []
    assert result.error_kind == "refused-target", (result.error_kind, result.error)


def test_fetch_idn_host_is_guarded() -> None:
    # F14: a U-label host is converted to its A-label and looked up; an invalid one is the URL's
    # fault ("http"), never a connection.
    result = _fetch("https://\u2488.example/")
    assert result.status is None
    assert result.per_address == []


@pytest.mark.parametrize(
    "address", ["::ffff:127.0.0.1", "64:ff9b::c0a8:1", "fe80::1%eth0", "100.64.1.1", "0.0.0.0"]
)
def test_smtp_probe_to_a_non_public_mx_address_never_connects(address: str) -> None:
    # F15-F19: an MX host's resolved address, private targets off: the probe is refused by the
    # guard before any connection ("guard"), never a connection error or a TLS verdict.
    from checks import starttls

    ctx = CheckContext("example.org", CheckConfig())
    probe = asyncio.run(starttls._run_probe(ctx, "mx.example.org", address))
    assert probe.error_kind == "guard", (probe.error_kind, probe.problem)
    assert probe.connections == 0
    assert not probe.connected


def test_authoritative_ttl_query_never_goes_to_a_non_public_name_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # F20: the published-TTL note asks the zone's own name servers directly (no resolver):
    # a name server whose addresses are private (ns.example.org -> 10.0.0.53, ::ffff:127.0.0.1)
    # is never asked; the public one is, at the very address looked up.
    from checks import dns as engine_dns

    asked: list[str] = []

    class Client:
        async def addresses(self, server: str) -> tuple[list[str], object]:
            return {
                "ns1.example.org": ["10.0.0.53", "::ffff:127.0.0.1"],
                "ns2.example.org": ["8.8.8.8"],
            }[server], None

    async def zone_servers(client: object, name: str) -> tuple[str, list[str]]:
        return "example.org", ["ns1.example.org", "ns2.example.org"]

    async def authoritative_ttl(
        name: str, rdtype: str, address: str, port: int, limit: float
    ) -> int | None:
        asked.append(address)
        return None

    monkeypatch.setattr(engine_dns, "_zone_servers", zone_servers)
    monkeypatch.setattr(engine_dns, "_authoritative_ttl", authoritative_ttl)
    got = asyncio.run(
        engine_dns._published_ttl(Client(), CheckConfig(), "example.org", "TXT", 1.0)  # type: ignore[arg-type]
    )
    assert got is None
    assert asked == ["8.8.8.8"]
