"""The three `[[smtp]]` keys task s47j added, read over a raw socket from the lab's own SMTP
server (tests/lab/servers.start_smtp, in this process, no lab and no engine):

- `starttls_second_ehlo`: STARTTLS is left out of the first EHLO's answer and listed in a
  second one's (the STARTTLS command is taken either way);
- `after_starttls_220`: a plaintext line sent behind "220 Ready to start TLS", in the same
  write, before the handshake (RFC 3207 §5);
- `bare_lf`: every reply line ends in LF, not CRLF (RFC 5321 §2.3.8).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.pki import LabPKI
from tests.lab.scenarios import CertSpec, ScenarioError, load_one_host
from tests.lab.servers import JsonLog, start_smtp

# s47j's loopback range is 127.0.40.0-127.0.44.255; a port of the system's choosing, so that
# test processes running side by side do not collide (the lab's MX hosts listen on port 25).
IP = "127.0.44.250"
HOST = "mx.s47j-knob.lab.test"


def test_the_keys_are_read_and_checked(tmp_path: Path) -> None:
    plain = load_one_host(tmp_path, "")
    assert (plain.starttls_second_ehlo, plain.after_starttls_220, plain.bare_lf) == (
        False,
        None,
        False,
    )
    second = load_one_host(tmp_path, "starttls_second_ehlo = true")
    assert second.starttls_second_ehlo and not second.standard_dialogue
    after = load_one_host(tmp_path, 'after_starttls_220 = "250 2.0.0 OK"')
    assert after.after_starttls_220 == "250 2.0.0 OK" and after.standard_dialogue
    assert load_one_host(tmp_path, "bare_lf = true").bare_lf
    with pytest.raises(ScenarioError, match="after_starttls_220"):
        load_one_host(tmp_path, 'after_starttls_220 = "250 a\\r\\n250 b"')
    for extra in ("starttls = false", "starttls_masked = true", "close_after_starttls = true"):
        with pytest.raises(ScenarioError):
            load_one_host(tmp_path, f"starttls_second_ehlo = true\n{extra}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """serve(**knobs): the lab's SMTP server with these row keys, its loop in a thread; returns
    its address."""
    pki = LabPKI()
    cert, key = pki.write_server(pki.leaf(HOST, HOST, CertSpec(sans=(HOST,))), tmp_path, "mx")
    (tmp_path / "mail").mkdir()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    servers: list[asyncio.Server] = []

    def run(**knobs: Any) -> tuple[str, int]:
        row = {"host": HOST, "ip": IP, "port": 0, "cert": str(cert), "key": str(key), **knobs}
        events = JsonLog(tmp_path / "events.jsonl")
        servers.extend(loop.run_until_complete(start_smtp(tmp_path, [row], events)))
        thread.start()
        return IP, servers[0].sockets[0].getsockname()[1]

    async def shut() -> None:
        for s in servers:
            s.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in others:
            t.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    yield run
    if thread.is_alive():
        asyncio.run_coroutine_threadsafe(shut(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    loop.close()


def _read(sock: socket.socket | ssl.SSLSocket) -> bytes:
    """Bytes up to and including a final reply line ('ddd ' ... LF), as they came."""
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
        last = data.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
        if data.endswith(b"\n") and last[3:4] == b" ":
            return data


def _client_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the name is not the point
    return ctx


def test_starttls_is_offered_only_to_a_second_ehlo(serve: Any) -> None:
    address = serve(starttls_second_ehlo=True)
    with socket.create_connection(address, timeout=10) as sock:
        _read(sock)
        sock.sendall(b"EHLO a.lab.test\r\n")
        first = _read(sock)
        sock.sendall(b"EHLO a.lab.test\r\n")
        second = _read(sock)
        assert b"STARTTLS" not in first and first.startswith(b"250-")
        assert b"250-STARTTLS\r\n" in second
        sock.sendall(b"STARTTLS\r\n")
        assert _read(sock).startswith(b"220 ")
        with _client_context().wrap_socket(sock) as tls:
            tls.sendall(b"EHLO a.lab.test\r\n")
            assert b"STARTTLS" not in _read(tls)  # RFC 3207 §4.2, as before


def test_starttls_is_taken_after_one_ehlo_that_did_not_list_it(serve: Any) -> None:
    address = serve(starttls_second_ehlo=True)
    with socket.create_connection(address, timeout=10) as sock:
        _read(sock)
        sock.sendall(b"EHLO a.lab.test\r\n")
        assert b"STARTTLS" not in _read(sock)
        sock.sendall(b"STARTTLS\r\n")
        assert _read(sock).startswith(b"220 ")


def test_a_plaintext_line_follows_the_220_before_the_handshake(serve: Any) -> None:
    address = serve(after_starttls_220="250 2.0.0 plaintext after 220")
    with socket.create_connection(address, timeout=10) as sock:
        _read(sock)
        sock.sendall(b"EHLO a.lab.test\r\n")
        _read(sock)
        sock.sendall(b"STARTTLS\r\n")
        # Both lines come in one write, ahead of any TLS byte: read until the second ends.
        data = b""
        while data.count(b"\r\n") < 2:
            chunk = sock.recv(4096)
            assert chunk
            data += chunk
        assert data == b"220 Ready to start TLS\r\n250 2.0.0 plaintext after 220\r\n"
        # The server then waits for the ClientHello: the handshake and the session work.
        with _client_context().wrap_socket(sock) as tls:
            tls.sendall(b"EHLO a.lab.test\r\n")
            inside = _read(tls)
            assert inside.startswith(b"250-") and b"plaintext" not in inside
            tls.sendall(b"QUIT\r\n")
            assert _read(tls).startswith(b"221 ")


def test_every_reply_line_ends_in_a_bare_lf(serve: Any) -> None:
    address = serve(bare_lf=True)
    with socket.create_connection(address, timeout=10) as sock:
        greeting = _read(sock)
        sock.sendall(b"EHLO a.lab.test\r\n")
        ehlo = _read(sock)
        sock.sendall(b"STARTTLS\r\n")
        go = _read(sock)
        for reply in (greeting, ehlo, go):
            assert b"\r" not in reply and reply.endswith(b"\n"), reply
        assert b"250-STARTTLS\n" in ehlo and go.startswith(b"220 ")
        with _client_context().wrap_socket(sock) as tls:
            tls.sendall(b"EHLO a.lab.test\r\n")
            inside = _read(tls)
            assert b"\r" not in inside and inside.startswith(b"250-")
