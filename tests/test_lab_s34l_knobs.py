"""The lab knob blind round s34l added: `starttls_stall`, an MX that answers STARTTLS with 220
and then never answers the ClientHello (a hung TLS offload or TLS process): the client's
handshake times out, where `close_after_starttls` hangs up at once."""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path
from typing import Any

import pytest

from tests.lab.scenarios import ScenarioError, load_one_host


def test_starttls_stall_is_read_and_checked(tmp_path: Path) -> None:
    assert not load_one_host(tmp_path, "").starttls_stall
    host = load_one_host(tmp_path, "starttls_stall = true")
    assert host.starttls_stall
    assert not host.standard_dialogue  # tests/test_lab.py's dialogue would wait on it
    with pytest.raises(ScenarioError, match="need starttls = true"):
        load_one_host(tmp_path, "starttls_stall = true\nstarttls = false")
    for extra in (
        "close_after_starttls = true",
        'starttls_reply = "454 4.7.0 TLS not available due to local problem"',
        'tls_alert = "internal_error"',
    ):
        with pytest.raises(ScenarioError, match="starttls_stall excludes"):
            load_one_host(tmp_path, f"starttls_stall = true\n{extra}")
    with pytest.raises(ScenarioError, match="starttls_pipelined needs"):
        load_one_host(tmp_path, 'starttls_stall = true\nstarttls_pipelined = "execute"')


def _starttls_then_handshake(ip: str, ca_bundle: str, timeout: float) -> tuple[str, float]:
    """EHLO, STARTTLS, then a handshake with `timeout`: (the STARTTLS reply's first line,
    seconds the handshake took before it ended or timed out)."""
    with socket.create_connection((ip, 25), timeout=10) as raw:
        reader = raw.makefile("rb")

        def reply() -> str:
            first = ""
            while True:
                line = reader.readline().decode()
                first = first or line
                if len(line) < 4 or line[3] == " ":
                    return first

        reply()
        raw.sendall(b"EHLO probe.lab.test\r\n")
        reply()
        raw.sendall(b"STARTTLS\r\n")
        answer = reply()
        raw.settimeout(timeout)
        context = ssl.create_default_context(cafile=ca_bundle)
        start = time.monotonic()
        with pytest.raises((TimeoutError, socket.timeout)):
            context.wrap_socket(raw, server_hostname="mx2.s34l-starttlsstall.lab.test")
        return answer, time.monotonic() - start


@pytest.mark.lab
def test_a_stalled_starttls_times_out_the_handshake(lab: Any) -> None:
    hosts = {h.host: h.ip for h in lab.scenario("s34l-starttlsstall").smtp}
    answer, waited = _starttls_then_handshake(
        hosts["mx2.s34l-starttlsstall.lab.test"], lab.ca_bundle, 2.0
    )
    assert answer.startswith("220 ")
    assert waited >= 1.9  # no ServerHello, no alert, no hang-up: the client's timeout ends it
