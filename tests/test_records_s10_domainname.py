"""What a person types as a domain: any URL scheme, control characters, a quoted name."""

from __future__ import annotations

import unicodedata

import pytest

from checks.domainname import DomainNameError, to_ascii_domain


@pytest.mark.parametrize(
    "typed",
    [
        "ftp://example.com",
        "smtp://example.com",
        "SMTP://mx1.example.com:25",
        "imap://user@example.com/INBOX",
        "ldaps://example.com:636/",
        "smtp:example.com",
    ],
)
def test_a_url_scheme_is_not_read_as_the_name(typed: str) -> None:
    assert to_ascii_domain(typed).endswith("example.com")


@pytest.mark.parametrize(
    "typed", ["exa\x00mple.com", "example.com\x1b[31m", "example.com\x07", "ex\u202eample.com"]
)
def test_control_characters_are_escaped_in_the_message(typed: str) -> None:
    with pytest.raises(DomainNameError) as raised:
        to_ascii_domain(typed)
    message = str(raised.value)
    assert not [c for c in message if unicodedata.category(c) in ("Cc", "Cf")]
    bad = next(c for c in typed if unicodedata.category(c) in ("Cc", "Cf"))
    assert (f"\\x{ord(bad):02x}" if ord(bad) < 0x100 else f"\\u{ord(bad):04x}") in message


def test_a_line_break_inside_is_escaped_too() -> None:
    with pytest.raises(DomainNameError) as raised:
        to_ascii_domain("example\n.com")
    assert "\n" not in str(raised.value) and "\\x0a" in str(raised.value)


@pytest.mark.parametrize(
    "typed", ['"example.com"', "'example.com'", " \u201cexample.com\u201d ", '" example.com "']
)
def test_one_pair_of_quotes_is_taken_off(typed: str) -> None:
    assert to_ascii_domain(typed) == "example.com"


@pytest.mark.parametrize("typed", ['"example.com', "'example.com\"", '""example.com""'])
def test_unpaired_or_doubled_quotes_are_still_refused(typed: str) -> None:
    with pytest.raises(DomainNameError):
        to_ascii_domain(typed)
