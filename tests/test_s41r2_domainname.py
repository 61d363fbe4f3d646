"""Review s41r2 of fdd040d9 (the domain-name refusals of the page, the API, the CLI and the
domains form, checks.domainname).

- Four numbers, one past 255 ("1.2.3.256"), were told "an IPv4 address has 4 parts, not 4".
- A character IDNA's mapping drops (a soft hyphen, a zero-width space: UTS #46 maps them to
  nothing, and the name is checked without them) was named as the invisible character "no
  domain name may hold" when the name was refused for another character (an emoji).
- "https:///example.com" (a third slash) and "http://:8080" (a port, no host) were told
  "nothing follows https://", which something does. (Since s42d "https:///example.com" is
  read as browsers read it, example.com; "smtp:///example.com", whose authority is empty,
  stands for it here.)
- A zero-width non-joiner inside a Persian word (RFC 5892 CONTEXTJ, allowed there) was named
  instead of the emoji that made the name invalid.
"""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain


def refusal(text: str) -> str:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(text, allow_special_use=False)
    return str(refused.value)


@pytest.mark.parametrize("typed", ["1.2.3.256", "999.999.999.999", "1.2.3.08"])
def test_s41r2_four_numbers_are_not_told_they_are_not_four(typed: str) -> None:
    message = refusal(typed)
    assert "is a number, and no top-level domain is all digits" in message, message
    assert "not 4" not in message, message
    assert "no IPv4 address either" in message, message


def test_s41r2_five_numbers_still_told_the_count() -> None:
    assert "an IPv4 address has 4 parts, not 5" in refusal("1.2.3.4.5")


@pytest.mark.parametrize(
    "typed",
    [
        "a\u00ad\U0001f4a9.com",  # soft hyphen, mapped to nothing
        "a\u200b\U0001f4a9.com",  # zero-width space, mapped to nothing
        "\u0645\u06cc\u200c\u062e\U0001f4a9.com",  # ZWNJ in a Persian word, then an emoji
    ],
)
def test_s41r2_the_character_that_refuses_the_name_is_named(typed: str) -> None:
    message = refusal(typed)
    assert "U+1F4A9" in message and "symbols or emoji" in message, message
    assert "invisible" not in message, message


def test_s41r2_a_stray_joiner_is_still_called_invisible() -> None:
    message = refusal("a\u200db.com")
    assert "an invisible character, U+200D (ZERO WIDTH JOINER)" in message, message
    # RFC 5892 Appendix A.2: a joiner is allowed after a virama, so not "no domain name".
    assert "no domain name may hold" not in message, message


def test_s41r2_a_direction_mark_is_still_called_invisible() -> None:
    message = refusal("example.com\u200e")
    assert "an invisible character, U+200E (LEFT-TO-RIGHT MARK)" in message, message
    assert "no domain name may hold" in message, message


@pytest.mark.parametrize(
    ("typed", "after"),
    [
        ("smtp:///example.com", "smtp://"),  # a third slash: something does follow
        ("http://:8080", "http://"),  # a port and no host
        ("user@/x", "the @"),
    ],
)
def test_s41r2_something_after_the_scheme_is_not_called_nothing(typed: str, after: str) -> None:
    message = refusal(typed)
    assert "nothing follows" not in message, message
    assert message.startswith(f"{typed} holds no domain name right after {after}."), message
    assert "Enter a domain name" in message, message


@pytest.mark.parametrize("typed", ["user@", '"https://"', "mailto:"])
def test_s41r2_nothing_after_is_still_said_so(typed: str) -> None:
    assert "holds no domain name: nothing follows" in refusal(typed)
