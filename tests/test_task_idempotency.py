"""A check whose worker dies, and the same task delivered again: one run, no alert."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.alerts.models import Change, Notification
from mailsec.domains import tasks
from mailsec.domains.models import STUCK_RUNNING_AFTER, CheckRun, Domain
from tests.conftest import BaseTestCase


def report_with(status: Status) -> DomainReport:
    report = DomainReport(domain="example.org", score=85, score_version=1)
    report.findings = [
        Finding("SMTP-01", status, Mechanism.SMTP, "STARTTLS", subject="mx.example.org")
    ]
    return report


class KilledWorkerTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=now
        )
        # A first good run: the alerts' baseline.
        run, _ = self.domain.request_check(kind="scheduled")
        with mock.patch("checks.engine.check_domain_sync", return_value=report_with(Status.PASS)):
            self.assertEqual(tasks.run_check(str(run.code)), "done")
        Domain.objects.filter(pk=self.domain.pk).update(next_check_at=now)

    def tick(self) -> list[str]:
        with (
            mock.patch.object(tasks, "enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            tasks.tick()
        return [str(call.args[0].code) for call in enqueue.call_args_list]

    def test_a_check_killed_mid_run_is_swept_and_run_again_without_an_alert(self) -> None:
        [code] = self.tick()

        def killed(*args: object, **kwargs: object) -> DomainReport:
            raise SystemExit("SIGKILL")  # not an Exception: nothing in the task catches it

        with (
            mock.patch("checks.engine.check_domain_sync", side_effect=killed),
            self.assertRaises(SystemExit),
        ):
            tasks.run_check(code)
        self.assertEqual(CheckRun.objects.get(code=code).status, "running")

        # Redelivered (Redis, acks_late), and a tick meanwhile: no second check.
        with mock.patch("checks.engine.check_domain_sync") as check:
            self.assertEqual(tasks.run_check(code), "skipped")
        check.assert_not_called()
        self.assertEqual(self.tick(), [])
        self.assertEqual(self.domain.runs.filter(status__in=CheckRun.ACTIVE).count(), 1)

        # A quarter of an hour on, the sweep: the run could not complete, and the domain is
        # due (the first run in a row that could not be made is followed up 15 minutes after
        # it began: task s34q).
        started = timezone.now() - STUCK_RUNNING_AFTER - timedelta(minutes=6)
        CheckRun.objects.filter(code=code).update(started=started)
        self.assertEqual(tasks.sweep_stuck_runs(), 1)
        self.assertEqual(CheckRun.objects.get(code=code).status, "error")
        self.assertFalse(Change.objects.exists())
        self.assertFalse(Notification.objects.exists())

        # The next tick queues it again; the old message, should it come back, does nothing.
        [again] = self.tick()
        self.assertNotEqual(again, code)
        with mock.patch("checks.engine.check_domain_sync", return_value=report_with(Status.PASS)):
            self.assertEqual(tasks.run_check(code), "skipped")
            self.assertEqual(tasks.run_check(again), "done")
        self.assertFalse(Change.objects.exists())

    def test_a_regression_delivered_twice_raises_its_changes_once(self) -> None:
        [code] = self.tick()
        with mock.patch("checks.engine.check_domain_sync", return_value=report_with(Status.FAIL)):
            self.assertEqual(tasks.run_check(code), "done")
            raised = Change.objects.filter(domain=self.domain).count()
            self.assertEqual(tasks.run_check(code), "skipped")
        self.assertGreater(raised, 0)
        self.assertEqual(Change.objects.filter(domain=self.domain).count(), raised)
        self.assertEqual(self.domain.runs.count(), 2)  # the baseline and this one


def test_a_shared_probe_of_another_release_is_not_read(monkeypatch, settings, tmp_path) -> None:
    # Pickled probes of a release whose SmtpProbe had other fields are another key: during a
    # rolling deploy a worker never unpickles one with a field missing.
    from checks import starttls, tasks

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    shared = tasks.SharedProbes()
    probe = starttls.SmtpProbe(host="mx1.example.org", address="192.0.2.1", port=25)
    shared.put("k", probe, 60)
    assert shared.get("k") == probe
    monkeypatch.setattr(tasks, "PROBE_FORMAT", tasks.PROBE_FORMAT + ",a_new_field")
    assert shared.get("k") is None
