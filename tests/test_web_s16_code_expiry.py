"""The "enter the code we emailed you" pages say how long the code stays good ("within 3
minutes"), read from the allauth setting of their flow, where they said "It expires soon"."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client, SimpleTestCase, override_settings

from mailsec.accounts.templatetags.code_expiry import duration_words
from tests.conftest import BaseTestCase
from tests.test_web_s14_account_pages import LOCMEM, PASSWORD, main_of, text_of


def intro(response) -> str:  # type: ignore[no-untyped-def]
    """The sentence under the page's heading, tags removed."""
    assert response.status_code == 200, response.status_code
    match = re.search(r"</h1> <p>(.*?)</p>", main_of(text_of(response)))
    assert match
    return re.sub(r"<[^>]+>", "", match.group(1))


@override_settings(CACHES=LOCMEM)
class CodePagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        EmailAddress.objects.create(
            user=cls.alice, email=cls.alice.email, verified=True, primary=True
        )

    def setUp(self) -> None:
        cache.clear()  # allauth's rate limits count in the cache

    def sign_up(self, email: str) -> str:
        client = Client()
        client.post("/accounts/signup/", {"email": email})
        return intro(client.get("/accounts/code/"))

    def sign_in_by_code(self, email: str) -> str:
        client = Client()
        client.post("/accounts/login/code/", {"email": email})
        return intro(client.get("/accounts/login/code/confirm/"))

    def test_a_sign_up_says_the_email_verification_codes_lifetime(self) -> None:
        text = self.sign_up("dana@example.org")
        self.assertEqual(
            text,
            "We've sent a code to dana@example.org. Enter it within 15 minutes of when we sent "
            "it; after that it expires.",
        )
        self.assertNotIn("soon", text)

    def test_a_sign_up_with_a_known_address_reads_the_same(self) -> None:
        # Its sign-in code is the sign-up's flow (mailsec.accounts.forms): the page must not
        # tell who has an account by a different time.
        new = self.sign_up("dana@example.org").replace("dana@", "X@")
        known = self.sign_up("alice@example.org").replace("alice@", "X@")
        self.assertEqual(new, known)

    def test_a_sign_in_by_code_says_the_sign_in_codes_lifetime(self) -> None:
        self.assertIn(
            "Enter it within 3 minutes of when we sent it",
            self.sign_in_by_code("alice@example.org"),
        )
        # An address without an account: the same page.
        self.assertIn(
            "Enter it within 3 minutes of when we sent it",
            self.sign_in_by_code("nobody@example.org"),
        )

    def test_a_password_reset_says_its_codes_lifetime(self) -> None:
        client = Client()
        client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        text = intro(client.get("/accounts/password/reset/confirm/"))
        self.assertIn(
            "Enter it to choose a new password, within 3 minutes of when we sent it", text
        )
        self.assertNotIn("soon", text)

    def test_confirming_its_you_says_the_sign_in_codes_lifetime(self) -> None:
        self.alice.set_password(PASSWORD)
        self.alice.save()
        self.client.force_login(self.alice)
        self.client.post("/accounts/reauthenticate/code/", {"recipient": "alice@example.org"})
        text = intro(self.client.get("/accounts/reauthenticate/code/confirm/"))
        self.assertIn("Enter it within 3 minutes of when we sent it", text)

    def test_the_words_follow_the_settings(self) -> None:
        with self.settings(
            ACCOUNT_LOGIN_BY_CODE_TIMEOUT=600,
            ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT=3600,
            ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT=60,
        ):
            self.assertIn("within 10 minutes", self.sign_in_by_code("alice@example.org"))
            self.assertIn("within 1 hour", self.sign_up("dana@example.org"))
            client = Client()
            client.post("/accounts/password/reset/", {"email": "alice@example.org"})
            text = intro(client.get("/accounts/password/reset/confirm/"))
            self.assertIn("within 1 minute of", text)


class DurationWordsTestCase(SimpleTestCase):
    def test_it_says_a_duration_in_plain_words(self) -> None:
        cases = {
            1: "1 second",
            45: "45 seconds",
            60: "1 minute",
            180: "3 minutes",
            # Whole minutes rounded down, as the emails count them: never more time than
            # the code has.
            200: "3 minutes",
            900: "15 minutes",
            3600: "1 hour",
            5400: "90 minutes",
            7200: "2 hours",
        }
        for seconds, words in cases.items():
            self.assertEqual(duration_words(seconds), words, seconds)
