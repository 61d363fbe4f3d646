"""The free check's input (s26p): pasted inputs the form read oddly, through the real form and
view (checks.domainname.to_ascii_domain behind it, with the free check's production setting:
special-use names and private targets refused).

- Two URLs pasted together ("https://a.example.com/ https://b.example.org/") checked the first:
  the path split at "/" dropped the second. Refused as a list, as a list of domains is.
- Two addresses from a mail client's To line ("Alice <a@x…>, Bob <b@y…>") checked the first
  bracket's domain: refused as a list too.
- "example.com:abc" was read as example.com: what follows the colon is no port, so the input
  is no domain (refused, saying so). A port number ("example.com:25", "https://…:443/") is
  still read as the name, and the page says a port is not used.
- "http://example.com\\@evil.org/" checked evil.org: browsers (WHATWG URL) read "\\" as "/" in
  http(s) URLs, so the host is example.com, which is what is checked now.
"""

from __future__ import annotations

from unittest.mock import patch

import pytest
from django.test import Client

from mailsec.freecheck.models import FreeCheck

DELAY = "mailsec.freecheck.views.run_free_check.delay"


def submit(client: Client, text: str):  # type: ignore[no-untyped-def]
    with patch(DELAY):
        return client.post("/check", {"domain": text})


LISTS = {
    "two URLs with paths": "https://a.example.com/ https://b.example.org/",
    "two URLs, other paths": "https://a.example.com/x https://b.example.org/y",
    "two URLs with a comma": "https://a.example.com/x, https://b.example.org/y",
    "two URLs a line each": "https://a.example.com/\nhttps://b.example.org/",
    "a host with a slash, then a name": "a.example.com/ b.example.org",
    "two named addresses": "Alice <a@a.example.com>, Bob <b@b.example.org>",
    "two named addresses with ;": "Alice <a@a.example.com>; Bob <b@b.example.org>",
    "a quoted name with a comma": '"Smith, Alice" <a@a.example.com>, Bob <b@b.example.org>',
    "a named address and a bare one": "Alice <a@a.example.com>, b@b.example.org",
    "a name with a port, then a name": "a.example.com:25 b.example.org",
}


@pytest.mark.django_db
@pytest.mark.parametrize("text", LISTS.values(), ids=LISTS.keys())
def test_a_pasted_list_of_urls_or_addresses_is_refused_as_a_list(client: Client, text: str) -> None:
    response = submit(client, text)
    assert response.status_code == 400, text
    page = response.content.decode()
    assert "holds 2 domain names" in page and "such as a.example.com" in page
    assert not FreeCheck.objects.exists()


PORTS = {
    "example.com:abc": "abc",
    "https://example.com:abc/path": "abc",
    "example.com:99999": "99999",
    "example.com:2 5": "2 5",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "port"), PORTS.items())
def test_a_port_that_is_no_number_is_refused_saying_so(
    client: Client, text: str, port: str
) -> None:
    response = submit(client, text)
    assert response.status_code == 400, text
    page = response.content.decode()
    assert "is not a domain name" in page and "port" in page, page
    assert f"{port}" in page
    assert not FreeCheck.objects.exists()


ACCEPTED = {
    "example.com:25": "example.com",
    "example.com:": "example.com",
    "https://Example.com:443/path#x": "example.com",
    # WHATWG URL: in http(s) URLs "\" is a path separator, so the host ends before it.
    "http://example.com\\@evil.org/": "example.com",
    "https://example.com\\@evil.org": "example.com",
    "example.com\\@evil.org": "example.com",
    "https://example.com\\path": "example.com",
    # Still one input each: a space in a URL's path, a named address, a user in the URL.
    "https://example.com/my page": "example.com",
    "Alice <alice@example.com>": "example.com",
    '"Smith, Alice" <alice@example.com>': "example.com",
    "http://user@example.com/": "example.com",
    "https://example.com/?to=a@b.org, c": "example.com",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "checked"), ACCEPTED.items())
def test_these_read_as_one_domain(client: Client, text: str, checked: str) -> None:
    response = submit(client, text)
    assert response.status_code == 302, response.content.decode()[:2000]
    [run] = FreeCheck.objects.all()
    assert run.domain == checked


@pytest.mark.django_db
def test_the_page_says_a_port_is_not_used(client: Client) -> None:
    page = client.get("/check").content.decode()
    assert "port" in page and "example.com:25" in page


@pytest.mark.django_db
def test_the_api_refuses_the_same_inputs(client: Client) -> None:
    for text in ("example.com:abc", LISTS["two named addresses"]):
        response = client.get("/api/v1/check", {"domain": text})
        assert response.status_code == 400, text
