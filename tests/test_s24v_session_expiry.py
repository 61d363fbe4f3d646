"""s24v: the person's time zone is not kept in the session. Read again every
TIME_ZONE_READ_EVERY seconds and written back there, it saved the session every 10 minutes,
and each save gives the session cookie a fresh SESSION_COOKIE_AGE: a session used now and then
never expired (one ends two weeks after signing in, as before 0e004e3). Kept per person in the
cache instead, a zone chosen in one browser shows in every other at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.test import Client, override_settings

from mailsec.accounts.models import Profile
from mailsec.domains.models import Domain
from mailsec.middleware import TIME_ZONE_READ_EVERY
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
AT = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)  # 08:05 in Berlin, 16:05 in Tokyo


@override_settings(CACHES=LOCMEM)
class TimeZoneNotInSessionTestCase(BaseTestCase):
    def setUp(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=AT - timedelta(days=1)
        )
        Domain.objects.filter(pk=domain.pk).update(next_check_at=AT)
        self.url = f"/domains/{domain.code}/"

    def test_reading_the_zone_again_does_not_renew_the_session(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertNotIn(settings.SESSION_COOKIE_NAME, r.cookies)
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        later = time.time() + TIME_ZONE_READ_EVERY + 60
        with mock.patch("mailsec.middleware.time.time", return_value=later):
            r = self.client.get(self.url)
        # Read again (the page is in Berlin time), and the session left as it was: no cookie
        # with a new age.
        self.assertContains(r, "2 Dec 2026, 08:05 (Europe/Berlin)</time>")
        self.assertNotIn(settings.SESSION_COOKIE_NAME, r.cookies)

    def test_a_zone_chosen_in_one_browser_shows_in_another_at_once(self) -> None:
        other = Client()
        other.force_login(self.alice)
        self.client.force_login(self.alice)
        self.assertContains(other.get(self.url), "07:05 UTC</time>")
        self.client.post("/account/time-zone/", {"time_zone": "Asia/Tokyo"})
        self.assertContains(other.get(self.url), "2 Dec 2026, 16:05 (Asia/Tokyo)</time>")

    def test_it_checks_ownership(self) -> None:
        # One person's zone is theirs alone: bob, signed in beside alice, reads UTC.
        Profile.objects.filter(user=self.alice).update(time_zone="Asia/Tokyo")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "16:05 (Asia/Tokyo)</time>")
        bob = Client()
        bob.force_login(self.bob)
        r = bob.get(self.url)
        self.assertContains(r, "07:05 UTC</time>")
        self.assertNotContains(r, "Asia/Tokyo")
