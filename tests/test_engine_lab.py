"""Every lab fixture, checked end to end by the engine against the real lab servers.

The expected findings come from the scenario files (tests/lab/scenarios/*.toml), which carry the
checklist's "Expect" lists: exactly those check IDs at fail and warn, nothing else.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from checks.config import CheckConfig
from checks.engine import check_domain
from checks.findings import DomainReport, Status
from tests.lab.scenarios import Scenario, load_scenarios

pytestmark = pytest.mark.lab

SCENARIOS = load_scenarios()


def lab_config(lab: Any, **changes: Any) -> CheckConfig:
    config = CheckConfig.from_env()
    env = lab.env
    config = replace(
        config,
        resolvers=(tuple_hostport(env["MAILSEC_RESOLVER"]),),
        ca_bundle=env["MAILSEC_CA_BUNDLE"],
        allow_private_targets=True,
        extra_public_suffixes=tuple(env["MAILSEC_EXTRA_PUBLIC_SUFFIXES"].split(",")),
        timeout=5.0,
        probe_cache_seconds=0,
    )
    return replace(config, **changes)


def tuple_hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


def describe(report: DomainReport) -> str:
    return "\n".join(
        f"  {f.status:5} {f.id:10} {f.subject} {f.summary}"
        for f in report.findings
        if f.status in (Status.FAIL, Status.WARN, Status.ERROR)
    )


def run(lab: Any, scenario: Scenario) -> DomainReport:
    config = lab_config(lab, dkim_selectors=tuple(scenario.selectors))
    return asyncio.run(check_domain(scenario.domain, config))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.domain for s in SCENARIOS])
def test_fixture_gives_exactly_its_expected_findings(lab: Any, scenario: Scenario) -> None:
    report = run(lab, scenario)
    assert not report.error, report.error
    fails = {f.id for f in report.findings if f.status == Status.FAIL}
    warns = {f.id for f in report.findings if f.status == Status.WARN}
    errors = {f.id for f in report.findings if f.status == Status.ERROR}
    assert "ENGINE-01" not in errors, describe(report)
    assert fails == scenario.expect_fail, describe(report)
    assert warns == scenario.expect_warn, describe(report)
    assert scenario.expect_error <= errors, describe(report)
    present = {f.id for f in report.findings}
    assert scenario.present <= present, describe(report)
    _renders(report)


def _renders(report: DomainReport) -> None:
    """Every fixture's findings, whatever shape their evidence takes, render on the free-check
    page (the templates run on unseen domains' data: a template error there is a 500)."""
    from django.template.loader import render_to_string

    from mailsec.domains.models import CheckRun
    from mailsec.domains.views import _panels
    from mailsec.freecheck.models import FreeCheck

    data = report.to_dict()
    check = FreeCheck(domain=report.domain, status=FreeCheck.State.DONE, report=data)
    html = render_to_string("freecheck/_results.html", {"check": check})
    # …and on a monitored domain's page (its mechanism panels).
    run = CheckRun(
        status=CheckRun.Status.DONE,
        findings=data["findings"],
        mechanisms=data["mechanisms"],
        score_detail=data.get("score_detail") or {},
    )
    panels = render_to_string("domains/_panels.html", {"panels": _panels(run)})
    for f in report.findings:
        if f.status in (Status.FAIL, Status.WARN):
            assert f.id in html and f.id in panels, f.id


def test_f01_scores_100(lab: Any) -> None:
    scenario = next(s for s in SCENARIOS if s.domain == "f01.lab.test")
    report = run(lab, scenario)
    assert report.score == 100, describe(report)
    assert report.score_detail["partial"] is False


def test_lookups_in_a_bogus_zone_are_errors_not_absence(lab: Any) -> None:
    scenario = next(s for s in SCENARIOS if s.domain == "f48.lab.test")
    report = run(lab, scenario)
    for check_id in ("MTASTS-01", "TLSRPT-01", "DMARC-01"):
        statuses = {f.status for f in report.findings if f.id == check_id}
        assert statuses == {Status.ERROR}, (check_id, describe(report))
    assert report.score_detail["partial"] is True


def test_no_lookup_is_done_twice_in_one_run(lab: Any) -> None:
    scenario = next(s for s in SCENARIOS if s.domain == "f01.lab.test")
    report = run(lab, scenario)
    asked = [(q["name"], q["type"], q.get("cd"), q.get("do")) for q in report.query_log]
    assert len(asked) == len(set(asked))
