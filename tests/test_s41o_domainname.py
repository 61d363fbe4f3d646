"""Task s41o: what people paste into the free check, the API, the CLI and the domains form
(checks.domainname.to_ascii_domain).

- A name wrapped as chat, Markdown and mail write it, "(example.com)", "`example.com`",
  "**example.com**", or followed by one comma or semicolon ("example.com,") was refused as
  holding characters no domain name may hold. Only matched pairs around the whole input and
  one trailing comma or semicolon are removed; anything else stays refused, and what the
  unwrapped text names still meets every refusal (an address, a local name, a record's name).
- "example.com.." (the root's dot, then a sentence's full stop) was and is checked as
  example.com, as "example.com." is; the domains form now says what it was taken from, as it
  does for every other repair, where it said nothing.
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


def refusal(text: str) -> str:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(text, allow_special_use=False)
    return str(refused.value)


@pytest.mark.parametrize(
    "typed",
    [
        "(example.com)",
        "`example.com`",
        "```example.com```",
        "**example.com**",
        "*example.com*",
        "**`example.com`**",
        " ( example.com ) ",
        "example.com,",
        "example.com;",
        "(example.com),",
        "`example.com`;",
        "a@example.com,",
        "(https://example.com/path)",
        "`https://example.com:443/`",
        "(EXAMPLE.COM.)",
        "(bücher.de)",
    ],
)
def test_s41o_wrapped_names_are_unwrapped(typed: str) -> None:
    expected = "xn--bcher-kva.de" if "bücher" in typed else "example.com"
    assert to_ascii_domain(typed, allow_special_use=False) == expected


@pytest.mark.parametrize(
    "typed",
    ['"example.com"', "<example.com>", "example.com.", "example.com..", "'example.com'"],
)
def test_s41o_what_was_accepted_still_is(typed: str) -> None:
    assert to_ascii_domain(typed, allow_special_use=False) == "example.com"


@pytest.mark.parametrize(
    "typed",
    [
        "(example.com",
        "example.com)",
        "`example.com",
        "**example.com*",
        "[example.com]",
        "{example.com}",
        "example.com,,",
        "example.com,;",
        ",example.com",
        "(exa)mple.com)",
        "_example.com_",
    ],
)
def test_s41o_what_is_no_matched_pair_stays_refused(typed: str) -> None:
    assert "is not a valid" in refusal(typed)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("(127.0.0.1)", "is an IP address"),
        ("`http://[::1]:8080/`", "is an IP address"),
        ("(2130706433)", "is an IP address"),
        ("**printer.local**", "is not on the internet"),
        ("(localhost),", "always mean the computer itself"),
        ("`_dmarc.example.com`", "is the name of a DNS record"),
        ("(exa mple.com)", "contains a space"),
        ("(com)", "the top-level domain .com"),
        ("(co.uk)", "is a public suffix"),
        ("(https://)", "nothing follows https://"),
    ],
)
def test_s41o_unwrapped_text_meets_every_refusal(typed: str, said: str) -> None:
    message = refusal(typed)
    assert said in message, message
    assert not message.startswith("Enter a domain name"), message


def test_s41o_two_wrapped_names_are_a_list() -> None:
    assert "holds 2 domain names" in refusal("(example.com), (example.org)")


@pytest.mark.parametrize(
    "typed", ["(example.com)", "`example.com`", "example.com,", "example.com.."]
)
def test_s41o_the_domains_form_says_what_the_name_was_taken_from(typed: str) -> None:
    assert taken_from(typed, "example.com", "example.com") == f"what you typed: {typed}"


@pytest.mark.parametrize(
    "typed", ["example.com", "example.com.", '"example.com."', " EXAMPLE.com "]
)
def test_s41o_a_name_typed_as_it_is_gets_no_note(typed: str) -> None:
    assert taken_from(typed, "example.com", "example.com") == ""


@override_settings(CACHES=LOCMEM, MAILSEC_ENGINE={"allow_private_targets": False})
class S41oPagesTestCase(BaseTestCase):
    """The page, the API and the domains form read a wrapped name as to_ascii_domain does, and
    the guards hold for what it unwraps to: nothing is looked up, no run is stored."""

    def setUp(self) -> None:
        super().setUp()
        prefix = mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        prefix.start()
        self.addCleanup(prefix.stop)

    def test_s41o_the_free_check_runs_the_unwrapped_name(self) -> None:
        with mock.patch(DELAY) as delay:
            r = self.client.post("/check", {"domain": "**`example.com`**,"})
        check = FreeCheck.objects.get()
        self.assertEqual(check.domain, "example.com")
        self.assertRedirects(r, check.get_absolute_url(), fetch_redirect_response=False)
        delay.assert_called_once_with(str(check.code))

    def test_s41o_the_guards_hold_for_the_unwrapped_name(self) -> None:
        refused = {
            "(http://127.0.0.1:8080/)": "is an IP address",
            "`[::1]`": "is an IP address",
            "**printer.local**": "printer.local is not on the internet",
            "(0x7f.1),": "is an IP address (127.0.0.1, as a browser reads it)",
        }
        with mock.patch(DELAY) as delay:
            for typed, said in refused.items():
                with self.subTest(typed=typed):
                    r = self.client.post("/check", {"domain": typed})
                    self.assertContains(r, said, status_code=400)
                    api = self.client.get("/api/v1/check", {"domain": typed})
                    self.assertEqual(api.status_code, 400)
                    self.assertIn(said, api.json()["error"])
        delay.assert_not_called()
        self.assertFalse(FreeCheck.objects.exists())

    def test_s41o_the_domains_form_adds_it_and_says_what_it_came_from(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            "/domains/add/", {"name": "(example.com),", "team": str(self.team.code)}
        )
        self.assertEqual(r.status_code, 302)
        self.assertTrue(Domain.objects.filter(team=self.team, name="example.com").exists())
        said = [str(m) for m in get_messages(r.wsgi_request)]
        self.assertIn(
            "Added example.com (from what you typed: (example.com),). Now prove you control it.",
            said,
        )
