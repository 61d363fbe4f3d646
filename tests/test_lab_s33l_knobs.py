"""The lab knob blind round s33l added: `starttls_pipelined`, what an MX does with commands a
client pipelined behind STARTTLS in the same packet: discard them (RFC 3207 §4.2, the
default), run them inside TLS (the CVE-2011-0411 class), or refuse the STARTTLS (Postfix >= 3.9,
"554 5.5.0 Error: SMTP protocol synchronization", then a hang-up)."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import pytest

from tests.lab.scenarios import ScenarioError, load_one_host


def test_starttls_pipelined_is_read_and_checked(tmp_path: Path) -> None:
    assert load_one_host(tmp_path, "").starttls_pipelined == "discard"
    for value in ("discard", "execute", "refuse"):
        host = load_one_host(tmp_path, f'starttls_pipelined = "{value}"')
        assert host.starttls_pipelined == value
        assert host.standard_dialogue  # STARTTLS sent alone is answered as usual
    with pytest.raises(ScenarioError, match="starttls_pipelined"):
        load_one_host(tmp_path, 'starttls_pipelined = "run"')
    for extra in (
        "starttls = false",
        'starttls_reply = "454 4.7.0 TLS not available due to local problem"',
        "close_after_starttls = true",
        "starttls_masked = true",
    ):
        with pytest.raises(ScenarioError, match="starttls_pipelined needs"):
            load_one_host(tmp_path, f'starttls_pipelined = "execute"\n{extra}')


def _replies(sock: Any) -> list[str]:
    """Reply lines until a final line ('ddd ') or the end of the connection."""
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        lines = data.decode().splitlines()
        if data.endswith(b"\r\n") and lines and lines[-1][3:4] == " ":
            break
    return data.decode().splitlines()


def _pipelined_starttls(ip: str, ca_bundle: str) -> list[str]:
    """EHLO, then 'STARTTLS\\r\\nNOOP\\r\\n' in one write; inside TLS only QUIT. Returns the
    reply to STARTTLS and, when TLS came up, every line read inside it."""
    with socket.create_connection((ip, 25), timeout=20) as raw:
        _replies(raw)
        raw.sendall(b"EHLO probe.lab.test\r\n")
        _replies(raw)
        raw.sendall(b"STARTTLS\r\nNOOP\r\n")
        answer = _replies(raw)
        if not answer or not answer[-1].startswith("220"):
            return answer
        context = ssl.create_default_context(cafile=ca_bundle)
        context.check_hostname = False  # the name is not the point here
        with context.wrap_socket(raw, server_hostname=None) as tls:
            tls.sendall(b"QUIT\r\n")
            inside: list[str] = []
            while not inside or not inside[-1].startswith("221"):
                lines = _replies(tls)
                if not lines:
                    break
                inside += lines
            return answer + inside


@pytest.mark.lab
def test_pipelined_commands_are_discarded_run_or_refused(lab: Any) -> None:
    execute = {h.host: h.ip for h in lab.scenario("s33l-injectbackup").smtp}
    vulnerable = _pipelined_starttls(execute["mx2.s33l-injectbackup.lab.test"], lab.ca_bundle)
    # The NOOP sent in plaintext is answered inside TLS, before QUIT's 221.
    assert [line[:3] for line in vulnerable] == ["220", "250", "221"], vulnerable
    sound = _pipelined_starttls(execute["mx1.s33l-injectbackup.lab.test"], lab.ca_bundle)
    assert [line[:3] for line in sound] == ["220", "221"], sound
    refuse = {h.host: h.ip for h in lab.scenario("s33l-pipelinerefused").smtp}
    refused = _pipelined_starttls(refuse["mx1.s33l-pipelinerefused.lab.test"], lab.ca_bundle)
    assert refused == ["554 5.5.0 Error: SMTP protocol synchronization"], refused
