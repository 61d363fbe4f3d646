"""Free check input, found reading round s41h's refusals (tests/test_freecheck_s41h_blind.py):
three messages that did not say what was wrong (docs/webapp.md: a name the form cannot check
is answered "with the reason beside the field").

- A name whose last part is a number ("1.2.3.4.5", "example.123") said only "… is not a valid
  domain name.", with no reason at all.
- Input with a scheme or an '@' and nothing after it ("user@", "example.com@", "https://")
  said "Enter a domain name, for example example.com.", the answer to an empty field, to
  someone who typed something.
- An invisible formatting character copied with a name (a left-to-right mark from a
  right-to-left page, U+200E) was called a symbol or an emoji, which nothing on the screen
  shows.
"""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain


def refusal(text: str) -> str:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(text, allow_special_use=False)
    return str(refused.value)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1.2.3.4.5", ("its last part, 5, is a number", "an IPv4 address has 4 parts")),
        ("example.123", ("its last part, 123, is a number", "no top-level domain")),
        ("a.1", ("its last part, 1, is a number",)),
    ],
)
def test_s41h_a_name_ending_in_a_number_says_why(typed: str, words: tuple[str, ...]) -> None:
    message = refusal(typed)
    for word in words:
        assert word in message, message
    if not typed.startswith("1.2"):
        assert "IPv4" not in message, message


@pytest.mark.parametrize(
    ("typed", "after"),
    [
        ("user@", "the @"),
        ("example.com@", "the @"),
        ("https://", "https://"),
        ("mailto:", "mailto:"),
    ],
)
def test_s41h_nothing_after_the_at_or_the_scheme_is_said(typed: str, after: str) -> None:
    message = refusal(typed)
    assert message.startswith(f"{typed} holds no domain name: nothing follows {after}."), message
    # The regex older tests match (tests/test_freecheck_s25_blind.py) still holds.
    assert "Enter a domain name" in message, message


@pytest.mark.parametrize("typed", ["", "   ", '""', "."])
def test_s41h_an_empty_field_is_still_asked_for_a_name(typed: str) -> None:
    assert refusal(typed) == "Enter a domain name, for example example.com."


@pytest.mark.parametrize(
    ("typed", "mark", "name"),
    [
        ("example.com\u200e", "U+200E", "LEFT-TO-RIGHT MARK"),
        ("\u200fexample.com", "U+200F", "RIGHT-TO-LEFT MARK"),
        ("exa\u202emple.com", "U+202E", "RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_s41h_an_invisible_character_is_called_invisible(typed: str, mark: str, name: str) -> None:
    message = refusal(typed)
    assert f"an invisible character, {mark} ({name})" in message, message
    assert "emoji" not in message, message


def test_s41h_a_symbol_is_still_called_a_symbol() -> None:
    message = refusal("i\u2665.example.com")
    assert "U+2665" in message and "symbols or emoji" in message, message
