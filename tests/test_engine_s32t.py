"""Defects blind round s32t found (tests/test_engine_s32t_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

from checks import spf
from tests.test_spf import run


def _spf02(domain: str, record: str) -> str:
    zone = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (domain, "TXT"): [record],
    }
    found = [f for f in run(spf, domain, zone) if f.id == "SPF-02"]
    assert [str(f.status) for f in found] == ["fail"], found
    assert found[0].fix == f'{domain}. TXT "v=spf1 mx -all"'
    return found[0].summary


def test_no_break_space_after_the_version_is_named() -> None:
    # spf15-no-break-space: 'v=spf1\u00a0mx -all' copied from a web page. Not an SPF record
    # (RFC 7208 §4.5: 'v=spf1' is followed by SP or the end; §3.1: US-ASCII), so SPF-02 fails
    # it, rightly, but its summary showed the record as it reads on screen, 'v=spf1 mx -all',
    # the very record the fix offers: nothing said what differs.
    summary = _spf02("ripon-opticians.com", "v=spf1\u00a0mx -all")
    assert "a no-break space (U+00A0) after 'v=spf1'" in summary, summary
    assert "not ASCII" in summary, summary


def test_zero_width_space_after_the_version_is_named() -> None:
    summary = _spf02("ripon-florists.com", "v=spf1\u200b mx -all")
    assert "a zero-width space (U+200B) after 'v=spf1'" in summary, summary


def test_a_version_typo_names_no_pasted_character() -> None:
    # Control: 'v=sfp1' (one slip, 3dc7b95) holds no pasted character to name.
    summary = _spf02("ripon-tailors.com", "v=sfp1 mx -all")
    assert "U+" not in summary, summary
