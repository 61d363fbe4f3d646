"""What a server does after a TLS handshake that completed (RFC 3207 §4.2: the client greets
again): a session that cannot carry mail is no working STARTTLS, as a sender would find; a
4xx or a timeout there is "could not check" (checklist §0)."""

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

from checks import mtasts, starttls
from checks.findings import Status
from tests.test_certs import Pki
from tests.test_starttls import ADDR, HOST, _server_context, run_probe
from tests.test_starttls_extra2 import _findings

# How one connection behaves once the handshake is done: replies to EHLO and HELO, or
# "close" (hang up at the first command), "silent" (never answer), "" (a working server).
Behaviour = dict[str, bytes] | str


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def tls(pki: Pki, tmp_path: Path) -> ssl.SSLContext:
    assert pki.inter is not None
    return _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def after_tls_server(
    tls: ssl.SSLContext, behaviours: list[Behaviour]
) -> Callable[[], Awaitable[asyncio.Server]]:
    """An MX that offers STARTTLS and completes the handshake; connection n then behaves as
    behaviours[n] (the last one repeats). A blocking socket in a thread, so that OpenSSL sends
    its alerts before the connection closes, as Postfix or Exim do."""
    count = 0
    lock = threading.Lock()

    def session(conn: socket.socket, behaviour: Behaviour) -> None:
        with contextlib.suppress(ssl.SSLError, OSError), conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 mx1.example.test ESMTP\r\n")
            reader.readline()
            conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
            reader.readline()
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            secure = tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            try:
                secure.do_handshake()
            except ssl.SSLError:
                # TLS 1.3: the client learns of a refused (missing) client certificate only
                # after its handshake; read its EHLO first, so the alert is not lost to a reset.
                with contextlib.suppress(OSError):
                    secure.settimeout(2)
                    socket.socket.recv(secure, 4096)
                return
            with secure.makefile("rb") as lines:
                while line := lines.readline():
                    verb = line.split()[0].upper().decode() if line.split() else ""
                    if verb == "QUIT":
                        secure.sendall(b"221 bye\r\n")
                        return
                    if behaviour == "close":
                        return
                    if behaviour == "silent":
                        threading.Event().wait(10)
                        return
                    reply = behaviour.get(verb) if isinstance(behaviour, dict) else None
                    secure.sendall(reply or b"250 mx1.example.test\r\n")

    def serve(listener: socket.socket) -> None:
        nonlocal count
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with lock:
                behaviour = behaviours[min(count, len(behaviours) - 1)]
                count += 1
            threading.Thread(target=session, args=(conn, behaviour), daemon=True).start()

    async def make() -> asyncio.Server:
        listener = socket.create_server((ADDR, 0))
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        return SimpleNamespace(sockets=[listener], close=listener.close)  # type: ignore[return-value]

    return make


REFUSED: Behaviour = {
    "EHLO": b"554 5.7.1 Access denied\r\n",
    "HELO": b"554 5.7.1 Access denied\r\n",
}
SHUTTING_DOWN: Behaviour = {"EHLO": b"421 4.3.2 Service shutting down\r\n"}


def test_ehlo_and_helo_refused_after_tls_every_time_fails(tls: ssl.SSLContext, bundle: str) -> None:
    # Postfix falls back to HELO, then gives up: no mail reaches this MX over TLS.
    probe = run_probe(after_tls_server(tls, [REFUSED]), bundle)
    assert not probe.tls_ok and probe.error_kind == "tls-handshake"
    assert not probe.mta_sts_ok and mtasts._probe_verdict(probe) == "fail"
    assert probe.connections == 2
    smtp04 = _findings(probe)["SMTP-04"]
    assert smtp04.status == Status.FAIL
    assert "the TLS handshake completed with TLSv1.3" in smtp04.summary
    assert "554 5.7.1 Access denied" in smtp04.summary and "twice in a row" in smtp04.summary


@pytest.mark.parametrize("first", [REFUSED, "close"])
def test_one_failure_after_tls_is_tried_again(
    tls: ssl.SSLContext, bundle: str, first: Behaviour
) -> None:
    probe = run_probe(after_tls_server(tls, [first, ""]), bundle)
    assert probe.tls_ok and probe.error_kind is None and probe.post_tls_ehlo_ok
    assert probe.mta_sts_ok
    found = _findings(probe)
    assert found["SMTP-04"].status == Status.PASS
    assert found["SMTP-05"].status == Status.PASS


def test_a_hang_up_after_tls_every_time_fails(tls: ssl.SSLContext, bundle: str) -> None:
    probe = run_probe(after_tls_server(tls, ["close"]), bundle)
    assert not probe.tls_ok and probe.error_kind == "tls-handshake"
    smtp04 = _findings(probe)["SMTP-04"]
    assert smtp04.status == Status.FAIL
    assert "but then the server closed the connection" in smtp04.summary


