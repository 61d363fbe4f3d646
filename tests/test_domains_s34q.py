"""Task s34q: after a run that could not be made, the next check comes sooner, with backoff.

A run that could not be made (CheckRun ERROR: a crash, a timeout, a worker lost; or a run
that finished with no score because its lookups failed) used to push the next check a whole
interval (6 h) away while the page said "check again in a few minutes". Now the next check
is 15 minutes after the first such run in a row, then 30, 60, 120 …, never later than the
usual interval; a run that completes resets it. The page says when that re-check is."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from django.utils import dateformat, timezone

from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.alerts.models import Change, Notification
from mailsec.domains import tasks
from mailsec.domains.models import STUCK_RUNNING_AFTER, CheckRun, Domain, recheck_delay
from tests.conftest import BaseTestCase

SCORED = {
    "score": 85,
    "score_version": 1,
    "mechanisms": {"mx": "pass"},
    "findings": [{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"}],
    "score_detail": {"categories": {"mx": {"weight": 10, "counted": True, "points": 10}}},
}
# Every scored check timed out: the run finished, with no score (our resolver down).
NO_SCORE = {
    "score": None,
    "score_version": 1,
    "mechanisms": {"mx": "error"},
    "findings": [{"id": "MX-01", "status": "error", "mechanism": "mx", "summary": "timed out"}],
    "score_detail": {"not_checked": ["mx", "spf"], "categories": {}},
}
# Less than half the points that apply could be checked: shown as no score.
TOO_LITTLE = {
    **SCORED,
    "score_detail": {
        "not_checked": ["mta-sts"],
        "categories": {
            "spf": {"weight": 10, "counted": True, "points": 10},
            "mta-sts": {"weight": 30, "counted": False, "reason": "could not be checked"},
        },
    },
}


class EarlyRecheckTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=now, next_check_at=now
        )

    def finish(self, report: dict[str, Any] | None, error: str = "") -> timedelta:
        """Finish a run of the domain; how far away its next check is then."""
        run = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        before = timezone.now()
        run.finish(report, error)
        self.domain.refresh_from_db()
        assert self.domain.next_check_at is not None
        return self.domain.next_check_at - before

    def assertAbout(self, delay: timedelta, minutes: float) -> None:
        self.assertAlmostEqual(delay.total_seconds() / 60, minutes, delta=0.5)

    def test_the_delays_back_off_to_the_interval(self) -> None:
        self.assertEqual(recheck_delay(0), timedelta(hours=6))
        self.assertEqual(
            [recheck_delay(n) for n in range(1, 8)],
            [timedelta(minutes=m) for m in (15, 30, 60, 120, 240, 360, 360)],
        )

    def test_a_crash_brings_the_next_check_to_fifteen_minutes(self) -> None:
        run = CheckRun.objects.create(domain=self.domain)
        with mock.patch("checks.engine.check_domain_sync", side_effect=RuntimeError("boom")):
            self.assertEqual(tasks.run_check(str(run.code)), "error")
        self.domain.refresh_from_db()
        assert self.domain.next_check_at is not None
        self.assertAbout(self.domain.next_check_at - timezone.now(), 15)

    def test_failures_in_a_row_back_off_and_a_completed_run_resets(self) -> None:
        delays = [self.finish(None, "worker died") for _ in range(7)]
        for delay, minutes in zip(delays, (15, 30, 60, 120, 240, 360, 360), strict=True):
            self.assertAbout(delay, minutes)
        self.assertAbout(self.finish(SCORED), 360)
        self.assertAbout(self.finish(None, "worker died"), 15)

    def test_a_run_with_no_score_because_its_lookups_failed_counts(self) -> None:
        self.assertAbout(self.finish(NO_SCORE), 15)
        self.assertAbout(self.finish(None, "timeout"), 30)
        self.assertAbout(self.finish(TOO_LITTLE), 60)
        self.assertAbout(self.finish(SCORED), 360)

    def test_a_domain_that_does_not_exist_is_a_completed_run(self) -> None:
        gone = {**NO_SCORE, "score_detail": {"does_not_exist": True, "not_checked": []}}
        self.assertAbout(self.finish(gone), 360)

    def test_the_failures_are_counted_in_one_bounded_query(self) -> None:
        for _ in range(40):
            CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.ERROR)
        with self.assertNumQueries(1):
            count = self.domain.failed_runs_in_row()
        # No more runs read than it takes to reach the interval (15 min · 2^5 > 6 h).
        self.assertEqual(count, 6)
        # Runs under way are not results.
        CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        self.assertEqual(self.domain.failed_runs_in_row(), 6)

    def test_the_sweep_backs_off_too_so_a_crashing_worker_never_loops(self) -> None:
        now = timezone.now()
        started = now - STUCK_RUNNING_AFTER - timedelta(minutes=20)
        lost = CheckRun.objects.create(
            domain=self.domain, status=CheckRun.Status.RUNNING, started=started, created=started
        )
        Domain.objects.filter(pk=self.domain.pk).update(next_check_at=now + timedelta(hours=6))
        self.assertEqual(CheckRun.sweep_stuck(now), 1)
        self.domain.refresh_from_db()
        # First in a row: 15 minutes after it started, which is past: due at once.
        self.assertEqual(self.domain.next_check_at, now)
        lost.refresh_from_db()
        self.assertEqual(lost.status, CheckRun.Status.ERROR)

        # Three more lost in a row: the fourth one's next check is 120 minutes after it began.
        for _ in range(2):
            CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.ERROR)
        CheckRun.objects.create(
            domain=self.domain, status=CheckRun.Status.RUNNING, started=started, created=now
        )
        self.assertEqual(CheckRun.sweep_stuck(now), 1)
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.next_check_at, started + timedelta(minutes=120))


def smtp_report(status: Status, score: int | None = 85) -> DomainReport:
    report = DomainReport(domain="example.com", score=score, score_version=1)
    report.findings = [
        Finding("SMTP-01", status, Mechanism.SMTP, "STARTTLS", subject="mx.example.com")
    ]
    if score is None:
        report.score_detail = {"not_checked": ["smtp"], "categories": {}}
    return report


class EarlyRecheckAlertTestCase(BaseTestCase):
    def test_the_early_recheck_raises_no_alert_by_itself(self) -> None:
        now = timezone.now()
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=now, next_check_at=now
        )

        def check(report: DomainReport) -> None:
            with (
                mock.patch.object(tasks, "enqueue_run") as enqueue,
                self.captureOnCommitCallbacks(execute=True),
            ):
                tasks.tick()
            [call] = enqueue.call_args_list
            with mock.patch("checks.engine.check_domain_sync", return_value=report):
                tasks.run_check(str(call.args[0].code))

        check(smtp_report(Status.PASS))  # the baseline
        Domain.objects.filter(pk=domain.pk).update(next_check_at=timezone.now())
        check(smtp_report(Status.ERROR, score=None))  # our resolver down
        domain.refresh_from_db()
        assert domain.next_check_at is not None
        self.assertLess(domain.next_check_at, timezone.now() + timedelta(minutes=16))
        # Fifteen minutes on, the re-check; it could not check either: still no alert.
        Domain.objects.filter(pk=domain.pk).update(next_check_at=timezone.now())
        check(smtp_report(Status.ERROR, score=None))
        self.assertFalse(Change.objects.exists())
        self.assertFalse(Notification.objects.exists())
        # And the next one is further off (30 minutes).
        domain.refresh_from_db()
        assert domain.next_check_at is not None
        self.assertGreater(domain.next_check_at, timezone.now() + timedelta(minutes=29))


class EarlyRecheckPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=now, next_check_at=now
        )
        self.url = f"/domains/{self.domain.code}/"
        self.client.force_login(self.alice)

    def finish(self, report: dict[str, Any] | None, error: str = "") -> datetime:
        run = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        run.finish(report, error)
        self.domain.refresh_from_db()
        assert self.domain.next_check_at is not None
        return self.domain.next_check_at

    def says_when(self, when: datetime) -> str:
        return (
            f"checked again automatically at {dateformat.format(timezone.localtime(when), 'H:i')}"
        )

    def test_a_run_with_no_score_says_when_it_is_checked_again(self) -> None:
        when = self.finish(NO_SCORE)
        page = self.client.get(self.url)
        self.assertContains(page, "none of the scored checks could be made")
        self.assertContains(page, self.says_when(when))
        self.assertNotContains(page, "check again in a few minutes")

    def test_a_run_that_checked_too_little_says_when_it_is_checked_again(self) -> None:
        when = self.finish(TOO_LITTLE)
        page = self.client.get(self.url)
        self.assertContains(page, "Not enough could be checked for a score")
        self.assertContains(page, self.says_when(when))
        self.assertNotContains(page, "check again in a few minutes")

    def test_a_run_that_could_not_complete_says_when_it_is_checked_again(self) -> None:
        self.finish(SCORED)
        when = self.finish(None, "The check could not be completed (RuntimeError).")
        page = self.client.get(self.url)
        self.assertContains(page, "could not be completed")
        self.assertContains(page, self.says_when(when))

    def test_it_says_no_time_while_a_check_is_under_way(self) -> None:
        self.finish(None, "The check could not be completed (RuntimeError).")
        self.domain.request_check()
        page = self.client.get(self.url)
        self.assertContains(page, "could not be completed")
        self.assertNotContains(page, "checked again automatically")

    def test_a_completed_run_says_nothing_of_an_early_recheck(self) -> None:
        self.finish(SCORED)
        self.assertNotContains(self.client.get(self.url), "checked again automatically")

    def test_it_checks_ownership(self) -> None:
        self.finish(NO_SCORE)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
