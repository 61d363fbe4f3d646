"""Task s44a, item 4: an HTML anchor pasted as it is, from a page's source or an editor
('<a href="https://example.com/">example.com</a>', with mailto: or single quotes), was refused
as "contains a space". It is read as a Markdown link is (tests/test_s42d_domain_input.py,
tests/test_s43g_domain_input.py): its address's domain, when its text names the same one (or
its web host "www."), or no domain at all; refused as naming two when they differ, and as any
address typed alone is refused (an IP address, a special-use name)."""

from __future__ import annotations

import pytest
from django.test import Client

from checks.domainname import DomainNameError, to_ascii_domain
from mailsec.domains.forms import taken_from


def read(text: str) -> str:
    return to_ascii_domain(text, allow_special_use=False)


def refusal(text: str) -> str:
    with pytest.raises(DomainNameError) as refused:
        read(text)
    return str(refused.value)


@pytest.mark.parametrize(
    "typed",
    [
        '<a href="https://example.com/">example.com</a>',
        "<a href='https://example.com/'>example.com</a>",
        '<a href="mailto:info@example.com">info@example.com</a>',
        "<a href='mailto:info@example.com'>Write to us</a>",
        '<a href="https://example.com/">Example</a>',
        '<A HREF="HTTPS://EXAMPLE.COM/">Example.com</A>',
        "<a href=https://example.com/>example.com</a>",
        '<a class="x" href="https://example.com/?a=1&amp;b=2" target="_blank">Our site</a>',
        '<a\n  href="https://example.com/"\n  rel="noopener">example.com</a>',
        '<a href="https://example.com/"><strong>example.com</strong></a>',
        '<a href="https://example.com/">example.com</a>.',
        ' "<a href="https://example.com/">example.com</a>" ',
        # A domain and its web host, as the Markdown rule reads them (s43g).
        '<a href="https://www.example.com/">example.com</a>',
        '<a href="https://example.com/">www.example.com</a>',
        '<a href="https://example.com/">https://www.example.com/</a>',
        # HTML's character references in the text, and an internationalized name.
        '<a href="mailto:info&#64;example.com">info&#64;example.com</a>',
    ],
)
def test_an_html_link_gives_its_domain(typed: str) -> None:
    assert read(typed) == "example.com"


def test_an_internationalized_html_link_gives_its_domain() -> None:
    assert read('<a href="https://xn--bcher-kva.de/">bücher.de</a>') == "xn--bcher-kva.de"


@pytest.mark.parametrize(
    ("typed", "text_names", "link_names"),
    [
        ('<a href="https://example.org/">example.com</a>', "example.com", "example.org"),
        ("<a href='mailto:a@example.org'>a@example.com</a>", "example.com", "example.org"),
        ('<a href="https://www.example.org/">example.com</a>', "example.com", "www.example.org"),
        ('<a href="https://example.com/">see example.org</a>', "example.org", "example.com"),
    ],
)
def test_an_html_link_naming_two_domains_is_refused_saying_so(
    typed: str, text_names: str, link_names: str
) -> None:
    message = refusal(typed)
    assert message.startswith(
        f"{typed} is a link whose text names {text_names} but whose address names "
        f"{link_names}: two different"
    ), message
    assert "Enter the one domain to check alone" in message, message


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ('<a name="top">example.com</a>', "is a link with no address, so it names no domain"),
        ('<a href="">example.com</a>', "is a link with no address, so it names no domain"),
        ('<a href="/about">About</a>', "leads within the site it was copied from"),
        ('<a href="https://127.0.0.1/">Home</a>', "is an IP address"),
        ('<a href="https://printer.local/">Printer</a>', "printer.local is not on the internet"),
        ('<a href="https://mail.123/">Mail</a>', "no top-level domain is all digits"),
    ],
)
def test_what_an_html_link_leads_to_meets_every_refusal(typed: str, said: str) -> None:
    message = refusal(typed)
    assert said in message, message


def test_the_domains_form_says_a_link_was_pasted() -> None:
    typed = '<a href="https://example.com/">Example</a>'
    assert taken_from(typed, "example.com", "example.com") == f"the link you pasted: {typed}"


@pytest.mark.django_db
def test_the_check_page_says_an_html_link_gives_its_domain(client: Client) -> None:
    page = client.get("/check").content.decode()
    assert '(&lt;a href="https://example.com"&gt;Example&lt;/a&gt;) gives the domain' in page
