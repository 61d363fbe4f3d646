"""Scheduled checks at an MSP's scale: hundreds of domains due at the same moment."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from mailsec.domains import tasks
from mailsec.domains.models import STUCK_PENDING_AFTER, CheckRun, Domain
from tests.conftest import BaseTestCase

MSP_DOMAINS = 500


class StampedeTestCase(BaseTestCase):
    """500 domains added in the same hour, or all overdue after an outage."""

    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        Domain.objects.bulk_create(
            Domain(team=self.team, name=f"client{i}.example", verified_at=now, next_check_at=now)
            for i in range(MSP_DOMAINS)
        )

    def tick(self) -> int:
        with (
            mock.patch.object(tasks, "enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            started = tasks.tick()
        self.assertEqual(enqueue.call_count, started)
        return started

    def work_off(self, count: int) -> None:
        """What the workers do: finish the oldest `count` waiting runs."""
        waiting = CheckRun.objects.filter(status="pending").order_by("created")[:count]
        for run in waiting:
            self.assertTrue(run.claim())
            run.finish({"score": 90, "score_version": 1, "mechanisms": {}, "findings": []})

    def test_a_stampede_is_queued_no_faster_than_the_workers_take_it(self) -> None:
        self.tick()
        waiting = CheckRun.objects.filter(status="pending").count()
        # Two workers at some 20 s a check take 360 checks an hour: with all 500 queued at
        # once, those still waiting an hour later would be swept as lost (and their domains
        # flagged as failed) while their messages are still in the queue.
        self.assertLessEqual(waiting, tasks.MIN_QUEUED_CHECKS)
        self.assertEqual(Domain.due(timezone.now()).count(), MSP_DOMAINS - waiting)

        # Nothing more while the queue is full, more as the workers free room.
        self.assertEqual(self.tick(), 0)
        self.work_off(30)
        self.assertEqual(self.tick(), 30)

        # In the end every domain is checked once, and nothing is swept as lost.
        for _ in range(MSP_DOMAINS):
            self.work_off(tasks.MIN_QUEUED_CHECKS)
            self.tick()
            if not CheckRun.objects.filter(status="pending").exists():
                break
        self.assertEqual(CheckRun.objects.filter(status="done").count(), MSP_DOMAINS)
        self.assertEqual(Domain.due(timezone.now()).count(), 0)
        later = timezone.now() + STUCK_PENDING_AFTER + timedelta(minutes=1)
        self.assertEqual(CheckRun.sweep_stuck(later), 0)

    def test_more_workers_get_more_checks_queued(self) -> None:
        # Runs finished in the last few minutes show what the workers take: a larger fleet
        # is given a longer queue than the floor.
        self.tick()
        for _ in range(3):
            self.work_off(tasks.MIN_QUEUED_CHECKS)
            self.tick()
        waiting = CheckRun.objects.filter(status="pending").count()
        finished = CheckRun.objects.filter(status="done").count()
        self.assertGreater(waiting, tasks.MIN_QUEUED_CHECKS)
        self.assertLessEqual(waiting, finished)


class IntervalTestCase(BaseTestCase):
    def test_a_shorter_interval_pulls_in_checks_scheduled_under_the_old_one(self) -> None:
        now = timezone.now()
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=now
        )
        with mock.patch.object(tasks, "enqueue_run"), self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(tasks.tick(), 1)
        run = domain.runs.get()
        run.claim()
        run.finish({"score": 90, "score_version": 1, "mechanisms": {}, "findings": []})
        domain.refresh_from_db()
        self.assertAlmostEqual(
            domain.next_check_at, now + timedelta(hours=6), delta=timedelta(minutes=1)
        )

        # The operator sets MAILSEC_CHECK_INTERVAL to one hour and restarts: the domain is
        # checked within the hour, not at the time the old interval set.
        with self.settings(MAILSEC_CHECK_INTERVAL=timedelta(hours=1)):
            tasks.tick()
            domain.refresh_from_db()
            self.assertLessEqual(domain.next_check_at, timezone.now() + timedelta(hours=1))
            later = timezone.now() + timedelta(hours=1, minutes=1)
            self.assertIn(domain, Domain.due(later))

    def test_a_longer_interval_leaves_the_next_check_where_it_is(self) -> None:
        now = timezone.now()
        soon = now + timedelta(minutes=30)
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=soon
        )
        with self.settings(MAILSEC_CHECK_INTERVAL=timedelta(hours=24)):
            tasks.tick()
        domain.refresh_from_db()
        self.assertEqual(domain.next_check_at, soon)
