"""Each alert email is handed to the task queue after commit on its own (review s40t): a broker
that refuses one hand-off must neither stop the other members' emails from being handed over
nor fail the task that saved them (the alert task would retry and log a failure for changes
already saved). The one refused stays pending, and alerts.tasks.sweep sends it later."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from kombu.exceptions import OperationalError

from mailsec.alerts.models import Notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase


class RobustSendTestCase(BaseTestCase):
    def test_a_refused_hand_off_does_not_stop_the_next_one(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        handed: list[str] = []

        def delay(code: str) -> None:
            if not handed:
                handed.append("refused")
                raise OperationalError("broker down")
            handed.append(code)

        with (
            mock.patch("mailsec.alerts.tasks.send_notification.delay", side_effect=delay),
            self.assertLogs("django", level="ERROR"),  # on_commit logs a robust failure
            self.captureOnCommitCallbacks(execute=True),
        ):
            first = Notification._queue_one(self.alice, domain, Notification.Kind.ALERT, [])
            second = Notification._queue_one(self.bob, domain, Notification.Kind.ALERT, [])
        self.assertEqual(handed, ["refused", str(second.code)])
        first.refresh_from_db()
        self.assertEqual(first.status, Notification.Status.PENDING)
        later = first.created + timedelta(minutes=3)
        self.assertIn(first, Notification.due_for_retry(later))  # the sweep hands it over
