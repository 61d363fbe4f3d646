"""Review of round 18 (s18y) against the lab: MTASTS-32 names the STARTTLS step that failed with
the fix of the SMTP finding reporting it, and MTASTS-01 proposes no policy listing MX hosts
without an address. Statuses are the scenarios' own (test_engine_lab checks them); these check
the words (unit tests: tests/test_mtasts_s18_causes.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks.engine import check_domain
from checks.findings import DomainReport, Finding, Status
from tests.lab.scenarios import load_scenarios
from tests.test_engine_lab import describe, lab_config

pytestmark = pytest.mark.lab

SCENARIOS = {s.domain: s for s in load_scenarios()}
# The certificate wording MTASTS-32 used for every cause before.
CERT_WORDS = ("a valid certificate for the MX name is required", "(renew it if it expired)")


def _run(lab: Any, domain: str) -> DomainReport:
    scenario = SCENARIOS[domain]
    config = lab_config(lab, dkim_selectors=tuple(scenario.selectors))
    return asyncio.run(check_domain(domain, config))


def _one(report: DomainReport, check_id: str, subject: str) -> Finding:
    [found] = [f for f in report.findings if f.id == check_id and f.subject == subject]
    return found


def test_an_address_without_starttls_is_named_so(lab: Any) -> None:
    report = _run(lab, "s8-twoaddr.lab.test")
    host, addr = "mx1.s8-twoaddr.lab.test", "127.0.64.61"
    sts = _one(report, "MTASTS-32", f"{host} ({addr})")
    smtp = _one(report, "SMTP-03", f"{host} [{addr}]")
    assert (sts.status, smtp.status) == (Status.FAIL, Status.FAIL), describe(report)
    assert "it does not offer STARTTLS" in sts.summary and "(see SMTP-03)" in sts.summary
    assert sts.fix.startswith(smtp.fix + "\n"), sts.fix
    assert not any(words in sts.summary + sts.fix for words in CERT_WORDS)


def test_a_hang_up_after_starttls_is_named_so(lab: Any) -> None:
    report = _run(lab, "s12t-hangupsts.lab.test")
    host, addr = "mx2.s12t-hangupsts.lab.test", "127.0.71.27"
    sts = _one(report, "MTASTS-32", f"{host} ({addr})")
    smtp = _one(report, "SMTP-04", f"{host} [{addr}]")
    assert (sts.status, smtp.status) == (Status.WARN, Status.FAIL), describe(report)
    assert "closed the connection without a TLS alert" in sts.summary
    assert "(see SMTP-04)" in sts.summary
    assert sts.fix == smtp.fix
    assert not any(words in sts.summary + sts.fix for words in CERT_WORDS)


@pytest.mark.parametrize(
    ("domain", "hosts"),
    [
        (
            "s13-mxnodot.lab.test",
            "mx1.s13-mxnodot.lab.test.s13-mxnodot.lab.test, "
            "mx2.s13-mxnodot.lab.test.s13-mxnodot.lab.test",
        ),
        ("x05.lab.test", "gone.x05.lab.test"),
    ],
)
def test_no_policy_is_proposed_for_mx_hosts_without_an_address(
    lab: Any, domain: str, hosts: str
) -> None:
    report = _run(lab, domain)
    first = _one(report, "MTASTS-01", f"_mta-sts.{domain}")
    assert first.status == Status.INFO
    assert first.fix.startswith("Fix the MX records first: "), first.fix
    assert f"({hosts}; see MX-06)" in first.fix
    assert "mx:" not in first.fix and "v=STSv1" not in first.fix
