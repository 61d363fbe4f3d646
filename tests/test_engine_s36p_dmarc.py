"""Task s36p: a record the engine proposes never loosens what receivers apply today.

A domain with no DMARC record of its own under a public suffix whose operator publishes one
(RFC 9989 §4.10.1: the Public Suffix Domain's record applies when neither the author domain
nor its Organizational Domain has one; RFC 9091 receivers the same) gets the operator's
policy from RFC 9989 receivers now: its sp (np for a name that does not exist, §4.7), one
step down under t=y. DMARC-01 (and DMARC-10's psd=n record, DMARC-19's copy of DMARC-01's,
BIMI-08's rewrite) proposed 'v=DMARC1; p=none; ...': a record of the owner's own, which
those receivers then read first and apply instead, so following the fix turned their reject
into none. The record proposed now keeps at least what they apply (p= that policy, np= the
operator's np where stricter), with reports to the owner, and says why in plain words; an
operator's p=none keeps the usual p=none advice. Status unchanged (DMARC-01 info, BIMI-08
fail): wording and fix only. Written failing first, with the engine's fake DNS.
"""

from __future__ import annotations

import re
from typing import Any

from checks.findings import Finding
from tests.test_engine_s29s_blind import logo, mark, site
from tests.test_engine_s35n_psd import ORG, SHOP, _run

RUA = f"rua=mailto:dmarc-reports@{ORG}"


def _records(finding: Finding, name: str) -> list[str]:
    return re.findall(rf'^_dmarc\.{re.escape(name)}\. TXT "([^"]*)"$', finding.fix, re.M)


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def _with_fix(findings: list[Finding], check: str) -> Finding:
    (found,) = [f for f in findings if f.id == check and f.fix]
    return found


# psd=y one label above a silent suffix: RFC 9989 receivers take gov.uk for the Organizational
# Domain (§4.10.2 rule 2) and apply _dmarc.uk's record to ambridge.gov.uk (its sp: none given,
# so p=reject).
RULE_2_REJECT = {("_dmarc.uk", "TXT"): ["v=DMARC1; p=reject; psd=y"]}


def test_dmarc01_keeps_the_operators_reject_with_psd_n() -> None:
    findings = _run(ORG, site(ORG, more=RULE_2_REJECT))
    dmarc01 = _one(findings, "DMARC-01")
    assert dmarc01.status == "info", dmarc01.summary  # status unchanged
    assert _records(dmarc01, ORG) == [f"v=DMARC1; p=reject; {RUA}; psd=n"], dmarc01.fix
    # Said in plain words: what receivers apply now, and that the record keeps it.
    assert "already apply p=reject" in dmarc01.summary, dmarc01.summary
    assert "Start with p=none" not in dmarc01.summary, dmarc01.summary
    assert "keeps" in dmarc01.fix, dmarc01.fix
    # DMARC-10 and DMARC-19 give that same record.
    for check in ("DMARC-10", "DMARC-19"):
        finding = _with_fix(findings, check)
        assert _records(finding, ORG) == [f"v=DMARC1; p=reject; {RUA}; psd=n"], finding.fix


def test_the_operators_sp_and_np_are_kept_under_an_ordinary_psd_y() -> None:
    # psd=y at the suffix itself: ambridge.gov.uk is the Organizational Domain (no psd=n asked),
    # and RFC 9989 receivers give it the operator's sp; its non-existent subdomains the np.
    operator = "v=DMARC1; p=none; sp=quarantine; np=reject; psd=y"
    findings = _run(ORG, site(ORG, more={("_dmarc.gov.uk", "TXT"): [operator]}))
    dmarc01 = _one(findings, "DMARC-01")
    assert dmarc01.status == "info", dmarc01.summary
    assert _records(dmarc01, ORG) == [f"v=DMARC1; p=quarantine; np=reject; {RUA}"], dmarc01.fix
    assert "already apply p=quarantine" in dmarc01.summary, dmarc01.summary


def test_a_testing_operator_is_kept_at_what_receivers_apply() -> None:
    # t=y: RFC 9989 receivers apply one step down (§4.7), quarantine.
    findings = _run(ORG, site(ORG, more={("_dmarc.uk", "TXT"): ["v=DMARC1; p=reject; t=y; psd=y"]}))
    dmarc01 = _one(findings, "DMARC-01")
    assert _records(dmarc01, ORG) == [f"v=DMARC1; p=quarantine; {RUA}; psd=n"], dmarc01.fix


def test_a_subdomain_and_its_organizational_domain_keep_the_operators_reject() -> None:
    # A suffix's record without psd=y: the walk takes gov.uk for the Organizational Domain
    # (rule 3) and applies its record (sp, else p) to shop.ambridge.gov.uk.
    findings = _run(SHOP, site(SHOP, more={("_dmarc.gov.uk", "TXT"): ["v=DMARC1; p=reject"]}))
    dmarc01 = _one(findings, "DMARC-01")
    assert _records(dmarc01, SHOP) == [f"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{SHOP}"], (
        dmarc01.fix
    )
    dmarc10 = _with_fix(findings, "DMARC-10")
    assert _records(dmarc10, ORG) == [f"v=DMARC1; p=reject; {RUA}; psd=n"], dmarc10.fix
    assert "already apply p=reject" in dmarc10.fix, dmarc10.fix


