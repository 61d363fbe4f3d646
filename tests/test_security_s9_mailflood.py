"""Anyone could make us mail any address, registered or not, thousands of times a day: "send me
a sign-in code" (3 a minute per address) and "reset my password" (5 a minute per address, each
a "No account for this address" mail for a stranger's address) had per-minute limits only, so a
script sent ~11,500 mails a day to one victim and burned our sender reputation with them. The
invitations form already stops at 3 an hour per address; these now stop at 10 an hour each."""

from __future__ import annotations

import time
from unittest import mock

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PER_HOUR = 10


@override_settings(CACHES=LOCMEM)
class MailFloodTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        EmailAddress.objects.create(
            user=self.alice, email="alice@example.org", verified=True, primary=True
        )

    def mails_in_an_hour(self, url: str, field: str, address: str) -> int:
        """Mails to `address` from a script posting `url` as often as the per-minute limit
        lets it (from new sessions: each is a stranger's browser), for an hour."""
        start = time.time()
        before = len([m for m in mail.outbox if address in m.to])
        with mock.patch("allauth.core.internal.ratelimit.time.time") as now:
            for minute in range(60):
                now.return_value = start + minute * 61
                for _ in range(5):
                    Client().post(url, {field: address})
        return len([m for m in mail.outbox if address in m.to]) - before

    def test_sign_in_codes_to_one_address_are_capped_per_hour(self) -> None:
        for address in ("alice@example.org", "stranger@example.net"):
            with self.subTest(address=address):
                sent = self.mails_in_an_hour("/accounts/login/", "login", address)
                self.assertGreater(sent, 0)  # a person asking for a code still gets one
                self.assertLessEqual(sent, PER_HOUR)

    def test_sign_up_with_a_known_address_shares_the_cap(self) -> None:
        sent = self.mails_in_an_hour("/accounts/signup/", "email", "alice@example.org")
        self.assertGreater(sent, 0)
        self.assertLessEqual(sent, PER_HOUR)

    def test_password_reset_mails_to_one_address_are_capped_per_hour(self) -> None:
        for address in ("alice@example.org", "stranger@example.net"):
            with self.subTest(address=address):
                sent = self.mails_in_an_hour("/accounts/password/reset/", "email", address)
                self.assertGreater(sent, 0)
                self.assertLessEqual(sent, PER_HOUR)
