"""Task s41p: a domain whose team lost control of it (Domain.recheck_control "lost") and one
never verified are monitored for nobody: every path that can start a check or an alert for a
domain is traced here with the real tasks and views (the engine, the broker and the resolver
stood in for; no network). The rule (checklist): "A domain is monitored or hosted only after
its owner proves control." Its history stays visible to its team.

Paths: the beat (tasks.tick, Domain.due), a run queued before the loss (run_check), the alert
re-probe (alerts.tasks.confirm_change, and the sweep that re-drives it), a run under way
when control is lost (observe_run then emails nobody), Check now (page and htmx), the API,
the hosting loop (sync_all, HostedPolicy.servable) and Enable hosting."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from checks.dns import DnsAnswer
from mailsec.alerts import tasks as alert_tasks
from mailsec.alerts.models import Change, Notification
from mailsec.domains import tasks
from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting import service
from mailsec.hosting import tasks as hosting_tasks
from mailsec.hosting.models import HostedPolicy
from tests.conftest import BaseTestCase
from tests.test_alerts import good_result

ENGINE = "checks.engine.check_domain_sync"


def scored(score: int) -> dict[str, Any]:
    result = good_result()
    result["score"], result["score_version"] = score, 1
    return result


def engine_answering(*results: dict[str, Any], during: Any = None) -> mock.Mock:
    """A stand-in for the engine answering `results` in turn; `during` runs inside the probe
    (control lost while the check runs)."""
    answers = iter(results)

    def probe(name: str, config: object, **kwargs: object) -> SimpleNamespace:
        if during is not None:
            during()
        result = next(answers)
        return SimpleNamespace(to_dict=lambda: result)

    return mock.Mock(side_effect=probe)


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class S41pControlLostTestCase(BaseTestCase):
    """alice's team verified a.test long ago; charlie's team proves control of it now, and
    alice's team's challenge is gone (a clean NXDOMAIN): control lost. n.test was never
    verified."""

    def setUp(self) -> None:
        super().setUp()
        self.ours = Domain.objects.create(
            team=self.team,
            name="a.test",
            verified_at=timezone.now() - timedelta(days=400),
            next_check_at=timezone.now() - timedelta(minutes=1),
        )
        self.never = Domain.objects.create(
            team=self.team, name="n.test", next_check_at=timezone.now() - timedelta(minutes=1)
        )
        self.rival = Domain.objects.create(team=self.charlies_team, name="a.test")
        self.patches = [
            mock.patch.object(tasks, "enqueue_run"),
            mock.patch("mailsec.tasks.vantage_for_run"),
            mock.patch("mailsec.domains.views.warm_page_cache"),
        ]
        self.enqueue = self.patches[0].start()
        for p in self.patches[1:]:
            p.start()
        for p in self.patches:
            self.addCleanup(p.stop)

    def lose_control(self) -> None:
        Domain.objects.filter(pk=self.rival.pk).update(verified_at=timezone.now())
        gone = DnsAnswer(name=self.ours.challenge_name, rdtype="TXT", rcode="NXDOMAIN")
        self.assertEqual(Domain.objects.get(pk=self.ours.pk).recheck_control(answer=gone), "lost")
        self.ours.refresh_from_db()
        self.assertIsNotNone(self.ours.control_lost_at)

    def check(self, engine: mock.Mock, kind: str = "scheduled") -> str:
        run, _ = Domain.objects.get(pk=self.ours.pk).request_check(kind=kind)
        with mock.patch(ENGINE, engine), self.captureOnCommitCallbacks(execute=True):
            return tasks.run_check(str(run.code))

    def send_queued(self) -> None:
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            alert_tasks.send_notification.apply(args=[str(n.code)])

    def suspect_a_drop(self) -> Change:
        """Two runs of a.test: 100, then 80 (a suspected score drop, its re-probe due)."""
        with mock.patch.object(alert_tasks.confirm_change, "apply_async") as later:
            self.assertEqual(self.check(engine_answering(scored(100))), CheckRun.Status.DONE)
            self.assertEqual(self.check(engine_answering(scored(80))), CheckRun.Status.DONE)
        later.assert_called_once()
        return Change.objects.get(domain=self.ours, state=Change.State.SUSPECTED)

    def test_s41p_the_beat_starts_no_check(self) -> None:
        self.lose_control()
        # Even with a due time left on the rows (an older release, an admin's edit).
        Domain.objects.filter(pk__in=[self.ours.pk, self.never.pk]).update(
            next_check_at=timezone.now() - timedelta(hours=1)
        )
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(tasks.tick(), 0)
        self.assertFalse(CheckRun.objects.exists())
        self.enqueue.assert_not_called()
        tasks.sweep_stuck_runs()  # makes due only what is verified
        self.assertNotIn(self.ours, Domain.due(timezone.now() + timedelta(days=30)))

    def test_s41p_a_run_queued_before_the_loss_probes_nothing(self) -> None:
        run, _ = self.ours.request_check(kind="scheduled")
        self.lose_control()
        engine = engine_answering(scored(100))
        with mock.patch(ENGINE, engine):
            self.assertEqual(tasks.run_check(str(run.code)), "not verified")
        engine.assert_not_called()
        run.refresh_from_db()
        self.assertEqual(run.status, CheckRun.Status.ERROR)

    def test_s41p_a_suspicion_is_not_reprobed_nor_told(self) -> None:
        change = self.suspect_a_drop()
        self.lose_control()
        mail.outbox.clear()  # the "no longer verified" email
        runs = CheckRun.objects.count()
        # The countdown's task, then the sweep re-driving it: no probe, the suspicion ends.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(alert_tasks.confirm_change(str(change.code)), "dismissed")
            alert_tasks.sweep()
        self.assertEqual(CheckRun.objects.count(), runs)
        change.refresh_from_db()
        self.assertEqual(change.state, Change.State.DISMISSED)
        self.send_queued()
        self.assertEqual(mail.outbox, [])

    def test_s41p_a_run_under_way_when_control_is_lost_tells_nobody(self) -> None:
        with mock.patch.object(alert_tasks.confirm_change, "apply_async"):
            self.check(engine_answering(scored(100)))
            # The drop's run was started while verified; control is lost while it probes.
            self.check(engine_answering(scored(80), during=self.lose_control))
        mail.outbox.clear()
        for change in Change.objects.filter(state=Change.State.SUSPECTED):
            with self.captureOnCommitCallbacks(execute=True):
                alert_tasks.confirm_change(str(change.code))
        self.send_queued()
        self.assertEqual(mail.outbox, [])
        # The run was stored (it is history) and its drop suspected, and dismissed unprobed.
        self.assertEqual(self.ours.runs.filter(status=CheckRun.Status.DONE).count(), 2)
        self.assertEqual(
            list(Change.objects.values_list("kind", "state")), [("score", "dismissed")]
        )
        self.assertFalse(Notification.objects.filter(kind=Notification.Kind.ALERT).exists())

    def test_s41p_a_confirmed_problem_seen_fixed_is_not_reprobed(self) -> None:
        change = self.suspect_a_drop()
        Change.objects.filter(pk=change.pk).update(
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
            recovery_seen_at=timezone.now(),
        )
        self.lose_control()
        runs = CheckRun.objects.count()
        self.assertEqual(alert_tasks.confirm_change(str(change.code)), "not verified")
        self.assertEqual(CheckRun.objects.count(), runs)

    def test_s41p_check_now_and_the_api_start_nothing(self) -> None:
        self.lose_control()
        self.client.force_login(self.alice)
        for domain in (self.ours, self.never):
            url = f"/domains/{domain.code}/check/"
            self.client.post(url)
            self.client.post(url, headers={"HX-Request": "true"})
        self.assertFalse(CheckRun.objects.exists())
        self.enqueue.assert_not_called()

    def test_s41p_nothing_is_hosted_nor_synced(self) -> None:
        policy = HostedPolicy.objects.create(
            domain=self.never, name=self.never.name, state=HostedPolicy.State.ACTIVE
        )
        self.assertNotIn(policy, HostedPolicy.objects.servable())
        with mock.patch.object(service, "sync") as sync:
            hosting_tasks.sync_all()
        sync.assert_not_called()
        self.lose_control()
        for domain in (self.ours, self.never):
            with self.assertRaises(service.HostingRefused):
                service.enable(Domain.objects.get(pk=domain.pk))

    def test_s41p_its_history_stays_visible_to_its_team(self) -> None:
        with mock.patch.object(alert_tasks.confirm_change, "apply_async"):
            self.check(engine_answering(scored(100)))
            self.check(engine_answering(scored(80)))
        first, last = self.ours.runs.order_by("created")
        self.lose_control()
        self.client.force_login(self.bob)
        page = self.client.get(f"/domains/{self.ours.code}/")
        self.assertContains(page, "Not verified for your team since")
        past = self.client.get(f"/domains/{self.ours.code}/?run={first.code}")
        self.assertEqual(past.status_code, 200)
        compare = self.client.get(
            f"/domains/{self.ours.code}/compare/?from={first.code}&to={last.code}"
        )
        self.assertContains(compare, "<strong>100</strong>", html=False)
        self.assertContains(compare, "<strong>80</strong>", html=False)
        self.client.force_login(self.charlie)  # the new owner's team sees none of it
        self.assertEqual(self.client.get(f"/domains/{self.ours.code}/").status_code, 404)

    def test_s41p_its_page_points_to_its_history(self) -> None:
        # The page of a domain no longer verified shows how to verify it again, not its
        # panels; its checks until then are kept and one link away (Compare lists them).
        with mock.patch.object(alert_tasks.confirm_change, "apply_async"):
            self.check(engine_answering(scored(100)))
            self.check(engine_answering(scored(80)))
        self.lose_control()
        for user in (self.alice, self.bob):
            self.client.force_login(user)
            page = self.client.get(f"/domains/{self.ours.code}/")
            self.assertContains(page, "Its checks until then are kept")
            self.assertContains(page, "scored 80/100")
            self.assertContains(page, f'href="/domains/{self.ours.code}/compare/"')
        # Never checked: no history to point to.
        page = self.client.get(f"/domains/{self.never.code}/")
        self.assertNotContains(page, "Its checks until then are kept")
