"""SMTP probe against odd but real-world servers on 127.0.0.1: scripted replies (raw asyncio
streams) and aiosmtpd with minted certificates."""

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

from checks import starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki
from tests.test_starttls import ADDR, HOST, _server_context, aiosmtpd_server, run_probe


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _findings(probe: starttls.SmtpProbe, *, under_sts: bool = False) -> dict[str, Finding]:
    """SMTP-xx findings for one probe, as evaluate() builds them."""
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    host = SimpleNamespace(name=probe.host)
    starttls._reachability(out, [(host, probe)], ctx)
    policy = starttls._Context(sts_mode="enforce" if under_sts else None, sts_usable=under_sts)
    if (probe.connected and not probe.could_not_check) or probe.ehlo_ok:
        starttls._per_probe(out, host, probe, policy, None, ctx)
    found: dict[str, Finding] = {}
    for finding in out.findings:
        found.setdefault(finding.id, finding)
    return found


def test_root_sent_in_place_of_the_intermediate(pki: Pki, bundle: str, tmp_path: Path) -> None:
    # The server sends leaf + root, no intermediate: SMTP-09 names the missing issuer, and
    # SMTP-16 does not call a publicly issued certificate "self-signed or private-CA".
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.root])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_ok and probe.verify_error == "incomplete-chain"
    assert not probe.chain_complete
    found = _findings(probe, under_sts=True)
    assert found["SMTP-09"].status == Status.FAIL
    assert "does not send its whole chain (at least one intermediate certificate is missing)" in (
        found["SMTP-09"].summary
    )
    assert found["SMTP-09"].fix and "full chain" in found["SMTP-09"].fix
    assert "SMTP-16" not in found


# --- scripted servers: what odd MX hosts answer before TLS ------------------------------------

# (command we expect, its reply; None closes the connection). The command "" stands for the
# client's first TLS record (after "220 Ready to start TLS"), read as bytes, not as a line.
Step = tuple[str, bytes | None]


