"""MTASTS-11's "connection refused" fix and MTASTS-17's warning fix named every address that
did not serve the policy, also one that only timed out: nothing is known of its server, and
"make it accept HTTPS" may send the owner to the wrong machine. They now name only addresses
that answered (refused, or served something else).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from checks import https, mtasts
from checks.findings import Status
from tests.test_fix_s14_cert_fixes import one
from tests.test_fix_s14_fetch_fixes import GOOD_POLICY, PLAIN, POLICY_URL, _mtasts, fail
from tests.test_spf import make_ctx

D = "example.com"
HOST = f"mta-sts.{D}"


@pytest.fixture
def stalling() -> Iterator[int]:
    """A port on 127.0.0.2 that accepts TCP and never speaks; on 127.0.0.1 it is closed."""
    with socket.socket() as stall:
        stall.bind(("127.0.0.2", 0))
        stall.listen(8)
        yield stall.getsockname()[1]


def test_a_refused_connection_fix_leaves_out_an_address_that_timed_out(stalling: int) -> None:
    zone = {
        (D, "MX"): [f"10 mx1.{D}."],
        (f"mx1.{D}", "A"): ["192.0.2.11"],
        (f"_mta-sts.{D}", "TXT"): ["v=STSv1; id=1"],
        (HOST, "A"): ["127.0.0.1", "127.0.0.2"],
    }
    ctx = make_ctx(D, zone, allow_private_targets=True, https_port=stalling, timeout=0.5)
    findings = asyncio.run(mtasts.evaluate(ctx))
    finding = one(findings, "MTASTS-11")
    [each] = [f for f in findings if f.id == "MTASTS-17"]  # what every address did
    kinds = {a["address"]: a["error_kind"] for a in each.evidence["addresses"]}
    assert kinds == {"127.0.0.1": "connect", "127.0.0.2": "timeout"}
    assert finding.fix.startswith(f"Make the web server at {HOST} (127.0.0.1) accept HTTPS")
    assert "127.0.0.2" not in finding.fix


def test_the_address_warning_fix_names_only_addresses_that_answered_wrongly() -> None:
    outcomes = [
        https.AddressOutcome("192.0.2.80", True, status=200, body_sha256="a", meaning="m"),
        https.AddressOutcome("192.0.2.81", True, status=404, body_sha256="b"),
        https.AddressOutcome("192.0.2.82", False, "no complete answer within 2 s", "timeout"),
    ]
    findings = _mtasts(status=200, headers=PLAIN, body=GOOD_POLICY, per_address=outcomes)
    finding = fail(findings, "MTASTS-17", Status.WARN)
    assert "192.0.2.82" in finding.summary  # still said: senders may meet it too
    assert finding.fix.startswith(f"Make 192.0.2.81 serve the policy file at {POLICY_URL}")
    assert "192.0.2.82" not in finding.fix
