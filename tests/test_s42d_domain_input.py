"""Task s42d: what people paste into the free check and the domains form, left from s41o
(checks.domainname.to_ascii_domain, mailsec.domains.forms.taken_from).

- "https:///example.com" (a third slash) was refused as holding no domain name, though a
  browser reads it as https://example.com/: after a special scheme (http, https, ws, wss, ftp)
  the WHATWG URL Standard's "special authority ignore slashes state" reads past every "/" and
  "\\" before the host. A scheme of another kind (smtp:///example.com) has an empty authority
  (RFC 3986 §3.2) and stays refused.
- "`example.com`." (a sentence's full stop after the closing mark) was refused; so were
  Markdown links, "[example.com](https://example.com)" and "[Example](https://example.com/path)".
  The link's address gives the domain; a link whose text names another domain (or an IP
  address) is refused, saying so, not guessed at.
- Angle-bracket autolinks, "<https://example.com>" and "<example.com>", were and stay read.
"""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from checks.domainname import DomainNameError, to_ascii_domain
from mailsec.domains.forms import taken_from
from mailsec.domains.models import Domain
from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

DELAY = "mailsec.freecheck.views.run_free_check.delay"


def read(text: str) -> str:
    return to_ascii_domain(text, allow_special_use=False)


def refusal(text: str) -> str:
    with pytest.raises(DomainNameError) as refused:
        read(text)
    return str(refused.value)


# Item 1: slashes after a special scheme, as browsers read them.
@pytest.mark.parametrize(
    "typed",
    [
        "https:///example.com",
        "https:////example.com",
        "HTTPS:///Example.COM/path?q=1",
        "https:///example.com:443/",
        "http:\\\\\\example.com",
        "http:/\\/example.com",
        "https:/example.com",
        "ftp:///example.com",
        "(https:///example.com)",
    ],
)
def test_s42d_slashes_after_a_special_scheme_are_read_past(typed: str) -> None:
    assert read(typed) == "example.com"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("https:///", "holds no domain name"),
        ("https:////", "holds no domain name"),
        ("https:///127.0.0.1", "is an IP address"),
        ("https:///2130706433/", "is an IP address (127.0.0.1, as a browser reads it)"),
        ("https:///printer.local", "printer.local is not on the internet"),
        ("https:///_dmarc.example.com", "is the name of a DNS record"),
        ("https:///co.uk", "is a public suffix"),
        # Not a special scheme: an empty authority, then a path (RFC 3986 §3.2, §3.3).
        ("smtp:///example.com", "holds no domain name right after smtp://"),
        ("https:///example.com https:///example.org", "holds 2 domain names"),
    ],
)
def test_s42d_what_the_slashes_lead_to_meets_every_refusal(typed: str, said: str) -> None:
    message = refusal(typed)
    assert said in message, message


# Item 2: a sentence's full stop after a closing mark.
@pytest.mark.parametrize(
    "typed",
    [
        "`example.com`.",
        "(example.com).",
        "**example.com**.",
        "\u201cexample.com\u201d.",
        '"example.com".',
        "<example.com>.",
        "<https://example.com>.",
    ],
)
def test_s42d_a_full_stop_after_the_closing_mark_is_read_past(typed: str) -> None:
    assert read(typed) == "example.com"


@pytest.mark.parametrize(
    "typed", ["`example.com`..", "`example.com`.,", "`example.com`,.", "`example.com.`x"]
)
def test_s42d_more_than_one_mark_after_it_stays_refused(typed: str) -> None:
    assert "is not a valid" in refusal(typed)


# Item 2: Markdown links.
@pytest.mark.parametrize(
    "typed",
    [
        "[example.com](https://example.com)",
        "[Example](https://example.com/path)",
        "[Example Inc.](https://example.com)",
        "[e.g. our U.S. site](https://example.com)",
        "[EXAMPLE.COM](https://example.com/)",
        "[example.com.](https://example.com)",
        "[`example.com`](https://example.com)",
        "[https://example.com/](https://example.com/)",
        "[example.com](<https://example.com>)",
        '[Example](https://example.com "Example, our site")',
        "[Example](//example.com/path)",
        "[](https://example.com)",
        "[a@example.com](mailto:a@example.com)",
        "[write to us](mailto:a@example.com)",
        "**[Example](https://example.com)**",
        "[Example](https://example.com).",
        "[Example](https://example.com),",
        " [Example]( https://example.com ) ",
        "[Example](https:///example.com)",
    ],
)
def test_s42d_a_markdown_link_gives_its_domain(typed: str) -> None:
    assert read(typed) == "example.com"


