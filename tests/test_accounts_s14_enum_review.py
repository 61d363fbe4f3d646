"""What a security review of 1bd8468 found in the sign-up of an address that has an account
(its code page signs that account in):

- Over the address's code limit the sign-up mailed nothing but still left a live code in the
  session: every sign-up was three guesses at a fresh code, past the limit meant to stop
  guessing (6 sign-ups a minute from one address of the attacker's, ~26,000 guesses a day).
- The right code signed the account in without asking again whether the account was still
  active and still held the address: a deactivated account got a session, and an address the
  owner removed in those 15 minutes still opened the account."""

from __future__ import annotations

from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
)
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase
from tests.test_accounts import code_in
from tests.test_accounts_s14_enum import KNOWN, LOCMEM


@override_settings(CACHES=LOCMEM)
class KnownAddressSignUpReviewTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.known = User.objects.create_user("known", KNOWN)
        self.address = EmailAddress.objects.create(
            user=self.known, email=KNOWN, verified=True, primary=True
        )

    def signed_in(self, client: Client) -> int | None:
        user_id = client.session.get("_auth_user_id")
        return int(user_id) if user_id else None

    def test_over_the_code_limit_no_code_waits_to_be_guessed(self) -> None:
        for _ in range(3):
            Client().post("/accounts/login/code/", {"email": KNOWN})
        mail.outbox.clear()
        client = Client()
        client.post("/accounts/signup/", {"email": KNOWN})
        self.assertEqual(mail.outbox, [])  # over the limit: nothing mailed
        state = client.session.get(EMAIL_VERIFICATION_CODE_SESSION_KEY) or {}
        self.assertFalse(state.get("code"))  # and nothing to guess
        if state.get("code"):  # (what an attacker guessing right would have got)
            client.post("/accounts/code/", {"code": state["code"]})
        self.assertIsNone(self.signed_in(client))

    def test_a_deactivated_account_is_not_signed_in(self) -> None:
        client = Client()
        client.post("/accounts/signup/", {"email": KNOWN})
        User.objects.filter(pk=self.known.pk).update(is_active=False)
        client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertIsNone(self.signed_in(client))
        self.known.refresh_from_db()
        self.assertIsNone(self.known.last_login)

    def test_an_address_removed_meanwhile_opens_nothing(self) -> None:
        client = Client()
        client.post("/accounts/signup/", {"email": KNOWN})
        self.address.delete()
        User.objects.filter(pk=self.known.pk).update(email="other@example.org")
        client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertIsNone(self.signed_in(client))
        self.assertFalse(EmailAddress.objects.filter(email=KNOWN, verified=True).exists())
