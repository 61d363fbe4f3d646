"""s25v1: second look at this session's alerts, accounts and domains changes."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings

from mailsec.alerts.models import AlertSetting, Change, Notification, TeamAlertAddress
from mailsec.alerts.tasks import send_digests, send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

DIGEST, OFF = AlertSetting.Mode.DIGEST, AlertSetting.Mode.OFF


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


@override_settings(ALERT_DIGEST_HOUR=7)
class MailboxDigestsOutliveOneTeamsRowTestCase(BaseTestCase):
    """alice's team and charlie's each added tickets@msp.example for the daily digest (one
    digest a day for the mailbox, made on alice's team's row, the first): when alice's team
    removes the address or is deleted, what the mailbox was told stays known."""

    TICKETS = "tickets@msp.example"

    def setUp(self) -> None:
        self.rows = {}
        self.domains = {}
        for team, name in ((self.team, "a.test"), (self.charlies_team, "b.test")):
            domain = Domain.objects.create(team=team, name=name, verified_at=utc(2026, 1, 1))
            self.domains[name] = domain
            self.rows[name] = TeamAlertAddress.objects.create(
                team=team, email=self.TICKETS, mode=DIGEST, confirmed_at=utc(2026, 1, 1)
            )
            for user_id in team.memberships.values_list("user", flat=True):
                AlertSetting.set_mode(User.objects.get(pk=user_id), domain, OFF)
            Change.objects.create(
                domain=domain,
                kind="score",
                key="score:1",
                summary=f"{name} lost its TLS-RPT record.",
                state=Change.State.CONFIRMED,
                created=utc(2026, 12, 1, 5, 45),
                confirmed_at=utc(2026, 12, 1, 6),
            )

    def run_digests(self, moment: datetime) -> list[str]:
        mail.outbox.clear()
        with at(moment), self.captureOnCommitCallbacks(execute=True):
            send_digests.apply().get()
        for n in Notification.objects.filter(status="pending"):
            send_notification.apply(args=[str(n.code)])
        return [str(m.body) for m in mail.outbox if m.to == [self.TICKETS]]

    def test_the_other_teams_fix_is_still_told(self) -> None:
        self.assertEqual(len(self.run_digests(utc(2026, 12, 1, 7, 17))), 1)
        self.rows["a.test"].delete()  # alice's team removes the address
        Change.objects.filter(domain=self.domains["b.test"]).update(
            state=Change.State.RECOVERED, recovered_at=utc(2026, 12, 1, 12)
        )
        sent = self.run_digests(utc(2026, 12, 2, 7, 17))
        self.assertEqual(len(sent), 1)
        self.assertIn("Fixed", sent[0])
        self.assertIn("b.test", sent[0])

    def test_no_second_digest_that_day(self) -> None:
        self.assertEqual(len(self.run_digests(utc(2026, 12, 1, 7, 17))), 1)
        self.rows["a.test"].delete()
        self.assertEqual(self.run_digests(utc(2026, 12, 1, 9, 17)), [])

    def test_nor_when_the_first_team_is_deleted(self) -> None:
        self.assertEqual(len(self.run_digests(utc(2026, 12, 1, 7, 17))), 1)
        self.team.delete()
        self.assertEqual(self.run_digests(utc(2026, 12, 1, 9, 17)), [])

    def test_a_queued_digest_still_tells_the_other_teams_news(self) -> None:
        with at(utc(2026, 12, 1, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        self.rows["a.test"].delete()
        mail.outbox.clear()
        for n in Notification.objects.filter(status="pending"):
            send_notification.apply(args=[str(n.code)])
        bodies = [str(m.body) for m in mail.outbox if m.to == [self.TICKETS]]
        self.assertEqual(len(bodies), 1)
        self.assertIn("b.test lost its TLS-RPT record.", bodies[0])
        self.assertNotIn("a.test", bodies[0])

    def test_an_address_of_one_team_only_goes_with_its_emails(self) -> None:
        self.rows["b.test"].delete()
        self.run_digests(utc(2026, 12, 1, 7, 17))
        self.rows["a.test"].delete()
        # No row left to move it to: the digest that reached the mailbox is kept with no row,
        # as its history (s26a: added again, it is not told again what it was told).
        kept = Notification.objects.filter(to_address=self.TICKETS)
        self.assertEqual(
            list(kept.values_list("status", "user", "team_address")), [("sent", None, None)]
        )
