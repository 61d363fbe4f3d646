"""Adding an address on the account page mails it a code: a free account must not be a way to
mail strangers. At most 10 codes an hour reach one address, and one account adds at most 20
addresses an hour (allauth alone allowed 360 mails an hour to one stranger; review s18sec)."""

from __future__ import annotations

import time as real_time
from types import SimpleNamespace
from unittest import mock

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from tests.conftest import BaseTestCase
from tests.test_accounts_s21_security import confirm_its_you
from tests.test_domains import LOCMEM


@override_settings(CACHES=LOCMEM)
class AddressFloodTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        EmailAddress.objects.create(
            user=self.charlie, email="charlie@example.org", verified=True, primary=True
        )
        self.client.force_login(self.charlie)
        confirm_its_you(self.client, self.charlie)

    def add_for_an_hour(self, addresses: list[str]) -> None:
        # One add every 10.1 s for just under an hour (356 adds), on allauth's rate-limit clock.
        clock = {"now": real_time.time()}
        fake = SimpleNamespace(
            time=lambda: clock["now"], monotonic=real_time.monotonic, sleep=real_time.sleep
        )
        with mock.patch("allauth.core.internal.ratelimit.time", fake):
            for n in range(356):
                email = addresses[n % len(addresses)]
                self.client.post("/accounts/email/", {"action_add": "", "email": email})
                clock["now"] += 10.1

    def test_one_stranger_gets_at_most_ten_codes_an_hour(self) -> None:
        self.add_for_an_hour(["victim@example.net"])
        sent = [m for m in mail.outbox if "victim@example.net" in m.to]
        self.assertGreaterEqual(len(sent), 1)  # the first add is mailed
        self.assertLessEqual(len(sent), 10)

    def test_one_account_mails_at_most_twenty_strangers_an_hour(self) -> None:
        self.add_for_an_hour([f"victim{n}@example.net" for n in range(360)])
        self.assertGreaterEqual(len(mail.outbox), 1)
        self.assertLessEqual(len(mail.outbox), 20)
