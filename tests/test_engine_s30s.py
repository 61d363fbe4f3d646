"""Defects blind round s30s found (tests/test_engine_s30s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc, spf
from checks.findings import Finding
from tests.test_engine_s26c_blind import GOOGLE, CnameDns
from tests.test_spf import make_ctx, published


def _dmarc(domain: str, record: str) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (domain, "TXT"): ["v=spf1 mx -all"],
        (f"_dmarc.{domain}", "TXT"): [record],
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dmarc.evaluate(ctx))


def _unknown_tag(domain: str, record: str) -> Finding:
    (finding,) = [f for f in _dmarc(domain, record) if f.id == "DMARC-17"]
    assert str(finding.status) == "warn"
    return finding


def test_a_misspelt_rua_is_named_and_written_right() -> None:
    # dmarc17-rau-typo: 'rau=' read only "The tag 'rau' is not a DMARC tag; receivers ignore
    # it." with no record, though the owner plainly meant rua= and, as it stands, asks no
    # receiver for reports (RFC 7489 §6.3: unknown tags are ignored).
    finding = _unknown_tag(
        "marshfield-vets.com", "v=DMARC1; p=quarantine; rau=mailto:dmarc@marshfield-vets.com"
    )
    assert "'rua'" in finding.summary and "misspelt" in finding.summary
    assert published(finding.fix) == (
        "_dmarc.marshfield-vets.com",
        "v=DMARC1; p=quarantine; rua=mailto:dmarc@marshfield-vets.com",
    )


def test_a_misspelt_alignment_tag_keeps_its_value() -> None:
    finding = _unknown_tag(
        "stillbrook-dairy.com",
        "v=DMARC1; p=reject; adkmi=s; rua=mailto:dmarc@stillbrook-dairy.com",
    )
    assert "'adkim'" in finding.summary
    _, record = published(finding.fix)
    assert "adkim=s" in record and "adkmi" not in record


def test_a_tag_one_letter_from_two_is_no_guess() -> None:
    # 'ruz' is one letter from both rua and ruf: which was meant is not plain.
    finding = _unknown_tag(
        "ashby-kennels.com", "v=DMARC1; p=reject; ruz=mailto:dmarc@ashby-kennels.com"
    )
    assert "misspelt" not in finding.summary
    assert "rua=" not in finding.fix and "ruf=" not in finding.fix


def test_a_misspelling_of_a_tag_already_there_is_no_guess() -> None:
    for record in (
        "v=DMARC1; p=reject; rua=mailto:dmarc@ashby-kennels.com; rau=mailto:x@ashby-kennels.com",
        "v=DMARC1; p=reject; rau=mailto:x@ashby-kennels.com; rua=mailto:dmarc@ashby-kennels.com",
    ):
        finding = _unknown_tag("ashby-kennels.com", record)
        assert "misspelt" not in finding.summary
        assert (
            "x@ashby-kennels.com"
            not in dmarc.suggested_record("ashby-kennels.com", dmarc.parse_dmarc(record)).partition(
                "rau="
            )[0]
        )


def _spf(domain: str, record: str, more: dict[Any, Any] | None = None) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (domain, "TXT"): [record],
        **(more or {}),
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(spf.evaluate(ctx))


def test_two_exp_modifiers_get_the_record_with_the_first() -> None:
    # spf12-two-exp-after-all: SPF-12 failed 'the exp modifier appears more than once;
    # receivers treat the whole record as broken' with nothing to publish. exp= only names the
    # text a rejected sender is shown (RFC 7208 §6.2): keeping the first one is safe.
    (finding,) = [
        f
        for f in _spf(
            "larkspur-legal.com",
            "v=spf1 mx -all exp=explain.larkspur-legal.com exp=reject-notice.larkspur-legal.com",
        )
        if f.id == "SPF-12"
    ]
    assert str(finding.status) == "fail"
    assert "keep only the first" in finding.summary.lower()
    assert published(finding.fix) == (
        "larkspur-legal.com",
        "v=spf1 mx -all exp=explain.larkspur-legal.com",
    )


def test_two_redirects_say_to_keep_one_without_a_guess() -> None:
    # Which redirect lists the senders is the owner's to say: no record, but what to do.
    (finding,) = [
        f
        for f in _spf(
            "wrenholt-cafe.com",
            "v=spf1 redirect=_spf.wrenholt-cafe.com redirect=_spf.oldhost-mail.com",
            {
                ("_spf.wrenholt-cafe.com", "TXT"): ["v=spf1 ip4:203.0.113.5 -all"],
                ("_spf.oldhost-mail.com", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
            },
        )
        if f.id == "SPF-12"
    ]
    assert str(finding.status) == "fail"
    assert "keep only" in finding.summary.lower() and not finding.fix


def test_a_macro_without_braces_gets_the_record_with_them() -> None:
    # spf16-bare-percent-d: "'%d' is not a macro (use %{x}, %%, %_ or %-)" came with no
    # record, though '%d' plainly means the macro %{d} (RFC 7208 §7.1: a '%' not followed by
    # '{', '%', '_' or '-' is a syntax error, so receivers fail the whole record).
    (finding,) = [
        f
        for f in _spf(
            "ironbark-timber.com.au", "v=spf1 mx exists:%d.spf.ironbark-timber.com.au -all"
        )
        if f.id == "SPF-16"
    ]
    assert str(finding.status) == "fail"
    assert "%{d}" in finding.summary
    assert published(finding.fix) == (
        "ironbark-timber.com.au",
        "v=spf1 mx exists:%{d}.spf.ironbark-timber.com.au -all",
    )


def test_a_percent_sign_before_no_macro_letter_gets_no_guess() -> None:
    # '%x' names no macro: what was meant is not plain. A literal '%%d' is left alone.
    for record in (
        "v=spf1 mx exists:%x.spf.ironbark-timber.com.au -all",
        "v=spf1 mx exists:%%d.%q.spf.ironbark-timber.com.au -all",
    ):
        (finding,) = [f for f in _spf("ironbark-timber.com.au", record) if f.id == "SPF-16"]
        assert str(finding.status) == "fail" and not finding.fix


def _historic(domain: str, record: str) -> list[str]:
    found = [f for f in _dmarc(domain, record) if f.id == "DMARC-11"]
    assert found and all(str(f.status) == "info" for f in found)
    return [f.summary for f in found]


def test_ri_that_is_no_number_is_called_so() -> None:
    # dmarc11-ri-with-unit: 'ri=1h' read 'is historic: RFC 9989 removed it and receivers
    # ignore it', as a valid ri does; RFC 7489 ri is 1*DIGIT seconds (§6.3), so '1h' is
    # no value any receiver reads.
    (summary,) = _historic(
        "copperleaf-studio.com", "v=DMARC1; p=reject; rua=mailto:d@copperleaf-studio.com; ri=1h"
    )
    assert "not a number of seconds" in summary and "can be deleted" in summary


def test_a_valid_ri_says_which_receivers_may_read_it() -> None:
    # 'receivers ignore it' is RFC 9989's receivers; RFC 7489 ones may take it as a request.
    (summary,) = _historic(
        "redfern-analytics.com",
        "v=DMARC1; p=reject; rua=mailto:d@redfern-analytics.com; ri=3600",
    )
    assert "RFC 7489 receivers" in summary and "3600" in summary


def _ignored(domain: str, record: str, more: dict[Any, Any]) -> Finding:
    (finding,) = [f for f in _spf(domain, record, more) if f.id == "SPF-10"]
    assert str(finding.status) == "warn"
    return finding


def test_an_include_after_all_says_its_senders_are_not_authorised() -> None:
    # spf10-include-after-all-flattened: SPF-10 said the include is 'never used' and offered
    # the record without it, but not what that means (servers only it lists fail SPF)
    # nor the other way out, which the included record's SPF-10 says ('the senders they name
    # are not authorised').
    finding = _ignored(
        "meadowlark-bakery.com",
        "v=spf1 ip4:35.190.247.0/24 -all include:_spf.google.com",
        GOOGLE,
    )
    assert "no sender is authorised by them" in finding.summary
    assert "move include:_spf.google.com before '-all'" in finding.summary
    assert published(finding.fix) == ("meadowlark-bakery.com", "v=spf1 ip4:35.190.247.0/24 -all")


def test_a_redirect_beside_all_says_how_to_use_it() -> None:
    finding = _ignored(
        "foxglove-pharmacy.com",
        "v=spf1 ip4:203.0.113.9 redirect=_spf.foxglove-group.com ~all",
        {("_spf.foxglove-group.com", "TXT"): ["v=spf1 ip4:203.0.113.0/25 -all"]},
    )
    assert "no sender is authorised by them" in finding.summary
    assert "remove '~all'" in finding.summary


def test_one_name_failing_for_both_address_types_is_one_finding() -> None:
    # spf20-a-host-servfail: 'a:relay…' whose A and AAAA both SERVFAIL gave two SPF-20
    # findings that differed in the type alone: one lookup failure to the owner.
    failed = [
        f
        for f in _spf(
            "northgate-freight.com",
            "v=spf1 a:relay.northgate-freight.com mx -all",
            {
                ("relay.northgate-freight.com", "A"): "SERVFAIL",
                ("relay.northgate-freight.com", "AAAA"): "SERVFAIL",
            },
        )
        if f.id == "SPF-20"
    ]
    assert len(failed) == 1, [f.summary for f in failed]
    assert "SERVFAIL for relay.northgate-freight.com A and AAAA" in failed[0].summary


def test_different_failures_of_one_name_stay_apart() -> None:
    failed = [
        f
        for f in _spf(
            "northgate-freight.com",
            "v=spf1 a:relay.northgate-freight.com mx -all",
            {
                ("relay.northgate-freight.com", "A"): "SERVFAIL",
                ("relay.northgate-freight.com", "AAAA"): "TIMEOUT",
            },
        )
        if f.id == "SPF-20"
    ]
    assert len(failed) == 2, [f.summary for f in failed]
