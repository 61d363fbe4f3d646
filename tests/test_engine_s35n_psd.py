"""A DMARC record that sits at a name on the Public Suffix List (or above the owner's
registrable domain) is a public suffix operator's: the owner cannot change it (task s35n, left
by s34p and s35m). Written failing, before the fix, with the engine's fake DNS
(tests/blind_engine.py through s34s's run_case).

s34p made DMARC-01 say a domain whose only policy is such a record has none of its own, and no
finding judge it. Left: a subdomain under a suffix whose record has no psd=y (RFC 9989 §4.10.2
rule 3 then takes the suffix for the Organizational Domain, s35m's DMARC-10) gets the
operator's record from RFC 9989 receivers while RFC 7489 receivers apply the owner's own at
its Organizational Domain by the list. That record was judged as the domain's (DMARC-05, -06,
-08, -12, -13) and its fixes rewrote _dmarc.<suffix>. Every fix is now the owner's own step,
at the owner's own name with the exact record; the operator's tags are not the owner's
problems. BIMI-08 the same; and its words for an operator's record say that RFC 7489
receivers in the PSD DMARC experiment (RFC 9091) apply it too, as DMARC-01's do since s35m.
"""

from __future__ import annotations

from typing import Any

from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, logo, mark, site
from tests.test_engine_s34s_blind import run_case
from tests.test_fix_texts import summary_problems
from tests.test_spf import published

SHOP = "shop.ambridge.gov.uk"
ORG = "ambridge.gov.uk"
OWN = f"v=DMARC1; p=reject; rua=mailto:d@{ORG}"
# The operator's record, with tags any owner would be told to mend: p=none, pct, report
# addresses outside gov.uk without authorisation, ruf.
BARE_GOV = (
    "v=DMARC1; p=none; pct=50; rua=mailto:x@gov.uk,mailto:y@other.example; "
    "ruf=mailto:f@elsewhere.example"
)


def _run(domain: str, zone: dict[Any, Any], module: str = "dmarc") -> list[Finding]:
    return run_case(Case("probe", module, domain, zone))[0]


def _zone(own: str | None = OWN, suffix: str = BARE_GOV, at: str = "gov.uk") -> dict[Any, Any]:
    more: dict[Any, Any] = {(f"_dmarc.{at}", "TXT"): [suffix]}
    if own is not None:
        more[(f"_dmarc.{ORG}", "TXT")] = [own]
    return site(SHOP, more=more)


