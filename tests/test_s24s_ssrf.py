"""Round s24s: the SSRF guard audited from the outside, over the whole engine.

Every socket the engine opens is watched through Python's audit events (socket.connect and
socket.sendto, raised by the socket module itself for asyncio's and dnspython's sockets alike),
while a hostile zone points every name the engine follows (MX hosts, the MTA-STS policy host,
BIMI l=/a= hosts, name servers, TLS-RPT https report hosts) at private, loopback, link-local,
CGNAT, multicast, reserved and IPv6-wrapped IPv4 addresses. Nothing may be sent to any of them;
what could not be checked says so ("could not check", never "fail", for the policy and BIMI
fetches). The control run with the lab's setting on shows the watch sees connections.

Also: the report names an IPv6 address that leads to an IPv4 host (NAT64, 6to4) by that host's
kind ('loopback' for 64:ff9b::7f00:1), as the guard judges it; it said 'reserved'.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from checks import engine, net, starttls
from checks.config import CheckConfig
from checks.findings import DomainReport, Status
from tests.test_engine_s19z_nomail import in_memory_dns
from tests.test_mx import FakeDns

_WATCHING: list[list[tuple[str, str, int]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCHING or event not in ("socket.connect", "socket.sendto"):
        return
    address = args[1]
    if isinstance(address, tuple) and len(address) >= 2:
        _WATCHING[-1].append((event, str(address[0]), int(address[1])))


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only inside watching()


@contextmanager
def watching() -> Iterator[list[tuple[str, str, int]]]:
    seen: list[tuple[str, str, int]] = []
    _WATCHING.append(seen)
    try:
        yield seen
    finally:
        _WATCHING.pop()


D = "victim.example.org"
BAD_V4 = [
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "127.0.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
]
BAD_V6 = [
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "2002:7f00:1::",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
]


def _hostile_zone() -> dict[tuple[str, str], list[str] | str]:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"{i} mx{i}.{D}." for i in range(len(BAD_V4))],
        (D, "A"): ["127.0.0.1"],
        (D, "NS"): [f"ns{i}.{D}." for i in range(4)],
        (D, "TXT"): ['"v=spf1 mx a -all"'],
        (f"_mta-sts.{D}", "TXT"): ['"v=STSv1; id=1"'],
        (f"mta-sts.{D}", "A"): BAD_V4,
        (f"mta-sts.{D}", "AAAA"): BAD_V6,
        (f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua=https://rua.{D}:8443/r"'],
        (f"rua.{D}", "A"): ["169.254.169.254"],
        (f"_dmarc.{D}", "TXT"): ['"v=DMARC1; p=reject"'],
        (f"default._bimi.{D}", "TXT"): [
            f'"v=BIMI1; l=https://logo.{D}/l.svg; a=https://vmc.{D}/a.pem"'
        ],
        (f"logo.{D}", "A"): ["10.0.0.5"],
        (f"logo.{D}", "AAAA"): ["::1"],
        (f"vmc.{D}", "A"): ["169.254.169.254"],
        (f"vmc.{D}", "AAAA"): ["fd00:ec2::254"],
    }
    for i, (v4, v6) in enumerate(zip(BAD_V4, BAD_V6, strict=True)):
        zone[(f"mx{i}.{D}", "A")] = [v4]
        zone[(f"mx{i}.{D}", "AAAA")] = [v6]
    for i in range(4):
        zone[(f"ns{i}.{D}", "A")] = [BAD_V4[i]]
        zone[(f"ns{i}.{D}", "AAAA")] = [BAD_V6[i]]
    return zone


def _check(zone: dict[tuple[str, str], list[str] | str], **config: Any) -> DomainReport:
    starttls.clear_cache()
    with in_memory_dns(FakeDns(zone)):
        return asyncio.run(engine.check_domain(D, CheckConfig(timeout=0.5, **config)))


BIMI = [("BIMI-09", "logo", "l.svg"), ("BIMI-10", "vmc", "a.pem")]


def test_nothing_is_sent_to_a_non_public_address_whatever_the_records_say() -> None:
    with watching() as seen:
        report = _check(_hostile_zone())
    assert seen == []
    by_id = {(f.id, f.subject): f for f in report.findings}
    policy_url = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
    assert by_id[("MTASTS-11", policy_url)].status == Status.ERROR
    # The fetches that were refused are "could not check", and say why.
    refused = [
        f
        for f in report.findings
        if f.id.startswith(("MTASTS-", "BIMI-"))
        and (
            # The guard names the address's kind (s34g): "10.0.0.5 is not a public address
            # (private); refused".
            "is not a public address (" in f.summary
            # MTASTS-11 names them and their kind when every address was refused (s24i).
            or "so mailsec did not connect to them" in f.summary
        )
    ]
    assert {f.id for f in refused} >= {"MTASTS-11", "BIMI-09", "BIMI-10"}
    assert all(f.status in (Status.ERROR, Status.INFO) for f in refused), [
        (f.id, f.status) for f in refused
    ]
    assert all(by_id[(i, f"https://{h}.{D}/{p}")].status == Status.ERROR for i, h, p in BIMI)


def test_the_watch_sees_a_connection_when_the_lab_setting_allows_loopback() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): ["127.0.0.1"],
    }
    with watching() as seen:
        _check(zone, allow_private_targets=True, smtp_port=9, mechanisms=("smtp",))
    assert ("socket.connect", "127.0.0.1", 9) in seen


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::10.0.0.1", "private"),
        ("64:ff9b::169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),
        ("2002:c0a8:101::1", "private"),
        ("2002:a9fe:a9fe::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b:1::1", "reserved"),  # local-use NAT64: where it leads is not known
        ("::127.0.0.1", "reserved"),  # IPv4-compatible: deprecated, reaches no IPv4 host
    ],
)
def test_an_ipv6_form_of_an_ipv4_host_is_named_by_that_host(address: str, kind: str) -> None:
    assert not net.is_public_address(address)
    assert net.non_public_kind(address) == kind


def test_the_mx_finding_names_nat64_loopback_as_loopback() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "AAAA"): ["64:ff9b::7f00:1"],
    }
    report = _check(zone, mechanisms=("mx",))
    mx06 = [f for f in report.findings if f.id == "MX-06"]
    assert mx06 and "loopback address 64:ff9b::7f00:1" in mx06[0].summary, [f.summary for f in mx06]
