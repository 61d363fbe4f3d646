"""Task s36e, item 5: one DMARC record to publish where DMARC-10's psd=n meets other fixes.

Under a public suffix that RFC 9989 receivers take for the Organizational Domain (a suffix's
record without psd=y, RFC 9989 §4.10.2 rule 3; psd=y one label above a silent suffix, rule 2),
psd=n in the owner's record at its Organizational Domain ends the walk there (rule 1). That
step was a record of its own (dmarc.psd_n_record): DMARC-08 (pct) and DMARC-19 wrote the
record without pct, DMARC-10 (or DMARC-19 when the operator's record is applied over the
owner's) the record with psd=n and pct still in it: a user who followed both published two
records at one name, and receivers ignore every one of several (RFC 9989 §4.10 step 2). And
for an Organizational Domain with no record, DMARC-01 proposed a record without psd=n while
DMARC-10 said to publish 'your own record (see DMARC-01) with psd=n in it', leaving the owner
to write the record. Every fix now offers the one record with every repair and psd=n.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.findings import Finding
from tests.test_engine_s29s_blind import site
from tests.test_engine_s35n_psd import BARE_GOV, ORG, SHOP, _run

OWN_PCT = f"v=DMARC1; p=reject; pct=50; rua=mailto:d@{ORG}"
MERGED = f"v=DMARC1; p=reject; rua=mailto:d@{ORG}; psd=n"
RULE_3 = {("_dmarc.gov.uk", "TXT"): [BARE_GOV]}
RULE_2 = {("_dmarc.uk", "TXT"): ["v=DMARC1; p=reject; psd=y"]}


def _records(findings: list[Finding], name: str) -> dict[str, set[str]]:
    """{check id: the records its fix writes at _dmarc.<name>}, for the findings with any."""
    pattern = re.compile(rf'^_dmarc\.{re.escape(name)}\. TXT "([^"]*)"$', re.M)
    found: dict[str, set[str]] = {}
    for f in findings:
        if records := set(pattern.findall(f.fix)):
            found.setdefault(f.id, set()).update(records)
    return found


def _one(findings: list[Finding], check: str) -> Finding:
    (found,) = [f for f in findings if f.id == check and f.fix]
    return found


def test_dmarc08_and_dmarc10_offer_one_record_with_psd_n() -> None:
    findings = _run(ORG, site(ORG, more={**RULE_3, (f"_dmarc.{ORG}", "TXT"): [OWN_PCT]}))
    records = _records(findings, ORG)
    assert {"DMARC-08", "DMARC-10"} <= set(records), records
    assert set().union(*records.values()) == {MERGED}, records
    assert "Add psd=n to your record" in _one(findings, "DMARC-10").fix


def test_the_operators_record_over_the_owners_gives_one_record_too() -> None:
    findings = _run(SHOP, site(SHOP, more={**RULE_3, (f"_dmarc.{ORG}", "TXT"): [OWN_PCT]}))
    records = _records(findings, ORG)
    assert {"DMARC-08", "DMARC-19"} <= set(records), records
    assert set().union(*records.values()) == {MERGED}, records
    assert "Add psd=n to your record" in _one(findings, "DMARC-19").fix


@pytest.mark.parametrize("suffix", [RULE_3, RULE_2], ids=["rule-3", "rule-2"])
def test_an_organizational_domain_without_a_record_is_offered_psd_n_by_dmarc01(
    suffix: dict[Any, Any],
) -> None:
    findings = _run(ORG, site(ORG, more=suffix))
    records = _records(findings, ORG)
    assert "DMARC-01" in records and "DMARC-10" in records, records
    (record,) = set().union(*records.values())
    # The operator's policy kept (s36p): _dmarc.uk's p=reject under rule 2, gov.uk's p=none
    # under rule 3 (tests/test_engine_s36p_dmarc.py).
    policy = "reject" if suffix is RULE_2 else "none"
    assert record.endswith("; psd=n") and record.startswith(f"v=DMARC1; p={policy}; rua="), record
    dmarc01 = _one(findings, "DMARC-01")
    assert "psd=n" in dmarc01.fix.split("\n", 1)[1], dmarc01.fix  # said why, after the record
    assert "(see DMARC-01)" not in _one(findings, "DMARC-10").fix


def test_a_subdomain_gets_no_psd_n_at_its_own_name() -> None:
    findings = _run(SHOP, site(SHOP, more=RULE_3))
    own = _records(findings, SHOP)
    assert own and not any("psd" in r for rs in own.values() for r in rs), own
    # DMARC-10's step is at the Organizational Domain: a record written out, not 'see
    # DMARC-01' (whose record is at the subdomain).
    dmarc10 = _one(findings, "DMARC-10")
    assert "(see DMARC-01)" not in dmarc10.fix, dmarc10.fix
    assert _records([dmarc10], ORG) == {
        "DMARC-10": {f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{ORG}; psd=n"}
    }


def test_a_domain_under_an_ordinary_suffix_gets_no_psd_n() -> None:
    domain = "plain-s36e.example"
    findings = _run(domain, site(domain))
    records = _records(findings, domain)
    assert records and not any("psd" in r for rs in records.values() for r in rs), records
