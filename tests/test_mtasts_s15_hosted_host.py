"""The check knows mailsec's own hosted policy host (CheckConfig.hosted_policy_host).

A customer who CNAMEs mta-sts.<domain> to MAILSEC_POLICY_HOST before hosting is on gets no
policy: our edge has no certificate for the name (Caddy's ask gate refuses the handshake, or a
certificate for another name is presented) or, holding one, the app answers 404. The fix then
says to turn hosting on, not to "ask the provider that hosts" the name: we are that provider.
Statuses never change (senders get no policy either way).

Lab scenarios (127.0.78.x): s15h_ours (a CNAME to our stand-in host mta-sts-host.s15hedge.test,
whose certificate is for its own name only), s15h_theirs (the same refusal from another
provider's host), s15h_released (our host, a valid certificate, HTTP 404) and s15h_caddy (a
CNAME to the lab's real Caddy edge, sts.hostpol.lab.test).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from checks import https, mtasts
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Finding
from tests.lab import acme
from tests.lab.control import Lab

OURS = "mta-sts-host.s15hedge.test"
HOSTED = "points to mailsec's hosted MTA-STS"
GENERIC = "ask the provider that hosts"


# --- without the lab -------------------------------------------------------------------------


def _result(kind: str | None, status: int | None = None, *chain: str) -> https.HttpsResult:
    """A failed fetch of mta-sts.example.com whose address lookup followed `chain`."""
    host = "mta-sts.example.com"
    return https.HttpsResult(
        url=mtasts.policy_url("example.com"),
        host=host,
        status=status,
        error_kind=kind,
        error="" if kind is None else "TLS handshake failed: internal error",
        dns=[
            DnsAnswer(host, "A", "NOERROR", cnames=list(chain)),
            DnsAnswer(host, "AAAA", "NOERROR", cnames=list(chain)),
        ],
    )


def _hosted_fix(result: https.HttpsResult, ours: str = OURS) -> str:
    return mtasts.hosted_fix(
        CheckContext("example.com", CheckConfig(hosted_policy_host=ours)), result
    )


@pytest.mark.parametrize("kind", ["tls-cert", "tls"])
def test_it_tells_a_refused_handshake_at_our_host_to_turn_hosting_on(kind: str) -> None:
    fix = _hosted_fix(_result(kind, None, OURS))
    assert fix.startswith(f"mta-sts.example.com {HOSTED} ({OURS}), which has no valid"), fix
    assert "turn on hosting for example.com on its page in mailsec" in fix
    assert "verified" in fix and "issued automatically within minutes" in fix
    assert "Nothing needs changing in DNS" in fix and GENERIC not in fix


def test_it_tells_a_404_from_our_host_to_turn_hosting_on() -> None:
    fix = _hosted_fix(_result(None, 404, OURS))
    assert f"({OURS}), which serves no policy for example.com: turn on hosting" in fix, fix


def test_it_follows_a_chain_through_our_host_as_the_ask_endpoint_does() -> None:
    # Our host may itself be an alias (a load balancer's name): the chain passes through it.
    assert _hosted_fix(_result("tls", None, OURS, "lb.cloud.example.net"))
    # The chain comes normalised from checks.dns; a configured name may be written otherwise.
    assert _hosted_fix(_result("tls", None, OURS), ours=OURS.upper() + ".")


def test_it_says_nothing_of_hosting_for_another_host_or_an_unknown_one() -> None:
    assert _hosted_fix(_result("tls-cert", None, "sts.provider.example")) == ""
    assert _hosted_fix(_result("tls-cert", None)) == ""  # A records, no CNAME
    assert _hosted_fix(_result("tls-cert", None, OURS), ours="") == ""


@pytest.mark.parametrize(
    ("kind", "status"),
    [("connect", None), ("timeout", None), ("http", None), ("dns", None), (None, 200), (None, 500)],
)
def test_it_keeps_other_failures_of_our_host_as_they_were(
    kind: str | None, status: int | None
) -> None:
    # A refused connection or a timeout is not what hosting being off looks like.
    assert _hosted_fix(_result(kind, status, OURS)) == ""


def test_the_config_reads_the_same_variable_as_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MAILSEC_POLICY_HOST", raising=False)
    assert CheckConfig.from_env().hosted_policy_host == ""
    monkeypatch.setenv("MAILSEC_POLICY_HOST", " MTA-STS-Host.Mailsec.Example. ")
    assert CheckConfig.from_env().hosted_policy_host == "mta-sts-host.mailsec.example"


def test_every_check_of_the_app_knows_our_host(settings: Any) -> None:
    from checks.tasks import engine_config
    from mailsec.freecheck.models import free_check_config

    settings.MAILSEC_POLICY_HOST = OURS
    assert engine_config().hosted_policy_host == OURS
    assert free_check_config().hosted_policy_host == OURS  # the anonymous free check too
    assert engine_config(hosted_policy_host="").hosted_policy_host == ""


# --- in the lab ------------------------------------------------------------------------------


def _check(lab: Lab, name: str, config: CheckConfig | None = None, **changes: Any) -> list[Finding]:
    from checks.engine import check_domain
    from tests.test_engine_lab import lab_config

    report = asyncio.run(check_domain(f"{name}.lab.test", config or lab_config(lab, **changes)))
    return [f for f in report.findings if f.id.startswith("MTASTS-")]


def _by_id(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings if f.status in ("fail", "warn")}


def _statuses(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.id, str(f.status)) for f in findings)


@pytest.mark.lab
def test_our_host_without_a_certificate_for_the_name_gets_the_hosting_fix(lab: Lab) -> None:
    before = _check(lab, "s15h-ours", hosted_policy_host="")
    assert GENERIC in _by_id(before)["MTASTS-12"].fix  # what the check said until now
    after = _check(lab, "s15h-ours", hosted_policy_host=OURS)
    assert _statuses(after) == _statuses(before)  # wording only
    failed = _by_id(after)
    assert set(failed) == {"MTASTS-10", "MTASTS-12"}
    assert failed["MTASTS-12"].summary == _by_id(before)["MTASTS-12"].summary
    for finding in failed.values():
        assert finding.fix.startswith(f"mta-sts.s15h-ours.lab.test {HOSTED} ({OURS})"), finding.fix
        assert "turn on hosting for s15h-ours.lab.test" in finding.fix
    # Another name configured as ours (another mailsec install) is not this one.
    other = _by_id(_check(lab, "s15h-ours", hosted_policy_host="sts.hostpol.lab.test"))
    assert GENERIC in other["MTASTS-12"].fix and HOSTED not in other["MTASTS-10"].fix


@pytest.mark.lab
def test_another_providers_host_keeps_the_provider_fix(lab: Lab) -> None:
    failed = _by_id(_check(lab, "s15h-theirs", hosted_policy_host=OURS))
    assert set(failed) == {"MTASTS-10", "MTASTS-12"}
    assert GENERIC in failed["MTASTS-12"].fix, failed["MTASTS-12"].fix
    assert all(HOSTED not in f.fix for f in failed.values())
    assert failed["MTASTS-10"].fix.startswith(
        "No sender can fetch a policy from mta-sts.s15h-theirs.lab.test over the certificate"
    ), failed["MTASTS-10"].fix


@pytest.mark.lab
def test_a_404_from_our_host_gets_the_hosting_fix(lab: Lab) -> None:
    before = _by_id(_check(lab, "s15h-released", hosted_policy_host=""))
    assert before["MTASTS-14"].fix.startswith("Serve the policy file at")
    failed = _by_id(_check(lab, "s15h-released", hosted_policy_host=OURS))
    assert set(failed) == {"MTASTS-10", "MTASTS-14"}
    for finding in failed.values():
        assert f"({OURS}), which serves no policy for s15h-released.lab.test" in finding.fix


@pytest.mark.lab
def test_the_free_check_gets_the_same_text(
    lab: Lab, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailsec.freecheck.models import free_check_config

    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    settings.MAILSEC_POLICY_HOST = OURS
    # As a site run against the lab allows it (the free check reads the settings).
    settings.MAILSEC_ENGINE = {**settings.MAILSEC_ENGINE, "allow_private_targets": True}
    config = replace(free_check_config(), probe_cache_seconds=0)
    failed = _by_id(_check(lab, "s15h-ours", config))
    assert failed["MTASTS-12"].fix.startswith(f"mta-sts.s15h-ours.lab.test {HOSTED}")


@pytest.fixture
def announced(lab: Lab) -> Iterator[str]:
    """s15h-caddy with an MTA-STS record for the length of a test (none at rest, so the
    scenario's expectations hold whether or not Caddy runs)."""
    domain = "s15h-caddy.lab.test"
    lab.update(domain, add=[("_mta-sts", 300, "TXT", '"v=STSv1; id=20260115"')])
    lab.flush(domain)
    try:
        yield "s15h-caddy"
    finally:
        lab.update(domain, delete=[("_mta-sts",)])
        lab.flush(domain)


@pytest.mark.lab
@pytest.mark.django_db(transaction=True)
def test_the_real_edge_refusing_an_unhosted_name_gets_the_hosting_fix(
    lab: Lab, edge: acme.Edge, announced: str
) -> None:
    # Caddy asks the app, which hosts nobody: no certificate, the handshake ends in an alert.
    ours = "sts.hostpol.lab.test"
    before = _by_id(_check(lab, announced, hosted_policy_host=""))
    assert set(before) == {"MTASTS-10", "MTASTS-13"}, before
    assert "alert" in before["MTASTS-13"].summary, before["MTASTS-13"].summary
    failed = _by_id(_check(lab, announced, hosted_policy_host=ours))
    assert set(failed) == {"MTASTS-10", "MTASTS-13"}
    for finding in failed.values():
        assert finding.fix.startswith(
            f"mta-sts.s15h-caddy.lab.test {HOSTED} ({ours}), which has no valid certificate"
        ), finding.fix
