"""s25v1: second look at this session's alerts, accounts and domains changes."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from django.test import override_settings

from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.alerts.tasks import send_digests, send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

DIGEST = AlertSetting.Mode.DIGEST


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def at(moment: datetime) -> mock._patch:  # type: ignore[type-arg]
    return mock.patch("django.utils.timezone.now", return_value=moment)


@override_settings(ALERT_DIGEST_HOUR=7)
class AlertNotSentBeforeTheDigestTestCase(BaseTestCase):
    def test_an_alert_still_retrying_when_the_digest_is_made_is_not_lost(self) -> None:
        # Alice, 'at once', is to be emailed a problem at 10:00, but the mail server refuses
        # it (a retry is due); at 12:00 she takes the digest. The alert will be skipped at
        # its retry (she no longer gets it at once), so the next digest must tell it.
        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=utc(2026, 1, 1))
        change = Change.objects.create(
            domain=domain,
            kind="score",
            key="score:1",
            summary="Problem 1.",
            state=Change.State.CONFIRMED,
            created=utc(2026, 12, 1, 9, 45),
            confirmed_at=utc(2026, 12, 1, 10),
        )
        with self.captureOnCommitCallbacks(execute=False):
            alerts = Notification.queue(domain, [change], Notification.Kind.ALERT)
        alert = next(n for n in alerts if n.user == self.alice)
        Notification.objects.filter(pk=alert.pk).update(
            status="failed", attempts=1, next_attempt_at=utc(2026, 12, 2, 9)
        )
        with at(utc(2026, 12, 1, 12)):
            AlertSetting.set_mode(self.alice, domain, DIGEST)
        with at(utc(2026, 12, 2, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        with at(utc(2026, 12, 2, 9)):
            send_notification.apply(args=[str(alert.code)]).get()
        alert.refresh_from_db()
        self.assertEqual(alert.status, "skipped")
        digest = Notification.objects.filter(user=self.alice, kind="digest").first()
        self.assertIsNotNone(digest, "nobody tells Alice of the problem")
        assert digest is not None
        self.assertEqual(list(digest.changes.all()), [change])
