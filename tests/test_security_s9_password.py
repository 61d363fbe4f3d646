"""A password set on the Account page could not be used: the sign-in form had no password
field (allauth drops it when sign-up asks for none), so "you sign in … or with your password"
was not true, and a password typed anyway was ignored for a code. The form now has an optional
password: left empty, a code is emailed as before; given, it signs in, with allauth's limit on
failed tries."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD = "correct horse battery staple"


@override_settings(CACHES=LOCMEM)
class PasswordSignInTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        EmailAddress.objects.create(
            user=self.alice, email="alice@example.org", verified=True, primary=True
        )
        self.alice.set_password(PASSWORD)
        self.alice.save()

    def sign_in(self, password: str) -> tuple[Client, str]:
        client = Client()
        r = client.post("/accounts/login/", {"login": "alice@example.org", "password": password})
        return client, r.get("Location", "")

    def test_the_form_offers_a_password(self) -> None:
        page = Client().get("/accounts/login/").content.decode()
        self.assertIn('name="password"', page)
        self.assertNotIn('name="password" required', page)

    def test_a_password_signs_in_without_a_code(self) -> None:
        client, location = self.sign_in(PASSWORD)
        self.assertEqual(location, "/domains/")
        self.assertEqual(int(client.session["_auth_user_id"]), self.alice.pk)
        self.assertEqual(mail.outbox, [])

    def test_no_password_still_gets_a_code(self) -> None:
        client, location = self.sign_in("")
        self.assertEqual(location, "/accounts/login/code/confirm/")
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(len(mail.outbox), 1)

    def test_wrong_passwords_sign_nobody_in_and_are_limited(self) -> None:
        for i in range(5):
            client, _ = self.sign_in(f"guess {i}")
            self.assertNotIn("_auth_user_id", client.session)
        client, _ = self.sign_in(PASSWORD)  # the right one, after five wrong: refused for now
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(mail.outbox, [])

    def test_a_wrong_password_reads_the_same_for_an_address_without_an_account(self) -> None:
        answers = []
        for login in ("alice@example.org", "nobody@example.org"):
            r = Client().post("/accounts/login/", {"login": login, "password": "guess"})
            answers.append((r.status_code, r.content.decode().replace(login, "EMAIL")))
        self.assertEqual(answers[0][0], answers[1][0])
        self.assertIn("not correct", answers[0][1])
        self.assertIn("not correct", answers[1][1])
