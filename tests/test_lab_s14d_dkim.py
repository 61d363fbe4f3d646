"""DKIM keys of domains nobody listed, against the lab (s14d_* scenarios, 127.0.77.x).

No scenario gives a selector. The expectations (the scenario files) were committed before the
engine learnt the providers' selectors; this file says which selector each key must be found
at, and that the discovery keeps the DKIM step about as fast as the nine-name list was.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from checks import dkim
from checks.context import CheckContext
from checks.findings import DomainReport, Finding, Status
from tests.lab.control import Lab

pytestmark = pytest.mark.lab

# scenario -> the selectors whose keys must be found
FOUND = {
    "fastmail": ["fm1", "fm2", "fm3"],  # MX hint; fm2/fm3 are on no common list
    "protonspf": ["protonmail3"],  # SPF include hint only
    "zoho": ["zoho"],  # MX hint, Zoho's example name
    "m365": ["selector1", "selector2"],  # CNAMEs into onmicrosoft
    "mailchimp": ["k2", "k3"],  # nothing names Mailchimp: common list
    "sendgrid": ["s1"],
    "icloud": ["sig1"],
}


def _report(lab: Lab, name: str) -> DomainReport:
    from checks.engine import check_domain
    from tests.test_engine_lab import lab_config

    report = asyncio.run(check_domain(f"s14d-{name}.lab.test", lab_config(lab)))
    assert not report.error, report.error
    return report


def _summary(report: DomainReport) -> Finding:
    return next(f for f in report.findings if f.id == "DKIM-01" and f.subject == report.domain)


@pytest.mark.parametrize("name", sorted(FOUND))
def test_the_key_is_found_at_the_provider_s_selector(lab: Lab, name: str) -> None:
    report = _report(lab, name)
    summary = _summary(report)
    found = [n.split("._domainkey.")[0] for n in summary.evidence["found"]]
    assert found == FOUND[name], summary.summary
    passes = [f for f in report.findings if f.id == "DKIM-06" and f.status == Status.PASS]
    assert len(passes) == len(FOUND[name])
    assert not [f for f in report.findings if f.status in (Status.FAIL, Status.WARN)]


def test_a_key_at_a_selector_nobody_guesses_is_info_with_the_way_to_add_it(lab: Lab) -> None:
    report = _report(lab, "unguessed")
    dkim_findings = [f for f in report.findings if f.mechanism == dkim.MECHANISM]
    assert [(f.id, f.status) for f in dkim_findings] == [("DKIM-01", Status.INFO)]
    text = dkim_findings[0].summary
    count = len(dkim_findings[0].evidence["selectors_tried"])
    assert f"any of the {count} selectors tried (mail, " in text
    assert "Yandex 360" in text and "'DKIM selectors'" in text


def test_the_dkim_step_is_not_noticeably_slower(lab: Lab) -> None:
    """The DKIM step on each s14d domain against a fresh cache, beside the nine checklist
    names asked the way the engine asked them before (one gather, nothing else)."""
    from tests.test_engine_lab import lab_config

    config = lab_config(lab)

    async def step(domain: str) -> float:
        ctx = CheckContext(domain, config)
        started = time.perf_counter()
        await dkim.get_keys(ctx)
        return time.perf_counter() - started

    async def nine(domain: str) -> float:
        ctx = CheckContext(domain, config)
        started = time.perf_counter()
        await asyncio.gather(
            *(ctx.dns.query(f"{s}._domainkey.{domain}", "TXT") for s in dkim.COMMON_SELECTORS[:9])
        )
        return time.perf_counter() - started

    domains = [f"s14d-{n}.lab.test" for n in [*FOUND, "unguessed"]]
    # Warm the resolver's cache once, so neither side pays for the other's first queries.
    for domain in domains:
        asyncio.run(step(domain))
    now = [asyncio.run(step(d)) for d in domains for _ in range(3)]
    before = [asyncio.run(nine(d)) for d in domains for _ in range(3)]
    print(
        f"DKIM step median {statistics.median(now) * 1000:.1f} ms, "
        f"nine names {statistics.median(before) * 1000:.1f} ms"
    )
    assert statistics.median(now) < 3 * statistics.median(before) + 0.05
