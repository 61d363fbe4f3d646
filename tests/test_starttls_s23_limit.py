"""A server that caps how many of our connections it serves AT ONCE (Postfix
smtpd_client_connection_count_limit, Exim smtp_accept_max_per_host) turns away the extra
handshakes that run together since 8372543 (starttls._staggered): a 421 greeting, or the
connection closed or reset before one. Such a handshake, turned away while another of the probe's
was connected, is tried once more alone after the others have finished, within the probe's time
budget (TLS12_QUESTION_WITHIN): the old-TLS, TLS 1.2 and RSA answers come back instead of "not
tested". A server refusing it alone too keeps today's answers. Real servers on 127.0.0.1; no
lab."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import starttls
from tests.test_certs import Pki, make_leaf
from tests.test_starttls import ADDR, HOST, run_probe
from tests.test_starttls_s11_dual_certs import _serving
from tests.test_starttls_s23_concurrent import SlowGreeter


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _tls(tmp_path: Path, pki: Pki) -> ssl.SSLContext:
    # An ECDSA leaf on a TLS 1.3 server taking TLS 1.0 too: every extra question is asked (no
    # SNI, old TLS, TLS 1.2 alone, then RSA suites alone, which it refuses with an alert).
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, [HOST]))
    tls.minimum_version = ssl.TLSVersion.TLSv1
    return tls


class CappedServer:
    """An MX (blocking OpenSSL) serving at most `cap` connections at once; one more is turned
    away at once as `refusal` says: "421" a 421 greeting, "close" closed before any greeting,
    "reset" reset. A served connection counts from its accept until our QUIT (or its end).
    Each served session waits `delay` before each reply until STARTTLS is answered, or
    `slow[n]` for connection n (1-based, refused ones counted too)."""

    def __init__(
        self,
        tls: ssl.SSLContext,
        cap: int,
        *,
        refusal: str = "421",
        delay: float = 0.2,
        slow: dict[int, float] | None = None,
    ) -> None:
        self.tls, self.cap, self.refusal, self.delay = tls, cap, refusal, delay
        self.slow = slow or {}
        self.open = self.most = 0
        self.served: list[int] = []
        self.refused: list[int] = []
        self.lock = threading.Lock()

    def _turn_away(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            if self.refusal == "421":
                conn.sendall(b"421 4.7.0 mx1.example.test Error: too many connections\r\n")
            elif self.refusal == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _session(self, conn: socket.socket, index: int) -> None:
        released = False

        def release() -> None:
            nonlocal released
            with self.lock:
                if not released:
                    released = True
                    self.open -= 1

        wait = self.slow.get(index, self.delay)
        try:
            with contextlib.suppress(ssl.SSLError, OSError), conn, conn.makefile("rb") as reader:
                time.sleep(wait)
                conn.sendall(b"220 mx1.example.test ESMTP\r\n")
                reader.readline()
                time.sleep(wait)
                conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
                reader.readline()
                time.sleep(wait)
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                secure = self.tls.wrap_socket(conn, server_side=True)
                with secure.makefile("rb") as lines:
                    while line := lines.readline():
                        if line.upper().startswith(b"QUIT"):
                            release()
                            secure.sendall(b"221 bye\r\n")
                            return
                        secure.sendall(b"250 mx1.example.test\r\n")
        finally:
            release()

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
                with self.lock:
                    full = self.open >= self.cap
                    if full:
                        self.refused.append(count)
                    else:
                        self.open += 1
                        self.most = max(self.most, self.open)
                        self.served.append(count)
                if full:
                    self._turn_away(conn)
                else:
                    threading.Thread(target=self._session, args=(conn, count), daemon=True).start()

        async def make() -> SimpleNamespace:
            listener = socket.create_server((ADDR, 0))
            threading.Thread(target=serve, args=(listener,), daemon=True).start()
            return SimpleNamespace(sockets=[listener], close=listener.close)

        return make


@pytest.mark.parametrize("refusal", ["421", "close", "reset"])
def test_one_connection_at_once_still_answers_every_question(
    pki: Pki, bundle: str, tmp_path: Path, refusal: str
) -> None:
    # The old-TLS and TLS 1.2 handshakes connect while the no-SNI one waits for its greeting:
    # both turned away. Each is asked once more alone, after the no-SNI one, and the RSA
    # question follows the TLS 1.2 answer alone too.
    server = CappedServer(_tls(tmp_path, pki), 1, refusal=refusal)
    probe = run_probe(server(), bundle, timeout=5.0)
    assert probe.tls_ok and probe.tls_version == "TLSv1.3" and probe.no_sni_ok is True
    assert probe.legacy_checked is True  # was False: the refusal taught nothing of TLS 1.0/1.1
    assert probe.tls12_accepted is True  # was None, "not tested"
    assert probe.rsa_cert == "none"  # was "untested"
    assert "TLSv1.2" in probe.tls_versions_accepted
    # Every question answered once (main, no SNI, old TLS, TLS 1.2, RSA), each refused one
    # tried once more: one connection more per refusal, and never two served at once.
    assert len(server.served) == 5 and len(server.refused) == 2 and server.most == 1


def test_two_connections_at_once_still_answers_the_tls12_question(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    # The no-SNI and old-TLS handshakes get in; the TLS 1.2 one is the third at once.
    server = CappedServer(_tls(tmp_path, pki), 2)
    probe = run_probe(server(), bundle, timeout=5.0)
    assert probe.tls_ok and probe.no_sni_ok is True and probe.legacy_checked is True
    assert probe.tls12_accepted is True and probe.rsa_cert == "none"
    assert len(server.served) == 5 and server.refused == [4] and server.most == 2
    assert probe.connections == 6


def test_the_retries_end_with_the_probes_budget(pki: Pki, bundle: str, tmp_path: Path) -> None:
    # timeout 1.5 s: the optional questions have until 6 s into the probe. The no-SNI session
    # takes ~3.4 s (1.1 s before each reply); the old-TLS retry after it is quick; the TLS 1.2
    # retry (connection 6) would take ~3.4 s more, past 6 s, each reply still in time: it is
    # cut at the budget's end, "not tested" (never a failure), and no RSA question follows.
    timeout = 1.5
    server = CappedServer(_tls(tmp_path, pki), 1, slow={2: 1.1, 6: 1.1}, delay=0.0)
    probe = run_probe(server(), bundle, timeout=timeout)
    assert probe.tls_ok and probe.no_sni_ok is True
    assert probe.legacy_checked is True
    assert probe.tls12_accepted is None and probe.rsa_cert == "untested"
    assert server.refused == [3, 4] and server.served == [1, 2, 5, 6]
    # Cut at the budget's end (~6 s), not run to its own (~7 s).
    assert probe.elapsed_ms / 1000 < starttls.TLS12_QUESTION_WITHIN * timeout + 0.6


def test_a_server_refusing_it_alone_too_keeps_its_answers(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    # Lab f34: 421 after two connections in all. The first retry alone is refused too, so the
    # refusals are not about connections at once: no other is retried. The answers are the
    # ones before (not tested), at the cost of one connection.
    server = SlowGreeter(_tls(tmp_path, pki), 0.2, limit=2)
    probe = run_probe(server(), bundle, timeout=5.0)
    assert probe.tls_ok and probe.no_sni_ok is True
    assert probe.legacy_checked is False
    assert probe.tls12_accepted is None and probe.rsa_cert == "untested"
    assert len(server.waits) == 2 and probe.connections == 6
