"""SPF and DMARC follow-ups from s29g (task s29i), each written failing before its fix."""

from __future__ import annotations

import pytest

from checks import spf
from checks.findings import Finding
from tests.test_engine_s29g import MX, PERMERRORS, POOL
from tests.test_spf import run

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
