"""DMARC and public suffix domains left by the last session (task s35m items 4-6), with the
engine's fake DNS (tests/blind_engine.py through s34s's run_case). Written failing, before
the fixes.

4. DMARC-01 for a domain whose only policy is a public suffix operator's record (s34p) said
   "RFC 7489 receivers apply no DMARC". Receivers that also run the PSD DMARC experiment (RFC
   9091, which extends RFC 7489) query the Public Suffix Domain when neither the domain nor
   its Organizational Domain has a record, for a suffix they accept for it: they apply it
   too. The words now say so (and DMARC-19's, which compares the two views, with them).
5. RFC 9989 §4.10: after the first query a name of more than 8 labels goes to its 7-label
   ancestor (step 4; the draft's 13-label example and the checklist say the same: the brief's
   "8 labels" is not the RFC's). psd=y found there makes the 8-label name, which the walk
   passed over, the Organizational Domain (§4.10.2 rule 2), and §4.10.1 applies its record
   before the Public Suffix Domain's ("PSD policy is not used for Organizational Domains that
   have published a DMARC Policy Record"). That name was never asked, so the PSD's record was
   applied over the Organizational Domain's own: it is now asked.
6. A name on the Public Suffix List publishing a record without psd=y (which RFC 9989 asks of
   a PSO) is, by §4.10.2 rule 3 (the record with the fewest labels), the Organizational Domain
   for RFC 9989 receivers, which do not read the list: the engine's reading was the RFC's, but
   unsaid. Relaxed alignment then passes mail authenticated for any domain under the suffix,
   another registrant's too. DMARC-10 now warns (info when the record applied asks strict
   alignment for both SPF and DKIM) and offers psd=n in the owner's record at its
   Organizational Domain by the list, where the walk then stops.
"""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc
from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, site
from tests.test_engine_s34s_blind import run_case
from tests.test_fix_texts import summary_problems
from tests.test_spf import make_ctx, published


def _run(domain: str, zone: dict[Any, Any]) -> list[Finding]:
    return run_case(Case("probe", "dmarc", domain, zone))[0]


def _asked(domain: str, zone: dict[Any, Any]) -> list[tuple[str, str]]:
    return run_case(Case("probe", "dmarc", domain, zone))[1]


def _one(findings: list[Finding], check: str, status: str | None = None) -> Finding:
    found = [f for f in findings if f.id == check and (status is None or f.status == status)]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def _policy(domain: str, zone: dict[Any, Any]) -> dmarc.DmarcPolicy:
    async def go() -> dmarc.DmarcPolicy:
        return await dmarc.get_policy(make_ctx(domain, zone))

    return asyncio.run(go())


# ---- 4. RFC 9091 receivers apply a public suffix operator's record too -----------------------

GOV_UK = "v=DMARC1; p=reject; psd=y; rua=mailto:dmarc-rua@dmarc.service.gov.uk"


def _parish() -> list[Finding]:
    zone = site("ambridge-parish.gov.uk", more={("_dmarc.gov.uk", "TXT"): [GOV_UK]})
    return _run("ambridge-parish.gov.uk", zone)


def test_operators_policy_says_rfc_9091_receivers_apply_it_too() -> None:
    first = _one(_parish(), "DMARC-01")
    assert first.status == "info", first.summary
    assert "RFC 9091" in first.summary, first.summary
    # It said "RFC 7489 receivers apply no DMARC", of them all.
    assert "; RFC 7489 receivers apply no DMARC" not in first.summary, first.summary
    assert "other RFC 7489 receivers apply no DMARC" in first.summary, first.summary
    assert not summary_problems(first), summary_problems(first)


def test_views_finding_of_an_operators_record_names_rfc_9091_too() -> None:
    views = _one(_parish(), "DMARC-19")
    assert views.status == "warn", views.summary  # status unchanged
    assert "RFC 9091" in views.summary, views.summary


def test_operators_policy_text_is_unchanged_elsewhere() -> None:
    # Control: the domain's own record under a suffix: no word of RFC 9091.
    zone = site(
        "ambridge-parish.gov.uk",
        dmarc_record="v=DMARC1; p=reject; rua=mailto:d@ambridge-parish.gov.uk",
        more={("_dmarc.gov.uk", "TXT"): [GOV_UK]},
    )
    assert not [f for f in _run("ambridge-parish.gov.uk", zone) if "9091" in f.summary]


# ---- 5. The Organizational Domain the >8-label walk passed over -------------------------------

DEEP = "a.b.c.d.e.f.g.h.example.com"  # 10 labels
SEVEN = "d.e.f.g.h.example.com"
EIGHT = "c.d.e.f.g.h.example.com"


def _deep(org_record: str | None) -> dict[Any, Any]:
    more: dict[Any, Any] = {(f"_dmarc.{SEVEN}", "TXT"): ["v=DMARC1; p=none; psd=y"]}
    if org_record is not None:
        more[(f"_dmarc.{EIGHT}", "TXT")] = [org_record]
    return site(DEEP, more=more)