def test_an_operators_none_keeps_the_usual_p_none_advice() -> None:
    # Control (held before the change too): nothing to loosen.
    findings = _run(ORG, site(ORG, more={("_dmarc.uk", "TXT"): ["v=DMARC1; p=none; psd=y"]}))
    dmarc01 = _one(findings, "DMARC-01")
    assert _records(dmarc01, ORG) == [f"v=DMARC1; p=none; {RUA}; psd=n"], dmarc01.fix
    assert "Start with p=none and reports" in dmarc01.summary, dmarc01.summary


# ---- BIMI-08 -----------------------------------------------------------------------------------


def _bimi08(zone: dict[Any, Any], domain: str) -> Finding:
    zone[(f"default._bimi.{domain}", "TXT")] = [f"v=BIMI1; l={logo(domain)}; a={mark(domain)}"]
    return _one(_run(domain, zone, "bimi"), "BIMI-08")


def test_bimi08_does_not_lower_the_operators_reject_to_quarantine() -> None:
    found = _bimi08(site(ORG, more=RULE_2_REJECT), ORG)
    assert found.status == "fail", found.summary  # status unchanged: the record is not yours
    (record,) = _records(found, ORG)
    assert record.startswith("v=DMARC1; p=reject"), found.fix


def test_bimi08_psd_n_keeps_the_operators_sp_reject() -> None:
    # The operator's record (rule 3) is not enforcing by BIMI's bar (p=none) but gives
    # shop.ambridge.gov.uk sp=reject at RFC 9989 receivers; psd=n in the owner's p=none record
    # makes them apply the owner's, so it must not come back as quarantine.
    zone = site(
        SHOP,
        more={
            ("_dmarc.gov.uk", "TXT"): ["v=DMARC1; p=none; sp=reject"],
            (f"_dmarc.{ORG}", "TXT"): [f"v=DMARC1; p=none; rua=mailto:d@{ORG}"],
        },
    )
    found = _bimi08(zone, SHOP)
    assert found.status == "fail", found.summary
    (record,) = _records(found, ORG)
    assert record.startswith("v=DMARC1; p=reject") and record.endswith("psd=n"), found.fix


# ---- psd=n in the owner's own record (operator's record applied over the owner's) ------------

OWN_NONE = f"v=DMARC1; p=none; rua=mailto:d@{ORG}"
RULE_3_REJECT = {("_dmarc.gov.uk", "TXT"): ["v=DMARC1; p=reject"]}


def _psd_n_records(findings: list[Finding]) -> dict[str, list[str]]:
    return {
        f.id: [r for r in _records(f, ORG) if r.endswith("psd=n")]
        for f in findings
        if any(r.endswith("psd=n") for r in _records(f, ORG))
    }


def test_psd_n_in_the_owners_record_keeps_the_operators_reject_for_subdomains() -> None:
    # RFC 9989 receivers apply gov.uk's reject to shop.ambridge.gov.uk now; psd=n in the owner's
    # p=none record makes them apply the owner's, so the record keeps sp=reject for the
    # subdomains, and the owner's own p=none for ambridge.gov.uk itself (theirs to choose).
    findings = _run(SHOP, site(SHOP, more={**RULE_3_REJECT, (f"_dmarc.{ORG}", "TXT"): [OWN_NONE]}))
    records = _psd_n_records(findings)
    assert "DMARC-19" in records, records
    for check, rs in records.items():
        for record in rs:
            assert "; sp=reject;" in record, (check, record)
    dmarc19 = _with_fix(findings, "DMARC-19")
    assert _records(dmarc19, ORG) == [f"v=DMARC1; p=none; sp=reject; rua=mailto:d@{ORG}; psd=n"]
    assert "already apply p=reject" in dmarc19.fix, dmarc19.fix


def test_dmarc10_psd_n_for_an_organizational_domain_keeps_its_subdomains_at_reject() -> None:
    findings = _run(ORG, site(ORG, more={**RULE_3_REJECT, (f"_dmarc.{ORG}", "TXT"): [OWN_NONE]}))
    records = _psd_n_records(findings)
    assert "DMARC-10" in records, records
    for check, rs in records.items():
        for record in rs:
            assert "; sp=reject;" in record, (check, record)


def test_an_operators_p_none_with_np_reject_keeps_np_and_says_so() -> None:
    operator = "v=DMARC1; p=none; np=reject; psd=y"
    findings = _run(ORG, site(ORG, more={("_dmarc.gov.uk", "TXT"): [operator]}))
    dmarc01 = _one(findings, "DMARC-01")
    assert _records(dmarc01, ORG) == [f"v=DMARC1; p=none; np=reject; {RUA}"], dmarc01.fix
    assert "Start with p=none and reports" in dmarc01.summary, dmarc01.summary
    assert "already apply np=reject" in dmarc01.summary, dmarc01.summary
    assert "np=reject keeps" in dmarc01.fix, dmarc01.fix
