"""A server that hangs up on an RSA-only ClientHello instead of sending a TLS alert (aiosmtpd
and other asyncio servers on "no shared cipher", some appliances) is asked once more, as the
TLS 1.2 question asks; a second hang-up right after the ClientHello, from a server whose TLS 1.2
handshakes complete, is its answer that it has no RSA certificate, as an alert is. A timeout, a
4xx to STARTTLS or a hang-up after the server's ServerHello says nothing. Real servers on
127.0.0.1; no lab."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import mtasts, starttls
from checks.findings import Finding, Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_starttls import ADDR, HOST, aiosmtpd_server, run_probe
from tests.test_starttls_retry import flaky_server
from tests.test_starttls_s11_dual_certs import _all, _serving

# The connections of a probe of a TLS 1.3 server with an ECDSA leaf, in order: main session,
# no SNI, TLS 1.0/1.1 only, TLS 1.2 only, then RSA suites only (index 4) and its retry (5).
# The side questions run at once, each connecting after the one before it (starttls._staggered),
# so this order holds for their first connections; a retry of one may come later.
CLEAN = ["", "", "", ""]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture(scope="module")
def ecdsa(pki: Pki) -> Issued:
    """One ECDSA leaf for every server here, so their SMTP-14 texts can be compared."""
    return make_leaf(pki.inter, [HOST])


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _smtp14(probe: starttls.SmtpProbe) -> Finding:
    return next(f for f in _all(probe, under_sts=True) if f.id == "SMTP-14")


def _alerting(tmp_path: Path, pki: Pki, ecdsa: Issued, bundle: str) -> starttls.SmtpProbe:
    """The same ECDSA-only server, answering RSA suites alone with handshake_failure (a
    blocking OpenSSL server, as Postfix and Exim are): the answer a double hang-up matches."""
    (tmp_path / "alerting").mkdir()
    tls = _serving(tmp_path / "alerting", pki, ecdsa)
    probe = run_probe(flaky_server(tls, 0, faults=[]), bundle)
    assert probe.rsa_cert == "none" and probe.connections == 5  # an alert: not asked again
    return probe


def scripted_server(
    tls: ssl.SSLContext, script: list[str]
) -> Callable[[], Awaitable[SimpleNamespace]]:
    """An MX whose connections behave in turn as `script` says: "" a normal TLS session
    (blocking OpenSSL, which alerts on what it cannot serve), "454" STARTTLS answered 454,
    "hello-then-drop" the server's first flight (ServerHello, its certificate ...) sent, then
    the connection closed without an alert, as from a server breaking mid-handshake."""
    count = 0
    lock = threading.Lock()

    def hello_then_drop(conn: socket.socket) -> None:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = tls.wrap_bio(incoming, outgoing, server_side=True)
        while not outgoing.pending:
            data = conn.recv(65536)
            if not data:
                return
            incoming.write(data)
            with contextlib.suppress(ssl.SSLWantReadError):
                obj.do_handshake()
        conn.sendall(outgoing.read())

    def session(conn: socket.socket, kind: str) -> None:
        with contextlib.suppress(ssl.SSLError, OSError), conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 mx1.example.test ESMTP\r\n")
            reader.readline()
            conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
            reader.readline()
            if kind == "454":
                conn.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
                reader.readline()
                return
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            if kind == "hello-then-drop":
                hello_then_drop(conn)
                return
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
                kind = script[count - 1] if count <= len(script) else ""
            threading.Thread(target=session, args=(conn, kind), daemon=True).start()

    async def make() -> SimpleNamespace:
        listener = socket.create_server((ADDR, 0))
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        return SimpleNamespace(sockets=[listener], close=listener.close)

    return make


def test_an_asyncio_server_hanging_up_twice_has_no_rsa_certificate(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path
) -> None:
    # aiosmtpd, as the lab's MX servers: asyncio's TLS drops the connection on "no shared
    # cipher" instead of alerting. It took TLS 1.2 a moment before (the TLS 1.2 question).
    probe = run_probe(aiosmtpd_server(_serving(tmp_path, pki, ecdsa)), bundle)
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is True
    assert probe.rsa_cert == "none" and probe.rsa_variant is None
    # Main, no SNI, TLS 1.0/1.1, TLS 1.2, and the RSA question twice: one more than an alert.
    assert probe.connections == 6
    assert probe.mta_sts_ok and mtasts._probe_verdict(probe) == "ok"
    # The same evidence and words as the server that alerts.
    dropped, alerted = _smtp14(probe), _smtp14(_alerting(tmp_path, pki, ecdsa, bundle))
    assert dropped.evidence == alerted.evidence == {"rsa_certificate": "none"}
    assert (dropped.status, dropped.summary) == (alerted.status, alerted.summary)
    assert dropped.status == Status.PASS and "could not be tested" not in dropped.summary
    assert probe.facts()["rsa_certificate"] == "none"


@pytest.mark.parametrize(
    "faults", [["hang-up", "hang-up"], ["reset", "reset"], ["reset", "hang-up"]]
)
def test_two_hang_ups_in_a_row_are_the_answer(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path, faults: list[str]
) -> None:
    # A reset meeting the ClientHello is a hang-up, as the TLS 1.2 question reads it.
    tls = _serving(tmp_path, pki, ecdsa)
    probe = run_probe(flaky_server(tls, 0, faults=CLEAN + faults), bundle)
    assert probe.rsa_cert == "none" and probe.connections == 6
    assert _smtp14(probe).evidence == {"rsa_certificate": "none"}


def test_a_hang_up_then_an_alert_has_no_rsa_certificate(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path
) -> None:
    tls = _serving(tmp_path, pki, ecdsa)
    probe = run_probe(flaky_server(tls, 0, faults=[*CLEAN, "hang-up"]), bundle)
    assert probe.rsa_cert == "none" and probe.connections == 6
    alerted = _smtp14(_alerting(tmp_path, pki, ecdsa, bundle))
    assert _smtp14(probe).summary == alerted.summary


def test_a_hang_up_then_an_rsa_certificate_judges_that_certificate(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path
) -> None:
    # One hang-up is no answer: the retry gets the expired RSA certificate, which fails.
    expired_rsa = make_leaf(pki.inter, [HOST], rsa_bits=2048, expired=True)
    tls = _serving(tmp_path, pki, expired_rsa, ecdsa)
    probe = run_probe(flaky_server(tls, 0, faults=[*CLEAN, "hang-up"]), bundle)
    assert probe.rsa_cert == "other" and probe.connections == 6
    assert probe.rsa_variant is not None and probe.rsa_variant.verify_error == "expired"
    assert not probe.mta_sts_ok and mtasts._probe_verdict(probe) == "fail"
    smtp10 = [f for f in _all(probe, under_sts=True) if f.id == "SMTP-10"]
    assert [f.status for f in smtp10] == [Status.PASS, Status.FAIL]
    assert "The RSA certificate of" in smtp10[1].summary


def test_an_rsa_handshake_that_times_out_is_not_tested_nor_retried(
    pki: Pki, ecdsa: Issued, tmp_path: Path
) -> None:
    tls = _serving(tmp_path, pki, ecdsa)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    probe = run_probe(flaky_server(tls, 0, faults=[*CLEAN, "stall"]), bundle, timeout=1.0)
    assert probe.tls_ok and probe.rsa_cert == "untested" and probe.connections == 5
    smtp14 = _smtp14(probe)
    assert smtp14.evidence == {"rsa_certificate": "untested"}
    assert "could not be tested this time" in smtp14.summary


def test_a_454_to_starttls_is_not_tested_nor_retried(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path
) -> None:
    tls = _serving(tmp_path, pki, ecdsa)
    probe = run_probe(scripted_server(tls, [*CLEAN, "454", "454"]), bundle)  # type: ignore[arg-type]
    assert probe.tls_ok and probe.rsa_cert == "untested" and probe.connections == 5


def test_a_hang_up_after_the_server_hello_is_not_a_refusal(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path
) -> None:
    # The server picked an RSA suite (so it has an RSA certificate) and broke off afterwards,
    # twice: not "no RSA certificate", and nothing is known of that certificate.
    rsa_leaf = make_leaf(pki.inter, [HOST], rsa_bits=2048)
    tls = _serving(tmp_path, pki, rsa_leaf, ecdsa)
    script = [*CLEAN, "hello-then-drop", "hello-then-drop"]
    probe = run_probe(scripted_server(tls, script), bundle)  # type: ignore[arg-type]
    assert probe.tls_ok and probe.tls12_accepted is True
    assert probe.rsa_cert == "untested" and probe.connections == 6


def test_hang_ups_from_a_server_not_known_to_take_tls12_are_not_tested(
    pki: Pki, ecdsa: Issued, tmp_path: Path
) -> None:
    # The TLS 1.2 question got no answer in time: a hang-up on a TLS 1.2 ClientHello may be
    # about TLS 1.2 itself, so it says nothing of an RSA certificate.
    tls = _serving(tmp_path, pki, ecdsa)
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    faults = ["", "", "", "stall", "hang-up", "hang-up"]
    probe = run_probe(flaky_server(tls, 0, faults=faults), bundle, timeout=1.0)
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is None
    assert probe.rsa_cert == "untested" and probe.connections == 6


def test_the_rsa_question_costs_two_connections_at_most(
    pki: Pki, ecdsa: Issued, bundle: str, tmp_path: Path
) -> None:
    # The main session retried after a hang-up, the no-SNI, TLS 1.0/1.1 and TLS 1.2 ones, then
    # the RSA question hung up on twice: asked once more, not a third time, so 7 connections.
    # (The server's faults go by connection, in turn: a retry of the no-SNI or TLS 1.2
    # handshake, which run at once with the others, may come after a later question's
    # connection, so the faults here sit where the order is fixed: first connections, _staggered.)
    tls = _serving(tmp_path, pki, ecdsa)
    drops = ["hang-up", "", "", "", "", "hang-up", "hang-up"]
    probe = run_probe(flaky_server(tls, 0, faults=drops), bundle, timeout=2.0)
    assert probe.tls_ok and probe.no_sni_ok and probe.tls12_accepted is True
    assert probe.rsa_cert == "none"
    assert probe.connections == 7
