"""The free check tells a visitor their allowance before refusing them: how many checks are
left and when the count starts again (the form, near where they type), when they may check
again and what an account changes once refused, and the same numbers in the API's
RateLimit headers."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.test import override_settings
from django.utils import timezone

from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check
from tests.test_freecheck_ratelimit import redis_url  # noqa: F401 (a fixture)

CLIENT = "198.51.100.7"


def clock_times(text: str) -> list[datetime]:
    """The HH:MM UTC times a page or message names, as today's (or tomorrow's) datetimes."""
    now = timezone.now()
    times = []
    for hour, minute in re.findall(r"\b(\d\d):(\d\d) UTC", text):
        when = now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
        times.append(when if when >= now - timedelta(minutes=1) else when + timedelta(days=1))
    return times


@override_settings(MAILSEC_FREE_CHECK_RATE=3, MAILSEC_FREE_CHECK_WINDOW=600)
class AllowanceOnThePageTestCase(FreeCheckTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The counters' clock stands still (as tests/conftest.py's does), here at the real
        # time: the page's "until HH:MM UTC" is compared with timezone.now().
        frozen = time.time()
        clock = patch.object(ratelimit, "wall_time", lambda: frozen)
        clock.start()
        self.addCleanup(clock.stop)

    def test_it_says_nothing_to_a_visitor_who_has_used_none(self) -> None:
        r = self.client.get("/check", HTTP_X_FORWARDED_FOR=CLIENT)
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'id="fc-allowance"')

    def test_it_shows_the_checks_left_near_the_form_once_some_are_used(self) -> None:
        with patch(DELAY):
            self.assertEqual(self.submit("one.example.com").status_code, 302)
        r = self.client.get("/check", HTTP_X_FORWARDED_FOR=CLIENT)
        self.assertContains(r, "2 of 3 free checks left until")
        self.assertContains(r, "each visitor has 3 every 10 minutes")
        # Until the end of the current 10-minute window, which is under 10 minutes away.
        (until,) = clock_times(r.content.decode())
        self.assertLessEqual(until, timezone.now() + timedelta(minutes=10))
        self.assertIn("no-cache", r["Cache-Control"])
        # Another network has its own allowance, untouched.
        r = self.client.get("/check", HTTP_X_FORWARDED_FOR="192.0.2.55")
        self.assertNotContains(r, 'id="fc-allowance"')

    def test_the_report_page_shows_it_under_check_another_domain(self) -> None:
        with patch(DELAY):
            r = self.submit("one.example.com")
            self.submit("two.example.com")
        r = self.client.get(r["Location"], HTTP_X_FORWARDED_FOR=CLIENT)
        self.assertContains(r, "Check another domain")
        self.assertContains(r, "1 of 3 free checks left until")

    def test_when_refused_it_says_when_to_check_again_and_what_an_account_changes(self) -> None:
        with patch(DELAY):
            for name in ("one.example.com", "two.example.com", "three.example.com"):
                self.assertEqual(self.submit(name).status_code, 302)
            r = self.submit("four.example.com")
        self.assertEqual(r.status_code, 429)
        page = r.content.decode()
        self.assertIn("You have used all 3 free checks of these 10 minutes", page)
        self.assertIn("you can check again at", page)
        # The refusal and the note name the same moment: the end of the window, Retry-After
        # seconds from now.
        again = timezone.now() + timedelta(seconds=int(r["Retry-After"]))
        for when in clock_times(page):
            self.assertLessEqual(abs(when - again), timedelta(minutes=1))
        self.assertIn("sign up free</a> to monitor", page)
        self.assertIn("checked every 6 hours and with Check now", page)

    def test_a_signed_in_visitor_is_not_asked_to_sign_up(self) -> None:
        self.client.force_login(self.alice)
        with patch(DELAY):
            for name in ("one.example.com", "two.example.com", "three.example.com"):
                self.submit(name)
            r = self.submit("four.example.com")
        self.assertContains(r, "You have used all 3 free checks", status_code=429)
        self.assertNotContains(r, "sign up free</a> to monitor", status_code=429)

    def test_the_message_of_a_refusal_names_the_time_to_come_back(self) -> None:
        client = "client-hash"
        for _ in range(3):
            ratelimit.check_client(client)
        with self.assertRaises(ratelimit.RateLimited) as refused:
            ratelimit.check_client(client)
        (when,) = clock_times(refused.exception.message)
        again = timezone.now() + timedelta(seconds=refused.exception.retry_after)
        self.assertLessEqual(abs(when - again), timedelta(minutes=1))


class AllowanceCountTestCase(FreeCheckTestCase):
    def test_reading_the_allowance_counts_nothing(self) -> None:
        now = 6000.0
        self.assertEqual(ratelimit.used("client:x", 600, now), 0)
        ratelimit.hit("client:x", 3, 600, now)
        ratelimit.hit("client:x", 3, 600, now + 1)
        self.assertEqual(ratelimit.used("client:x", 600, now + 2), 2)
        self.assertEqual(ratelimit.used("client:x", 600, now + 2), 2)
        # The next window starts from nothing.
        self.assertEqual(ratelimit.used("client:x", 600, now + 600), 0)

    @override_settings(MAILSEC_FREE_CHECK_RATE=3, MAILSEC_FREE_CHECK_WINDOW=600)
    def test_refused_requests_leave_none_remaining_not_fewer(self) -> None:
        now = 6000.0 + 100
        for _ in range(5):
            ratelimit.hit("client:y", 3, 600, now)
        allowance = ratelimit.client_allowance("y", now)
        self.assertEqual((allowance.used, allowance.remaining), (5, 0))
        self.assertEqual(allowance.resets_in, 500)
        self.assertEqual(allowance.resets_at, datetime.fromtimestamp(6600, tz=UTC))


@override_settings(MAILSEC_FREE_CHECK_RATE=2, MAILSEC_FREE_CHECK_WINDOW=600)
class AllowanceInTheApiTestCase(FreeCheckTestCase):
    URL = "/api/v1/check?domain=example.com"

    def test_every_answer_carries_the_client_allowance(self) -> None:
        done_check("example.com")
        r = self.client.get(self.URL)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["RateLimit-Limit"], "2")
        self.assertEqual(r["RateLimit-Remaining"], "1")
        self.assertTrue(0 < int(r["RateLimit-Reset"]) <= 600)
        r = self.client.get(self.URL)
        self.assertEqual(r["RateLimit-Remaining"], "0")
        r = self.client.get(self.URL)
        self.assertEqual(r.status_code, 429)
        self.assertEqual(r["RateLimit-Remaining"], "0")
        # Both say when the count starts again.
        self.assertLessEqual(abs(int(r["RateLimit-Reset"]) - int(r["Retry-After"])), 1)

    def test_a_refused_domain_name_counts_nothing_and_says_so(self) -> None:
        r = self.client.get("/api/v1/check?domain=localhost")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r["RateLimit-Remaining"], "2")
        self.assertFalse(FreeCheck.objects.exists())


@pytest.mark.django_db(transaction=True)
def test_reading_the_allowance_from_redis_counts_nothing(redis_url: str) -> None:  # noqa: F811
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    with override_settings(CACHES={"default": cache}):
        assert ratelimit.uses_cache()
        assert ratelimit.used("client:r", 600, 6000.0) == 0
        ratelimit.hit("client:r", 3, 600, 6000.0)
        ratelimit.hit("client:r", 3, 600, 6001.0)
        assert ratelimit.used("client:r", 600, 6002.0) == 2
        assert ratelimit.used("client:r", 600, 6002.0) == 2
        assert ratelimit.used("client:r", 600, 6600.0) == 0
