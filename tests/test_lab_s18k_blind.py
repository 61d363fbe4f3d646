"""Round s18k: blind lab scenarios on DNS-published policy records (SPF, DMARC, DKIM, TLS-RPT).

The 20 scenario files tests/lab/scenarios/s18k_*.toml (MX hosts on 127.0.93.x) were written and
committed from RFC 7208, RFC 7489, RFC 9989/9990, RFC 6376, RFC 8460 and the checklist before the
engine ran on them; each file's `note` says why. This test checks, per scenario, exactly the check
IDs at fail and at warn (as tests/test_engine_lab.py does for every fixture) and then the words the
finding that carries the verdict must contain, so a right status for the wrong reason still fails.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.findings import DomainReport, Finding, Status
from tests.lab.scenarios import Scenario, load_scenarios

pytestmark = pytest.mark.lab

SCENARIOS = [s for s in load_scenarios() if s.path.name.startswith("s18k_")]

# scenario file stem -> (check id, status, words its subject/summary/fix/evidence must contain)
WORDS: dict[str, list[tuple[str, Status, tuple[str, ...]]]] = {
    "s18k_spf10mix": [("SPF-05", Status.WARN, ("10",)), ("SPF-11", Status.WARN, ("ptr",))],
    "s18k_spf11mix": [("SPF-05", Status.FAIL, ("11",)), ("SPF-11", Status.WARN, ("ptr",))],
    "s18k_redirmx": [("SPF-06", Status.WARN, ("_spf.s18kprov-m.test",))],
    "s18k_inctab": [("SPF-08", Status.FAIL, ("_spf.s18kesp-t.test",))],
    "s18k_afterall": [("SPF-10", Status.WARN, ("_spf.s18kgone-q.test",))],
    "s18k_pmacro": [("SPF-11", Status.WARN, ("%{p}",))],  # corrected from SPF-16, see its note
    "s18k_acidr8": [("SPF-19", Status.WARN, ("/8",))],
    "s18k_psdnsub": [
        ("DMARC-19", Status.WARN, ("quarantine", "reject")),
        ("DMARC-10", Status.INFO, ("psd=n",)),
    ],
    "s18k_pctt": [
        ("DMARC-08", Status.WARN, ("pct",)),
        ("DMARC-09", Status.WARN, ("t=y",)),
        ("DMARC-19", Status.WARN, ("quarantine",)),
    ],
    "s18k_inheritauth": [("DMARC-13", Status.PASS, ("rpt.s18kvendor-a.test",))],
    "s18k_authnosemi": [("DMARC-13", Status.FAIL, ("rpt.s18kvendor-b.test",))],
    # corrected from DKIM-04 fail (see its note): no key, and the finding says what is there
    "s18k_dkimspf": [("DKIM-01", Status.INFO, ("'mk1'", "v=spf1", "s18kmailer-k.test"))],
    "s18k_dkimtwo": [("DKIM-02", Status.FAIL, ("em1",))],
    "s18k_rptupper": [("TLSRPT-05", Status.FAIL, ("rua=",))],
    "s18k_rptdeadmx": [("TLSRPT-10", Status.WARN, ("in.s18krpt-v.test",))],
}


def _run(lab: Any, scenario: Scenario) -> DomainReport:
    from tests.test_engine_lab import scenario_report

    report = scenario_report(lab, scenario)
    assert not report.error, report.error
    return report


def _text(f: Finding) -> str:
    return " ".join((f.subject, f.summary, f.fix, json.dumps(f.evidence, default=str)))


def _describe(report: DomainReport) -> str:
    return "\n".join(
        f"  {f.status:5} {f.id:10} {f.subject} {f.summary}"
        for f in report.findings
        if f.status in (Status.FAIL, Status.WARN, Status.ERROR)
    )


def test_the_set_is_complete() -> None:
    assert len(SCENARIOS) == 20
    ips = [h.ip for s in SCENARIOS for h in s.smtp]
    assert all(ip.startswith("127.0.93.") for ip in ips)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.path.stem for s in SCENARIOS])
def test_s18k_scenario(lab: Any, scenario: Scenario) -> None:
    report = _run(lab, scenario)
    fails = {f.id for f in report.findings if f.status == Status.FAIL}
    warns = {f.id for f in report.findings if f.status == Status.WARN}
    assert fails == scenario.expect_fail, _describe(report)
    assert warns == scenario.expect_warn, _describe(report)
    for check_id, status, words in WORDS.get(scenario.path.stem, []):
        found = [f for f in report.findings if f.id == check_id and f.status == status]
        assert found, (check_id, status, _describe(report))
        text = " ".join(_text(f) for f in found)
        for word in words:
            assert word.lower() in text.lower(), (check_id, word, text)
