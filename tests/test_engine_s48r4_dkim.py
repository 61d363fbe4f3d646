"""Review s48r4 of 3477c369 (DKIM-01 info for a common selector whose alias leads to an empty
name), on the non-lab harness of tests/test_engine_s44e_blind.py.

Two gaps:
* the info was given only beside another key. A new Microsoft 365 tenant's selector1 and
  selector2 CNAMEs published before DKIM signing is turned on, with no other key, went
  unnamed: the owner read "no DKIM key was found ... your provider may sign with a selector
  of its own" and nothing about the two aliases, where turning signing on is the whole fix;
* "another selector of the same provider holds a key, nothing to do" compared organisational
  domains, so selector1 keyed at one Microsoft 365 tenant (x.onmicrosoft.com) made selector2,
  an alias into another tenant holding nothing, "nothing to do". The provider's zone for the
  domain (the target less its first label) is compared now: a tenant, SendGrid's
  u<n>.wl<n>.sendgrid.net, Mailchimp's mcsv.net.
Info either way (checklist §5), not scored: the score is the one the zone without the aliases
gets.
"""

from __future__ import annotations

from typing import Any

from checks.findings import Finding
from tests.test_engine_s44e_blind import DKIM, GOOGLE_MX, Case, mail_domain, run_case

D = "shapes-s48r4.com"
M1 = "selector1-shapes-s48r4-com._domainkey.shapes.onmicrosoft.com"
M2 = "selector2-shapes-s48r4-com._domainkey.shapes.onmicrosoft.com"


def _zone(aliases: dict[str, str], keyed: list[str]) -> dict[Any, Any]:
    more: dict[Any, Any] = {}
    for selector, target in aliases.items():
        more[(f"{selector}._domainkey.{D}", "CNAME")] = [target + "."]
    for target in keyed:
        more[(target, "TXT")] = [DKIM]
    return mail_domain(D, GOOGLE_MX, more=more)


def _named(findings: list[Finding], selector: str) -> list[Finding]:
    return [f for f in findings if f.id == "DKIM-01" and f.subject == f"{selector}._domainkey.{D}"]


def test_m365_aliases_with_no_key_anywhere_are_named() -> None:
    report = run_case(Case("s48r4", D, _zone({"selector1": M1, "selector2": M2}, [])))
    for selector, target in (("selector1", M1), ("selector2", M2)):
        said = _named(report.findings, selector)
        assert len(said) == 1, [(f.subject, f.summary) for f in report.findings]
        assert str(said[0].status) == "info"
        assert f"alias of {target}, which holds no TXT record" in said[0].summary
        assert "turn DKIM signing on" in said[0].summary
    # The "no key found" info stays, and the score is the one without the aliases.
    assert any(f.id == "DKIM-01" and f.subject == D for f in report.findings)
    bare = run_case(Case("s48r4-bare", D, _zone({}, [])))
    assert report.score == bare.score
    assert report.score_detail["categories"]["dkim"] == bare.score_detail["categories"]["dkim"]


def test_alias_into_another_tenant_is_not_nothing_to_do() -> None:
    other = "selector2-shapes-s48r4-com._domainkey.newtenant.onmicrosoft.com"
    report = run_case(Case("s48r4", D, _zone({"selector1": M1, "selector2": other}, [M1])))
    [said] = _named(report.findings, "selector2")
    assert "nothing to do" not in said.summary
    assert "turn DKIM signing on" in said.summary


def test_second_selector_in_the_same_tenant_still_needs_nothing() -> None:
    report = run_case(Case("s48r4", D, _zone({"selector1": M1, "selector2": M2}, [M1])))
    [said] = _named(report.findings, "selector2")
    assert "while 'selector1' holds your key there is nothing to do" in said.summary
    assert not _named(report.findings, "selector1")


def test_sendgrid_second_selector_of_the_same_account_needs_nothing() -> None:
    s1 = "s1.domainkey.u123.wl456.sendgrid.net"
    s2 = "s2.domainkey.u123.wl456.sendgrid.net"
    report = run_case(Case("s48r4", D, _zone({"s1": s1, "s2": s2}, [s1])))
    [said] = _named(report.findings, "s2")
    assert "while 's1' holds your key there is nothing to do" in said.summary
