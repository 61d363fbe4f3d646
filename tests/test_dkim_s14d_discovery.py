"""DKIM selector discovery for domains nobody listed a selector for (s14d).

Selectors cannot be listed from DNS (RFC 6376 §3.6.2.1), so the engine guesses: the fixed
selectors providers document, first those of the providers the domain's MX hosts and SPF
includes name, then a common list, bounded. Not finding a key stays DKIM-01 info (checklist §5).
"""

from __future__ import annotations

from checks import dkim
from checks.findings import Status
from tests.test_dkim import rsa_b64
from tests.test_spf import flagged, make_ctx, run, statuses

D = "example.org"


def _key() -> list[str]:
    return [f"v=DKIM1; k=rsa; p={rsa_b64(2048)}"]


def _summary(found: list) -> object:
    return next(f for f in found if f.id == "DKIM-01" and f.subject == D)


def test_a_fastmail_mx_finds_the_key_at_fm2_and_fm3_behind_nobody_s_list() -> None:
    zone = {
        (D, "MX"): ["10 in1-smtp.messagingengine.com.", "20 in2-smtp.messagingengine.com."],
        (f"fm2._domainkey.{D}", "TXT"): _key(),
        (f"fm3._domainkey.{D}", "TXT"): _key(),
    }
    found = run(dkim, D, zone)
    assert statuses(found, "DKIM-06") == [Status.PASS, Status.PASS]
    summary = _summary(found)
    assert summary.evidence["selectors_tried"][:3] == ["fm1", "fm2", "fm3"]
    assert summary.evidence["providers"] == ["Fastmail"]
    # Reported like a key at the owner's selector: the same DKIM-01 summary and judgement.
    assert "DKIM keys found for selectors fm2, fm3" in summary.summary


def test_a_proton_spf_include_alone_is_enough_and_regional_tlds_count() -> None:
    zone = {
        (D, "TXT"): ["v=spf1 mx include:_spf.protonmail.ch ~all"],
        (f"protonmail3._domainkey.{D}", "TXT"): _key(),
    }
    found = run(dkim, D, zone)
    assert statuses(found, "DKIM-06") == [Status.PASS]
    assert _summary(found).evidence["providers"] == ["Proton Mail"]
    zoho = {(D, "MX"): ["10 mx.zoho.com.au."], (f"zoho._domainkey.{D}", "TXT"): _key()}
    assert statuses(run(dkim, D, zoho), "DKIM-06") == [Status.PASS]


def test_without_a_hint_the_common_list_is_tried_and_bounded() -> None:
    found = run(dkim, D, {(D, "MX"): ["10 mail.example.org."]})
    tried = found[0].evidence["selectors_tried"]
    assert tried == list(dkim.COMMON_SELECTORS)
    assert len(tried) <= dkim.MAX_GUESSED_SELECTORS
    # Every provider's first documented selector is tried even when nothing names it.
    assert {p.selectors[0] for p in dkim.PROVIDER_SELECTORS} <= set(tried)


def test_many_providers_stay_within_the_bound_and_the_owner_s_selectors_are_never_cut() -> None:
    mx = [f"10 mx.{brand}.com." for p in dkim.PROVIDER_SELECTORS for brand in p.brands]
    given = tuple(f"own{n}" for n in range(5))
    found = run(dkim, D, {(D, "MX"): mx}, dkim_selectors=given)
    tried = found[0].evidence["selectors_tried"]
    assert tried[:5] == list(given)
    every = {s for p in dkim.PROVIDER_SELECTORS for s in p.selectors} | set(dkim.COMMON_SELECTORS)
    # The whole table fits the bound today: every documented selector is tried once.
    assert set(tried[5:]) == every and len(tried) - len(given) <= dkim.MAX_GUESSED_SELECTORS
    assert len(set(tried)) == len(tried)
    # A longer table would be cut after the providers' selectors, never before the owner's.
    many = dkim.Provider("Many", ("many",), tuple(f"m{n}" for n in range(40)))
    ctx = make_ctx(D, {}, dkim_selectors=given)
    bounded = dkim.selectors_for(ctx, [many])
    assert bounded[:5] == list(given) and bounded[5:] == [f"m{n}" for n in range(30)]


def test_none_found_says_how_many_were_tried_and_where_to_add_the_selector() -> None:
    zone = {(D, "MX"): ["10 mx.yandex.net."], (f"ya2026._domainkey.{D}", "TXT"): _key()}
    found = run(dkim, D, zone)
    assert [(f.id, f.status) for f in found] == [("DKIM-01", Status.INFO)]
    text = found[0].summary
    count = len(found[0].evidence["selectors_tried"])
    assert f"any of the {count} selectors tried (mail, default, google" in text
    assert f"and {count - 6} more" in text
    assert "first those Yandex 360 documents" in text
    assert "'DKIM selectors'" in text and "s= value in the DKIM-Signature header" in text
    assert "does not mean DKIM is missing" in text
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}


def test_a_provider_hint_costs_no_lookups_when_the_mx_and_spf_lookups_fail() -> None:
    # A SERVFAIL at the MX or SPF lookup names no provider; the common list is still tried.
    zone = {(D, "MX"): "SERVFAIL", (D, "TXT"): "SERVFAIL", (f"k2._domainkey.{D}", "TXT"): _key()}
    found = run(dkim, D, zone)
    assert statuses(found, "DKIM-06") == [Status.PASS]


def test_macro_and_odd_spf_terms_name_no_provider() -> None:
    assert dkim.providers_of([], ["%{d}.spf.fastmail.com", ""], ()) == []
    assert [p.name for p in dkim.providers_of(["mx.sendgrid.net"], [], ())] == ["SendGrid"]
    assert [p.name for p in dkim.providers_of([], ["spf.messagingengine.test"], ("test",))] == [
        "Fastmail"
    ]
