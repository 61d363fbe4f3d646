"""The SSRF guard and the guarded HTTPS fetch on inputs found in the second review."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import pytest

from checks import https, net
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.https import fetch
from tests.test_https import StubDns, TlsServer


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


_LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps"/>'


def _fetch_from(tmp: Path, server_host: str, url: str) -> tuple[https.HttpsResult, TlsServer]:
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(_LOGO), _LOGO)
    server = TlsServer(tmp, server_host, response)
    stub = StubDns({server_host: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True, https_port=server.port, ca_bundle=server.ca_bundle
        )
        result = asyncio.run(fetch(CheckContext("example.net", cfg), url))
    finally:
        stub.close()
        server.close()
    return result, server


def test_it_fetches_a_url_whose_path_is_not_ascii(tmp_path: Path) -> None:
    # A BIMI record is read as UTF-8, so l= can carry "ö" or a space; the fetch used to raise
    # UnicodeEncodeError (the whole BIMI check ended as an internal error).
    result, server = _fetch_from(
        tmp_path, "logo.example.net", "https://logo.example.net/m\u00e4rke logo.svg?v=1"
    )
    assert result.ok and result.status == 200, result.error
    assert b"GET /m%C3%A4rke%20logo.svg?v=1 HTTP/1.1" in server.requests[0]


def test_it_fetches_from_an_idn_host_by_its_a_label(tmp_path: Path) -> None:
    result, server = _fetch_from(
        tmp_path, "xn--mrke-loa.example.net", "https://m\u00e4rke.example.net/logo.svg"
    )
    assert result.ok and result.status == 200, result.error
    assert result.host == "xn--mrke-loa.example.net"
    assert b"\r\nHost: xn--mrke-loa.example.net:" in server.requests[0]


def test_an_invalid_idn_host_is_a_bad_url_not_a_crash() -> None:
    cfg = CheckConfig(resolvers=(("127.0.0.1", 9),), timeout=0.5)
    result = asyncio.run(
        fetch(CheckContext("example.net", cfg), "https://a\u200db.example.net/logo.svg")
    )
    assert result.error_kind == "http" and "internationalised" in result.error


def test_port_zero_is_refused_not_read_as_the_default() -> None:
    cfg = CheckConfig(resolvers=(("127.0.0.1", 9),), timeout=0.5)
    result = asyncio.run(fetch(CheckContext("example.net", cfg), "https://mta-sts.example.net:0/x"))
    assert result.error_kind == "http" and "port 0" in result.error
    assert result.dns == []  # refused before any lookup


@pytest.mark.parametrize(
    "url",
    ["https://logo..example.net/l.svg", f"https://{'a' * 64}.example.net/l.svg", "https://./l.svg"],
)
def test_a_host_that_is_no_dns_name_is_a_bad_url_not_could_not_check(url: str) -> None:
    # A typo in a BIMI l= must read as the record's fault (BIMI-09 fail), not as a DNS
    # lookup that could not be done (dns_failed: "could not check").
    cfg = CheckConfig(resolvers=(("127.0.0.1", 9),), timeout=0.5)
    result = asyncio.run(fetch(CheckContext("example.net", cfg), url))
    assert result.error_kind == "http" and "not a valid host name" in result.error
    assert not result.dns_failed


def test_the_certificate_capture_connection_takes_a_connection_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a verification failure a second connection records the certificate; it must
    # count against max_connections like the first (the cap on one check's connections).
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    server = TlsServer(tmp_path, "logo.example.net", response, sans=["other.example.net"])
    stub = StubDns({"logo.example.net": ["127.0.0.1"]})
    cfg = stub.config(
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=server.ca_bundle,
        max_connections=1,
    )
    ctx = CheckContext("example.net", cfg)
    slot_held: list[bool] = []
    real_open = https.open_connection

    async def recording_open(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        slot_held.append(ctx.connections.locked())
        return await real_open(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(https, "open_connection", recording_open)
    try:
        result = asyncio.run(fetch(ctx, "https://logo.example.net/logo.svg"))
    finally:
        stub.close()
        server.close()
    assert result.error_kind == "tls-cert"
    assert result.cert is not None and result.cert.sans == ["other.example.net"]
    assert slot_held == [True, True]
