"""Sign-up must not tell a stranger whether an address has an account, through the limits
it consumes either.

Before: a sign-up with an address that has an account (mailsec.accounts.forms.SignupForm)
consumed the address's sign-in code limit (request_login_code) and not the verification-mail
limit (confirm_email, 1 per 10 s by code), while allauth's sign-up of a new address consumed
only the latter. What a following request answered (a 429, or "Too many" on the code form)
then told the two apart. And a 429 was allauth's bare fallback page, outside the site."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase

# A private cache, so rate-limit counters don't leak between tests or test runs.
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
KNOWN = "known@example.org"
NEW = "new@example.org"

Step = Callable[[str], Any]


def masked(page: str, email: str) -> str:
    """A page with its CSRF tokens and the address itself replaced: what is left must not
    depend on whether the address has an account."""
    page = re.sub(r'value="[^"]{40,}"', 'value="csrf"', page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": "csrf"', page)
    return page.replace(email, "EMAIL")


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@override_settings(CACHES=LOCMEM)
class SignupEnumerationTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        known = User.objects.create_user("known", KNOWN)
        EmailAddress.objects.create(user=known, email=KNOWN, verified=True, primary=True)
        # Someone else's account: where a stranger adds the address on their own account.
        self.other = Client()
        self.other.force_login(self.charlie)

    def answers(self, steps: list[Step]) -> dict[str, list[tuple[int, str, str]]]:
        """Each step's answer (status, redirect, page) for the known and the new address,
        each run on its own from empty limits."""
        out: dict[str, list[tuple[int, str, str]]] = {}
        for email in (KNOWN, NEW):
            cache.clear()
            answers = []
            for step in steps:
                r = step(email)
                answers.append(
                    (r.status_code, r.get("Location", ""), masked(r.content.decode(), email))
                )
            out[email] = answers
        return out

    def sign_up(self, email: str) -> Any:
        return Client().post("/accounts/signup/", {"email": email})

    def ask_code(self, email: str) -> Any:
        return Client().post("/accounts/login/code/", {"email": email})

    def add_on_own_account(self, email: str) -> Any:
        return self.other.post("/accounts/email/", {"action_add": "", "email": email})

    def test_signing_up_then_asking_codes_answers_alike(self) -> None:
        answers = self.answers([self.sign_up] + [self.ask_code] * 3)
        self.assertEqual(answers[KNOWN], answers[NEW])
        # Sign-up counts against the address's 3 codes a minute, whoever has the address.
        self.assertEqual(answers[NEW][3][0], 200)
        self.assertIn("Too many", answers[NEW][3][2])

    def test_signing_up_then_adding_the_address_answers_alike(self) -> None:
        answers = self.answers([self.sign_up, self.add_on_own_account])
        self.assertEqual(answers[KNOWN], answers[NEW])
        # One verification mail per address per 10 s (allauth's confirm_email, by code).
        self.assertEqual(answers[NEW][1][0], 429)

    def test_adding_the_address_then_signing_up_answers_alike(self) -> None:
        answers = self.answers([self.add_on_own_account, self.sign_up])
        self.assertEqual(answers[KNOWN], answers[NEW])
        self.assertEqual(answers[NEW][1][0], 429)

    def test_signing_up_twice_answers_alike(self) -> None:
        answers = self.answers([self.sign_up, self.sign_up])
        self.assertEqual(answers[KNOWN], answers[NEW])
        self.assertEqual([a[0] for a in answers[NEW]], [302, 429])

    def test_a_sign_up_over_the_limit_sends_no_code(self) -> None:
        for email in (KNOWN, NEW):
            mail.outbox.clear()
            self.assertEqual(self.sign_up(email).status_code, 302)
            self.assertEqual(self.sign_up(email).status_code, 429)
            self.assertEqual(len(mail.outbox), 1, email)


# Still open (needs mailsec/accounts/views.py or settings, not this change): after a sign-up,
# the known address's session holds a sign-in by code (allauth's LoginByCodeStage, started by
# the person, 3-minute code) and a new address's an email verification (EmailVerificationStage,
# 15-minute code). Requests in that same session then answer differently. Strict: whoever
# closes one must remove its marker.
OPEN_LEAK = pytest.mark.xfail(
    strict=True, reason="sign-up leaves a different pending stage for a known address"
)


@override_settings(CACHES=LOCMEM)
class SameSessionTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        known = User.objects.create_user("known", KNOWN)
        EmailAddress.objects.create(user=known, email=KNOWN, verified=True, primary=True)

    def after_sign_up(self, then: Callable[[Client], Any]) -> dict[str, tuple[int, str]]:
        out = {}
        for email in (KNOWN, NEW):
            cache.clear()
            client = Client()
            client.post("/accounts/signup/", {"email": email})
            r = then(client)
            out[email] = (r.status_code, r.get("Location", ""))
        return out

    @OPEN_LEAK
    def test_the_verification_page_answers_alike(self) -> None:
        answers = self.after_sign_up(lambda c: c.get("/accounts/confirm-email/"))
        self.assertEqual(answers[KNOWN], answers[NEW])

    @OPEN_LEAK
    def test_too_many_wrong_codes_answer_alike(self) -> None:
        def three_wrong_codes(client: Client) -> Any:
            for _ in range(3):
                r = client.post("/accounts/code/", {"code": "000000"})
            return r

        answers = self.after_sign_up(three_wrong_codes)
        self.assertEqual(answers[KNOWN], answers[NEW])

    @OPEN_LEAK
    def test_a_code_four_minutes_later_answers_alike(self) -> None:
        def later(client: Client) -> Any:
            with mock.patch("time.time", return_value=time.time() + 240):
                return client.post("/accounts/code/", {"code": "000000"})

        answers = self.after_sign_up(later)
        self.assertEqual(answers[KNOWN], answers[NEW])


@override_settings(CACHES=LOCMEM)
class TooManyRequestsPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_it_answers_429_in_the_site_layout(self) -> None:
        Client().post("/accounts/signup/", {"email": NEW})
        r = Client().post("/accounts/signup/", {"email": NEW})
        self.assertEqual(r.status_code, 429)
        text = text_of(r)
        self.assertIn("Too many tries", text)
        self.assertIn("Wait a minute", text)
        self.assertNotIn("429 Too Many Requests", text)  # allauth's bare fallback
        # The site's header (with its links) and footer, no inline style or script.
        self.assertIn('class="site-header"', text)
        self.assertIn('href="/accounts/login/"', text)
        self.assertIn('class="site-footer"', text)
        self.assertNotRegex(r.content.decode(), r"<style|<script>|style=")
