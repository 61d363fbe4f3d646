"""Task s44h, item 2: two HTML links pasted together (a page's source, an editor's HTML view)
were refused as "contains a space", while two Markdown links got "holds 2 domain names; enter
one domain at a time" (tests/test_s44a_html_links.py reads one anchor as a Markdown link is
read). Each anchor of a pasted list is now one item of it, read as it is alone."""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain

A = '<a href="https://example.com/">example.com</a>'
B = '<a href="https://example.org/">example.org</a>'
TWO = "holds 2 domain names; enter one domain at a time, such as example.com."


def refusal(text: str) -> str:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(text, allow_special_use=False)
    return str(refused.value)


@pytest.mark.parametrize(
    "typed",
    [
        f"{A} {B}",
        f"{A}, {B}",
        f"{A}; {B}",
        f"{A}\n{B}",
        f"{A}{B}",  # copied from one line of a page's source
        # Texts with blanks, elements inside, single quotes, capitals, mailto:.
        f"{A} <a href='mailto:info@example.org'>Write to <b>us</b></a>",
        '<A HREF="https://example.com/">Our site</A>, <a href=https://example.org/>Their site</a>',
        # Beside a domain typed plainly, and beside a Markdown link.
        f"{A} example.org",
        f"[example.com](https://example.com/) {B}",
    ],
)
def test_two_html_links_are_refused_as_two_domains(typed: str) -> None:
    assert refusal(typed).endswith(TWO), refusal(typed)


def test_as_two_markdown_links_are() -> None:
    markdown = "[example.com](https://example.com/) [example.org](https://example.org/)"
    assert refusal(markdown).endswith(TWO)


def test_three_are_counted() -> None:
    three = f'{A} {B} <a href="https://example.net/">example.net</a>'
    assert "holds 3 domain names" in refusal(three)


def test_an_anchor_refused_alone_makes_no_list_of_domains() -> None:
    # Its text and its address name two domains: which was meant is not known, so the list
    # is no list of domains to count, nor is one of it suggested.
    said = refusal(f'{A} <a href="https://example.net/">example.org</a>')
    assert "domain names" not in said, said


def test_one_anchor_is_still_its_domain() -> None:
    assert to_ascii_domain(f"  {A}  ", allow_special_use=False) == "example.com"


# Task s44k, item 1: Markdown links whose texts hold blanks were split at them ("[Our",
# "site](https://example.com/)") and the list refused as "may hold only letters…"; each link
# is now one item, as each anchor is above.
OURS = "[Our site](https://example.com/)"
THEIRS = "[Other site](https://example.org/)"


@pytest.mark.parametrize(
    "typed",
    [
        f"{OURS}, {THEIRS}",
        f"{OURS} {THEIRS}",
        f"{OURS}; {THEIRS}",
        f"{OURS}\n{THEIRS}",
        f"{OURS}{THEIRS}",
        # An angled address with a title, a mailto:, beside a plain domain and an anchor.
        f'[Our site](<https://example.com/> "Our home page") {THEIRS}',
        "[Write to us](mailto:info@example.com) example.org",
        f"{OURS} {B}",
    ],
)
def test_two_markdown_links_with_blanks_are_refused_as_two_domains(typed: str) -> None:
    assert refusal(typed).endswith(TWO), refusal(typed)


def test_three_markdown_links_are_counted() -> None:
    assert "holds 3 domain names" in refusal(f"{OURS} {THEIRS} [A third](https://example.net/)")


def test_a_markdown_link_refused_alone_makes_no_list_of_domains() -> None:
    said = refusal(f"[example.org site](https://example.net/) {THEIRS}")
    assert "domain names" not in said, said


def test_one_markdown_link_with_blanks_is_still_its_domain() -> None:
    assert to_ascii_domain(f"  {OURS}  ", allow_special_use=False) == "example.com"
