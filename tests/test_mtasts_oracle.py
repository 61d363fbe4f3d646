"""An independent MTA-STS client agrees with mailsec on every MTA-STS fixture.

postfix-mta-sts-resolver (PyPI) is run unmodified. It has no resolver or CA options, so it runs in
a private mount namespace whose /etc/resolv.conf points at the lab resolver, with SSL_CERT_FILE
set to the lab CA (lab-recipes §7). The scenario files say what an RFC 8461 sender concludes
(`expect.mtasts`) and, where this client is known to read the RFC differently, what it concludes
instead (`expect.mtasts_oracle`, with a note saying why).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checks import mtasts
from checks.context import CheckContext
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_engine_lab import lab_config

pytestmark = pytest.mark.lab

# Runs inside the namespace: resolve the domains with the client's own resolver, 16 at a time.
# All ~380 at once made the client's 5 s fetch timeout expire on valid fixtures at a load
# average of 10 (FETCH_ERROR for policies it fetches fine alone): a flake, not a verdict.
ORACLE_SCRIPT = """
import asyncio, json, sys
from postfix_mta_sts_resolver.resolver import STSResolver

async def main(domains):
    resolver = STSResolver(loop=asyncio.get_running_loop(), timeout=5)
    slots = asyncio.Semaphore(16)

    async def one(domain):
        async with slots:
            return await resolver.resolve(domain)

    results = await asyncio.gather(*(one(d) for d in domains))
    return {d: r[0].name for d, r in zip(domains, results)}

print(json.dumps(asyncio.run(main(sys.argv[1:]))))
"""

TOGETHER = 8  # mailsec verdicts at once (see mailsec_verdicts)

VERDICTS = {"VALID": "valid", "NONE": "none", "FETCH_ERROR": "invalid"}
ALL = load_scenarios()


def run_oracle(lab: Any, domains: list[str], tmp_path: Path) -> dict[str, str]:
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to run the MTA-STS oracle")
    host, _, port = lab.env["MAILSEC_RESOLVER"].rpartition(":")
    assert port == "53", "resolv.conf cannot carry a port: the lab resolver must be on 53"
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {host}\noptions edns0 trust-ad\n")
    script = tmp_path / "oracle.py"
    script.write_text(ORACLE_SCRIPT)
    env = {**os.environ, "SSL_CERT_FILE": lab.env["MAILSEC_CA_BUNDLE"]}
    command = (
        f"mount --bind {resolv} /etc/resolv.conf && exec {sys.executable} {script} "
        + " ".join(domains)
    )
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    raw = json.loads(result.stdout.strip().splitlines()[-1])
    return {d: VERDICTS.get(v, v) for d, v in raw.items()}


async def _verdict(lab: Any, domain: str) -> str:
    # A scenario's own timeout (s33k's slow policy hosts), as tests/test_engine_lab.py uses it.
    timeout = next((s.check_timeout for s in ALL if s.domain == domain), None)
    config = replace(lab_config(lab), probe_cache_seconds=0)
    if timeout is not None:
        config = replace(config, timeout=timeout)
    ctx = CheckContext(domain, config)
    state = await mtasts.get_policy(ctx)
    if state.usable:
        return "valid"
    # A record with no usable policy, or a lookup that failed: a sender gets an error.
    if state.record_status in ("valid", "error"):
        return "invalid"
    return "none"


def mailsec_verdict(lab: Any, domain: str) -> str:
    return asyncio.run(_verdict(lab, domain))


def mailsec_verdicts(lab: Any, scenarios: list[Scenario]) -> dict[str, str]:
    """mailsec's verdict on each scenario, TOGETHER at a time (one at a time, the test mostly
    waited on the policy hosts that stall on purpose). Only a verdict that is the one the
    scenario declares is kept from that; any other is asked again alone, as before, and that
    is what the test compares: checking together can neither fail it nor hide a failure."""

    async def all_of() -> list[str | BaseException]:
        gate = asyncio.Semaphore(TOGETHER)

        async def one(domain: str) -> str:
            async with gate:
                return await _verdict(lab, domain)

        return await asyncio.gather(*(one(s.domain) for s in scenarios), return_exceptions=True)

    verdicts: dict[str, str] = {}
    for scenario, verdict in zip(scenarios, asyncio.run(all_of()), strict=True):
        if isinstance(verdict, str) and verdict == scenario.mtasts:
            verdicts[scenario.domain] = verdict
        else:
            verdicts[scenario.domain] = mailsec_verdict(lab, scenario.domain)
    return verdicts


def test_postfix_mta_sts_resolver_agrees_on_every_fixture(lab: Any, tmp_path: Path) -> None:
    scenarios = [s for s in load_scenarios() if s.mtasts]
    # The client runs in its own process: mailsec's side is checked meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        asked = pool.submit(run_oracle, lab, [s.domain for s in scenarios], tmp_path)
        ours_by_domain = mailsec_verdicts(lab, scenarios)
        oracle = asked.result()
    # A verdict the client was not expected to give is asked again with that domain alone
    # (the client's 5 s fetch timeout is the one thing load can change): that answer counts.
    expected = {s.domain: s.mtasts_oracle or s.mtasts for s in scenarios}
    again = [d for d, v in oracle.items() if v != expected[d]]
    for domain in again:
        oracle.update(run_oracle(lab, [domain], tmp_path))
    disagreements = []
    for scenario in scenarios:
        ours = ours_by_domain[scenario.domain]
        theirs = oracle[scenario.domain]
        expected_theirs = scenario.mtasts_oracle or scenario.mtasts
        if ours != scenario.mtasts or theirs != expected_theirs:
            disagreements.append(
                f"{scenario.domain}: mailsec={ours} oracle={theirs} "
                f"(expected mailsec={scenario.mtasts}, oracle={expected_theirs})"
            )
    assert not disagreements, "\n".join(disagreements)
    # The comparison means something only if it covers all three verdicts.
    assert {"valid", "invalid", "none"} <= set(oracle.values())
