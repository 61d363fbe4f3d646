"""Task s37c, item 3: a weekly summary whose send is retried (a transient SMTP error) tells what
its first try would have: its window is fixed when it is made (covers_until), and a report of
its days stored after that is not counted by the retry but by the next summary, as a late
report, once. Before, the retry counted it and the next summary told it again as late (s36m
left this)."""

from __future__ import annotations

import smtplib
from datetime import date, timedelta
from unittest import mock

from django.core import mail

from mailsec.alerts import emails, weekly
from mailsec.alerts.models import Notification
from mailsec.alerts.tasks import send_notification
from tests.test_alerts_s34w import MONDAY_9
from tests.test_webapp_s36m_weekly import PREVIOUS, SummaryCase, flat

SUNDAY = date(2026, 11, 29)  # the last day of the summary made MONDAY_9


class RetriedWeeklySendTestCase(SummaryCase):
    def test_a_report_stored_between_the_making_and_a_retried_send_is_counted_once(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        self.report(domain, date(2026, 11, 27), PREVIOUS + timedelta(days=5), ok=10, failed=0)
        made = weekly.make(self.alice, MONDAY_9)
        assert made is not None
        real_send = emails.send
        with mock.patch.object(
            emails, "send", side_effect=smtplib.SMTPServerDisconnected("try later")
        ):
            send_notification.apply(args=[str(made.code)])
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Notification.objects.get(pk=made.pk).status, Notification.Status.FAILED)
        # Sunday's report comes at 11:00, after the summary was made; the retry goes at 14:00.
        self.report(domain, SUNDAY, MONDAY_9 + timedelta(hours=2), ok=20, failed=5)
        with mock.patch.object(emails, "send", side_effect=real_send):
            send_notification.apply(args=[str(made.code)])
            send_notification.apply(args=[str(made.code)])  # a duplicate task: nothing more
        [first] = mail.outbox
        body = flat(first.body)
        self.assertIn("Mon 23 Nov to Sun 29 Nov 2026", body)  # its week, not the retry's
        self.assertIn("10 sessions", body)  # Friday's report alone
        self.assertNotIn("30 sessions", body)
        self.assertNotIn("5 failed", body)
        self.assertIsNone(weekly.make(self.alice, MONDAY_9 + timedelta(hours=5)))  # one a week
        # The next Monday tells Sunday's report as late, once.
        _, nxt, _ = self.send_at(MONDAY_9 + timedelta(days=7))
        self.assertIn(
            "Late reports: 1 report for earlier days (Sun 29 Nov) arrived since 30 Nov 2026, "
            "09:00 UTC, too late for any earlier summary: 25 sessions, 5 failed (20.00 %).",
            nxt,
        )

    def test_a_report_stored_before_the_making_is_counted_by_it_and_not_again(self) -> None:
        """Control: a report stored before the summary was made is its own week's."""
        self.previous()
        domain = self.clean("shop.example.com")
        self.report(domain, SUNDAY, MONDAY_9 - timedelta(hours=2), ok=20, failed=5)
        _, body, _ = self.send_at(MONDAY_9)
        self.assertIn("25 sessions", body)
        _, nxt, _ = self.send_at(MONDAY_9 + timedelta(days=7))
        self.assertNotIn("Late reports", nxt)
