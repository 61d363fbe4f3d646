"""SMTP probe against odd but real-world servers on 127.0.0.1: scripted replies (raw asyncio
streams) and aiosmtpd with minted certificates."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe


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
