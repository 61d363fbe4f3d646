"""Hosted MTA-STS advice in the lab (scenarios tests/lab/scenarios/s16h_*.toml, 127.0.83.x).

mta-sts-host.s16hedge.test (127.0.83.1) plays MAILSEC_POLICY_HOST, given to the check as
CheckConfig.hosted_policy_host; s16h_caddy reaches the lab's real Caddy edge
(sts.hostpol.lab.test, 127.0.61.2) by its address. Each test compares with the same check
without our host configured: only fixes change, never a status or a summary.

- s16h-addr: mta-sts has our host's address (no CNAME), no certificate for it yet.
- s16h-norecord: mta-sts CNAMEs to our host, no _mta-sts record, hosting not on.
- s16h-served: mta-sts has our address, the policy is served, no _mta-sts record.
- s16h-caddy: mta-sts has Caddy's address, hosting not on (a record added for one test).
The unit side is tests/test_mtasts_s16_hosted.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from checks.findings import Finding
from tests.lab import acme
from tests.lab.control import Lab

OURS = "mta-sts-host.s16hedge.test"
EDGE = "sts.hostpol.lab.test"
HOSTED = "points to mailsec's hosted MTA-STS"
GENERIC = "ask the provider that hosts"


def _check(lab: Lab, name: str, **changes: Any) -> list[Finding]:
    from checks.engine import check_domain
    from tests.test_engine_lab import lab_config

    report = asyncio.run(check_domain(f"{name}.lab.test", lab_config(lab, **changes)))
    return [f for f in report.findings if f.id.startswith("MTASTS-")]


def _bad(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings if f.status in ("fail", "warn")}


def _verdicts(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.id, str(f.status), f.summary) for f in findings)


def _only(findings: list[Finding]) -> Finding:
    (finding,) = findings
    return finding


@pytest.mark.lab
def test_our_addresses_without_a_certificate_get_the_hosting_fix_once(lab: Lab) -> None:
    before = _check(lab, "s16h-addr", hosted_policy_host="")
    assert GENERIC in _bad(before)["MTASTS-12"].fix  # what the check said until now
    after = _check(lab, "s16h-addr", hosted_policy_host=OURS)
    assert _verdicts(after) == _verdicts(before)  # wording only
    failed = _bad(after)
    assert set(failed) == {"MTASTS-10", "MTASTS-12"}
    full = failed["MTASTS-12"].fix
    assert full.startswith(f"mta-sts.s16h-addr.lab.test {HOSTED} ({OURS}), which has no valid")
    assert "turn on hosting for s16h-addr.lab.test on its page in mailsec" in full
    # MTASTS-10 points to it instead of saying it all again.
    pointer = failed["MTASTS-10"].fix
    assert "the fix of MTASTS-12 says how to turn on hosting for s16h-addr.lab.test" in pointer
    assert [f.id for f in after if "Nothing needs changing in DNS" in f.fix] == ["MTASTS-12"]
    # Another name configured as ours, with another address (another mailsec install).
    other = _bad(_check(lab, "s16h-addr", hosted_policy_host=EDGE))
    assert GENERIC in other["MTASTS-12"].fix and HOSTED not in other["MTASTS-10"].fix


@pytest.mark.lab
def test_a_failed_lookup_of_our_host_keeps_the_generic_fix(lab: Lab) -> None:
    # f49.lab.test is bogus (DS mismatch): the validating resolver answers SERVFAIL there.
    before = _check(lab, "s16h-addr", hosted_policy_host="")
    after = _check(lab, "s16h-addr", hosted_policy_host="mta-sts-host.f49.lab.test")
    assert _verdicts(after) == _verdicts(before)
    # The new id a fix proposes is the time of its check, to the second: the two checks may
    # straddle a second.
    assert [_any_id(f.fix) for f in after] == [_any_id(f.fix) for f in before]


def _any_id(fix: str) -> str:
    return re.sub(r"\bid=\d{8}T\d{6}\b", "id=<new id>", fix)


@pytest.mark.lab
def test_no_record_under_our_host_says_turn_hosting_on_then_the_record(lab: Lab) -> None:
    before = _only(_check(lab, "s16h-norecord", hosted_policy_host=""))
    assert before.fix.startswith("Publish these three, in this order:")
    after = _only(_check(lab, "s16h-norecord", hosted_policy_host=OURS))
    assert (after.id, after.status, after.summary) == (before.id, before.status, before.summary)
    assert after.fix.startswith(
        f"mta-sts.s16h-norecord.lab.test {HOSTED} ({OURS}), which has no valid certificate"
    ), after.fix
    assert "1. Turn on hosting for s16h-norecord.lab.test on its page in mailsec" in after.fix
    assert "2. Then publish the _mta-sts.s16h-norecord.lab.test record listed on" in after.fix


@pytest.mark.lab
def test_no_record_under_a_policy_we_serve_says_publish_the_record(lab: Lab) -> None:
    before = _only(_check(lab, "s16h-served", hosted_policy_host=""))
    assert before.summary.startswith("A policy file is served at")
    assert before.fix.startswith('_mta-sts.s16h-served.lab.test. TXT "v=STSv1; id=')
    after = _only(_check(lab, "s16h-served", hosted_policy_host=OURS))
    assert (after.status, after.summary) == (before.status, before.summary)
    assert after.fix.startswith(
        f"mta-sts.s16h-served.lab.test is served by mailsec's hosted MTA-STS ({OURS}): "
        "publish the _mta-sts.s16h-served.lab.test record listed on s16h-served.lab.test's "
        "page in mailsec"
    ), after.fix
    assert "testing there first" not in after.fix  # the testing policy covers its one MX


@pytest.fixture
def announced(lab: Lab) -> Iterator[str]:
    """s16h-caddy with an MTA-STS record for the length of a test (none at rest, so the
    scenario's expectations hold whether or not Caddy runs)."""
    domain = "s16h-caddy.lab.test"
    lab.update(domain, add=[("_mta-sts", 300, "TXT", '"v=STSv1; id=20260116"')])
    lab.flush(domain)
    try:
        yield "s16h-caddy"
    finally:
        lab.update(domain, delete=[("_mta-sts",)])
        lab.flush(domain)


@pytest.mark.lab
@pytest.mark.django_db(transaction=True)
def test_the_real_edge_reached_by_address_gets_the_hosting_fix(lab: Lab, edge: acme.Edge) -> None:
    # Caddy asks the app, which hosts nobody: no certificate, the handshake ends in an alert.
    before = _only(_check(lab, "s16h-caddy", hosted_policy_host=""))
    assert before.fix.startswith("Publish these three, in this order:")
    after = _only(_check(lab, "s16h-caddy", hosted_policy_host=EDGE))
    assert (after.status, after.summary) == (before.status, before.summary)
    assert after.fix.startswith(
        f"mta-sts.s16h-caddy.lab.test {HOSTED} ({EDGE}), which has no valid certificate"
    ), after.fix
    assert "1. Turn on hosting for s16h-caddy.lab.test" in after.fix


@pytest.mark.lab
@pytest.mark.django_db(transaction=True)
def test_the_real_edge_with_a_record_gets_the_hosting_fix_once(
    lab: Lab, edge: acme.Edge, announced: str
) -> None:
    before = _check(lab, announced, hosted_policy_host="")
    assert set(_bad(before)) == {"MTASTS-10", "MTASTS-13"}, _bad(before)
    assert "alert" in _bad(before)["MTASTS-13"].summary
    after = _check(lab, announced, hosted_policy_host=EDGE)
    assert _verdicts(after) == _verdicts(before)
    failed = _bad(after)
    assert failed["MTASTS-13"].fix.startswith(
        f"mta-sts.s16h-caddy.lab.test {HOSTED} ({EDGE}), which has no valid certificate"
    )
    assert "the fix of MTASTS-13 says how to turn on hosting" in failed["MTASTS-10"].fix
    assert [f.id for f in after if "Nothing needs changing in DNS" in f.fix] == ["MTASTS-13"]
