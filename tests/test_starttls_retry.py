"""A hang-up during the TLS handshake is tried once more before STARTTLS is called broken, and
a handshake that does not finish in time is "could not check" (checklist §0)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks.findings import Status
from tests.test_certs import Pki
from tests.test_starttls import ADDR, HOST, _server_context, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def flaky_server(
    tls: ssl.SSLContext, hang_ups: int, stall: bool = False, faults: list[str] | None = None
) -> Callable[[], Awaitable[asyncio.Server]]:
    """An MX whose first `hang_ups` connections close right after "220 Ready to start TLS"
    (or, with `stall`, never answer the handshake); later ones speak TLS. `faults` names each
    connection's fault in turn instead ("hang-up", "reset" or "stall")."""
    count = 0
    lock = threading.Lock()
    stalled: list[socket.socket] = []

    def session(conn: socket.socket, fault: bool, stall: bool = stall, reset: bool = False) -> None:
        with contextlib.suppress(ssl.SSLError, OSError), conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 mx1.example.test ESMTP\r\n")
            reader.readline()
            conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
            reader.readline()
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            if fault and stall:
                stalled.append(conn)
                threading.Event().wait(10)
                return
            if fault and reset:
                # SO_LINGER 0: the close is a TCP reset, as from a server that drops the
                # connection with our ClientHello unread.
                # Once the ClientHello is here, so the reset meets the handshake, not "220".
                conn.recv(5)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if fault:
                return  # closes with no TLS alert
            secure = tls.wrap_socket(conn, server_side=True)
            with secure.makefile("rb") as lines:
                while line := lines.readline():
                    if line.upper().startswith(b"QUIT"):
                        secure.sendall(b"221 bye\r\n")
                        return
                    secure.sendall(b"250 mx1.example.test\r\n")

    def serve(listener: socket.socket) -> None:
        nonlocal count
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with lock:
                count += 1
                if faults is not None:
                    kind = faults[count - 1] if count <= len(faults) else ""
                    args = (conn, bool(kind), kind == "stall", kind == "reset")
                else:
                    args = (conn, count <= hang_ups, stall)
            threading.Thread(target=session, args=args, daemon=True).start()

    async def make() -> asyncio.Server:
        listener = socket.create_server((ADDR, 0))
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        return SimpleNamespace(sockets=[listener], close=listener.close)  # type: ignore[return-value]

    return make


def test_one_hang_up_is_tried_again_and_passes(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, hang_ups=1), bundle)
    assert probe.tls_ok and probe.error_kind is None
    assert _findings(probe)["SMTP-04"].status == Status.PASS


def test_a_hang_up_every_time_fails(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, hang_ups=2), bundle)
    assert probe.error_kind == "tls-handshake"
    assert probe.problem.endswith("without a TLS alert (twice in a row)")
    # Two sessions, then (s29f) one offering NULL-encryption suites alone, as a hang-up is
    # also how asyncio servers answer "no shared cipher"; this server drops that one too.
    assert probe.connections == 3
    assert probe.null_cipher == ""
    smtp04 = _findings(probe)["SMTP-04"]
    assert smtp04.status == Status.FAIL and "twice in a row" in smtp04.summary
    assert "SMTP-08" not in _findings(probe)


def test_a_reset_and_a_close_are_one_fault_twice(pki: Pki, tmp_path: Path) -> None:
    # Whether a client sees a close or a reset depends on timing; either is a hang-up.
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=["reset", "hang-up"]), bundle)
    assert probe.error_kind == "tls-handshake"
    assert probe.problem == (
        "the TLS handshake failed: the server closed the connection without a TLS alert "
        "(twice in a row)"
    )
    assert _findings(probe)["SMTP-04"].status == Status.FAIL


def test_a_handshake_that_does_not_finish_in_time_is_tried_again(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, hang_ups=1, stall=True), bundle, timeout=1.0)
    assert probe.tls_ok and probe.error_kind is None
    assert _findings(probe)["SMTP-04"].status == Status.PASS


def test_a_handshake_that_never_finishes_is_could_not_check(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, hang_ups=2, stall=True), bundle, timeout=1.0)
    assert probe.error_kind == "timeout" and probe.could_not_check
    assert probe.problem == "the TLS handshake did not finish within 1s (twice in a row)"
    assert probe.connections == 2
    found = _findings(probe)
    assert found["SMTP-04"].status == Status.ERROR
    # The SMTP side answered: reachability is not in doubt, only the TLS part.
    assert found["SMTP-01"].status == Status.PASS


@pytest.mark.parametrize("faults", [["stall", "hang-up"], ["hang-up", "stall"]])
def test_a_timeout_in_either_try_stays_could_not_check(
    pki: Pki, tmp_path: Path, faults: list[str]
) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=faults), bundle, timeout=1.0)
    assert probe.error_kind == "timeout" and probe.could_not_check, probe.problem
    assert probe.connections == 2
    # Each try as it went.
    assert "the TLS handshake did not finish within 1s" in probe.problem
    assert "without a TLS alert" in probe.problem and "tried again" in probe.problem
    assert _findings(probe)["SMTP-04"].status == Status.ERROR


def test_extra_handshakes_that_time_out_are_not_tested(pki: Pki, tmp_path: Path) -> None:
    # The main session works; the handshakes without SNI (SMTP-13) and with TLS 1.0/1.1 only
    # (SMTP-07) never finish. Slow is not broken: no "fails without SNI" warning, and no
    # claim that old versions are refused.
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=["", "stall", "stall"]), bundle, timeout=1.0)
    assert probe.tls_ok and probe.error_kind is None
    assert probe.no_sni_ok is None and not probe.legacy_checked
    found = _findings(probe)
    assert "SMTP-13" not in found
    smtp07 = found["SMTP-07"]
    assert smtp07.status == Status.PASS and "refuses" not in smtp07.summary
    assert smtp07.summary.endswith("could not be tested this time).")
