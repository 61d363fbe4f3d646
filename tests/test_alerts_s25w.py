"""s25w: alerts leftovers.

1. A domain removed while its problem's alert to someone was still waiting or being retried:
   that alert goes with the domain, never sent, so the person was not told and hears no
   "fixed" when the domain is added again.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts.models import AlertState, Notification, RemovedProblem
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts_s9_model import START, World, store_run


@override_settings(ALERT_DIGEST_HOUR=7)
class RemovedWhileAnAlertWaitedTestCase(BaseTestCase):
    """a.test loses its MTA-STS record; alice's alert is sent, bob's is not (yet)."""

    def setUp(self) -> None:
        self.domain = self.add()
        self.clock = START
        self.world = World()
        self.observe()
        self.observe(mta="gone")
        with self.captureOnCommitCallbacks(execute=False):
            self.assertTrue(self.observe("confirm", send=False).confirmed)
        self.alerts = {
            n.user.username: n for n in Notification.objects.filter(kind=Notification.Kind.ALERT)
        }
        send_notification.apply(args=[str(self.alerts["alice"].code)])
        self.assertEqual([m.to[0] for m in mail.outbox], ["alice@example.org"])

    def add(self) -> Domain:
        return Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())

    def observe(self, kind: str = "scheduled", send: bool = True, **changes: object) -> object:
        for name, value in changes.items():
            setattr(self.world, name, value)
        self.clock += timedelta(minutes=11)
        run = store_run(self.domain, self.world.result(), kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        if send:
            for n in Notification.objects.filter(status=Notification.Status.PENDING):
                send_notification.apply(args=[str(n.code)])
        return outcome

    def fixed_to(self) -> list[str]:
        return sorted(m.to[0] for m in mail.outbox if ": fixed: " in m.subject)

    def remove_and_add_again_then_fix(self) -> None:
        bobs = self.alerts["bob"]
        self.domain.delete()
        # bob's alert went with the domain: it will never be sent.
        self.assertFalse(Notification.objects.filter(pk=bobs.pk).exists())
        mail.outbox.clear()
        self.domain = self.add()
        self.observe()  # still broken: no news
        self.world.mta = "pass"
        self.observe()
        self.assertTrue(self.observe("confirm").recovered)

    def test_an_alert_still_waiting_told_nothing(self) -> None:
        self.remove_and_add_again_then_fix()
        self.assertEqual(self.fixed_to(), ["alice@example.org"])

    def test_an_alert_being_retried_told_nothing(self) -> None:
        # The mail server refused it; a retry is due later.
        Notification.objects.filter(pk=self.alerts["bob"].pk).update(
            status=Notification.Status.FAILED,
            attempts=1,
            next_attempt_at=self.clock + timedelta(hours=1),
        )
        self.remove_and_add_again_then_fix()
        self.assertEqual(self.fixed_to(), ["alice@example.org"])

    def test_an_alert_the_mail_server_may_have_had_told_it(self) -> None:
        # Stuck in "sending" after it was handed over: it may have gone out, so it counts.
        Notification.objects.filter(pk=self.alerts["bob"].pk).update(
            status=Notification.Status.SENDING, handed_over_at=self.clock
        )
        self.remove_and_add_again_then_fix()
        self.assertEqual(self.fixed_to(), ["alice@example.org", "bob@example.org"])

    def test_nobody_reached_keeps_nothing(self) -> None:
        Notification.objects.filter(pk=self.alerts["alice"].pk).delete()
        self.assertEqual(RemovedProblem.keep(self.domain), [])
