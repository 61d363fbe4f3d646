"""A policy host that demands a client certificate, and one that hangs up after the handshake.

In TLS 1.3 the client's (empty) certificate travels after the client's handshake is done, so
the server's refusal, the alert certificate_required, arrives while our GET is being sent or
read. When the server closes before our GET arrives, its kernel answers the GET with a reset
and the alert is lost: a bare hang-up right after a completed handshake, with no answer byte.
Neither is an HTTP problem: both are MTASTS-13, with the client certificate named as the cause
when the alert was read or the server asked for one (CertificateRequest). Each server below
does one thing every time, so the outcome is deterministic. Real TLS on 127.0.0.1 as in
test_https; no lab."""

from __future__ import annotations

import socket
import ssl
import struct
from pathlib import Path

import pytest

from checks import https, mtasts
from checks.context import CheckContext
from checks.findings import Status
from checks.https import HttpsResult
from tests.test_https import POLICY, StubDns, TlsServer, run

HOST = "mta-sts.example.org"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


class HangingUpServer(TlsServer):
    """A TLS 1.3 server that answers no request. `how`:
    - "alert": demands a client certificate, and after its alert reads until the client
      closes (no unread data, so no reset: the alert always arrives);
    - "reset": asks for a client certificate (`ask`) or not, completes the handshake and
      resets the connection at once (SO_LINGER 0), as a kernel does to a request reaching
      a closed socket;
    - "eof": completes the handshake, reads the request and closes without an answer.
    The first `hang_ups` connections are treated so (None: all), later ones get RESPONSE."""

    def __init__(
        self, tmp: Path, how: str, *, ask: bool = False, hang_ups: int | None = None
    ) -> None:
        self.how, self.hang_ups, self.connections = how, hang_ups, 0
        super().__init__(tmp, HOST, RESPONSE)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        if how == "alert" or ask:
            self.ctx.verify_mode = ssl.CERT_REQUIRED if how == "alert" else ssl.CERT_OPTIONAL
            self.ctx.load_verify_locations(self.ca_bundle)

    def _serve(self) -> None:
        while not self._stop:
            try:
                raw, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(2)
            self.connections += 1
            hang_up = self.hang_ups is None or self.connections <= self.hang_ups
            try:
                self._one(raw, hang_up)
            except (OSError, ssl.SSLError):
                raw.close()

    def _one(self, raw: socket.socket, hang_up: bool) -> None:
        conn = self.ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        try:
            conn.do_handshake()
        except ssl.SSLError:
            # The alert is sent: read the raw bytes (the client's GET) until it closes.
            while socket.socket.recv(conn, 4096):
                pass
            conn.close()
            return
        if not hang_up:
            data = b""
            while b"\r\n\r\n" not in data and (chunk := conn.recv(4096)):
                data += chunk
            self.requests.append(data)
            conn.sendall(self.response)
        elif self.how == "eof":
            self.requests.append(conn.recv(4096))
        else:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()


