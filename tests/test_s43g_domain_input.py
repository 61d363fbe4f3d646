"""Task s43g, item 3: what people paste into the free check and the domains form, left from
s42d (checks.domainname.to_ascii_domain).

- "https:example.com" (a special scheme with no slash) was refused ("example.com after the
  colon is not a port number"), though every browser reads it as https://example.com/: the
  WHATWG URL Standard's "special authority slashes state" goes on to the "special authority
  ignore slashes state", which reads zero or more "/" and "\\" before the host (as s42d read
  https:/// and https:/). A scheme of another kind keeps its own reading.
- A Markdown link whose text and address differ only by the web host's "www."
  ("[www.example.com](https://example.com)", or the other way round) was refused as naming
  two domains. Both name the domain example.com, one of them its web server: the person
  means example.com, whichever of the two shows. A "www." link to another domain, or another
  host label ("mta-sts."), stays refused as two names.
"""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings

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


@pytest.mark.parametrize(
    "typed",
    [
        "https:example.com",
        "http:example.com",
        "HTTPS:Example.COM/path?q=1",
        "https:example.com:443/",
        "https:example.com.",
        "wss:example.com",
        "ftp:example.com",
        "(https:example.com)",
        "<https:example.com>",
        "[Example](https:example.com)",
    ],
)
def test_s43g_a_special_scheme_without_slashes_is_read_as_browsers_do(typed: str) -> None:
    assert read(typed) == "example.com"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("https:", "holds no domain name: nothing follows https://"),
        ("https:printer.local", "printer.local is not on the internet"),
        ("https:127.0.0.1", "is an IP address"),
    ],
)
def test_s43g_what_it_leads_to_meets_every_refusal(typed: str, said: str) -> None:
    assert said in refusal(typed)


def test_s43g_control_other_schemes_keep_their_reading() -> None:
    assert read("smtp:example.com") == "example.com"  # as before: an opaque "smtp:"
    assert read("example.com:443") == "example.com"  # a port, as before
    assert "holds no domain name right after smtp://" in refusal("smtp:///example.com")


@pytest.mark.parametrize(
    "typed",
    [
        "[www.example.com](https://example.com)",
        "[www.example.com](https://example.com/)",
        "[example.com](https://www.example.com/)",
        "[example.com](<https://www.example.com/about>)",
        "[https://www.example.com](https://example.com)",
        "[Visit www.example.com](https://example.com/)",
        "[WWW.Example.COM](HTTPS://EXAMPLE.COM)",
    ],
)
def test_s43g_a_link_between_a_domain_and_its_www_host_gives_the_domain(typed: str) -> None:
    assert read(typed) == "example.com"


def test_s43g_control_a_www_link_to_its_own_host_is_read_as_before() -> None:
    assert read("[www.example.com](https://www.example.com)") == "www.example.com"
    assert read("https://www.example.com/") == "www.example.com"


@pytest.mark.parametrize(
    ("typed", "text_names", "link_names"),
    [
        ("[www.example.org](https://example.com)", "www.example.org", "example.com"),
        ("[example.org](https://www.example.com/)", "example.org", "www.example.com"),
        ("[mta-sts.example.com](https://example.com)", "mta-sts.example.com", "example.com"),
        ("[www.www.example.com](https://example.com)", "www.www.example.com", "example.com"),
        ("[www.example.com, example.org](https://example.com)", "example.org", "example.com"),
    ],
)
def test_s43g_control_a_link_naming_two_domains_stays_refused(
    typed: str, text_names: str, link_names: str
) -> None:
    message = refusal(typed)
    assert message.startswith(
        f"{typed} is a link whose text names {text_names} but whose address names "
        f"{link_names}: two different"
    ), message


def test_s43g_the_domains_form_says_the_address_was_pasted() -> None:
    assert taken_from("https:example.com", "example.com", "example.com") == (
        "the address you pasted: https:example.com"
    )


@override_settings(CACHES=LOCMEM, MAILSEC_ENGINE={"allow_private_targets": False})
class S43gPagesTestCase(BaseTestCase):
    """The free check and the domains form, through the test client."""

    TYPED = ("https:example.com", "[www.example.com](https://example.com)")

    def setUp(self) -> None:
        super().setUp()
        prefix = mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        prefix.start()
        self.addCleanup(prefix.stop)

    def test_s43g_the_free_check_runs_the_domain(self) -> None:
        for typed in self.TYPED:
            fresh = mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
            with self.subTest(typed=typed), mock.patch(DELAY) as delay, fresh:
                FreeCheck.objects.all().delete()
                r = self.client.post("/check", {"domain": typed})
                check = FreeCheck.objects.get()
                self.assertEqual(check.domain, "example.com")
                self.assertRedirects(r, check.get_absolute_url(), fetch_redirect_response=False)
                delay.assert_called_once_with(str(check.code))

    def test_s43g_the_domains_form_adds_the_domain(self) -> None:
        self.client.force_login(self.alice)
        notes = {
            "https:example.com": "the address you pasted: https:example.com",
            "[www.example.com](https://example.com)": (
                "the link you pasted: [www.example.com](https://example.com)"
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
