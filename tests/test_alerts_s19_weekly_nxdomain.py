"""The weekly summary for a domain whose latest run found the name gone from the DNS
(NXDOMAIN: no score since s19z, `last_worst.does_not_exist` since 9467d8f): it says so, not
"not checked yet"."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings

from mailsec.alerts import weekly
from mailsec.alerts.models import Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts_weekly import MONDAY_9


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklyNxdomainTestCase(BaseTestCase):
    def test_a_domain_that_does_not_exist_says_so(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))
        Domain.objects.create(
            team=self.team,
            name="example.org",
            verified_at=MONDAY_9 - timedelta(days=30),
            last_checked_at=MONDAY_9,
            last_worst={"does_not_exist": True},
        )
        weekly.make(self.alice, MONDAY_9)
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        said = "no score: the domain does not exist in DNS (NXDOMAIN)"
        assert said in message.body
        assert said in str(message.alternatives[0][0])
        assert "not checked yet" not in message.body
