"""A common selector the owner aliased to a provider's name that holds no key (blind round s48b,
dkim-m365-cnames-before-signing-enabled): Microsoft 365's selector1/selector2 CNAMEs published
before DKIM signing is turned on in the tenant, beside the old provider's live 'google' key.

The CNAMEs are the owner's records, so DKIM-01 names each with its empty target and what to do
(turn signing on at the provider), as it did only for selectors the owner gave. RFC 6376
§3.6.2.2: a signature with that selector finds no key. Info, as any selector without a key
(checklist §5). Beside a key of the same provider (selector1 keyed, selector2 not yet, as
Microsoft 365 publishes selector2's key at its first rotation) the words say there is nothing
to do.
"""

from __future__ import annotations

from dataclasses import replace

from checks.findings import Finding
from tests.test_engine_s44e_blind import DKIM, Case, run_case
from tests.test_engine_s48b_blind import CASES


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def _dkim01_infos(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.id == "DKIM-01" and str(f.status) == "info"]


def test_m365_selectors_before_signing_is_on_are_named() -> None:
    case = _case("dkim-m365-cnames-before-signing-enabled")
    infos = _dkim01_infos(run_case(case).findings)
    for selector in ("selector1", "selector2"):
        target = f"{selector}-newbiggin-legal-com._domainkey.newbigginlegal.onmicrosoft.com"
        said = [f for f in infos if f"'{selector}'" in f.summary]
        assert len(said) == 1, [f.summary for f in infos]
        assert f"alias of {target}, which holds no TXT record" in said[0].summary
        assert "turn DKIM signing on" in said[0].summary
        assert said[0].subject == f"{selector}._domainkey.{case.domain}"


def test_second_selector_of_a_keyed_provider_needs_nothing() -> None:
    case = _case("dkim-m365-cnames-before-signing-enabled")
    target = "selector1-newbiggin-legal-com._domainkey.newbigginlegal.onmicrosoft.com"
    zone = {**case.zone, (target, "TXT"): [DKIM]}
    infos = _dkim01_infos(run_case(replace(case, zone=zone)).findings)
    said = [f for f in infos if "'selector2'" in f.summary]
    assert len(said) == 1, [f.summary for f in infos]
    assert "there is nothing to do" in said[0].summary
    assert "while 'selector1' holds your key" in said[0].summary
    assert not any(f.subject == f"selector1._domainkey.{case.domain}" for f in infos)


def test_a_selector_with_no_record_at_all_is_not_named() -> None:
    case = _case("dkim-m365-cnames-before-signing-enabled")
    zone = {k: v for k, v in case.zone.items() if k[1] != "CNAME"}
    infos = _dkim01_infos(run_case(replace(case, zone=zone)).findings)
    assert not any("._domainkey." in f.subject for f in infos), [f.summary for f in infos]
