"""Leaving the daily digest for "email me at once" (one domain, or the whole team) tells at
once what the next digest owed: the digest made later leaves the domain out (s23a T11).
Leaving "no emails" tells nothing of what happened while muted, and nothing is told twice."""

from __future__ import annotations

from django.utils import timezone

from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

DIGEST, IMMEDIATE, OFF = (
    AlertSetting.Mode.DIGEST,
    AlertSetting.Mode.IMMEDIATE,
    AlertSetting.Mode.OFF,
)


class SwitchFromTheDigestTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.change = Change.objects.create(
            domain=self.domain,
            kind="finding",
            key="finding:SMTP-01|mx1.a.test",
            summary="mx1.a.test no longer offers STARTTLS.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )

    def alerts_to_alice(self) -> list[list[int]]:
        return [
            [c.pk for c in n.changes.all()]
            for n in Notification.objects.filter(user=self.alice, kind=Notification.Kind.ALERT)
        ]

    def test_one_domain(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        with self.captureOnCommitCallbacks(execute=False):
            AlertSetting.set_mode(self.alice, self.domain, IMMEDIATE)
        self.assertEqual(self.alerts_to_alice(), [[self.change.pk]])
        # Switching back and forth tells nothing twice.
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        with self.captureOnCommitCallbacks(execute=False):
            AlertSetting.set_mode(self.alice, self.domain, IMMEDIATE)
        self.assertEqual(self.alerts_to_alice(), [[self.change.pk]])

    def test_the_whole_team(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        with self.captureOnCommitCallbacks(execute=False):
            AlertSetting.set_mode_for_team(self.alice, self.team, IMMEDIATE)
        self.assertEqual(self.alerts_to_alice(), [[self.change.pk]])

    def test_not_from_no_emails_nor_a_fixed_problem(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, OFF)
        AlertSetting.set_mode(self.alice, self.domain, IMMEDIATE)
        self.assertEqual(self.alerts_to_alice(), [])
        Change.objects.filter(pk=self.change.pk).update(recovered_at=timezone.now())
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        AlertSetting.set_mode_for_team(self.alice, self.team, IMMEDIATE)
        self.assertEqual(self.alerts_to_alice(), [])
