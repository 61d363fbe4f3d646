"""Round s28n: the free check's reading of an address with '/', '?', '#' or an escaped '@'.

A single `a/b@example.com` checked example.com (53127f5, fed3cc2), but in a pasted list the
list reading tried each item as a name or URL only, so `a/b@example.com, c@example.org` was
refused as "has no dot" (the URL reading's host 'a'), not as a list. `a\\@example.com`, the
'@' escaped as Markdown writes it in a page or a ticket, was read as a URL of host 'a' and
refused as "has no dot" too: now its domain, example.com, is checked."""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("a/b@example.com, c@example.org", "example.com"),
        ("x@example.org, a/b@example.com", "example.org"),
        ("a?b@example.com c#d@example.org", "example.com"),
        ("a\\@example.com, b@example.org", "example.com"),
    ],
)
def test_a_list_holding_such_an_address_is_refused_as_a_list(typed: str, first: str) -> None:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(typed)
    assert str(refused.value).endswith(
        f"holds 2 domain names; enter one domain at a time, such as {first}."
    )
    assert "no dot" not in str(refused.value)


@pytest.mark.parametrize(
    "typed", ["a\\@example.com", "mailto:a\\@example.com", "Alice <a\\@example.com>"]
)
def test_an_address_with_its_at_sign_escaped_checks_its_domain(typed: str) -> None:
    assert to_ascii_domain(typed) == "example.com"


def test_an_escaped_at_sign_before_a_public_suffix_is_told_so() -> None:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain("a\\@co.uk")
    assert "co.uk is a public suffix" in str(refused.value)


def test_a_host_name_before_an_escaped_at_sign_stays_the_host() -> None:
    # A URL reading that names a domain is kept, as for "example.com/a@b.org".
    assert to_ascii_domain("example.com\\@evil.org") == "example.com"
