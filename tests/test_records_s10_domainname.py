"""What a person types as a domain: any URL scheme, control characters, a quoted name."""

from __future__ import annotations

import pytest

from checks.domainname import to_ascii_domain


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
