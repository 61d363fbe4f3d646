"""The extra handshakes of one MX probe (without SNI, TLS 1.0/1.1 only, TLS 1.2 only, RSA suites
only) wait for a slow greeting together, not one after another, with no connection more and in
the order a server counting connections always saw (starttls._staggered). Lab f33 (a 2 s
greeting delay) took ~12 s for its STARTTLS check when they ran in turn. Real servers on
127.0.0.1; no lab."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.test_certs import Pki, make_leaf
from tests.test_starttls import ADDR, HOST, run_probe
from tests.test_starttls_s11_dual_certs import _serving

DELAY = 1.0  # seconds each connection waits for the greeting


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


class SlowGreeter:
    """An MX (blocking OpenSSL, TLS 1.0-1.3 allowed) that waits `delay` before each greeting,
    as postscreen does; it notes when each connection's wait began and ended. With `limit`,
    connections after the first `limit` get "421 too many connections" at once (lab f34)."""

    def __init__(self, tls: ssl.SSLContext, delay: float, limit: int = 0) -> None:
        self.tls, self.delay, self.limit = tls, delay, limit
        self.waits: list[tuple[float, float]] = []
        self.refused: list[int] = []
        self.lock = threading.Lock()

    def session(self, conn: socket.socket, index: int) -> None:
        with contextlib.suppress(ssl.SSLError, OSError), conn, conn.makefile("rb") as reader:
            if self.limit and index > self.limit:
                conn.sendall(b"421 4.7.0 mx1.example.test too many connections\r\n")
                return
            began = time.monotonic()
            time.sleep(self.delay)
            with self.lock:
                self.waits.append((began, time.monotonic()))
            conn.sendall(b"220 mx1.example.test ESMTP\r\n")
            reader.readline()
            conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
            reader.readline()
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            secure = self.tls.wrap_socket(conn, server_side=True)
            with secure.makefile("rb") as lines:
                while line := lines.readline():
                    if line.upper().startswith(b"QUIT"):
                        secure.sendall(b"221 bye\r\n")
                        return
                    secure.sendall(b"250 mx1.example.test\r\n")

    def most_waiting_at_once(self) -> int:
        events = sorted([(b, 1) for b, _ in self.waits] + [(e, -1) for _, e in self.waits])
        level = most = 0
        for _, step in events:
            level += step
            most = max(most, level)
        return most

    def __call__(self) -> Callable[[], Awaitable[SimpleNamespace]]:
        count = 0

        def serve(listener: socket.socket) -> None:
            nonlocal count
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                count += 1
                threading.Thread(target=self.session, args=(conn, count), daemon=True).start()

        async def make() -> SimpleNamespace:
            listener = socket.create_server((ADDR, 0))
            threading.Thread(target=serve, args=(listener,), daemon=True).start()
            return SimpleNamespace(sockets=[listener], close=listener.close)

        return make


def _tls(tmp_path: Path, pki: Pki) -> ssl.SSLContext:
    # An ECDSA leaf on a TLS 1.3 server: every extra question is asked (no SNI, old TLS,
    # TLS 1.2 alone, then RSA suites alone, which this server refuses with an alert).
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, [HOST]))
    tls.minimum_version = ssl.TLSVersion.TLSv1
    return tls


def test_the_extra_handshakes_wait_for_a_slow_greeting_together(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    server = SlowGreeter(_tls(tmp_path, pki), DELAY)
    started = time.monotonic()
    probe = run_probe(server(), bundle, timeout=5.0)
    took = time.monotonic() - started
    assert probe.tls_ok and probe.no_sni_ok is True and probe.legacy_checked
    assert probe.tls12_accepted is True and probe.rsa_cert == "none"
    # The same connections as one after another: main, no SNI, old TLS, TLS 1.2, RSA.
    assert probe.connections == len(server.waits) == 5
    # The no-SNI, old-TLS and TLS 1.2 handshakes wait for their greetings at the same time
    # (the RSA one follows the TLS 1.2 answer it depends on); in turn, no two waits overlap.
    # So three greeting waits in a row (main, the three at once, RSA), not five: ~3.1 s here,
    # ~5.2 s in turn (not asserted: a loaded machine is slow either way).
    assert server.most_waiting_at_once() == 3, (server.waits, took)


def test_a_server_counting_connections_sees_them_in_the_usual_order(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    # f34: 421 after two connections. The main session and then the no-SNI handshake get in,
    # as when the questions ran in turn; the later ones are "not tested", never a failure.
    server = SlowGreeter(_tls(tmp_path, pki), 0.2, limit=2)
    probe = run_probe(server(), bundle, timeout=5.0)
    assert probe.tls_ok and probe.no_sni_ok is True
    assert probe.legacy_checked is False  # the 421 taught nothing about TLS 1.0/1.1
    assert probe.tls12_accepted is None and probe.rsa_cert == "untested"
    # Two sessions served, four refused: the first refused handshake is tried once more
    # alone (a cap on simultaneous connections would let it in, ddabf59), is refused too,
    # and so no other is retried.
    assert probe.connections == 6 and len(server.waits) == 2
