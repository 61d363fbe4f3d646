"""SMTP probe against odd but real-world servers on 127.0.0.1: scripted replies (raw asyncio
streams) and aiosmtpd with minted certificates."""

from __future__ import annotations

import asyncio
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
    assert "does not send the intermediate" in found["SMTP-09"].summary
    assert found["SMTP-09"].fix and "full chain" in found["SMTP-09"].fix
    assert "SMTP-16" not in found


# --- scripted servers: what odd MX hosts answer before TLS ------------------------------------

Step = tuple[str, bytes | None]  # (command we expect, its reply; None closes the connection)


def scripted(greeting: bytes | None, steps: list[Step]) -> Callable[[], Awaitable[asyncio.Server]]:
    """A raw SMTP server: sends `greeting` (None: closes at once), then answers each command
    by its verb in `steps` order; QUIT is always answered 221."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if greeting is None:
                return
            writer.write(greeting)
            await writer.drain()
            pending = list(steps)
            while line := await reader.readline():
                verb = line.split()[0].upper().decode() if line.split() else ""
                if verb == "QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                expected, reply = pending.pop(0) if pending else (verb, b"500 what\r\n")
                assert verb == expected, (verb, expected)
                if reply is None:
                    return
                writer.write(reply)
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
