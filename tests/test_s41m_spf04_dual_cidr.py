"""Task s41m, item 4: SPF-04 for 'a/024' or 'mx//064' said only "has an invalid prefix length",
as it said for ip4:/ip6: before d9d704f6: the owner reads 24 and 64, both in range. The grammar
allows no leading zero in a dual-cidr-length either (RFC 7208 §5.3, §5.4, §5.6); it now says the
zero is what is wrong and how to write the length."""

from __future__ import annotations

import pytest

from tests.test_engine_s41a import _spf04


@pytest.mark.parametrize(
    ("term", "section", "write"),
    [
        ("a/024", "§5.3", "/24"),
        ("mx//064", "§5.4", "//64"),
        ("a:mail.example.com/024//064", "§5.3", "/24//64"),
        ("mx:mail.example.com/24//064", "§5.4", "/24//64"),
        ("a//00", "§5.3", "//0"),
    ],
)
def test_s41m_a_zero_padded_a_or_mx_prefix_length_is_named(
    term: str, section: str, write: str
) -> None:
    message = _spf04(f"v=spf1 {term} -all")
    assert message == (
        f"'{term}': the prefix length is written with a leading zero, which the SPF grammar "
        f"does not allow (RFC 7208 {section}, §5.6): write {write}"
    ), message


@pytest.mark.parametrize("term", ["a/", "a/24/64", "mx//0129", "a/033"])
def test_s41m_other_malformed_lengths_read_as_before(term: str) -> None:
    message = _spf04(f"v=spf1 {term} -all")
    assert "leading zero" not in message, message
