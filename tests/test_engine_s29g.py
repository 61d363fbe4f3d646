"""Follow-ups from blind round s29s (tests/test_engine_s29s_blind.py), each written failing
before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from checks import spf
from checks.findings import Finding
from tests.test_engine_s29s import _case
from tests.test_engine_s29s_blind import Case, bimi_site, run_case
from tests.test_spf import published, run

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


# ------------------------------------------------------------------ BIMI-04/05 fixes for http://

BIMI_DOMAIN = "silverbirch-spa.com"
BIMI_AT = f"default._bimi.{BIMI_DOMAIN}"
HTTPS_LOGO = f"https://bimi.{BIMI_DOMAIN}/logo.svg"
HTTPS_MARK = f"https://bimi.{BIMI_DOMAIN}/vmc.pem"


def _bimi(record: str) -> dict[str, Finding]:
    case = Case("http", "bimi", BIMI_DOMAIN, bimi_site(BIMI_DOMAIN, record))
    findings, _ = run_case(case)
    return {f.id: f for f in findings if f.id in ("BIMI-04", "BIMI-05")}


def _record_in(fix: str) -> tuple[str, str]:
    """The TXT record a fix offers (its last line)."""
    return published(fix.splitlines()[-1])


def test_bimi05_offers_the_record_with_an_https_mark_certificate_url() -> None:
    # bimi-mark-http: a=http://... fails BIMI-05 ("it must be an https:// URL", the BIMI
    # draft's Assertion Record Definition) with no record to publish, where BIMI-04 offers one
    # for an http:// l=. The fix is the record with https://, every other tag as published.
    findings, _ = run_case(_case("bimi-mark-http"))
    (mark_url,) = [f for f in findings if f.id == "BIMI-05"]
    assert str(mark_url.status) == "fail"
    assert HTTPS_MARK in mark_url.fix.splitlines()[0]
    assert _record_in(mark_url.fix) == (BIMI_AT, f"v=BIMI1; l={HTTPS_LOGO}; a={HTTPS_MARK}")
    # The scheme in capitals is the same URL; spacing and other tags stay as published.
    found = _bimi(f"v=BIMI1;  l={HTTPS_LOGO};a=HTTP://bimi.{BIMI_DOMAIN}/vmc.pem; avp=brand")
    assert str(found["BIMI-05"].status) == "fail"
    assert _record_in(found["BIMI-05"].fix) == (
        BIMI_AT,
        f"v=BIMI1;  l={HTTPS_LOGO};a={HTTPS_MARK}; avp=brand",
    )


def test_bimi04_and_bimi05_offer_one_record_when_both_urls_are_http() -> None:
    # Each fix fixing only its own URL would offer a record the other check still fails, and
    # publishing the second would undo the first: both offer the record with both in https.
    found = _bimi(
        f"v=BIMI1;l=http://bimi.{BIMI_DOMAIN}/logo.svg;a=http://bimi.{BIMI_DOMAIN}/vmc.pem"
    )
    assert {str(f.status) for f in found.values()} == {"fail"}
    want = (BIMI_AT, f"v=BIMI1;l={HTTPS_LOGO};a={HTTPS_MARK}")
    assert _record_in(found["BIMI-04"].fix) == want
    assert _record_in(found["BIMI-05"].fix) == want


def test_bimi05_offers_no_record_when_no_https_url_is_known() -> None:
    # On another port the https:// URL would be a guess: nothing is offered, as before.
    found = _bimi(f"v=BIMI1; l={HTTPS_LOGO}; a=http://bimi.{BIMI_DOMAIN}:8080/vmc.pem")
    assert str(found["BIMI-05"].status) == "fail"
    assert found["BIMI-05"].fix == ""
