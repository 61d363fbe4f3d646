from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import TransactionTestCase
from django.utils import timezone

from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.accounts.models import Team
from mailsec.domains import tasks
from mailsec.domains.models import STUCK_PENDING_AFTER, CheckRun, Domain
from tests.conftest import BaseTestCase


def fake_report(name: str, config: object, **kwargs: object) -> DomainReport:
    report = DomainReport(domain=name, score=85, score_version=1)
    report.findings = [Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok")]
    return report


class SchedulingTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.due = [
            Domain.objects.create(
                team=self.team, name=f"d{i}.example", verified_at=now, next_check_at=now
            )
            for i in range(3)
        ]
        # not due, not verified: never claimed
        Domain.objects.create(
            team=self.team,
            name="later.example",
            verified_at=now,
            next_check_at=now + timedelta(hours=1),
        )
        Domain.objects.create(team=self.team, name="unverified.example", next_check_at=now)

    def test_two_beats_claim_each_due_domain_once(self) -> None:
        now = timezone.now()
        # Both beats read the due list before either updates a row: the worst interleaving.
        seen_by_first = Domain.due_candidates(now)
        seen_by_second = Domain.due_candidates(now)
        first = Domain.claim_due(now, seen_by_first)
        second = Domain.claim_due(now, seen_by_second)
        self.assertEqual({d.name for d in first}, {"d0.example", "d1.example", "d2.example"})
        self.assertEqual(second, [])
        for d in first:
            self.assertEqual(d.next_check_at, now + timedelta(hours=6))

    def test_tick_enqueues_on_the_probes_queue(self) -> None:
        with (
            mock.patch.object(tasks.run_check, "apply_async") as apply_async,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(tasks.tick(), 3)
            self.assertEqual(tasks.tick(), 0)
        self.assertEqual(CheckRun.objects.count(), 3)
        for call in apply_async.call_args_list:
            self.assertEqual(call.kwargs["queue"], "probes")

    def test_tick_joins_a_running_check(self) -> None:
        CheckRun.objects.create(domain=self.due[0], status="running", started=timezone.now())
        with mock.patch.object(tasks, "enqueue_run"):
            self.assertEqual(tasks.tick(), 2)
        self.assertEqual(CheckRun.objects.filter(domain=self.due[0]).count(), 1)

    def test_a_domain_that_cannot_be_started_stays_due_and_the_others_start(self) -> None:
        now = timezone.now()
        real = Domain.request_check

        def locked_for_d0(domain: Domain, kind: str = "manual") -> tuple[CheckRun, bool]:
            if domain.name == "d0.example":
                raise OperationalError("database is locked")
            return real(domain, kind)

        with (
            mock.patch.object(Domain, "request_check", locked_for_d0),
            mock.patch.object(tasks, "enqueue_run"),
        ):
            self.assertEqual(tasks.tick(), 2)
        d0 = Domain.objects.get(name="d0.example")
        self.assertLessEqual(d0.next_check_at, now)  # still due: the next tick takes it
        self.assertFalse(d0.runs.exists())
        for name in ("d1.example", "d2.example"):
            self.assertEqual(Domain.objects.get(name=name).runs.count(), 1)
        with mock.patch.object(tasks, "enqueue_run"):
            self.assertEqual(tasks.tick(), 1)
        self.assertEqual(d0.runs.count(), 1)

    def test_a_beat_killed_mid_tick_leaves_the_unstarted_domains_due(self) -> None:
        real = Domain.request_check
        calls: list[str] = []

        def killed_at_the_second(domain: Domain, kind: str = "manual") -> tuple[CheckRun, bool]:
            calls.append(domain.name)
            if len(calls) == 2:
                raise SystemExit("SIGTERM")  # not caught by the loop: the tick ends here
            return real(domain, kind)

        with (
            mock.patch.object(Domain, "request_check", killed_at_the_second),
            mock.patch.object(tasks, "enqueue_run"),
            self.assertRaises(SystemExit),
        ):
            tasks.tick()
        now = timezone.now()
        for domain in Domain.objects.filter(name__in=["d0.example", "d1.example", "d2.example"]):
            started = domain.runs.exists()
            # a domain is either started (run created, next check later) or still due
            self.assertEqual(started, domain.name == calls[0], domain.name)
            self.assertEqual(domain.next_check_at > now, started, domain.name)

    def test_a_broker_outage_leaves_pending_runs_the_sweep_makes_due_again(self) -> None:
        with (
            mock.patch.object(tasks, "enqueue_run", side_effect=OSError("broker down")),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(tasks.tick(), 3)  # no error out of the commit
        self.assertEqual(CheckRun.objects.filter(status="pending").count(), 3)
        later = timezone.now() + STUCK_PENDING_AFTER + timedelta(minutes=1)
        self.assertEqual(CheckRun.sweep_stuck(later), 3)
        due = Domain.due(later).values_list("name", flat=True)
        self.assertLessEqual({"d0.example", "d1.example", "d2.example"}, set(due))

    def test_a_run_stores_the_report(self) -> None:
        run = CheckRun.objects.create(domain=self.due[0])
        with mock.patch("checks.engine.check_domain_sync", side_effect=fake_report):
            self.assertEqual(tasks.run_check(str(run.code)), "done")
        run.refresh_from_db()
        self.assertEqual(run.score, 85)
        self.assertEqual(run.mechanisms["mx"], "pass")
        self.assertEqual(run.findings[0]["id"], "MX-01")
        domain = Domain.objects.get(pk=self.due[0].pk)
        self.assertEqual(domain.last_run, run)
        self.assertGreater(domain.next_check_at, timezone.now() + timedelta(hours=5))

    def test_a_confirming_recheck_probes_afresh(self) -> None:
        seen = {}
        for kind in ("scheduled", "confirm"):
            run = CheckRun.objects.create(domain=self.due[0], kind=kind)
            with mock.patch("checks.engine.check_domain_sync", side_effect=fake_report) as check:
                tasks.run_check(str(run.code))
            seen[kind] = check.call_args.args[1].probe_cache_seconds
        self.assertGreater(seen["scheduled"], 0)
        self.assertEqual(seen["confirm"], 0)  # not the SMTP results of the run it re-checks

    def test_a_crashed_run_moves_on(self) -> None:
        run = CheckRun.objects.create(domain=self.due[0])
        with mock.patch("checks.engine.check_domain_sync", side_effect=RuntimeError("boom")):
            self.assertEqual(tasks.run_check(str(run.code)), "error")
        run.refresh_from_db()
        self.assertEqual(run.status, "error")
        self.assertIn("RuntimeError", run.error)
        domain = Domain.objects.get(pk=self.due[0].pk)
        # Checked again sooner than a whole interval on, but not at once (task s34q: 15
        # minutes after the first such run in a row, backing off after that).
        self.assertGreater(domain.next_check_at, timezone.now() + timedelta(minutes=14))
        self.assertLess(domain.next_check_at, timezone.now() + timedelta(minutes=16))
        self.assertIsNone(domain.last_run)

    def test_a_domain_deleted_while_its_check_runs_is_not_brought_back(self) -> None:
        run = CheckRun.objects.create(domain=self.due[0])

        def delete_then_report(name: str, config: object, **kwargs: object) -> DomainReport:
            Domain.objects.filter(pk=run.domain_id).delete()
            return fake_report(name, config, **kwargs)

        with mock.patch("checks.engine.check_domain_sync", side_effect=delete_then_report):
            self.assertEqual(tasks.run_check(str(run.code)), "deleted")
        self.assertFalse(CheckRun.objects.filter(pk=run.pk).exists())

    def test_a_run_delivered_twice_runs_once(self) -> None:
        run = CheckRun.objects.create(domain=self.due[0])
        with mock.patch("checks.engine.check_domain_sync", side_effect=fake_report) as check:
            tasks.run_check(str(run.code))
            self.assertEqual(tasks.run_check(str(run.code)), "skipped")
        self.assertEqual(check.call_count, 1)

    def test_it_sweeps_runs_lost_with_their_worker(self) -> None:
        now = timezone.now()
        lost = CheckRun.objects.create(
            domain=self.due[0], status="running", started=now - timedelta(minutes=30)
        )
        fresh = CheckRun.objects.create(domain=self.due[1], status="running", started=now)
        Domain.objects.filter(pk=self.due[0].pk).update(next_check_at=now + timedelta(hours=6))
        self.assertEqual(tasks.sweep_stuck_runs(), 1)
        lost.refresh_from_db()
        fresh.refresh_from_db()
        self.assertEqual((lost.status, fresh.status), ("error", "running"))
        # the domain is due again, so the next beat re-runs it
        self.assertLessEqual(Domain.objects.get(pk=self.due[0].pk).next_check_at, timezone.now())

    def test_it_thins_old_runs_to_one_a_day(self) -> None:
        domain = self.due[0]
        now = timezone.now()
        day = (now - timedelta(days=100)).replace(hour=1)
        for hours in (0, 6, 12, 18, 24, 30):  # 4 runs on one old day, 2 the next
            CheckRun.objects.create(
                domain=domain, status="done", created=day + timedelta(hours=hours)
            )
        for hours in (1, 2, 3):
            CheckRun.objects.create(
                domain=domain, status="done", created=now - timedelta(hours=hours)
            )
        call_command("thinruns", stdout=open("/dev/null", "w"))  # noqa: SIM115
        kept = list(CheckRun.objects.order_by("created").values_list("created", flat=True))
        self.assertEqual(len(kept), 2 + 3)
        self.assertEqual(kept[0], day + timedelta(hours=18))  # the last run of that day

    def test_thinning_keeps_a_domains_last_finished_run(self) -> None:
        # Checks stopped long ago: the last good run, then an error the same day. Thinning keeps
        # the last good one (the day's last run with a score, s43a; and the domain row and its
        # page still show it).
        domain = self.due[0]
        day = (timezone.now() - timedelta(days=100)).replace(hour=1)
        good = CheckRun.objects.create(domain=domain, status="done", created=day, score=90)
        domain.set_last_run(good)
        CheckRun.objects.create(domain=domain, status="error", created=day + timedelta(hours=6))
        call_command("thinruns", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertTrue(CheckRun.objects.filter(pk=good.pk).exists())
        self.assertEqual(Domain.objects.get(pk=domain.pk).last_run_id, good.pk)

    def test_an_older_run_finishing_late_does_not_replace_a_newer_one(self) -> None:
        domain = self.due[0]
        now = timezone.now()
        old = CheckRun.objects.create(
            domain=domain, status="running", created=now - timedelta(hours=7)
        )
        new = CheckRun.objects.create(domain=domain, status="running", created=now)
        new.finish({"score": 95, "score_version": 1, "mechanisms": {}, "findings": []})
        old.finish({"score": 40, "score_version": 1, "mechanisms": {}, "findings": []})
        domain.refresh_from_db()
        self.assertEqual((domain.last_run_id, domain.last_score), (new.pk, 95))

    def test_a_run_is_never_seen_finished_before_it_is_the_domains_last_run(self) -> None:
        # The run's status and the domain's pointer to it are one write: a page polling the
        # run (or a test waiting for it) must not see "done" while the domain shows the old
        # run. Made visible by breaking the second half: the first half must not stay.
        domain = self.due[0]
        run = CheckRun.objects.create(domain=domain, status="running", created=timezone.now())
        with (
            mock.patch.object(Domain, "last_run_fields", side_effect=RuntimeError("db gone")),
            self.assertRaises(RuntimeError),
        ):
            run.finish({"score": 95, "score_version": 1, "mechanisms": {}, "findings": []})
        self.assertEqual(CheckRun.objects.get(pk=run.pk).status, "running")
        self.assertIsNone(Domain.objects.get(pk=domain.pk).last_run_id)


@pytest.mark.django_db(transaction=True)
class ConcurrentBeatsTestCase(TransactionTestCase):
    """Two beats in two threads with their own database connections."""

    def test_two_concurrent_beats_claim_once(self) -> None:
        team = Team.objects.create(name="t")
        now = timezone.now()
        for i in range(20):
            Domain.objects.create(
                team=team, name=f"c{i}.example", verified_at=now, next_check_at=now
            )
        results: list[list[Domain]] = []
        barrier = threading.Barrier(2)

        def beat() -> None:
            candidates = Domain.due_candidates(now)
            barrier.wait()
            results.append(Domain.claim_due(now, candidates))
            connection.close()

        threads = [threading.Thread(target=beat) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        claimed = [d.name for r in results for d in r]
        self.assertEqual(len(claimed), 20)
        self.assertEqual(len(set(claimed)), 20)