def _shown(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    return [(f.id, f.status, f.summary, f.fix) for f in findings]


def _operator_edits(findings: list[Finding], suffix: str = "gov.uk") -> list[Finding]:
    """Findings whose fix publishes at the operator's name or asks for authorisation of the
    operator's report addresses (the reports are the operator's, named by its record)."""
    return [
        f
        for f in findings
        if f"\n_dmarc.{suffix}. TXT" in "\n" + f.fix or f"{suffix}._report._dmarc." in f.fix
    ]


def _one(findings: list[Finding], check: str, status: str | None = None) -> Finding:
    found = [f for f in findings if f.id == check and (status is None or f.status == status)]
    assert len(found) == 1, _shown(findings)
    return found[0]


# ---- DMARC ------------------------------------------------------------------------------------


def test_no_fix_edits_the_operators_record() -> None:
    found = _run(SHOP, _zone())
    assert not _operator_edits(found), _shown(_operator_edits(found))


def test_the_operators_tags_are_not_the_owners_problems() -> None:
    found = _run(SHOP, _zone())
    # No warning or failure is about the record at _dmarc.gov.uk (p=none, pct, its reports).
    judged = [
        f
        for f in found
        if f.status in ("warn", "fail")
        and (f.subject == "_dmarc.gov.uk" or "gov.uk._report" in f.subject)
    ]
    assert not judged, _shown(judged)
    assert not [f for f in found if f.id in ("DMARC-08", "DMARC-13", "DMARC-15")], _shown(found)


def test_dmarc_01_says_whose_record_each_view_applies() -> None:
    first = _one(_run(SHOP, _zone()), "DMARC-01")
    assert first.status == "pass", first.summary
    assert f"_dmarc.{ORG}" in first.summary, first.summary
    assert "_dmarc.gov.uk" in first.summary and "operator" in first.summary, first.summary
    assert "not yours" in first.summary, first.summary
    assert not summary_problems(first), summary_problems(first)


def test_the_owners_record_is_still_judged_at_the_owners_name() -> None:
    found = _run(SHOP, _zone(own=OWN + "; pct=50"))
    pct = _one(found, "DMARC-08", "warn")
    # The record line (s36e: a line after it says the record has DMARC-19's psd=n too).
    (line,) = [line for line in pct.fix.split("\n") if line.startswith("_dmarc.")]
    owner, record = published(line)
    assert owner == f"_dmarc.{ORG}", pct.fix
    assert "pct" not in record and "p=reject" in record, record


def test_dmarc_19_fix_is_the_owners_exact_record_with_psd_n() -> None:
    views = _one(_run(SHOP, _zone()), "DMARC-19", "warn")  # status unchanged
    owner, record = published(views.fix.split("\n")[-1])
    assert owner == f"_dmarc.{ORG}", views.fix
    assert record == OWN + "; psd=n", record
    assert "operator" in views.summary, views.summary
    assert not summary_problems(views), summary_problems(views)


def test_a_record_above_the_suffix_is_the_operators_too() -> None:
    # psd=y at _dmarc.uk with nothing at gov.uk: RFC 9989 receivers take gov.uk for the
    # Organizational Domain (one below the PSD) and apply the record at _dmarc.uk.
    found = _run(SHOP, _zone(suffix=BARE_GOV + "; psd=y", at="uk"))
    assert not _operator_edits(found, "uk"), _shown(_operator_edits(found, "uk"))
    assert not [f for f in found if f.subject == "_dmarc.uk" and f.status in ("warn", "fail")]
    views = _one(found, "DMARC-19", "warn")
    owner, record = published(views.fix.split("\n")[-1])
    assert owner == f"_dmarc.{ORG}" and record.endswith("psd=n"), views.fix


def test_only_the_operators_record_dmarc_19_fix_is_the_exact_own_record() -> None:
    found = _run(ORG, site(ORG, more={("_dmarc.gov.uk", "TXT"): [BARE_GOV + "; psd=y"]}))
    first = _one(found, "DMARC-01", "info")
    views = _one(found, "DMARC-19", "warn")
    assert views.fix.split("\n")[-1] == first.fix.split("\n")[-1], (views.fix, first.fix)
    owner, _ = published(views.fix.split("\n")[-1])
    assert owner == f"_dmarc.{ORG}", views.fix


def test_with_psd_y_at_the_suffix_the_owners_record_applies_as_before() -> None:
    # Control: RFC 9989 receivers take ambridge.gov.uk's record; nothing is the operator's.
    found = _run(SHOP, _zone(suffix=BARE_GOV + "; psd=y"))
    first = _one(found, "DMARC-01", "pass")
    assert first.summary == f"{SHOP} has a DMARC policy, inherited from _dmarc.{ORG}.", (
        first.summary
    )
    assert _one(found, "DMARC-19").status == "pass"


# ---- BIMI-08 ----------------------------------------------------------------------------------


def _bimi08(zone: dict[Any, Any], domain: str = SHOP) -> Finding:
    zone[(f"default._bimi.{domain}", "TXT")] = [f"v=BIMI1; l={logo(domain)}; a={mark(domain)}"]
    return _one(_run(domain, zone, "bimi"), "BIMI-08")


def test_bimi_08_never_rewrites_the_operators_record() -> None:
    found = _bimi08(_zone())
    assert found.status == "fail", found.summary  # RFC 9989 receivers apply p=none: no logo
    assert "_dmarc.gov.uk. TXT" not in found.fix, found.fix
    assert "operator" in found.summary and "not yours" in found.summary, found.summary
    owner, record = published(found.fix.split("\n")[-1])
    assert owner == f"_dmarc.{ORG}", found.fix
    assert "p=reject" in record and record.endswith("psd=n"), record


def test_bimi_08_passes_when_the_operators_record_enforces_too() -> None:
    # Control: both views apply an enforcing policy; the owner's record is enforcing.
    found = _bimi08(_zone(suffix="v=DMARC1; p=reject; rua=mailto:x@gov.uk"))
    assert found.status == "pass", found.summary


def test_bimi_08_names_rfc_9091_receivers_for_an_operators_record() -> None:
    zone = site(ORG, more={("_dmarc.gov.uk", "TXT"): [BARE_GOV + "; psd=y"]})
    found = _bimi08(zone, ORG)
    assert found.status == "fail", found.summary
    assert "only RFC 9989 receivers apply" not in found.summary, found.summary
    assert "RFC 9091" in found.summary, found.summary
    assert not summary_problems(found), summary_problems(found)
