"""Task s38e, items 2 and 3: DMARC and BIMI advice at a null MX (RFC 7505), own record or
inherited one (RFC 7489 §6.6.3).

A null MX says the domain accepts no mail, and such a domain SHOULD NOT send any (RFC 7505
§4.2); a domain that sends no mail should tell receivers to reject mail claiming to be from it,
which DMARC's p=reject does (RFC 7489 §6.3). Which null MX counts is the checked domain's own:
the organisational domain's says nothing about whether a subdomain sends (s37a kept it so).

- Item 3: DMARC-01, at a null-MX domain without DMARC, proposed p=reject without a reason.
  Now it says why in one sentence.
- Item 2: a subdomain with a null MX and no DMARC record of its own gets the organisational
  domain's record. BIMI-08 (and DMARC-06) proposed quarantine at the organisational domain and
  said nothing of the null MX: p=reject there would also reach the organisational domain (p)
  and its other subdomains (sp falls back to p), which may send mail. Now they propose a record
  of the subdomain's own, p=reject at _dmarc.<subdomain>, and say the inherited record covers
  the others; the organisational domain's record is proposed as before (quarantine), never
  reject for the subdomain's sake. Statuses unchanged (BIMI-08 fail, DMARC-06 warn, DMARC-01
  info).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, logo, mark, site
from tests.test_engine_s34s_blind import run_case

ORG = "brand.example"
SUB = f"news.{ORG}"
NULL = ["0 ."]


def _run(domain: str, zone: dict[Any, Any], module: str) -> list[Finding]:
    return run_case(Case("s38e", module, domain, dict(zone)))[0]


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert found, [f.id for f in findings]
    return found[0]


def _records(finding: Finding, name: str) -> list[str]:
    return re.findall(rf'^_dmarc\.{re.escape(name)}\. TXT "([^"]*)"$', finding.fix, re.M)


def _bimi(domain: str) -> dict[Any, Any]:
    return {(f"default._bimi.{domain}", "TXT"): [f"v=BIMI1; l={logo(domain)}; a={mark(domain)}"]}


def _subdomain_zone(
    org_dmarc: str, *, sub_null: bool = True, org_null: bool = False, sub_dmarc: str | None = None
) -> dict[Any, Any]:
    """brand.example with `org_dmarc` (mail at mx1, or a null MX), news.brand.example with a
    null MX (or mail at mx1.brand.example), SPF -all and a BIMI record."""
    zone = site(ORG, dmarc_record=org_dmarc, mx={(ORG, "MX"): NULL} if org_null else None)
    zone[(SUB, "MX")] = NULL if sub_null else [f"10 mx1.{ORG}"]
    zone[(SUB, "TXT")] = ["v=spf1 -all"]
    if sub_dmarc is not None:
        zone[(f"_dmarc.{SUB}", "TXT")] = [sub_dmarc]
    zone.update(_bimi(SUB))
    return zone


# Item 3 ---------------------------------------------------------------------------------------


def test_dmarc01_at_a_null_mx_says_why_it_proposes_reject() -> None:
    zone = site("parked.example", spf_record="v=spf1 -all", mx={("parked.example", "MX"): NULL})
    dmarc01 = _one(_run("parked.example", zone, "dmarc"), "DMARC-01")
    assert dmarc01.status == "info"
    assert _records(dmarc01, "parked.example") == ["v=DMARC1; p=reject"]
    summary = dmarc01.summary
    assert "parked.example publishes a null MX" in summary, summary
    assert "reject" in summary and "sends no mail" in summary, summary
    assert "RFC 7505" in summary and "RFC 7489" in summary, summary


def test_dmarc01_at_a_domain_with_mail_says_nothing_of_a_null_mx() -> None:
    dmarc01 = _one(_run("shop.example", site("shop.example"), "dmarc"), "DMARC-01")
    assert "null MX" not in dmarc01.summary
    assert "p=none" in dmarc01.fix


# Item 2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "org_dmarc",
    [
        "v=DMARC1; p=none; rua=mailto:d@brand.example",
        "v=DMARC1; p=none",
        "v=DMARC1; p=reject; sp=none; rua=mailto:d@brand.example",
    ],
)
def test_inherited_record_at_a_null_mx_subdomain_gets_a_reject_record_of_its_own(
    org_dmarc: str,
) -> None:
    bimi08 = _one(_run(SUB, _subdomain_zone(org_dmarc), "bimi"), "BIMI-08")
    assert bimi08.status == "fail"
    # The subdomain's own record, the one DMARC-01 proposes for a null MX.
    assert _records(bimi08, SUB) == ["v=DMARC1; p=reject"], bimi08.fix
    # The organisational domain's record is never switched to reject for the subdomain's sake.
    for record in _records(bimi08, ORG):
        assert "sp=reject" not in record and not (
            "p=reject" in record.split("; ") and "p=reject" not in org_dmarc
        ), record
    summary = bimi08.summary
    assert f"{SUB} publishes a null MX" in summary, summary
    assert f"inherited from _dmarc.{ORG}" in summary, summary
    assert f"_dmarc.{SUB}" in summary, summary
    assert "only once" not in summary


def test_own_record_at_a_null_mx_still_rewritten_in_place() -> None:
    zone = _subdomain_zone("v=DMARC1; p=reject", sub_dmarc="v=DMARC1; p=none")
    bimi08 = _one(_run(SUB, zone, "bimi"), "BIMI-08")
    assert _records(bimi08, SUB) == ["v=DMARC1; p=reject"], bimi08.fix
    assert _records(bimi08, ORG) == []
    assert "inherited" not in bimi08.summary
    assert f"{SUB} publishes a null MX" in bimi08.summary


def test_org_domains_null_mx_does_not_make_a_sending_subdomain_reject() -> None:
    zone = _subdomain_zone("v=DMARC1; p=none", sub_null=False, org_null=True)
    bimi08 = _one(_run(SUB, zone, "bimi"), "BIMI-08")
    assert _records(bimi08, SUB) == []
    (record,) = _records(bimi08, ORG)
    assert "reject" not in record, record
    assert f"{SUB} publishes a null MX" not in bimi08.summary


def test_dmarc06_at_a_null_mx_subdomain_names_its_own_record() -> None:
    zone = _subdomain_zone("v=DMARC1; p=none; rua=mailto:d@brand.example")
    dmarc06 = _one(_run(SUB, zone, "dmarc"), "DMARC-06")
    assert dmarc06.status == "warn"
    summary = dmarc06.summary
    assert f"{SUB} publishes a null MX" in summary, summary
    assert f'_dmarc.{SUB} "v=DMARC1; p=reject"' in summary, summary
    # Its fix stays the organisational domain's next step, not reject.
    assert "reject" not in "".join(_records(dmarc06, ORG))


def test_dmarc06_at_a_sending_subdomain_says_nothing_of_a_null_mx() -> None:
    zone = _subdomain_zone("v=DMARC1; p=none; rua=mailto:d@brand.example", sub_null=False)
    dmarc06 = _one(_run(SUB, zone, "dmarc"), "DMARC-06")
    assert "null MX" not in dmarc06.summary