def test_the_org_domain_record_after_the_jump_is_applied() -> None:
    policy = _policy(DEEP, _deep("v=DMARC1; p=reject; rua=mailto:d@example.com"))
    assert policy.org_9989 == EIGHT
    assert policy.record_domain == EIGHT, policy.record_domain
    assert policy.effective_9989 == "reject", policy.effective_9989


def test_the_org_domain_record_after_the_jump_reaches_the_findings() -> None:
    zone = _deep("v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com")
    findings = _run(DEEP, zone)
    first = _one(findings, "DMARC-01", "pass")
    assert f"_dmarc.{EIGHT}" in first.summary, first.summary
    # One query more than the walk's eight, and said where the walk's count is.
    walk = _one(findings, "DMARC-20")
    assert EIGHT in walk.summary, walk.summary
    assert not summary_problems(walk), summary_problems(walk)
    asked = [n for n, t in _asked(DEEP, zone) if t == "TXT" and n.startswith("_dmarc.")]
    assert f"_dmarc.{EIGHT}" in asked


def test_without_a_record_at_the_org_domain_the_psd_record_applies_as_before() -> None:
    policy = _policy(DEEP, _deep(None))
    assert policy.org_9989 == EIGHT
    assert policy.record_domain == SEVEN
    assert policy.effective_9989 == "none"


def test_a_walk_without_psd_asks_no_more_than_eight_names() -> None:
    # Control: the 8-label name is not asked when nothing makes it the Org Domain.
    zone = site(DEEP, more={("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject"]})
    asked = {n for n, t in _asked(DEEP, zone) if t == "TXT" and n.startswith("_dmarc.")}
    assert f"_dmarc.{EIGHT}" not in asked
    assert len(asked) <= 8, sorted(asked)


# ---- 6. A public suffix's record without psd=y makes the suffix the Org Domain ----------------

OWN = "v=DMARC1; p=reject; rua=mailto:d@ambridge.gov.uk"
BARE_GOV = "v=DMARC1; p=none; rua=mailto:x@gov.uk"


def _ambridge(own: str = OWN, suffix: str = BARE_GOV, checked: str = "ambridge.gov.uk") -> Any:
    more: dict[Any, Any] = {("_dmarc.gov.uk", "TXT"): [suffix]}
    if checked != "ambridge.gov.uk":
        more[("_dmarc.ambridge.gov.uk", "TXT")] = [own]
        zone = site(checked, more=more)
    else:
        zone = site(checked, dmarc_record=own, more=more)
    return _run(checked, zone)


def test_a_suffix_record_without_psd_y_warns_of_alignment_across_the_suffix() -> None:
    found = _ambridge()
    note = _one(found, "DMARC-10", "warn")
    assert "gov.uk" in note.summary and "psd=y" in note.summary, note.summary
    assert "Organizational Domain" in note.summary, note.summary
    assert "relaxed alignment" in note.summary, note.summary
    assert "RFC 7489" in note.summary, note.summary
    assert not summary_problems(note), summary_problems(note)
    owner, record = published(note.fix.split("\n")[-1])
    assert owner == "_dmarc.ambridge.gov.uk", note.fix
    assert record.endswith("psd=n") and "p=reject" in record, record
    assert "rua=mailto:d@ambridge.gov.uk" in record, record


def test_the_psd_n_fix_ends_the_warning() -> None:
    found = _ambridge(own=OWN + "; psd=n")
    assert not [f for f in found if f.id == "DMARC-10" and f.status == "warn"]
    assert _one(found, "DMARC-10").status == "info"  # psd=n noted, as before


def test_a_subdomain_is_told_the_operators_record_applies_not_the_owners() -> None:
    found = _ambridge(checked="shop.ambridge.gov.uk")
    note = _one(found, "DMARC-10", "warn")
    assert "_dmarc.ambridge.gov.uk" in note.summary, note.summary
    # s35p: the psd=n step is DMARC-19's fix here (s35n); DMARC-10 names it, not twice.
    assert "DMARC-19" in note.summary and not note.fix, note.fix
    owner, record = published(_one(found, "DMARC-19", "warn").fix.split("\n")[-1])
    assert owner == "_dmarc.ambridge.gov.uk" and record.endswith("psd=n"), record


def test_strict_alignment_makes_it_a_note() -> None:
    found = _ambridge(own=OWN + "; adkim=s; aspf=s")
    assert _one(found, "DMARC-10").status == "info"


def test_a_suffix_record_with_psd_y_says_nothing_new() -> None:
    found = _ambridge(suffix=BARE_GOV + "; psd=y")
    assert not [f for f in found if f.id == "DMARC-10"], [
        (f.id, f.status, f.summary) for f in found
    ]


def test_a_registrable_parent_without_psd_stays_silent() -> None:
    # Control: example.com is no public suffix; its record is the Org Domain's as always.
    zone = site(
        "shop.example.com",
        dmarc_record="v=DMARC1; p=reject; rua=mailto:d@example.com",
        more={("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@example.com"]},
    )
    assert not [f for f in _run("shop.example.com", zone) if f.id == "DMARC-10"]
