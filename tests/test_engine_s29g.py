"""Follow-ups from blind round s29s (tests/test_engine_s29s_blind.py), each written failing
before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from checks import spf
from checks.findings import Finding
from tests.test_engine_s29s import _case
from tests.test_engine_s29s_blind import run_case
from tests.test_spf import run

# ------------------------------------------------------------------ SPF-09 next to a permerror

D = "example.com"
MX = {(D, "MX"): ["10 mx1.example.com."], ("mx1.example.com", "A"): ["192.0.2.1"]}
ELEVEN_INCLUDES = {
    (D, "TXT"): ["v=spf1 " + " ".join(f"include:i{i}.example.net" for i in range(11)) + " -all"],
    **{(f"i{i}.example.net", "TXT"): [f"v=spf1 ip4:192.0.2.{i} -all"] for i in range(11)},
}
POOL = {
    ("pool.example.net", "MX"): [f"{i} m{i}.pool.example.net." for i in range(11)],
    **{(f"m{i}.pool.example.net", "A"): [f"192.0.2.{i + 1}"] for i in range(11)},
}
# Records whose every evaluation that reaches '-all' first meets a permanent error, by the
# check that reports it (RFC 7208 §4.6.4, §5.2, §4.6).
PERMERRORS: dict[str, tuple[str, dict[Any, Any]]] = {
    "lookups": ("SPF-05", ELEVEN_INCLUDES),
    "void": (
        "SPF-06",
        {(D, "TXT"): ["v=spf1 a:g1.example.com a:g2.example.com a:g3.example.com -all"]},
    ),
    "include-without-spf": ("SPF-08", {(D, "TXT"): ["v=spf1 include:gone.example.net -all"]}),
    "included-syntax-error": (
        "SPF-04",
        {
            (D, "TXT"): ["v=spf1 include:bad.example.net -all"],
            ("bad.example.net", "TXT"): ["v=spf1 ip4:192.0.2.300 -all"],
        },
    ),
    "mx-fan-out": ("SPF-07", {(D, "TXT"): ["v=spf1 mx:pool.example.net -all"], **POOL}),
}


def _spf09(findings: list[Finding]) -> Finding:
    (ending,) = [f for f in findings if f.id == "SPF-09"]
    return ending


def test_spf09_does_not_say_unlisted_servers_are_refused_next_to_an_mx_fan_out() -> None:
    # spf-mx-eleven-hosts: SPF-07 fails ('mx' needs 11 address lookups: permerror, RFC 7208
    # §4.6.4) and SPF-09 read "servers not listed are not allowed to send". A server not
    # listed reaches 'mx' before '-all' and gets a permanent error: receivers do not apply
    # '-all' to it. The ending is still '-all' (checklist SPF-09: pass), the words say why
    # it does not act yet.
    findings, _ = run_case(_case("spf-mx-eleven-hosts"))
    ending = _spf09(findings)
    assert str(ending.status) == "pass"
    assert "not allowed to send" not in ending.summary
    assert "permanent error" in ending.summary and "SPF-07" in ending.summary
    assert ending.evidence["permerror"] == "SPF-07"


@pytest.mark.parametrize("name", sorted(PERMERRORS))
def test_spf09_names_the_permanent_error_met_before_the_ending(name: str) -> None:
    check_id, zone = PERMERRORS[name]
    findings = run(spf, D, {**MX, **zone})
    assert check_id in {f.id for f in findings if str(f.status) == "fail"}
    ending = _spf09(findings)
    assert str(ending.status) == "pass"
    assert "not allowed to send" not in ending.summary
    assert f"permanent error ({check_id})" in ending.summary


def test_spf09_behind_a_redirect_names_the_permanent_error_too() -> None:
    zone = {
        (D, "TXT"): ["v=spf1 redirect=_spf.example.net"],
        ("_spf.example.net", "TXT"): ["v=spf1 mx:pool.example.net -all"],
        **POOL,
    }
    ending = _spf09(run(spf, D, {**MX, **zone}))
    assert str(ending.status) == "pass"
    assert ending.summary.startswith("The SPF record redirects to _spf.example.net")
    assert "not allowed to send" not in ending.summary
    assert "permanent error (SPF-07)" in ending.summary


def test_spf09_without_a_permanent_error_still_says_unlisted_servers_are_refused() -> None:
    findings, _ = run_case(_case("spf-mx-ten-hosts"))
    ending = _spf09(findings)
    assert str(ending.status) == "pass"
    assert ending.summary == (
        "The SPF record ends in '-all': servers not listed are not allowed to send."
    )
    assert "permerror" not in ending.evidence


# ------------------------------------------------------------------ DMARC-20's words


def _dmarc20(name: str) -> Finding:
    findings, _ = run_case(_case(name))
    (walk,) = [f for f in findings if f.id == "DMARC-20"]
    return walk


def test_dmarc20_says_the_own_policy_took_one_query_and_the_rest_found_the_org_domain() -> None:
    # dmarc-rf-ri-legacy (the record at _dmarc.halcyon-travel.com, no psd=) read "Finding the
    # policy with the RFC 9989 DNS tree walk takes 2 of at most 8 queries": the policy is the
    # author domain's own record, the first answer; the walk asks _dmarc.com only to find the
    # Organizational Domain (RFC 9989 §4.10, §4.10.1-§4.10.2).
    walk = _dmarc20("dmarc-rf-ri-legacy")
    assert str(walk.status) == "info"
    assert walk.evidence["queries"] == 2
    assert "Finding the policy with the RFC 9989 DNS tree walk takes 2" not in walk.summary
    assert "first query" in walk.summary and "Organizational Domain" in walk.summary
    assert "2 of at most 8 queries" in walk.summary


def test_dmarc20_counts_the_whole_walk_for_an_inherited_policy_or_a_single_query() -> None:
    # An inherited policy is the Organizational Domain's record: finding it takes the walk.
    walk = _dmarc20("walk-ten-labels-org-record")
    assert walk.summary == (
        "Finding the policy with the RFC 9989 DNS tree walk takes 8 of at most 8 queries."
    )
    # psd=n at the author domain ends the walk at its first query.
    walk = _dmarc20("dmarc-psd-n")
    assert walk.summary == (
        "Finding the policy with the RFC 9989 DNS tree walk takes 1 of at most 8 queries."
    )
