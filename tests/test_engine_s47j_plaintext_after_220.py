"""A server that sends a plaintext line behind its "220 Ready to start TLS", before the
handshake (blind round s47j, plain220). RFC 3207 §4.2, §5: nothing from before TLS may be taken
as said inside it; a client that reads the line as the answer to its first command inside TLS
is open to response injection. A careful client discards it, as the engine now does, and
SMTP-06 says what the server sent. It read the line as the answer to the NOOP its injection
probe pipelines behind STARTTLS, and blamed the server for executing that command inside TLS
(CVE-2011-0411), which this server does not do. The line is quoted as other replies are,
control characters escaped, not as a Python repr (s47n)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
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


def plaintext_server(
    tls: ssl.SSLContext, after_220: bytes
) -> Callable[[], Awaitable[asyncio.Server]]:
    """An MX that sends `after_220` right behind the 220 to STARTTLS, in the same write, and
    discards whatever the client sent before the handshake (RFC 3207 §4.2)."""

    def session(conn: socket.socket) -> None:
        with contextlib.suppress(ssl.SSLError, OSError), conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 mx1.example.test ESMTP\r\n")
            reader.readline()
            conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
            reader.readline()  # STARTTLS; a NOOP behind it stays in this buffer, discarded
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n" + after_220)
            secure = tls.wrap_socket(conn, server_side=True)
            with secure.makefile("rb") as lines:
                while line := lines.readline():
                    if line.upper().startswith(b"QUIT"):
                        secure.sendall(b"221 bye\r\n")
                        return
                    secure.sendall(b"250 mx1.example.test\r\n")

    def serve(listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=session, args=(conn,), daemon=True).start()

    async def make() -> asyncio.Server:
        listener = socket.create_server((ADDR, 0))
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        return SimpleNamespace(sockets=[listener], close=listener.close)  # type: ignore[return-value]

    return make


def test_a_plaintext_line_after_the_220_is_discarded_and_named(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    probe = run_probe(plaintext_server(tls, b"250 2.0.0 OK\r\n"), pki.bundle(str(tmp_path / "ca")))
    assert probe.tls_ok and probe.post_tls_ehlo_ok
    assert probe.plaintext_after_starttls == "250 2.0.0 OK"
    smtp06 = _findings(probe)["SMTP-06"]
    assert smtp06.status == Status.WARN
    text = smtp06.summary.lower()
    assert "'250 2.0.0 ok'" in text and "before the tls handshake" in text
    assert "executed" not in text  # it runs no command sent before TLS
    assert "220 ready to start tls" in smtp06.fix.lower()


def test_the_line_is_quoted_as_replies_are_not_as_a_python_repr(pki: Pki, tmp_path: Path) -> None:
    # s47n: it was quoted with repr(), which puts a line holding an apostrophe between double
    # quotes and quotes 200 characters. Quoted as other findings quote a reply ('…'), control
    # characters escaped (an escape sequence cannot reach a terminal), cut to 80 with "…".
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    line = b"250 it's \x1b[2Jok \x00" + b"x" * 150
    probe = run_probe(plaintext_server(tls, line + b"\r\n"), pki.bundle(str(tmp_path / "ca")))
    smtp06 = _findings(probe)["SMTP-06"]
    assert smtp06.status == Status.WARN
    assert "handshake ('250 it's \\x1b[2Jok \\x00xxx" in smtp06.summary, smtp06.summary
    assert "x…'). A sender" in smtp06.summary, smtp06.summary
    assert '"' not in smtp06.summary and "\x1b" not in smtp06.summary, smtp06.summary
    assert "x" * 100 not in smtp06.summary, smtp06.summary


def test_a_server_sending_nothing_there_keeps_its_pass(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    probe = run_probe(plaintext_server(tls, b""), pki.bundle(str(tmp_path / "ca")))
    assert probe.tls_ok and probe.plaintext_after_starttls == ""
    smtp06 = _findings(probe)["SMTP-06"]
    assert smtp06.status == Status.PASS
    assert smtp06.summary.endswith("discards commands pipelined with STARTTLS.")
