"""The SSRF guard and the guarded HTTPS fetch on inputs found in the second review."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from checks import https, net
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.https import fetch
from tests.test_https import StubDns


@pytest.mark.parametrize("address", ["3fff::1", "3fff:fff:ffff::1"])
def test_it_refuses_the_rfc9637_documentation_prefix(address: str) -> None:
    # 3fff::/20 is documentation space like 2001:db8::/32 (not globally reachable, IANA
    # special-purpose registry); Python 3.11's ipaddress still calls it global.
    assert not net.is_public_address(address)
    with pytest.raises(net.TargetRefused):
        net.guard(address, CheckConfig())


def test_it_refuses_only_the_documentation_prefix_not_its_neighbour() -> None:
    assert net.is_public_address("3fff:1000::1")  # just past 3fff::/20
    assert net.is_public_address("2a00:1450:4001::1")


# --- the guarded HTTPS fetch ---------------------------------------------------------------


class _CountingListener:
    """Accepts on every 127.x address at one port and records which addresses were reached."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.reached: set[str] = set()
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.reached.add(conn.getsockname()[0])
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def test_it_connects_to_a_bounded_number_of_a_hosts_addresses() -> None:
    # A BIMI l= host is anyone's DNS name; 40 A records must not become 40 connections.
    listener = _CountingListener()
    addresses = [f"127.0.1.{i}" for i in range(1, 41)]
    stub = StubDns({"logo.example.net": addresses})
    try:
        cfg = stub.config(allow_private_targets=True, https_port=listener.port)
        result = asyncio.run(
            fetch(CheckContext("example.net", cfg), "https://logo.example.net/logo.svg")
        )
    finally:
        stub.close()
        listener.close()
    limit = https.MAX_ADDRESSES_PER_FAMILY
    assert [o.address for o in result.per_address] == addresses[:limit]
    assert result.not_tried == addresses[limit:]
    assert result.evidence()["not_tried"] == addresses[limit:]
    assert listener.reached <= set(addresses[:limit])


def test_the_address_cap_keeps_both_families() -> None:
    v4 = [f"192.0.2.{i}" for i in range(1, 10)]
    v6 = [f"2001:db8::{i}" for i in range(1, 10)]
    tried, rest = https._addresses_to_try(v4 + v6)
    limit = https.MAX_ADDRESSES_PER_FAMILY
    assert tried == v4[:limit] + v6[:limit]
    assert rest == v4[limit:] + v6[limit:]