def scripted(greeting: bytes | None, steps: list[Step]) -> Callable[[], Awaitable[asyncio.Server]]:
    """A raw SMTP server: sends `greeting` (None: closes at once), then answers each command
    by its verb in `steps` order; QUIT is always answered 221."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if greeting is None:
                return
            writer.write(greeting)
            await writer.drain()
            for expected, reply in steps:
                if expected:
                    line = await reader.readline()
                    words = line.split()
                    if words and words[0].upper() == b"QUIT":
                        writer.write(b"221 bye\r\n")
                        await writer.drain()
                        return
                    assert words and words[0].upper().decode() == expected, (line, expected)
                elif not await reader.read(5):  # a TLS record header
                    return
                if reply is None:
                    return
                writer.write(reply)
                await writer.drain()
            while line := await reader.readline():
                if line.upper().startswith(b"QUIT"):
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                writer.write(b"500 5.5.1 what\r\n")
                await writer.drain()
        finally:
            writer.close()

    async def make() -> asyncio.Server:
        return await asyncio.start_server(handle, ADDR, 0)

    return make


EHLO_OK: Step = ("EHLO", b"250-mx1.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")


def _statuses(found: dict[str, Finding]) -> dict[str, str]:
    return {k: str(f.status) for k, f in found.items()}


def test_a_554_greeting_is_could_not_check(bundle: str) -> None:
    # "554 ... blocked using zen.spamhaus.org" is said to our checker's address; other senders
    # may be accepted. Could not check (checklist §0), never an SMTP-02 failure.
    greeting = b"554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked\r\n"
    probe = run_probe(scripted(greeting, []), bundle)
    assert probe.connected and probe.banner_code == 554
    assert probe.error_kind == "rejected" and probe.could_not_check
    found = _findings(probe)
    assert _statuses(found) == {"SMTP-01": "error"}
    text = found["SMTP-01"].summary
    assert HOST in text and ADDR in text and "554 5.7.1 Service unavailable" in text
    assert "STARTTLS could not be checked" in text


def test_a_521_greeting_says_no_mail_is_accepted(bundle: str) -> None:
    # RFC 7504: 521 is the host declaring it accepts no mail from anyone.
    probe = run_probe(scripted(b"521 5.3.2 mx1 does not accept mail\r\n", []), bundle)
    assert probe.error_kind == "protocol"
    assert _findings(probe)["SMTP-02"].status == Status.FAIL


def test_ehlo_refused_helo_accepted_is_plain_smtp_without_starttls(bundle: str) -> None:
    # RFC 5321 §4.1.4: senders fall back to HELO, and then deliver, in plain text.
    steps: list[Step] = [("EHLO", b"502 5.5.2 Error: command not recognized\r\n")]
    steps.append(("HELO", b"250 mx1.example.test\r\n"))
    probe = run_probe(scripted(b"220 mx1.example.test\r\n", steps), bundle)
    assert probe.helo_only and not probe.ehlo_ok and not probe.starttls_offered
    assert probe.error_kind is None and not probe.mta_sts_ok
    found = _findings(probe)
    smtp02 = found["SMTP-02"]
    assert smtp02.status == Status.FAIL
    assert "no STARTTLS" in smtp02.summary and "502 5.5.2" in smtp02.summary
    assert "cannot deliver" not in smtp02.summary  # HELO senders do deliver, unencrypted


def test_ehlo_and_helo_refused_is_could_not_check(bundle: str) -> None:
    # Mimecast-style "550 Invalid HELO name", or a client block: about us, not other senders.
    steps: list[Step] = [("EHLO", b"550 5.7.1 Invalid HELO name\r\n")]
    steps.append(("HELO", b"550 5.7.1 Invalid HELO name\r\n"))
    probe = run_probe(scripted(b"220 mx1.example.test\r\n", steps), bundle)
    assert probe.error_kind == "rejected" and probe.could_not_check
    found = _findings(probe)
    assert _statuses(found) == {"SMTP-01": "error"}
    assert "550 5.7.1 Invalid HELO name" in found["SMTP-01"].summary


@pytest.mark.parametrize(
    ("greeting", "steps", "step"),
    [
        (None, [], "before sending its greeting"),
        (b"220 mx1.example.test\r\n", [("EHLO", None)], "after our EHLO"),
        (b"220 mx1.example.test\r\n", [EHLO_OK, ("STARTTLS", None)], "after our STARTTLS"),
    ],
)
def test_a_connection_closed_before_tls_is_could_not_check(
    bundle: str, greeting: bytes | None, steps: list[Step], step: str
) -> None:
    # Closed before STARTTLS was answered: a server shedding one client, or the path; the
    # report says where, and nothing is failed (checklist §0).
    probe = run_probe(scripted(greeting, steps), bundle)
    assert probe.error_kind == "closed" and probe.could_not_check
    assert probe.problem == f"the server closed the connection {step}"
    found = _findings(probe)
    assert not [f for f in found.values() if f.status == Status.FAIL]
    assert found["SMTP-01"].status == Status.ERROR
    assert HOST in found["SMTP-01"].summary and ADDR in found["SMTP-01"].summary
    assert step in found["SMTP-01"].summary
    if "SMTP-04" in found:
        assert found["SMTP-04"].status == Status.ERROR


# --- TLS handshake failures after '220 ready to start TLS' --------------------------------------


def test_a_server_hanging_up_after_220_ready_fails_smtp04_saying_so(bundle: str) -> None:
    # Every sender meets this (checklist SMTP-04: fail); the sentence says what happened
    # rather than "ConnectionResetError".
    steps: list[Step] = [EHLO_OK, ("STARTTLS", b"220 2.0.0 Ready to start TLS\r\n")]
    steps.append(("", None))  # the first TLS record: hang up
    probe = run_probe(scripted(b"220 mx1.example.test ESMTP\r\n", steps), bundle)
    assert probe.error_kind == "tls-handshake" and not probe.tls_ok
    smtp04 = _findings(probe)["SMTP-04"]
    assert smtp04.status == Status.FAIL
    assert "the server closed the connection without a TLS alert" in smtp04.summary
    assert "Error" not in smtp04.summary


def _threaded_tls_server(tls: ssl.SSLContext) -> Callable[[], Awaitable[asyncio.Server]]:
    """A blocking-socket server in a thread: unlike an asyncio server, OpenSSL there flushes
    its TLS alert before the connection closes, as Postfix or Exim do."""

    def serve(listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn, conn.makefile("rb") as reader:
                conn.sendall(b"220 mx1.example.test ESMTP\r\n")
                reader.readline()
                conn.sendall(b"250-mx1.example.test\r\n250 STARTTLS\r\n")
                reader.readline()
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                with contextlib.suppress(ssl.SSLError, OSError):
                    tls.wrap_socket(conn, server_side=True).recv(1)

    async def make() -> asyncio.Server:
        listener = socket.create_server((ADDR, 0))
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        # run_probe only needs .sockets and .close(): hand it the listening socket.
        return SimpleNamespace(sockets=[listener], close=listener.close)  # type: ignore[return-value]

    return make


def test_a_tls_alert_is_named_in_plain_words(pki: Pki, bundle: str, tmp_path: Path) -> None:
    # No certificate for the name asked (an SNI callback refusing it): handshake_failure.
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    tls.sni_callback = lambda *_: ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
    probe = run_probe(_threaded_tls_server(tls), bundle)
    assert probe.error_kind == "tls-handshake"
    assert probe.problem == (
        "the TLS handshake failed: the server sent the TLS alert handshake_failure (no TLS "
        "version or cipher suite in common, or no certificate to present)"
    )
    assert _findings(probe)["SMTP-04"].status == Status.FAIL


def test_plain_text_after_220_ready_is_said_so(bundle: str) -> None:
    steps: list[Step] = [EHLO_OK, ("STARTTLS", b"220 2.0.0 Ready to start TLS\r\n")]
    steps.append(("", b"454 4.7.0 TLS not available due to local problem\r\n"))
    probe = run_probe(scripted(b"220 mx1.example.test ESMTP\r\n", steps), bundle)
    assert probe.error_kind == "tls-handshake"
    assert "did not answer in TLS after accepting STARTTLS" in probe.problem


def test_a_421_to_starttls_is_could_not_check(bundle: str) -> None:
    # A 421 is never a fail: it is tried once more, and the port did answer (SMTP-01 passes).
    reply = b"421 4.7.0 mx1 closing\r\n"
    steps: list[Step] = [EHLO_OK, ("STARTTLS", reply)]
    probe = run_probe(scripted(b"220 mx1.example.test ESMTP\r\n", steps), bundle)
    assert probe.error_kind == "temp-unavailable" and probe.could_not_check
    assert probe.connections == 2 and probe.problem.endswith("(twice in a row)")
    found = _findings(probe)
    assert _statuses(found)["SMTP-01"] == "pass"
    smtp04 = found["SMTP-04"]
    assert smtp04.status == Status.ERROR
    assert reply.decode().strip() in smtp04.summary
    assert "every sender that asks for STARTTLS there is turned away" in smtp04.summary


def test_a_454_to_starttls_twice_fails(bundle: str) -> None:
    # Checklist SMTP-04: fail (454). Postfix answers it while it cannot load its certificate
    # or key, on every connection; it is tried once more before it counts.
    reply = b"454 4.7.0 TLS not available due to local problem\r\n"
    steps: list[Step] = [EHLO_OK, ("STARTTLS", reply)]
    probe = run_probe(scripted(b"220 mx1.example.test ESMTP\r\n", steps), bundle)
    assert probe.error_kind == "tls-handshake" and not probe.could_not_check
    assert probe.connections == 2 and probe.problem.endswith("(twice in a row)")
    found = _findings(probe)
    assert _statuses(found)["SMTP-01"] == "pass"
    assert found["SMTP-04"].status == Status.FAIL
    assert "454 4.7.0 TLS not available" in found["SMTP-04"].summary


def test_a_certificate_ending_within_a_day_says_so(pki: Pki, bundle: str) -> None:
    # days_left rounds down: 12 hours left is 0, which read "expires in 0 days".
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    from tests.test_certs import make_leaf

    assert pki.inter is not None
    base = make_leaf(pki.inter, [HOST])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(base.cert.subject)
        .issuer_name(pki.inter.cert.subject)
        .public_key(base.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=89))
        .not_valid_after(now + timedelta(hours=12))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(pki.inter.key, hashes.SHA256())
    )
    probe = starttls.SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        chain_der=[cert.public_bytes(serialization.Encoding.DER), pki.inter.der],
    )
    starttls._analyse_chain(CheckConfig(ca_bundle=bundle), probe)
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, probe.subject, {}, False, False)
    smtp10 = next(f for f in out.findings if f.id == "SMTP-10")
    assert smtp10.status == Status.WARN
    assert "expires in less than a day" in smtp10.summary


def test_a_san_with_a_trailing_dot_is_a_name_mismatch(pki: Pki, bundle: str) -> None:
    assert pki.inter is not None
    probe = starttls.SmtpProbe(
        host=HOST, address="192.0.2.25", chain_der=[pki.leaf([HOST + "."]).der, pki.inter.der]
    )
    starttls._analyse_chain(CheckConfig(ca_bundle=bundle), probe)
    assert not probe.name_ok and probe.verify_error == "name-mismatch"
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, probe.subject, {}, True, False)
    found = {f.id: f for f in out.findings}
    assert found["SMTP-09"].status == Status.PASS
    assert found["SMTP-11"].status == Status.FAIL
    assert "ending in a dot" in found["SMTP-11"].summary