def test_s42d_an_internationalized_link_gives_its_domain() -> None:
    assert read("[bücher.de](https://xn--bcher-kva.de/)") == "xn--bcher-kva.de"
    assert read("[Bücher](https://bücher.de)") == "xn--bcher-kva.de"


@pytest.mark.parametrize(
    ("typed", "text_names", "link_names"),
    [
        ("[example.com](https://example.org)", "example.com", "example.org"),
        ("[example.org](<https://example.com>)", "example.org", "example.com"),
        # A domain and its web host "www." are one domain since s43g
        # (tests/test_s43g_domain_input.py); with another domain, two.
        ("[www.example.org](https://example.com)", "www.example.org", "example.com"),
        ("[example.org](https://www.example.com/)", "example.org", "www.example.com"),
        ("[see example.org](https://example.com)", "example.org", "example.com"),
        ("[https://example.org](https://example.com)", "example.org", "example.com"),
        ("[a@example.org](mailto:a@example.com)", "example.org", "example.com"),
        ("[127.0.0.1](https://example.com)", "127.0.0.1", "example.com"),
        ("[printer.local](https://example.com)", "printer.local", "example.com"),
    ],
)
def test_s42d_a_link_naming_two_domains_is_refused_saying_so(
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
        ("[Example](http://127.0.0.1/)", "is an IP address"),
        ("[example.com](http://127.0.0.1/)", "is an IP address"),
        ("[Example](http://0x7f.1/)", "is an IP address (127.0.0.1, as a browser reads it)"),
        ("[Printer](https://printer.local)", "printer.local is not on the internet"),
        ("[Home](http://localhost:8080/)", "always mean the computer itself"),
        ("[Example](https://_dmarc.example.com)", "is the name of a DNS record"),
        ("[UK](https://co.uk)", "is a public suffix"),
        ("[Example](/about)", "names no domain"),
        ("[Example](#top)", "names no domain"),
        ("[Example](https://)", "holds no domain name"),
        (
            "[Example](https://example.com) [Other](https://example.org)",
            "holds 2 domain names",
        ),
        ("[A](https://example.com), [B](https://example.org)", "holds 2 domain names"),
    ],
)
def test_s42d_what_a_link_leads_to_meets_every_refusal(typed: str, said: str) -> None:
    message = refusal(typed)
    assert said in message, message


@pytest.mark.parametrize(
    "typed",
    [
        "[example.com](https://example.com",
        "[example.com]https://example.com",
        "![logo](https://example.com/logo.png)",
        "[example.com](https://example.com) more",
        "[example.com]",
    ],
)
def test_s42d_what_is_no_whole_link_stays_refused(typed: str) -> None:
    with pytest.raises(DomainNameError):
        read(typed)


# Item 2: angle-bracket autolinks (read since before s41o), and what stays refused there.
@pytest.mark.parametrize(
    "typed", ["<https://example.com>", "<example.com>", "<mailto:a@example.com>"]
)
def test_s42d_an_autolink_gives_its_domain(typed: str) -> None:
    assert read(typed) == "example.com"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("<http://127.0.0.1/>", "is an IP address"),
        ("<https://printer.local>", "is not on the internet"),
        ("<https://example.com> <https://example.org>", "holds 2 domain names"),
    ],
)
def test_s42d_an_autolink_meets_every_refusal(typed: str, said: str) -> None:
    message = refusal(typed)
    assert said in message, message


# Free-form input: a link to a name gives the name; with another name as its text, refused.
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True).filter(
    lambda label: not label.startswith("xn--")  # an A-label must decode: not what is tested
)
_NAME = st.builds(lambda a, b: f"{a}.{b}.com", _LABEL, _LABEL)


@given(name=_NAME, other=_NAME, path=st.sampled_from(["", "/", "/a/b?c=d#e"]))
def test_s42d_links_read_as_their_address_unless_the_text_names_another(
    name: str, other: str, path: str
) -> None:
    assert read(f"[{name}](https://{name}{path})") == name
    assert read(f"[Our site](https://{name}{path})") == name
    if other != name:
        with pytest.raises(DomainNameError, match="two different domains"):
            read(f"[{other}](https://{name}{path})")


