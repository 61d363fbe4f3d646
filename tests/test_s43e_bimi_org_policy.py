"""Task s43e, item 4: BIMI-08 and the organisational domain's DMARC policy.

The draft's Authentication Requirements (steps 7-9; checklist §10, BIMI-08) hold the Author
Domain's and the Author Organizational Domain's DMARC records to p=quarantine or reject, no
sp=none, pct=100 under quarantine. A subdomain's own enforcing record passed BIMI-08 when the
lookup of the organisational domain's record failed: its p=none or sp=none would hide the logo,
so that is could not check (error), not pass. And an invalid p= was said to be 'p=none'; it is
named as written, as an invalid sp= or np= is. Three reasons read 'a, b and c' (series), not
'a and b and c'."""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_bimi import CERT, ENFORCING, LOGO, ORG_BIMI, SUB, D, _run_at, bimi_run

# --- 4. BIMI-08: the organisational domain's policy --------------------------------------------


def _bimi08(found: list[Finding]) -> Finding:
    (finding,) = [f for f in found if f.id == "BIMI-08"]
    return finding


OWN = {(f"_dmarc.{SUB}", "TXT"): [ENFORCING]}


def test_s43e_an_org_domain_lookup_failure_is_could_not_check_not_pass() -> None:
    finding = _bimi08(_run_at(SUB, {**ORG_BIMI, **OWN, (f"_dmarc.{D}", "TXT"): "SERVFAIL"}))
    assert finding.status == Status.ERROR, finding.summary
    assert f"_dmarc.{D}" in finding.summary and "not checked" in finding.summary, finding.summary


def test_s43e_a_known_fault_still_fails_when_the_org_domain_is_unknown() -> None:
    own_none = {(f"_dmarc.{SUB}", "TXT"): ["v=DMARC1; p=none; rua=mailto:d@example.com"]}
    finding = _bimi08(_run_at(SUB, {**ORG_BIMI, **own_none, (f"_dmarc.{D}", "TXT"): "SERVFAIL"}))
    assert finding.status == Status.FAIL, finding.summary
    assert f"_dmarc.{D}" in finding.summary and "could not" in finding.summary, finding.summary


def test_s43e_org_domain_checks_as_before() -> None:
    assert _bimi08(_run_at(SUB, {**ORG_BIMI, **OWN})).status == Status.PASS  # no org record
    both = {**ORG_BIMI, **OWN, (f"_dmarc.{D}", "TXT"): [ENFORCING]}
    assert _bimi08(_run_at(SUB, both)).status == Status.PASS
    none = {**ORG_BIMI, **OWN, (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=none"]}
    assert _bimi08(_run_at(SUB, none)).status == Status.FAIL


@pytest.mark.parametrize(("domain", "of"), [(D, ""), (SUB, f" of {D}")])
def test_s43e_an_invalid_p_is_named_as_written(domain: str, of: str) -> None:
    bad = "v=DMARC1; p=bogus; rua=mailto:d@example.com"
    zone = {**ORG_BIMI, (f"_dmarc.{D}", "TXT"): [bad]}
    if domain == SUB:
        zone.update(OWN)
    finding = _bimi08(_run_at(domain, zone))
    assert finding.status == Status.FAIL
    assert "is p=none" not in finding.summary, finding.summary
    assert (
        f"the invalid p=bogus{of} makes receivers treat the DMARC record as p=none or ignore it"
        in finding.summary
    ), finding.summary
    assert f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:d@example.com"' in finding.fix


def test_s43e_p_none_and_no_p_read_as_before() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    found = _bimi08(bimi_run(record, dmarc="v=DMARC1; p=none"))
    assert "the DMARC policy is p=none" in found.summary, found.summary


def test_s43e_three_reasons_are_listed_as_a_sentence_lists() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    found = _bimi08(bimi_run(record, dmarc="v=DMARC1; p=none; sp=none; t=y"))
    assert (
        "because the DMARC policy is p=none, the subdomain policy is sp=none and t=y puts DMARC "
        "in testing mode;" in found.summary
    ), found.summary