def test_a_client_certificate_demanded_after_a_tls13_handshake_fails(
    pki: Pki, tmp_path: Path, bundle: str
) -> None:
    # TLS 1.3 sends the client's (empty) certificate after the client's handshake is done:
    # the refusal is an alert on the first read. No sender presents one to an MX.
    assert pki.inter is not None
    demanding = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    demanding.verify_mode = ssl.CERT_REQUIRED
    demanding.load_verify_locations(bundle)
    probe = run_probe(after_tls_server(demanding, [""]), bundle)
    assert not probe.tls_ok and probe.error_kind == "tls-handshake"
    assert "certificate_required" in probe.problem
    # An alert is the server's answer: not tried again.
    assert probe.connections == 1
    smtp04 = _findings(probe)["SMTP-04"]
    assert smtp04.status == Status.FAIL and "demands a client certificate" in smtp04.summary


def test_an_alert_read_while_our_command_is_sent_is_the_answer() -> None:
    # asyncio's drain() yields once when the transport is closing; a TLS alert processed in
    # that moment is stored on the reader while drain() raises a bare "Connection lost" (CI,
    # under load, took a TLS 1.3 certificate_required refusal for a hang-up). The reader's
    # alert is the server's answer.
    alert = ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert")

    class ClosingWriter:
        def write(self, data: bytes) -> None:
            pass

        async def drain(self) -> None:
            raise ConnectionResetError("Connection lost")

    async def send() -> None:
        reader = asyncio.StreamReader()
        reader.set_exception(alert)
        await starttls._Conn(reader, ClosingWriter(), 1.0).command("EHLO probe.test")  # type: ignore[arg-type]

    with pytest.raises(ssl.SSLError) as raised:
        asyncio.run(send())
    assert raised.value is alert


@pytest.mark.parametrize(
    "behaviours",
    [
        [SHUTTING_DOWN],
        [{"EHLO": b"554 5.7.1 no\r\n", "HELO": b"451 4.3.0 try later\r\n"}],
        [REFUSED, SHUTTING_DOWN],
        [SHUTTING_DOWN, "close"],
    ],
)
def test_a_4xx_after_tls_is_could_not_check(
    tls: ssl.SSLContext, bundle: str, behaviours: list[Behaviour]
) -> None:
    probe = run_probe(after_tls_server(tls, behaviours), bundle)
    assert not probe.tls_ok and probe.error_kind == "temp-unavailable", probe.problem
    assert probe.could_not_check and mtasts._probe_verdict(probe) == "error"
    assert probe.connections == 2
    found = _findings(probe)
    assert not [f for f in found.values() if f.status == Status.FAIL]
    assert found["SMTP-04"].status == Status.ERROR
    assert found["SMTP-01"].status == Status.PASS  # the port answered: the TLS part is unknown


def test_no_answer_after_tls_is_could_not_check(tls: ssl.SSLContext, bundle: str) -> None:
    probe = run_probe(after_tls_server(tls, ["silent"]), bundle, timeout=1.0)
    assert not probe.tls_ok and probe.error_kind == "timeout" and probe.could_not_check
    assert probe.problem == (
        "the TLS handshake completed with TLSv1.3, but then the server did not answer our "
        "EHLO within 1s (twice in a row)"
    )
    found = _findings(probe)
    assert found["SMTP-04"].status == Status.ERROR
    assert found["SMTP-01"].status == Status.PASS  # the SMTP side answered


def test_helo_accepted_after_tls_delivers_and_warns(tls: ssl.SSLContext, bundle: str) -> None:
    # Senders fall back to HELO and deliver over TLS, without SMTP extensions.
    ehlo_refused: Behaviour = {"EHLO": b"502 5.5.2 Error: command not recognized\r\n"}
    probe = run_probe(after_tls_server(tls, [ehlo_refused]), bundle)
    assert probe.tls_ok and probe.error_kind is None and probe.post_tls_helo_only
    # No second try: the main session and the no-SNI, old-TLS and TLS-1.2-only ones (the
    # server negotiates TLS 1.3, so SMTP-07 asks whether it takes TLS 1.2 too), and the
    # RSA-only one (its leaf is ECDSA: has it an RSA certificate too?).
    assert probe.mta_sts_ok
    assert probe.connections == 5
    found = _findings(probe)
    assert found["SMTP-04"].status == Status.PASS
    smtp05 = found["SMTP-05"]
    assert smtp05.status == Status.WARN and "502 5.5.2" in smtp05.summary
