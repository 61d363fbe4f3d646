"""Review s42zA of 70d4328b: a Markdown link's address is read as the same text typed alone.

checks.domainname._link_domain read the address with the inner _to_ascii_domain, which reads
an address by its last '@' and a URL by its first host, so the list refusal of
to_ascii_domain (two addresses, two URLs: "holds 2 domain names") never ran for it:
'[x](mailto:a@example.com,b@example.org)' was checked as example.org, though
'mailto:a@example.com,b@example.org' typed alone is refused as naming two domains. The link's
text was read the same way ('[a@example.com, b@example.org](mailto:b@example.org)' passed as
naming example.org alone).
"""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain


def read(text: str) -> str:
    return to_ascii_domain(text, allow_special_use=False)


def alone(address: str) -> str | None:
    try:
        return read(address)
    except DomainNameError:
        return None


@pytest.mark.parametrize(
    "link",
    [
        "[x](mailto:a@example.com,b@example.org)",
        "[x](mailto:a@example.com;b@example.org)",
        "[write to us](mailto:a@example.com,b@example.com)",
        "[x](<a@example.com, b@example.org>)",
        "[x](<https://a.example.com/ https://b.example.org/>)",
    ],
)
def test_a_link_whose_address_holds_two_domains_is_refused_as_a_list(link: str) -> None:
    with pytest.raises(DomainNameError, match="holds 2 domain names") as refused:
        read(link)
    assert str(refused.value).startswith(f"In the link {link}, ")


@pytest.mark.parametrize(
    "link",
    [
        "[a@example.com, b@example.org](mailto:b@example.org)",
        "[example.com, example.org](https://example.org)",
    ],
)
def test_link_text_naming_two_domains_is_refused(link: str) -> None:
    with pytest.raises(DomainNameError, match="two different domains"):
        read(link)


@pytest.mark.parametrize(
    "address",
    [
        "mailto:a@example.com,b@example.org",
        "a@example.com, b@example.org",
        "https://example.com/",
        "mailto:a@example.com",
        "mailto:a@example.com?cc=b@example.org",  # a header field, not a second recipient
        "a/b@example.com",  # '/' is a letter of an unquoted local part (s28n)
        "https://user:pw@example.com/",
        "https://example.com:8080/",
        "http://127.0.0.1/",
        "https://printer.local/",
    ],
)
def test_a_links_address_gives_what_it_gives_typed_alone(address: str) -> None:
    # The bare form of each address (no '<…>' when the address holds a blank).
    link = f"[x](<{address}>)" if " " in address else f"[x]({address})"
    assert alone(link) == alone(address)
