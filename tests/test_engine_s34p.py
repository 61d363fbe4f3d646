"""A DMARC record a domain inherits from its public suffix operator is not the owner's (task
s34p, from blind round s34s case dmarc19-psd-record-at-gov-uk). Written failing, before the fix.

RFC 9989 §4.10.1 applies the Public Suffix Domain's record to a domain that has none of its own
and whose Organizational Domain has none; RFC 7489 receivers (the PSL view) apply nothing. The
owner cannot change that record, its reports go to the operator (§4.10.1's note: PSD policy is
no way to get rua/ruf for a domain that declined them), and the operator may change it at any
time. So the owner sees what a domain without a record sees (DMARC-01 info, DMARC not deployed
in the score), told which operator's policy RFC 9989 receivers apply and where its reports go,
with the record to publish at _dmarc.<domain>; no finding judges the operator's record (its
tags, its report authorisation, its syntax). A record is the operator's when the Public Suffix
List puts its name above the domain's Organizational Domain (psd=y is what a PSO publishes,
RFC 9989 §5.4; one on the list without it is still not the owner's).
"""

from __future__ import annotations

from checks import scoring
from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, site
from tests.test_engine_s34s_blind import run_case
from tests.test_spf import published

GOV_UK = "v=DMARC1; p=reject; psd=y; rua=mailto:dmarc-rua@dmarc.service.gov.uk"


def _run(domain: str, zone: dict) -> list[Finding]:
    return run_case(Case("probe", "dmarc", domain, zone))[0]


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def _dmarc_score(findings: list[Finding]) -> dict:
    return scoring.compute(findings)[1]["categories"]["dmarc"]


def _parish(record: str = GOV_UK, **more: list[str]) -> list[Finding]:
    zone = site("ambridge-parish.gov.uk", more={("_dmarc.gov.uk", "TXT"): [record], **more})
    return _run("ambridge-parish.gov.uk", zone)


def test_the_operators_record_is_not_the_owners_policy() -> None:
    findings = _parish()
    first = _one(findings, "DMARC-01")
    assert first.status == "info", (first.status, first.summary)
    assert "no DMARC record of its own" in first.summary, first.summary
    # Which operator's policy applies, what it asks, and for which receivers.
    assert "_dmarc.gov.uk" in first.summary and "reject" in first.summary, first.summary
    assert "RFC 9989" in first.summary and "RFC 7489" in first.summary, first.summary
    # Where the reports go: to the operator, not to the owner.
    assert "dmarc-rua@dmarc.service.gov.uk" in first.summary, first.summary
    assert "not to you" in first.summary, first.summary
    owner, record = published(first.fix)
    assert owner == "_dmarc.ambridge-parish.gov.uk", first.fix
    assert record.startswith("v=DMARC1; p="), record


def test_no_finding_judges_the_operators_record() -> None:
    findings = _parish()
    assert not [f for f in findings if f.id == "DMARC-13"], [
        (f.id, f.status, f.summary) for f in findings
    ]
    on_theirs = [
        (f.id, f.status) for f in findings if "gov.uk" in f.subject and "ambridge" not in f.subject
    ]
    assert not on_theirs, on_theirs
    assert not any(f.status == "fail" for f in findings), [(f.id, f.summary) for f in findings]
    # The two kinds of receivers still differ (the blind round's DMARC-19, right as it was).
    assert _one(findings, "DMARC-19").status == "warn"


def test_the_score_is_that_of_a_domain_without_a_record() -> None:
    inherited = _dmarc_score(_parish())
    nothing = _dmarc_score(_run("ambridge-parish.gov.uk", site("ambridge-parish.gov.uk")))
    assert inherited["reason"] == nothing["reason"] == "not deployed", (inherited, nothing)
    assert inherited["points"] == nothing["points"] == 0


def test_the_record_keeps_the_operators_reject_rather_than_p_none() -> None:
    # The usual first step, p=none with reports, asks RFC 9989 receivers for less than the
    # operator's reject they apply now: a record of the owner's, which they read first, then
    # loosened it (s36p). The record keeps p=reject, and says why.
    first = _one(_parish(), "DMARC-01")
    _, record = published(first.fix)
    assert "p=reject" in record and "p=none" not in record, record
    assert "less than" in first.summary, first.summary


def test_a_listed_suffix_without_psd_y_is_not_the_owners_either() -> None:
    # co.uk on the Public Suffix List publishing a record without psd=y (which RFC 9989 §5.4
    # asks of a PSO): RFC 9989 receivers apply it, the owner still cannot change it.
    zone = site(
        "hartley-tea.co.uk",
        more={("_dmarc.co.uk", "TXT"): ["v=DMARC1; p=quarantine; rua=mailto:d@nominet.uk"]},
    )
    findings = _run("hartley-tea.co.uk", zone)
    first = _one(findings, "DMARC-01")
    assert first.status == "info", first.summary
    assert "_dmarc.co.uk" in first.summary and "quarantine" in first.summary, first.summary
    assert not [f for f in findings if f.id in ("DMARC-05", "DMARC-12", "DMARC-13")]


def test_a_broken_record_of_the_operator_is_not_the_owners_to_mend() -> None:
    # The version in lower case at _dmarc.gov.uk: receivers ignore it, for every domain under
    # gov.uk; the owner of one of them can do nothing about it (it was a DMARC-03 fail).
    findings = _parish("v=dmarc1; p=reject; psd=y")
    assert not [f for f in findings if f.subject == "_dmarc.gov.uk"], [
        (f.id, f.status, f.summary) for f in findings
    ]
    first = _one(findings, "DMARC-01")
    assert first.status == "info", first.summary


def test_the_owners_own_record_under_a_suffix_is_judged_as_before() -> None:
    # Control: a record at _dmarc.ambridge-parish.gov.uk is the owner's, whatever gov.uk says.
    zone = site(
        "ambridge-parish.gov.uk",
        dmarc_record="v=DMARC1; p=none; rua=mailto:d@ambridge-parish.gov.uk",
        more={("_dmarc.gov.uk", "TXT"): [GOV_UK]},
    )
    findings = _run("ambridge-parish.gov.uk", zone)
    first = _one(findings, "DMARC-01")
    assert first.status == "pass" and first.subject == "_dmarc.ambridge-parish.gov.uk"
    assert _one(findings, "DMARC-06").status == "warn"


def test_psd_y_at_a_registrable_domain_stays_the_owners() -> None:
    # Control: psd=y at example-co.com (not a suffix by the PSL) inherited by its subdomain is
    # the owner's mistake to mend (DMARC-10), not an operator's record.
    zone = site(
        "shop.example-co.com",
        more={
            ("_dmarc.example-co.com", "TXT"): [
                "v=DMARC1; p=reject; psd=y; rua=mailto:d@example-co.com"
            ]
        },
    )
    findings = _run("shop.example-co.com", zone)
    first = _one(findings, "DMARC-01")
    assert first.status == "pass", first.summary
    assert _one(findings, "DMARC-10").status == "warn"


def test_organisational_domains_record_stays_the_owners() -> None:
    # Control: a subdomain inheriting its Organizational Domain's record, as before.
    zone = site(
        "shop.hartley-tea.co.uk",
        more={
            ("_dmarc.hartley-tea.co.uk", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:dmarc@hartley-tea.co.uk"
            ],
            ("_dmarc.co.uk", "TXT"): ["v=DMARC1; p=none; psd=y"],
        },
    )
    first = _one(_run("shop.hartley-tea.co.uk", zone), "DMARC-01")
    assert first.status == "pass", first.summary
    assert "inherited from _dmarc.hartley-tea.co.uk" in first.summary, first.summary
