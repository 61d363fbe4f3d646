"""How many codes anyone can have mailed to one account: each takes 3 guesses at 6 digits, so
the sign-in and password-reset codes are capped by the day as well as by the hour (10 an
hour in each flow were 1,440 guesses a day from rotating addresses; review s18sec)."""

from __future__ import annotations

import time as real_time
from types import SimpleNamespace
from unittest import mock

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

ALICE = "alice@example.org"


@override_settings(CACHES=LOCMEM)
class CodeBudgetTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        EmailAddress.objects.create(user=self.alice, email=ALICE, verified=True, primary=True)

    def codes_in_a_day(self, url: str) -> int:
        # One request every 5 minutes for just under a day, each from a new address.
        clock = {"now": real_time.time()}
        fake = SimpleNamespace(
            time=lambda: clock["now"], monotonic=real_time.monotonic, sleep=real_time.sleep
        )
        with mock.patch("allauth.core.internal.ratelimit.time", fake):
            for i in range(287):
                Client(REMOTE_ADDR=f"198.51.{i // 250}.{i % 250 + 1}").post(url, {"email": ALICE})
                clock["now"] += 300
        return len([m for m in mail.outbox if ALICE in m.to])

    def test_sign_in_codes_stop_at_twenty_a_day(self) -> None:
        self.assertEqual(self.codes_in_a_day("/accounts/login/code/"), 20)

    def test_password_reset_codes_stop_at_twenty_a_day(self) -> None:
        self.assertEqual(self.codes_in_a_day("/accounts/password/reset/"), 20)