# The domains form's note of what the name was taken from.
@pytest.mark.parametrize(
    ("typed", "note"),
    [
        ("https:///example.com", "the address you pasted: https:///example.com"),
        ("`example.com`.", "what you typed: `example.com`."),
        (
            "[Example](https://example.com/path)",
            "the link you pasted: [Example](https://example.com/path)",
        ),
        ("[a@example.com](mailto:a@example.com)", "the link you pasted: [a@example.com]"),
    ],
)
def test_s42d_the_domains_form_says_what_the_name_was_taken_from(typed: str, note: str) -> None:
    assert taken_from(typed, "example.com", "example.com").startswith(note)


ACCEPTED = [
    "https:///example.com",
    "`example.com`.",
    "[example.com](https://example.com)",
    "[Example](https://example.com/path)",
    "<https://example.com>",
    "<example.com>",
]

REFUSED = {
    "[example.com](https://example.org)": (
        "[example.com](https://example.org) is a link whose text names example.com but whose "
        "address names example.org: two different domains"
    ),
    "[Example](http://127.0.0.1/)": "is an IP address",
    "https:///printer.local": "printer.local is not on the internet",
    "[Example](/about)": "names no domain",
    "smtp:///example.com": "holds no domain name right after smtp://",
}


@override_settings(CACHES=LOCMEM, MAILSEC_ENGINE={"allow_private_targets": False})
class S42dPagesTestCase(BaseTestCase):
    """The free check (page and API) and the domains form, through the test client."""

    def setUp(self) -> None:
        super().setUp()
        prefix = mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        prefix.start()
        self.addCleanup(prefix.stop)

    def test_s42d_the_free_check_runs_the_domain(self) -> None:
        for typed in ACCEPTED:
            # A limit and a recent run of its own each: every one is a new check of example.com.
            fresh = mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
            with self.subTest(typed=typed), mock.patch(DELAY) as delay, fresh:
                FreeCheck.objects.all().delete()
                r = self.client.post("/check", {"domain": typed})
                check = FreeCheck.objects.get()
                self.assertEqual(check.domain, "example.com")
                self.assertRedirects(r, check.get_absolute_url(), fetch_redirect_response=False)
                delay.assert_called_once_with(str(check.code))

    def test_s42d_the_check_page_says_a_link_gives_its_domain(self) -> None:
        r = self.client.get("/check")
        self.assertContains(r, "or a full stop after it, and a Markdown")
        self.assertContains(r, "gives the domain it leads to.")

    def test_s42d_the_free_check_refuses_saying_why(self) -> None:
        with mock.patch(DELAY) as delay:
            for typed, said in REFUSED.items():
                with self.subTest(typed=typed):
                    r = self.client.post("/check", {"domain": typed})
                    self.assertContains(r, said, status_code=400)
                    api = self.client.get("/api/v1/check", {"domain": typed})
                    self.assertEqual(api.status_code, 400)
                    self.assertIn(said, api.json()["error"])
        delay.assert_not_called()
        self.assertFalse(FreeCheck.objects.exists())

    def test_s42d_the_domains_form_adds_the_domain_and_says_what_it_came_from(self) -> None:
        self.client.force_login(self.alice)
        notes = {
            "https:///example.com": "the address you pasted: https:///example.com",
            "`example.com`.": "what you typed: `example.com`.",
            "[Example](https://example.com/path)": (
                "the link you pasted: [Example](https://example.com/path)"
            ),
        }
        for typed, note in notes.items():
            with self.subTest(typed=typed):
                Domain.objects.filter(team=self.team).delete()
                r = self.client.post("/domains/add/", {"name": typed, "team": str(self.team.code)})
                self.assertEqual(r.status_code, 302)
                self.assertTrue(Domain.objects.filter(team=self.team, name="example.com").exists())
                said = [str(m) for m in get_messages(r.wsgi_request)]
                self.assertIn(f"Added example.com (from {note}). Now prove you control it.", said)

    def test_s42d_the_domains_form_refuses_saying_why(self) -> None:
        self.client.force_login(self.alice)
        for typed, said in REFUSED.items():
            with self.subTest(typed=typed):
                r = self.client.post("/domains/add/", {"name": typed, "team": str(self.team.code)})
                self.assertContains(r, said, status_code=400)
        self.assertFalse(Domain.objects.filter(team=self.team).exists())
