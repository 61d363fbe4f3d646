"""A new user's first steps, walked with the test client as a browser without JavaScript
would: sign up by code, an empty domain list, adding a domain, publishing the challenge record
(through the in-memory DNS server of tests/test_domains.py) and verifying it.

What is checked is what people copy and read: each Copy button's target holds exactly the text
to publish (as the browser's textContent has it: entities decoded, nothing around it), the
challenge's name is given both in full and as DNS panels want it (relative to the zone), and
a failed verification says what was found."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from typing import Any
from unittest import mock

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_accounts import LOCMEM, code_in


class _Page(HTMLParser):
    """The text content of every element with an id, the copy buttons' targets and the
    forms (method, action) of an HTML page, as a browser reads them."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text_by_id: dict[str, str] = {}
        self.copy_targets: list[str] = []
        self.forms: list[dict[str, str]] = []
        self._open: list[tuple[str, str | None]] = []
        self._texts: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-copy-target" in found:
            self.copy_targets.append(found["data-copy-target"] or "")
        if tag == "form":
            self.forms.append({k: v or "" for k, v in found.items()})
        if tag in self.VOID:
            return
        element_id = found.get("id")
        if element_id:
            self._texts[element_id] = []
        self._open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, element_id = self._open.pop()
            if element_id:
                self.text_by_id[element_id] = "".join(self._texts.pop(element_id))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self._texts.values():
            parts.append(data)

    def copied(self, target: str) -> str:
        """What copy.js puts on the clipboard for a button aimed at `target`."""
        return self.text_by_id[target].strip()


def flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@override_settings(CACHES=LOCMEM)
class ChallengeRecordTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.client.force_login(self.alice)

    def page_of(self, name: str) -> tuple[Domain, _Page, str]:
        self.client.post("/domains/add/", {"name": name})
        domain = self.team.domains.latest("created")
        html = self.client.get(f"/domains/{domain.code}/").content.decode()
        return domain, _Page(html), html

    def test_every_copy_button_copies_exactly_the_record(self) -> None:
        domain, page, _ = self.page_of("example.org")
        self.assertTrue(page.copy_targets)
        for target in page.copy_targets:
            self.assertIn(target, page.text_by_id, f"copy button aimed at no element: {target}")
        self.assertEqual(page.copied("challenge-name"), "_mailsec-challenge.example.org")
        self.assertEqual(page.copied("challenge-value"), domain.challenge_value)

    def test_the_name_is_also_given_as_dns_panels_want_it(self) -> None:
        """Most DNS panels add the zone to the name typed: typed in full it becomes
        _mailsec-challenge.example.org.example.org, where verification never looks."""
        _, page, html = self.page_of("example.org")
        self.assertEqual(page.copied("challenge-host"), "_mailsec-challenge")
        self.assertIn("challenge-host", page.copy_targets)
        self.assertIn("example.org", flat(html))

    def test_a_subdomain_is_relative_to_the_registered_domain(self) -> None:
        _, page, html = self.page_of("mail.example.org")
        self.assertEqual(page.copied("challenge-name"), "_mailsec-challenge.mail.example.org")
        self.assertEqual(page.copied("challenge-host"), "_mailsec-challenge.mail")
        self.assertIn("example.org", flat(html))

    def test_an_idn_domain_gets_names_in_the_form_dns_stores(self) -> None:
        domain, page, _ = self.page_of("bücher.example.org")
        self.assertEqual(domain.name, "xn--bcher-kva.example.org")
        self.assertEqual(
            page.copied("challenge-name"), "_mailsec-challenge.xn--bcher-kva.example.org"
        )
        self.assertEqual(page.copied("challenge-host"), "_mailsec-challenge.xn--bcher-kva")


def messages_on(response: HttpResponse) -> list[str]:
    return [
        flat(m) for m in re.findall(r'class="message[^"]*">(.*?)</p>', response.content.decode())
    ]


@override_settings(CACHES=LOCMEM)
class CodeEntryTestCase(BaseTestCase):
    """Codes as people type them, and codes typed too late."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def later(self, seconds: int) -> Any:
        """Now is `seconds` from now, for allauth's code timers (time.time)."""
        now = time.time()
        return mock.patch("time.time", lambda: now + seconds)

    def test_a_code_typed_with_spaces_or_a_dash_works(self) -> None:
        for n, shape in enumerate(("{} {}", "{}-{}", " {}{}\n")):
            client = Client()
            client.post("/accounts/signup/", {"email": f"new{n}@example.org"})
            code = code_in(mail.outbox[-1])
            r = client.post("/accounts/code/", {"code": shape.format(code[:3], code[3:])})
            self.assertRedirects(r, "/domains/", fetch_redirect_response=False)

    def test_the_emails_say_what_the_code_is_for_and_how_long_it_works(self) -> None:
        self.client.post("/accounts/signup/", {"email": "dana@example.org"})
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        Client().post("/accounts/login/code/", {"email": "bob@example.org"})
        signup, signin = mail.outbox
        self.assertEqual(signup.subject, "[mailsec] Your code to finish signing up")
        self.assertIn("It expires in 15 minutes.", signup.body)
        self.assertEqual(signin.subject, "[mailsec] Your sign-in code")
        self.assertIn("It expires in 3 minutes and works once.", signin.body)
        for message in (signup, signin):
            self.assertRegex(message.body, r"\n\n\d{6}\n\n")  # the code alone on its line
            self.assertNotIn("http", message.body)  # nothing a link scanner could follow

    def test_an_expired_sign_in_code_says_so(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        self.client.post("/accounts/login/code/", {"email": "bob@example.org"})
        code = code_in(mail.outbox[-1])
        with self.later(4 * 60):  # sign-in codes work for 3 minutes
            r = self.client.post("/accounts/login/code/confirm/", {"code": code}, follow=True)
        self.assertEqual(r.redirect_chain, [("/accounts/login/code/", 302)])
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(
            messages_on(r), ["That code has expired. Enter your email address for a new one."]
        )

    def test_an_expired_sign_up_code_says_so_and_a_new_code_signs_in(self) -> None:
        self.client.post("/accounts/signup/", {"email": "dana@example.org"})
        code = code_in(mail.outbox[-1])
        with self.later(20 * 60):  # sign-up codes work for 15 minutes
            r = self.client.post("/accounts/code/", {"code": code}, follow=True)
            self.assertEqual(r.redirect_chain, [("/accounts/login/code/", 302)])
            self.assertEqual(
                messages_on(r),
                ["That code has expired. Enter your email address for a new one."],
            )
            # The account was made at sign-up: a sign-in code finishes it.
            self.client.post("/accounts/login/code/", {"email": "dana@example.org"})
            r = self.client.post(
                "/accounts/login/code/confirm/", {"code": code_in(mail.outbox[-1])}
            )
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertTrue(EmailAddress.objects.get(email="dana@example.org").verified)

    def test_a_wrong_code_is_no_expired_code(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        self.client.post("/accounts/login/code/", {"email": "bob@example.org"})
        r = self.client.post("/accounts/login/code/confirm/", {"code": "000000"})
        self.assertContains(r, "Incorrect code.")
        self.assertNotIn("expired", r.content.decode())
