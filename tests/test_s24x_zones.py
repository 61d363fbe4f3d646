"""s24x: times shown in the reader's zone say which zone they are in.

Since per-user time zones (Profile.time_zone) `|date` converts to the reader's zone, so a
time written "… UTC" after it was wrong for anyone not on UTC, and a time written with no
zone at all could not be read by a teammate elsewhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from mailsec.accounts.models import Profile
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
KOLKATA = "Asia/Kolkata"


def local(when: Any, zone: str = KOLKATA) -> str:
    return timezone.localtime(when, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@override_settings(CACHES=LOCMEM)
class ChartTitleTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now() - timedelta(days=2)
        )
        self.when = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
        run = CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            created=self.when,
            finished=self.when,
            score=80,
            score_version=7,
            mechanisms={"mx": "pass"},
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)
        self.url = f"/domains/{self.domain.code}/"

    def test_a_chart_point_says_the_readers_zone(self) -> None:
        """A point's title said '08:35 UTC: 80' of a check at 03:05 UTC to a reader in Kolkata."""
        Profile.objects.filter(user=self.alice).update(time_zone=KOLKATA)
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        self.assertIn(f"<title>{local(self.when)} (Asia/Kolkata): 80</title>", html)
        self.assertNotIn("UTC: 80", html)
        self.client.force_login(self.bob)  # on UTC, from the same cache
        html = self.client.get(self.url).content.decode()
        self.assertIn(f"<title>{local(self.when, 'UTC')} UTC: 80</title>", html)
