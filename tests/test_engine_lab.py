"""Every lab fixture, checked end to end by the engine against the real lab servers.

The expected findings come from the scenario files (tests/lab/scenarios/*.toml), which carry the
checklist's "Expect" lists: exactly those check IDs at fail and warn, nothing else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import pytest

from checks.config import CheckConfig
from checks.engine import check_domain
from checks.findings import DomainReport, Finding, Status
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


def finding_text(f: Finding) -> str:
    """All of a finding (subject, summary, evidence, fix) as lower-case text, for word rows
    (non-ASCII as it is: a row's 'müller' is not the JSON escape 'm\\u00fcller')."""
    return json.dumps(f.to_dict(), default=str, ensure_ascii=False).lower()


def readable_text(f: Finding) -> str:
    """What a mail admin reads of a finding: the subject, the sentence and the fix (not the
    evidence), as lower-case text."""
    data = f.to_dict()
    return json.dumps([data.get(k) for k in ("subject", "summary", "fix")], default=str).lower()


def assert_rows(
    report: DomainReport,
    rows: Iterable[tuple[str, Status, Iterable[str]]],
    text: Callable[[Finding], str] = finding_text,
) -> None:
    """Each row (check id, status, words) names a finding of `report` with that id and status
    whose text holds every word: the blind rounds' way of saying what a finding must tell."""
    for check_id, status, words in rows:
        hits = [
            f
            for f in report.findings
            if f.id == check_id and f.status == status and all(w.lower() in text(f) for w in words)
        ]
        assert hits, (check_id, status, words, describe(report))


def blind_params(labels: Iterable[str], gaps: dict[str, tuple[str, ...]]) -> list[Any]:
    """A blind round's scenario labels as test parameters: one the engine still reads
    otherwise (`gaps`: label -> (why, …)) runs as a strict xfail naming why, so it turns into
    a failure the day it is fixed."""
    return [
        pytest.param(label, marks=pytest.mark.xfail(strict=True, reason=gaps[label][0]))
        if label in gaps
        else label
        for label in labels
    ]


def assert_blind_reading(
    report: DomainReport,
    *,
    fail: Iterable[str],
    warn: Iterable[str],
    error: Iterable[str] = (),
    rows: Iterable[tuple[str, Status, Iterable[str]]] = (),
) -> None:
    """A blind round's expectation of one scenario: exactly these ids fail, warn and could
    not be checked, and each row names a finding that says what it must."""
    assert not report.error, report.error
    found = {(f.id, f.status) for f in report.findings}
    assert {i for i, s in found if s == Status.FAIL} == set(fail), describe(report)
    assert {i for i, s in found if s == Status.WARN} == set(warn), describe(report)
    assert {i for i, s in found if s == Status.ERROR} == set(error), describe(report)
    assert_rows(report, rows)


def scenario_config(lab: Any, scenario: Scenario) -> CheckConfig:
    """lab_config for `scenario`: its DKIM selectors, and its own timeout where it declares one
    (s33k: a policy fetch slower than MTASTS-16's 10 s needs a limit above the lab's 10 s)."""
    config = lab_config(lab, dkim_selectors=tuple(scenario.selectors))
    if scenario.check_timeout is not None:
        config = replace(config, timeout=scenario.check_timeout)
    return config


def run(lab: Any, scenario: Scenario) -> DomainReport:
    return asyncio.run(check_domain(scenario.domain, scenario_config(lab, scenario)))


# Scenario reports checked together at the start (see scenario_report), by domain.
_CHECKED_TOGETHER: dict[str, DomainReport] = {}
_TOGETHER_DONE = False
# Checks at once. Not more: 16 took the pass from 263 s to 443 s (1,356 scenarios, load 11 on 2
# CPUs, s46f), each check 3.4 times slower for twice the company: past 8 they queue for CPU,
# not on the waits. At 8 on a quieter machine (load 3) the pass took 199 s, of which this
# process, the engine's one event loop, used 147 s of CPU (the lab's servers 37 s, Unbound
# 15 s): the engine's own CPU per check, not the waiting scenarios, sets the pass's length.
TOGETHER = 8


def _reads_as_declared(report: DomainReport, scenario: Scenario) -> bool:
    errors = {f.id for f in report.findings if f.status == Status.ERROR}
    return (
        not report.error
        and "ENGINE-01" not in errors
        and {f.id for f in report.findings if f.status == Status.FAIL} == scenario.expect_fail
        and {f.id for f in report.findings if f.status == Status.WARN} == scenario.expect_warn
        and scenario.expect_error <= errors
        and scenario.present <= {f.id for f in report.findings}
    )


def waits(scenario: Scenario) -> bool:
    """Whether the scenario declares a server that makes every client wait on purpose: a slow
    greeting or EHLO, a silent, resetting or closing listener, a STARTTLS whose handshake never
    gets an answer, a slow or stalling HTTPS answer, or a timeout of its own. Checking one takes
    5-22 s against a median of 1.5 s (s46f): they go first, not last, where they would end the
    pass alone (here and in tests/test_dane_oracle.py's posttls-finger runs)."""
    return (
        bool(scenario.tcp)
        or scenario.check_timeout is not None
        or any(h.banner_delay or h.ehlo_delay or h.starttls_stall for h in scenario.smtp)
        or any(f.slow for h in scenario.https for f in h.files)
    )


def _check_together(lab: Any, scenarios: list[Scenario]) -> None:
    scenarios = sorted(scenarios, key=lambda s: not waits(s))

    async def all_of() -> list[DomainReport | BaseException]:
        gate = asyncio.Semaphore(TOGETHER)

        async def one(scenario: Scenario) -> DomainReport:
            async with gate:
                return await check_domain(scenario.domain, scenario_config(lab, scenario))

        return await asyncio.gather(*(one(s) for s in scenarios), return_exceptions=True)

    for scenario, report in zip(scenarios, asyncio.run(all_of()), strict=True):
        if isinstance(report, DomainReport) and _reads_as_declared(report, scenario):
            _CHECKED_TOGETHER[scenario.domain] = report


def scenario_report(lab: Any, scenario: Scenario) -> DomainReport:
    """The engine's report on `scenario`, as `run` gives it, but fast: the first call checks
    every scenario the session's tests select by parameter (tests.lab.pytest_plugin) TOGETHER
    at a time — one at a time, the suite spent most of its lab time waiting on timeouts. Only
    a report that reads exactly as its scenario file declares is kept from that; any other
    (a provider's MX host shared by several scenarios refusing a second connection, a probe
    slowed past its timeout by the others) is checked again alone, as before, and that is
    what the test sees: checking together can neither fail a test nor hide a failure."""
    global _TOGETHER_DONE
    from tests.lab.pytest_plugin import SELECTED_SCENARIOS

    if not _TOGETHER_DONE:
        _TOGETHER_DONE = True
        _check_together(lab, [s for s in SELECTED_SCENARIOS if s.domain not in _CHECKED_TOGETHER])
    report = _CHECKED_TOGETHER.get(scenario.domain)
    return report if report is not None else run(lab, scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.domain for s in SCENARIOS])
def test_fixture_gives_exactly_its_expected_findings(lab: Any, scenario: Scenario) -> None:
    report = scenario_report(lab, scenario)
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
