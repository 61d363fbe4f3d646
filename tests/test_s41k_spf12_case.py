"""Task s41k, item 4: SPF-12 on 'exp=' beside 'EXP=' said "The 'exp' modifier appears more
than once" while the owner sees two different-looking terms. Modifier names are
case-insensitive (RFC 7208 §4.6.1, by RFC 5234 §2.3): the summary now says 'EXP=' is the same
modifier. Where both are spelled alike, no such words."""

from __future__ import annotations

from checks.spf import parse_spf


def _spf12(record: str) -> str:
    (said,) = [p.message for p in parse_spf(record).problems if p.check_id == "SPF-12"]
    return said


def test_s41k_exp_beside_exp_in_capitals_says_it_is_the_same_modifier() -> None:
    said = _spf12("v=spf1 mx exp=why.example.org EXP=other.example.org -all")
    assert "'exp=' and 'EXP=' are the same modifier" in said, said
    assert "case-insensitive" in said and "§4.6.1" in said, said
    assert "Keep only the first" in said, said


def test_s41k_redirect_in_two_cases_says_so_too() -> None:
    said = _spf12("v=spf1 REDIRECT=_spf.google.com redirect=_spf.google.com")
    assert "'REDIRECT=' and 'redirect=' are the same modifier" in said, said


def test_s41k_exp_twice_in_one_case_has_no_such_words() -> None:
    said = _spf12("v=spf1 mx exp=why.example.org exp=other.example.org -all")
    assert "same modifier" not in said and "case-insensitive" not in said, said
