"""s33w: webapp leftovers of s32w.

1. A verified domain never checked, its first check due, read "its first check starts within
   a minute" on the list, also when the probes queue was full: the beat then leaves due
   domains due (tasks.queue_room) and the minute passes with nothing started. The row says
   the check is queued and starts when a checker is free, a promise the queue keeps.
2. Removing a domain whose hosted MTA-STS policy outlives it said until when we serve mode
   none in UTC (its Remove confirmation, the message after it, the team's deletion page),
   where every other page says times in the reader's zone (Profile.time_zone).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains import tasks
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.views import PAGE_SHOWN_FOR
from mailsec.hosting.models import HostedPolicy
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase
from tests.test_webapp_s32w import worst_cell

BERLIN = ZoneInfo("Europe/Berlin")


class FirstCheckWithAFullQueueTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="new.example.com", verified_at=now, next_check_at=now
        )

    def test_a_due_first_check_makes_no_promise_the_full_queue_breaks(self) -> None:
        # The probes queue is full: other teams' checks wait in it.
        others = Domain.objects.create(team=self.charlies_team, name="busy.example.net")
        for _ in range(tasks.MIN_QUEUED_CHECKS):
            CheckRun.objects.create(domain=others)
        self.assertEqual(tasks.tick.apply().get(), 0)  # nothing claimed: no room
        self.domain.refresh_from_db()
        assert self.domain.next_check_at is not None
        self.assertLessEqual(self.domain.next_check_at, timezone.now())  # still due
        cell = worst_cell(self.client.get("/domains/").content.decode(), "new.example.com")
        self.assertIn("Not checked yet", cell)
        self.assertNotIn("within a minute", cell)
        self.assertIn("its first check is queued: it starts when a checker is free", cell)


class DeletionDatesInTheOwnersZoneTestCase(HostingCase):
    """alice reads times in Berlin, an hour ahead of UTC in December."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the zone is kept in the cache per person
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.client.force_login(self.alice)
        with published():
            self.policy = self.host(["mx1.example.org"], mode="enforce", max_age=86400)

    def page(self, url: str) -> tuple[str, set[str]]:
        """The page at `url`, unescaped, and the "until" it may say in Berlin: the domain
        page says the latest date within the hour it is cached for (PAGE_SHOWN_FOR), the
        team's deletion page and the message after Remove the date from now; read before
        and after the request, in case the minute turns meanwhile."""
        ends = set()
        for shown_for in (timedelta(0), PAGE_SHOWN_FOR):
            ends.add(self.policy.retirement_end(timezone.now() + shown_for))
        page = html.unescape(self.client.get(url, follow=True).content.decode())
        for shown_for in (timedelta(0), PAGE_SHOWN_FOR):
            ends.add(self.policy.retirement_end(timezone.now() + shown_for))
        return page, {f"until {e.astimezone(BERLIN):%Y-%m-%d %H:%M} (Europe/Berlin)" for e in ends}

    def assert_said_in_berlin(self, text: str, expected: set[str]) -> None:
        notice = text.split("mailsec keeps serving mode: none at mta-sts.example.org ", 1)[1]
        self.assertTrue(any(notice.startswith(e) for e in expected), notice[:60])
        self.assertNotIn(" UTC so senders", text)

    def test_the_domain_page_and_its_remove_confirmation_say_the_owners_zone(self) -> None:
        page, expected = self.page(f"/domains/{self.domain.code}/")
        self.assert_said_in_berlin(page.split('id="remove-title"', 1)[1], expected)
        # The question asked before Remove (data-confirm) says the same.
        self.assert_said_in_berlin(page.split('data-confirm="', 1)[1].split('"', 1)[0], expected)

    def test_the_message_after_remove_says_the_owners_zone(self) -> None:
        with published():
            r = self.client.post(f"/domains/{self.domain.code}/remove/", follow=True)
        page = html.unescape(r.content.decode())
        policy = HostedPolicy.objects.get()
        assert policy.release_at is not None
        expected = {f"until {policy.release_at.astimezone(BERLIN):%Y-%m-%d %H:%M} (Europe/Berlin)"}
        self.assert_said_in_berlin(page, expected)

    def test_the_team_deletion_page_says_the_owners_zone(self) -> None:
        Team.create_for(self.alice)  # a second team: this one may be deleted
        page, expected = self.page(f"/team/{self.team.code}/delete/")
        self.assert_said_in_berlin(page.split('id="what-goes"', 1)[1], expected)

    def test_a_reader_on_utc_still_reads_utc(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="UTC")
        cache.clear()
        page, _ = self.page(f"/domains/{self.domain.code}/")
        self.assertIn(" UTC so senders", page)
        self.assertNotIn("(UTC)", page)


@contextmanager
def published() -> Iterator[None]:
    """Our zone's records are not written (tests.test_hosting.DeleteTestCase.zone)."""
    from mailsec.hosting.zone import PolicyZone

    with mock.patch.object(PolicyZone, "publish"), mock.patch.object(PolicyZone, "withdraw"):
        yield