def fetch_from(server: TlsServer) -> HttpsResult:
    stub = StubDns({HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True, https_port=server.port, ca_bundle=server.ca_bundle
        )
        return run(https.fetch(CheckContext("example.org", cfg), mtasts.policy_url("example.org")))
    finally:
        stub.close()
        server.close()


def mtasts13(result: HttpsResult) -> tuple[str, str]:
    """(MTASTS-13's summary, its fix) for this fetch."""
    (problem,) = [p for p in mtasts._fetch_problems(result) if p.check_id == "MTASTS-13"]
    assert problem.status == Status.FAIL
    return problem.message, mtasts._fetch_fix("example.org", result, problem)


def test_the_alert_certificate_required_is_read_and_named(tmp_path: Path) -> None:
    server = HangingUpServer(tmp_path, "alert")
    result = fetch_from(server)
    assert result.status is None and not server.requests
    assert result.error_kind == "tls", result.error
    assert "TLS alert certificate_required (it demands a client certificate)" in result.error
    assert server.connections == 1  # the server's own answer: not asked twice
    summary, fix = mtasts13(result)
    assert "demands a client certificate" in summary and "never present" in summary
    assert "SNI" not in summary + fix and "virtual host" not in fix
    assert fix.startswith(f"Stop requiring client certificates on {HOST}")


def test_a_reset_after_a_handshake_that_asked_for_a_client_certificate(tmp_path: Path) -> None:
    # What the alert case looks like when the reset wins the race: no HTTP response problem.
    server = HangingUpServer(tmp_path, "reset", ask=True)
    result = fetch_from(server)
    assert result.error_kind == "tls", result.error
    assert result.error == (
        "the server asked for a client certificate in the TLS handshake and reset the "
        "connection right after it without answering the request (it demands a client "
        "certificate)"
    )
    assert server.connections == 1
    summary, fix = mtasts13(result)
    assert summary.startswith(f"The policy host {HOST} demands a client certificate")
    assert fix.startswith(f"Stop requiring client certificates on {HOST}")


@pytest.mark.parametrize(("how", "said"), [("reset", "reset"), ("eof", "closed")])
def test_a_bare_hang_up_after_the_handshake_twice_is_a_tls_failure(
    tmp_path: Path, how: str, said: str
) -> None:
    server = HangingUpServer(tmp_path, how)
    result = fetch_from(server)
    assert result.error_kind == "tls", result.error
    assert result.error == (
        f"the server {said} the connection right after the TLS handshake without answering"
    )
    assert server.connections == 2  # tried once more: one hang-up may be overload
    assert result.client_cert == ""  # it asked for none: no client certificate to blame
    summary, fix = mtasts13(result)
    assert "on two connections in a row" in summary and "SNI" not in summary
    assert "client certificate" not in summary + fix
    assert "instead of closing the connection" in fix


def test_one_hang_up_then_an_answer_is_the_answer(tmp_path: Path) -> None:
    server = HangingUpServer(tmp_path, "reset", hang_ups=1)
    result = fetch_from(server)
    assert result.ok and result.status == 200 and result.body == POLICY, result.error
    assert server.connections == 2


def test_without_the_message_hook_a_tls13_hang_up_names_the_likely_cause() -> None:
    result = HttpsResult(
        url=mtasts.policy_url("example.org"),
        host=HOST,
        error_kind="tls",
        error="the server reset the connection right after the TLS handshake without "
        "answering (as servers demanding a client certificate do)",
        client_cert=https.CLIENT_CERT_LIKELY,
    )
    summary, fix = mtasts13(result)
    assert "most likely it demands a client certificate" in summary
    assert fix.startswith("If it demands client certificates (the likely cause")
    assert "SNI" not in summary + fix


def test_a_handshake_failure_keeps_the_sni_advice() -> None:
    result = HttpsResult(
        url=mtasts.policy_url("example.org"),
        host=HOST,
        error_kind="tls",
        error="TLS handshake failed: the server sent the TLS alert unrecognized_name",
    )
    summary, fix = mtasts13(result)
    assert "when asked via SNI" in summary and "(SNI)" in fix


class HangUpThenResetServer(HangingUpServer):
    """The first connection: a handshake and a close without an answer; the second: a reset
    on the ClientHello, before any handshake."""

    def _one(self, raw: socket.socket, hang_up: bool) -> None:
        if self.connections == 1:
            super()._one(raw, True)
            return
        raw.recv(1)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()


def test_a_hang_up_then_a_reset_says_both_not_twice_the_same(tmp_path: Path) -> None:
    # Two different failures: "twice in a row" would say the first was a reset too, and the
    # SNI advice would send the owner after a certificate the first handshake accepted.
    result = fetch_from(HangUpThenResetServer(tmp_path, "eof"))
    assert result.error_kind == "tls", result.error
    assert "twice in a row" not in result.error
    assert result.error.startswith(
        "the server closed the connection right after the TLS handshake without answering, "
        "then reset the next connection during its handshake"
    ), result.error
    summary, fix = mtasts13(result)
    assert "two connections in a row" not in summary and "SNI" not in summary + fix, summary
    assert "completed the TLS handshake and then gave no answer" in summary
    assert "its error log says why it closes" in fix


class ResetThenHangUpServer(HangingUpServer):
    """The first connection: a reset on the ClientHello; the second: a handshake and a close
    without an answer."""

    def _one(self, raw: socket.socket, hang_up: bool) -> None:
        if self.connections == 2:
            super()._one(raw, True)
            return
        raw.recv(1)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()


def test_a_reset_then_a_hang_up_is_not_two_hang_ups(tmp_path: Path) -> None:
    result = fetch_from(ResetThenHangUpServer(tmp_path, "eof"))
    assert result.error_kind == "tls", result.error
    assert result.error.startswith(
        "the server reset the first connection during its TLS handshake, then closed the next "
        "one right after the TLS handshake without answering"
    ), result.error
    summary, fix = mtasts13(result)
    assert "two connections in a row" not in summary, summary
    assert "its error log says why it closes" in fix
