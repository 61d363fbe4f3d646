"""s24x: times shown in the reader's zone say which zone they are in.

Since per-user time zones (Profile.time_zone) `|date` converts to the reader's zone, so a
time written "… UTC" after it was wrong for anyone not on UTC, and a time written with no
zone at all could not be read by a teammate elsewhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
    here = timezone.localtime(when, ZoneInfo(zone))
    return f"{here.day} {here:%b %Y, %H:%M}"  # as pages write it (s44a; before 2026-12-02 08:35)


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


# 03:05 UTC on 2 Dec: 08:35 in Kolkata (UTC+05:30).
AT = datetime(2026, 12, 2, 3, 5, tzinfo=UTC)


@override_settings(CACHES=LOCMEM)
class UnlabelledTimesTestCase(BaseTestCase):
    """Times shown with no zone where a reader could not tell which: each now says it, as
    the rest of the pages do ('08:35 (Asia/Kolkata)', '03:05 UTC' on UTC)."""

    def setUp(self) -> None:
        cache.clear()
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=AT - timedelta(days=2)
        )
        Profile.objects.filter(user=self.alice).update(time_zone=KOLKATA)
        self.client.force_login(self.alice)

    def get(self, url: str) -> str:
        r = self.client.get(url)
        self.assertEqual(r.status_code, 200)
        return r.content.decode()

    def test_hosting_events_say_the_zone(self) -> None:
        from mailsec.hosting.models import HostedPolicy, HostingEvent

        policy = HostedPolicy.objects.create(domain=self.domain, name="example.com")
        HostingEvent.objects.create(
            policy=policy, created=AT, kind="enabled", message="Hosting turned on at 03:05 UTC."
        )
        for url in (
            f"/hosting/{self.domain.code}/",
            f"/hosting/{self.domain.code}/events/",
        ):
            with self.subTest(url=url):
                self.assertIn(
                    "2 Dec 2026, 08:35 (Asia/Kolkata)</time> — Hosting turned on", self.get(url)
                )
        self.client.force_login(self.bob)
        html = self.get(f"/hosting/{self.domain.code}/events/")
        self.assertIn("2 Dec 2026, 03:05 UTC</time> — Hosting turned on", html)

    def test_a_report_not_parsed_says_the_zone(self) -> None:
        from reports.models import RawReport, ReportAddress

        address = ReportAddress.for_domain(self.domain)
        RawReport.objects.create(
            address=address,
            source=RawReport.HTTPS,
            body=b"{",
            sha256="0" * 64,
            size=1,
            received_at=AT,
            parse_status=RawReport.REJECTED,
            error="Not JSON.",
        )
        html = self.get(f"/tlsrpt/{address.token}/dashboard/")
        self.assertIn("2 Dec 2026, 08:35 (Asia/Kolkata) by HTTPS: rejected", html)

    def test_alert_settings_times_say_the_zone(self) -> None:
        from mailsec.alerts.models import Change, Notification

        Change.objects.create(
            domain=self.domain,
            kind="score",
            key="score:1",
            summary="The score fell.",
            state=Change.State.CONFIRMED,
            created=AT,
            confirmed_at=AT,
        )
        Notification.objects.create(
            user=self.alice,
            domain=self.domain,
            kind=Notification.Kind.ALERT,
            to_address="alice@example.org",
            status=Notification.Status.FAILED,
            attempts=3,
            error="Mailbox full.",
            created=AT,
        )
        html = self.get("/alerts/")
        self.assertIn("<li>2 Dec 2026, 08:35 (Asia/Kolkata) (alert, 3 attempts)", html)
        self.assertIn("</strong> · 2 Dec 2026, 08:35 (Asia/Kolkata) · ", html)

    def test_the_compare_menus_say_the_zone(self) -> None:
        runs = [
            CheckRun.objects.create(
                domain=self.domain,
                status=CheckRun.Status.DONE,
                created=AT + timedelta(hours=h),
                finished=AT + timedelta(hours=h),
                score=80,
                score_version=7,
            )
            for h in (0, 1)
        ]
        Domain.objects.filter(pk=self.domain.pk).update(last_run=runs[-1])
        menus = re.compile(r'<select name="to" id="cmp-to">.*?</select>\s*(.*?)\s*<button', re.S)
        for url in (
            f"/domains/{self.domain.code}/",
            f"/domains/{self.domain.code}/compare/?from={runs[0].code}&to={runs[1].code}",
        ):
            with self.subTest(url=url):
                html = self.get(url)
                self.assertIn(">2 Dec", html)
                found = menus.search(html)
                assert found is not None
                self.assertIn("(times in Asia/Kolkata)", found.group(1))
