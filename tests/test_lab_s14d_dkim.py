"""DKIM keys of domains nobody listed, against the lab (s14d_* scenarios, 127.0.77.x).

No scenario gives a selector. The expectations (the scenario files) were committed before the
engine learnt the providers' selectors; this file says which selector each key must be found
at, and that the discovery asks its selectors in at most two rounds.
"""

from __future__ import annotations

import asyncio
from typing import Any

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


def test_the_dkim_step_asks_its_selectors_in_at_most_two_rounds(lab: Lab) -> None:
    """The provider discovery must not make the DKIM step slow: the common names go out at once,
    beside the MX and SPF look-ups that may hint a provider, and a hinted provider's names in
    one more round. Counted as rounds of selector names asked for the first time (a round
    starts when one is sent while none is in flight), not timed: speed is measured in bench/,
    not here."""
    from tests.test_engine_lab import lab_config

    config = lab_config(lab)

    async def rounds_and_names(domain: str) -> tuple[int, list[str]]:
        ctx = CheckContext(domain, config)
        asked: list[str] = []
        in_flight = 0
        rounds = 0
        query = ctx.dns.query

        async def counted(name: str, rtype: str, *args: Any, **kwargs: Any) -> Any:
            nonlocal in_flight, rounds
            if "._domainkey." not in name or name in asked:
                # a name asked again is answered from the run's own cache: no round trip
                return await query(name, rtype, *args, **kwargs)
            if in_flight == 0:
                rounds += 1
            in_flight += 1
            asked.append(name)
            try:
                return await query(name, rtype, *args, **kwargs)
            finally:
                in_flight -= 1

        ctx.dns.query = counted  # type: ignore[method-assign]
        keys = await dkim.get_keys(ctx)
        assert len(asked) >= len(keys.selectors)
        return rounds, asked

    for name in [*FOUND, "unguessed"]:
        rounds, asked = asyncio.run(rounds_and_names(f"s14d-{name}.lab.test"))
        assert 1 <= rounds <= 2, (name, rounds)
        assert len(asked) >= len(dkim.COMMON_SELECTORS[:9]), name
