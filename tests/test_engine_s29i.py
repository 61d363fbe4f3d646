"""SPF and DMARC follow-ups from s29g (task s29i), each written failing before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from checks import dmarc, spf
from checks.findings import Finding
from tests.test_engine_s29g import MX, PERMERRORS, POOL
from tests.test_spf import published, run

D = "example.com"
NULL_MX = {(D, "MX"): ["0 ."]}


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# ------------------------------------------------------------------ SPF-18 next to a permerror


@pytest.mark.parametrize("name", sorted(PERMERRORS))
def test_spf18_is_info_when_a_permanent_error_comes_before_the_dash_all(name: str) -> None:
    # A domain that takes no mail (null MX, RFC 7505) with a '-all' record that a server not
    # listed never reaches: it meets the permanent error first, and a permerror is no 'fail'
    # (RFC 7208 §2.6.7, §4.6.4). "Rejects all senders, as it should" was untrue; SPF-18 is the
    # checklist's info with 'v=spf1 -all' (no lookups, so no error) as the fix.
    check_id, zone = PERMERRORS[name]
    findings = run(spf, D, {**NULL_MX, **zone})
    assert check_id in {f.id for f in findings if str(f.status) == "fail"}
    parked = _one(findings, "SPF-18")
    assert str(parked.status) == "info"
    assert "rejects all senders" not in parked.summary
    assert f"permanent error ({check_id})" in parked.summary
    assert parked.fix == spf.txt_fix(D, "v=spf1 -all")
    assert parked.evidence["permerror"] == check_id


def test_spf18_behind_a_redirect_names_the_permanent_error_too() -> None:
    zone = {
        (D, "TXT"): ["v=spf1 redirect=_spf.example.net"],
        ("_spf.example.net", "TXT"): ["v=spf1 mx:pool.example.net -all"],
        **POOL,
    }
    parked = _one(run(spf, D, {**NULL_MX, **zone}), "SPF-18")
    assert str(parked.status) == "info"
    assert "redirects to _spf.example.net" in parked.summary
    assert "permanent error (SPF-07)" in parked.summary


@pytest.mark.parametrize(
    "record", ["v=spf1 -all", "v=spf1 -all include:gone.example.net", "v=spf1 ip4:192.0.2.1 -all"]
)
def test_spf18_still_passes_a_dash_all_without_a_permanent_error(record: str) -> None:
    # An include after '-all' is never looked up (RFC 7208 §5.1, SPF-10): no error.
    parked = _one(run(spf, D, {**NULL_MX, (D, "TXT"): [record]}), "SPF-18")
    assert str(parked.status) == "pass"
    assert parked.fix == ""
    assert "permerror" not in parked.evidence


# ------------------------------------------------------------------ SPF-09's other endings


ENDINGS = {"~all": "info", "?all": "warn", "": "warn"}
# What each ending's first sentence says a server not listed gets: true only without an error.
ENDING_WORDS = {
    "~all": "usually accepted but marked",
    "?all": "neither authorised nor rejected",
    "": "neutral result",
}


def _ending(record: str, ending: str) -> str:
    """`record`, written to end in '-all', ending in `ending` instead ('' for none)."""
    assert record.endswith(" -all")
    return record.removesuffix(" -all") + (f" {ending}" if ending else "")


def _first_sentence(summary: str) -> str:
    return summary.split(". ", 1)[0]


@pytest.mark.parametrize("ending", sorted(ENDINGS))
@pytest.mark.parametrize("name", sorted(PERMERRORS))
def test_spf09_other_endings_say_first_that_the_permanent_error_comes_first(
    name: str, ending: str
) -> None:
    # '~all', '?all' or no 'all' behind a permanent error: the first sentence said what the
    # ending gives ("usually accepted but marked", "neutral"), but a server not listed gets
    # the permerror before it (RFC 7208 §4.6.4, §2.6.7). The status stays the ending's
    # (checklist SPF-09), the words come true.
    check_id, zone = PERMERRORS[name]
    own = _ending(zone[(D, "TXT")][0], ending)
    findings = run(spf, D, {**MX, **zone, (D, "TXT"): [own]})
    assert check_id in {f.id for f in findings if str(f.status) == "fail"}
    found = _one(findings, "SPF-09")
    assert str(found.status) == ENDINGS[ending]
    first = _first_sentence(found.summary)
    assert f"permanent error ({check_id})" in first
    assert ENDING_WORDS[ending] not in first
    # What the ending does once the error is gone is still said, after it.
    assert ENDING_WORDS[ending] in found.summary
    assert found.evidence["permerror"] == check_id
    if name == "mx-fan-out":
        # Since s45f SPF-09 builds on SPF-07's record (the hosts' addresses in place of the
        # 'mx'), as on SPF-08's since s44f: the same terms, ending in '-all'.
        spf07 = published(_one(findings, "SPF-07").fix)[1].split()
        spf09 = published(found.fix)[1].split()
        assert spf09[-1] == "-all"
        assert [t for t in spf09 if not t.endswith("all")] == [
            t for t in spf07 if not t.endswith("all")
        ]
    else:
        assert found.fix == ""


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_spf09_other_endings_behind_a_redirect_say_the_permanent_error_first(
    ending: str,
) -> None:
    zone = {
        (D, "TXT"): ["v=spf1 redirect=_spf.example.net"],
        ("_spf.example.net", "TXT"): [_ending("v=spf1 mx:pool.example.net -all", ending)],
        **POOL,
    }
    found = _one(run(spf, D, {**MX, **zone}), "SPF-09")
    assert str(found.status) == ENDINGS[ending]
    first = _first_sentence(found.summary)
    assert first.startswith("The SPF record has no 'all' of its own: it redirects to ")
    assert "permanent error (SPF-07)" in first
    assert "include:_spf.example.net" in found.summary  # the swap is still told


@pytest.mark.parametrize(
    ("record", "summary"),
    [
        (
            "v=spf1 mx ~all",
            "The SPF record ends in '~all' (soft fail): mail from unlisted servers is usually "
            "accepted but marked. Once every sender is listed, '-all' is stricter.",
        ),
        (
            "v=spf1 mx ?all",
            "The SPF record ends in '?all' (neutral), so mail from other servers is neither "
            "authorised nor rejected. End it with '-all' (or '~all').",
        ),
        (
            "v=spf1 mx",
            "The SPF record has no 'all' at the end, so servers not listed get a neutral "
            "result instead of a failure. End it with '-all'.",
        ),
    ],
)
def test_spf09_other_endings_without_a_permanent_error_keep_their_words(
    record: str, summary: str
) -> None:
    found = _one(run(spf, D, {**MX, (D, "TXT"): [record]}), "SPF-09")
    assert found.summary == summary
    assert "permerror" not in found.evidence


# ------------------------------------------------------------------ DMARC-20 without a walk policy

ORG_RECORD = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
AUTHOR = f"a.b.{D}"


def _dmarc_findings(domain: str, zone: dict[Any, Any], **config: Any) -> list[Finding]:
    return run(dmarc, domain, {(D, "MX"): ["10 mx.example.com."], **zone}, **config)


def test_dmarc20_says_the_walk_found_no_policy_when_a_query_on_the_way_failed() -> None:
    # _dmarc.b.example.com SERVFAILs: the RFC 9989 walk stops at its 2nd query and finds no
    # policy; the RFC 7489 view asks the author domain and then the PSL's Organizational
    # Domain (RFC 7489 §6.6.3), skipping b.example.com, and finds _dmarc.example.com. DMARC-20
    # read "Finding the policy with the RFC 9989 DNS tree walk takes 2 of at most 8 queries".
    zone = {(f"_dmarc.b.{D}", "TXT"): "SERVFAIL", (f"_dmarc.{D}", "TXT"): [ORG_RECORD]}
    findings = _dmarc_findings(AUTHOR, zone)
    assert f"inherited from _dmarc.{D}" in _one_of(findings, "DMARC-01", "pass").summary
    walk = _one(findings, "DMARC-20")
    assert str(walk.status) == "info"  # checklist DMARC-20: info
    assert walk.evidence["queries"] == 2
    assert "Finding the policy" not in walk.summary
    assert walk.summary.startswith("The RFC 9989 DNS tree walk finds no policy")
    assert f"_dmarc.b.{D}" in walk.summary and "SERVFAIL" in walk.summary
    assert f"RFC 7489 view finds it at _dmarc.{D}" in walk.summary


def test_dmarc20_says_the_walk_found_no_policy_when_it_skips_the_psl_org_domain() -> None:
    # A public suffix of 8 labels (given as an extra suffix) puts the RFC 7489 Organizational
    # Domain at 9 labels; the walk from a 10-label name jumps to 7 labels after its first
    # query (RFC 9989 §4.10) and never asks there.
    suffix = "s.t.u.v.w.x." + D
    org = f"o.{suffix}"
    author = f"n.{org}"
    findings = _dmarc_findings(
        author, {(f"_dmarc.{org}", "TXT"): [ORG_RECORD]}, extra_public_suffixes=(suffix,)
    )
    walk = _one(findings, "DMARC-20")
    assert walk.summary == (
        "The RFC 9989 DNS tree walk finds no policy in 8 of at most 8 queries; the RFC 7489 "
        f"view finds it at _dmarc.{org}, the Organizational Domain by the Public Suffix List."
    )


def _one_of(findings: list[Finding], check_id: str, status: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id and str(f.status) == status]
    return found


# ------------------------------------------------------------------ DMARC-19 after a failed lookup


def test_dmarc19_cannot_compare_when_the_tree_walk_failed_on_the_way() -> None:
    # The same zone: RFC 9989 receivers' policy is unknown (their walk's query failed), not
    # "no DMARC". DMARC-19 warned "reject versus no DMARC" and told the owner to publish a
    # record at the author domain, from a failed lookup. Could not check is never a finding
    # against the domain: error, naming the failed query and what RFC 7489 receivers apply.
    zone = {(f"_dmarc.b.{D}", "TXT"): "SERVFAIL", (f"_dmarc.{D}", "TXT"): [ORG_RECORD]}
    views = _one(_dmarc_findings(AUTHOR, zone), "DMARC-19")
    assert str(views.status) == "error"
    assert "no DMARC" not in views.summary
    assert f"_dmarc.b.{D}" in views.summary and "SERVFAIL" in views.summary
    assert "RFC 7489 receivers apply reject" in views.summary
    assert views.fix == ""


def test_dmarc19_cannot_compare_when_the_psl_org_domain_lookup_failed() -> None:
    # The other way round: psd=n at b.example.com ends the walk there (RFC 9989 §4.10), so
    # RFC 9989 receivers apply its policy; RFC 7489 receivers ask _dmarc.example.com, which
    # fails. Their policy is unknown, not "no DMARC".
    zone = {
        (f"_dmarc.b.{D}", "TXT"): ["v=DMARC1; p=quarantine; psd=n"],
        (f"_dmarc.{D}", "TXT"): "SERVFAIL",
    }
    views = _one(_dmarc_findings(AUTHOR, zone), "DMARC-19")
    assert str(views.status) == "error"
    assert "no DMARC" not in views.summary
    assert f"_dmarc.{D}" in views.summary and "SERVFAIL" in views.summary
    assert "RFC 9989 receivers apply quarantine" in views.summary


def test_dmarc19_still_warns_when_both_views_are_known_and_differ() -> None:
    # With no record at example.com the walk takes b.example.com's (its Organizational
    # Domain, RFC 9989 §4.10.2); RFC 7489 never asks b.example.com and finds none.
    zone = {(f"_dmarc.b.{D}", "TXT"): ["v=DMARC1; p=quarantine"]}
    views = _one(_dmarc_findings(AUTHOR, zone), "DMARC-19")
    assert str(views.status) == "warn"
    assert "no DMARC versus quarantine" in views.summary
