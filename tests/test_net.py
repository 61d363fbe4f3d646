"""The SSRF guard: special-purpose addresses are refused before any TCP connection is made."""

from __future__ import annotations

import asyncio
import socket

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest

from checks import net, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Status


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "192.0.2.10",  # documentation
        "198.18.0.1",  # benchmarking
        "::1",
        "::",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::1",  # local-use NAT64
        "2001:db8::1",
        "2001::1",  # Teredo
        "ff02::1",
        "not an address",
    ],
)
def test_refused(address: str) -> None:
    assert not net.is_public_address(address)
    with pytest.raises((net.TargetRefused, ValueError)):
        net.guard(address, CheckConfig())


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_allowed(address: str) -> None:
    assert net.is_public_address(address)
    net.guard(address, CheckConfig())


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", "private"),
        ("fd12:3456::1", "private"),
        ("100.64.0.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("192.0.2.10", "reserved"),
        ("8.8.8.8", None),
        ("not an address", None),
    ],
)
def test_non_public_kind(address: str, kind: str | None) -> None:
    assert net.non_public_kind(address) == kind


def test_describe_non_public() -> None:
    assert net.describe_non_public(["10.1.2.3"]) == "the private address 10.1.2.3"
    assert net.describe_non_public(["10.1.2.3", "::1"]) == (
        "the non-public addresses 10.1.2.3 (private), ::1 (loopback)"
    )


def test_lab_mode_allows_private_but_not_garbage() -> None:
    config = CheckConfig(allow_private_targets=True)
    net.guard("127.0.0.1", config)
    with pytest.raises(ValueError):
        net.guard("mx.example.com", config)


def test_open_connection_refuses_before_connecting() -> None:
    async def main() -> None:
        with pytest.raises(net.TargetRefused):
            await net.open_connection("127.0.0.1", 9, CheckConfig())

    asyncio.run(main())


class _StubDns(asyncio.DatagramProtocol):
    """A tiny authoritative-style answerer: MX and A records from a dict."""

    def __init__(self, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = records

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        key = (question.name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(question.rdtype))
        values = self.records.get(key, [])
        if values:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, "IN", question.rdtype, values)
            )
        response.flags |= dns.flags.RA
        self.transport.sendto(response.to_wire(), addr)  # type: ignore[attr-defined]


def test_probe_of_loopback_mx_is_refused_without_connecting() -> None:
    """End to end: MX → A 127.0.0.2, allow_private_targets off → 'guard' error, zero accepts."""
    accepts = 0

    async def main() -> None:
        nonlocal accepts
        loop = asyncio.get_running_loop()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal accepts
            accepts += 1
            writer.close()

        listener = await asyncio.start_server(on_connect, "127.0.0.2", 0)
        port = listener.sockets[0].getsockname()[1]
        records = {
            ("victim.test", "MX"): ["10 mx.victim.test."],
            ("mx.victim.test", "A"): ["127.0.0.2"],
        }
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _StubDns(records), local_addr=("127.0.0.3", 0), family=socket.AF_INET
        )
        dns_port = transport.get_extra_info("sockname")[1]
        config = CheckConfig(
            resolvers=(("127.0.0.3", dns_port),),
            allow_private_targets=False,
            smtp_port=port,
            timeout=2.0,
            probe_cache_seconds=0,
        )
        try:
            ctx = CheckContext("victim.test", config)
            probe = await starttls.probe_mx(ctx, "mx.victim.test", "127.0.0.2")
            assert probe.error_kind == "guard" and not probe.connected
            assert probe.could_not_check
            findings = await starttls.evaluate(ctx)
            smtp01 = [f for f in findings if f.id == "SMTP-01"]
            # Not "could not check": no sender on the internet can reach a loopback MX.
            assert [f.status for f in smtp01] == [Status.FAIL], findings
            assert "only the loopback address 127.0.0.2" in smtp01[0].summary
            assert smtp01[0].subject == "mx.victim.test"  # the host: all its addresses
            assert accepts == 0  # refused before any TCP connection
            # Sanity: with the guard off the very same setup does connect.
            lab = CheckContext(
                "victim.test", CheckConfig(**{**config.__dict__, "allow_private_targets": True})
            )
            await starttls.probe_mx(lab, "mx.victim.test", "127.0.0.2")
        finally:
            transport.close()
            listener.close()

    asyncio.run(main())
    assert accepts >= 1  # only the allow_private_targets=True sanity probe connected
