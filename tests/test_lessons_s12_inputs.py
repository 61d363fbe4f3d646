"""What people paste into the free check and the Add domain form: an IPv6 address in brackets
with a port (a URL's host, an SMTP address literal) is an IP address, said as such."""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain


@pytest.mark.parametrize(
    "typed",
    [
        "[2001:db8::1]:25",
        "https://[2001:db8::1]:8443/",
        "user@[IPv6:2001:db8::1]",
        "[192.0.2.1]:25",
    ],
)
def test_a_bracketed_address_with_a_port_or_tag_is_an_ip_address(typed: str) -> None:
    with pytest.raises(DomainNameError, match="is an IP address"):
        to_ascii_domain(typed)


def test_a_bracketed_name_is_not_taken_for_an_address() -> None:
    with pytest.raises(DomainNameError) as caught:
        to_ascii_domain("[example.com]:25")
    assert "IP address" not in str(caught.value)
