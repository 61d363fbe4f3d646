"""The weekly summary: who gets it, when, once a week, what it says, and how to stop it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts import weekly
from mailsec.alerts.models import AlertRecipient, AlertSetting, Change, Notification
from mailsec.alerts.tasks import send_notification, send_weekly_summaries
from mailsec.domains.models import Domain
from reports.models import FailureDetail, PolicyResult, ReportAddress, TlsReport
from tests.conftest import BaseTestCase

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklySummaryTestCase(BaseTestCase):
    def setUp(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))
        self.domain = Domain.objects.create(
            team=self.team,
            name="example.org",
            verified_at=MONDAY_9 - timedelta(days=30),
            last_score=80,
            week_ago_score=90,
        )

    def report(self, org: str, day: date, ok: int, failed: int, result_type: str = "") -> None:
        address, _ = ReportAddress.objects.get_or_create(
            domain=self.domain, defaults={"domain_name": "example.org"}
        )
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        report = TlsReport.objects.create(
            address=address,
            organization_name=org,
            submitter=org,
            report_id=f"{org}-{day}",
            start=start,
            end=start + timedelta(days=1),
            # Stored within the next day, as senders send a day's report (s37c: a summary
            # counts the reports stored by the time it was made).
            created=start + timedelta(days=1, hours=1),
            day=day,
            total_successful=ok,
            total_failed=failed,
        )
        policy = PolicyResult.objects.create(
            report=report, policy_type="sts", successful=ok, failed=failed
        )
        if failed:
            FailureDetail.objects.create(
                report=report,
                policy=policy,
                result_type=result_type,
                receiving_mx_hostname="mx1.example.org",
                failed_session_count=failed,
            )

    def send_all(self) -> None:
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])

    def test_it_is_due_from_monday_morning_once_a_week(self) -> None:
        assert weekly.due(MONDAY_9 - timedelta(hours=3)) == []  # Monday 06:00
        assert weekly.due(MONDAY_9 - timedelta(days=1)) != []  # Sunday: last week's is due
        assert {u.username for u in weekly.due(MONDAY_9)} == {"alice", "bob"}
        with mock.patch("mailsec.alerts.tasks.timezone.now", return_value=MONDAY_9):
            assert send_weekly_summaries.apply().get() == 2
            assert send_weekly_summaries.apply().get() == 0  # the next hour: made already
        later = MONDAY_9 + timedelta(days=3)  # a beat that was down on Monday catches up...
        assert weekly.due(later) == []  # ...but this week's are made
        assert {u.username for u in weekly.due(MONDAY_9 + timedelta(days=7))} == {"alice", "bob"}

    def test_nobody_without_a_verified_domain_or_who_joined_this_week(self) -> None:
        assert "charlie" not in {u.username for u in weekly.due(MONDAY_9)}  # no domain
        self.bob.date_joined = MONDAY_9 - timedelta(hours=1)
        self.bob.save()
        assert {u.username for u in weekly.due(MONDAY_9)} == {"alice"}
        Domain.objects.update(verified_at=None)
        assert weekly.due(MONDAY_9) == []

    def test_it_says_what_the_week_held_in_words(self) -> None:
        for i in range(7):
            day = (MONDAY_9 - timedelta(days=i + 1)).date()
            self.report("google.com", day, 100, 0)
            self.report("microsoft.com", day, 20, 5 if i == 0 else 0, "certificate-expired")
        self.report(
            "google.com", (MONDAY_9 - timedelta(days=9)).date(), 0, 50, "starttls-not-supported"
        )
        Change.objects.create(
            domain=self.domain,
            kind="record-gone",
            key="record-gone:tls-rpt",
            summary="The TLS-RPT record _smtp._tls.example.org has disappeared.",
            state=Change.State.CONFIRMED,
            confirmed_at=MONDAY_9 - timedelta(days=2),
        )
        n = weekly.make(self.alice, MONDAY_9)
        assert n is not None and weekly.make(self.alice, MONDAY_9) is None
        self.send_all()
        [message] = mail.outbox
        assert message.to == ["alice@example.org"]
        # What changed this week (s34w): the problem confirmed on Saturday, the score 10
        # points down, the failed sessions.
        assert message.subject == (
            "[mailsec] Your week: new problems on example.org; score dropped on example.org; "
            "failed TLS sessions on example.org"
        )
        body = " ".join(message.body.split())
        assert "TLS reports said last week (Mon 23 Nov to Sun 29 Nov 2026, UTC)." in body
        assert "Score: 80/100 (-10 since last week)" in body
        assert "Open problems: * The TLS-RPT record _smtp._tls.example.org has disappeared." in body
        # 7 days x 125 sessions; the report from 9 days ago is not this week's
        assert "TLS reports: 845 sessions from 2 sending organisations, 5 failed (0.59 %)" in body
        assert "certificate-expired: 5 sessions. The MX presented a certificate past its" in body
        assert "starttls-not-supported" not in body
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"

    def test_a_tiny_failure_rate_is_not_shown_as_nothing(self) -> None:
        self.report(
            "google.com",
            (MONDAY_9 - timedelta(days=1)).date(),
            999_999,
            1,
            "sts-policy-fetch-error",
        )
        weekly.make(self.alice, MONDAY_9)
        self.send_all()
        [message] = mail.outbox
        assert "1 failed (< 0.01 %)" in message.body
        assert "1 failed (&lt; 0.01 %)" in message.alternatives[0][0]

    def test_a_week_where_almost_everything_failed_does_not_say_all_did(self) -> None:
        self.report(
            "google.com",
            (MONDAY_9 - timedelta(days=1)).date(),
            1,
            40_000,
            "certificate-expired",
        )
        weekly.make(self.alice, MONDAY_9)
        self.send_all()
        [message] = mail.outbox
        assert "40000 failed (> 99.99 %)" in message.body
        assert "100.00 %" not in message.body

    def test_a_quiet_week_says_so(self) -> None:
        # At 80/100 the domain loses points: that week is not quiet (s33n).
        Domain.objects.filter(pk=self.domain.pk).update(last_score=100, week_ago_score=100)
        self.report("google.com", (MONDAY_9 - timedelta(days=1)).date(), 10, 0)
        weekly.make(self.alice, MONDAY_9)
        self.send_all()
        [message] = mail.outbox
        assert message.subject == "[mailsec] Your week: 1 domain, nothing to fix"
        assert "Nothing needs fixing." in message.body
        assert "10 sessions from 1 sending organisation, none failed" in message.body

    def test_its_link_stops_the_summary_only(self) -> None:
        weekly.make(self.alice, MONDAY_9)
        self.send_all()
        [message] = mail.outbox
        url = message.extra_headers["List-Unsubscribe"].strip("<>")
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        r = self.client.get(path)
        self.assertContains(r, "Stop the weekly summary?")
        assert AlertRecipient.objects.get(user=self.alice).weekly_summary  # a GET changes nothing
        self.client.post(path, {"List-Unsubscribe": "One-Click"})
        assert not AlertRecipient.objects.get(user=self.alice).weekly_summary
        assert AlertSetting.mode_for(self.alice, self.domain) == AlertSetting.Mode.IMMEDIATE
        assert {u.username for u in weekly.due(MONDAY_9 + timedelta(days=7))} == {"bob"}

    def test_the_alerts_page_turns_it_off_and_on(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/alerts/")
        self.assertContains(r, 'name="weekly" value="on" checked')
        self.client.post("/alerts/weekly/", {})
        assert not AlertRecipient.objects.get(user=self.alice).weekly_summary
        self.assertNotContains(self.client.get("/alerts/"), 'value="on" checked')
        self.client.post("/alerts/weekly/", {"weekly": "on"})
        assert AlertRecipient.objects.get(user=self.alice).weekly_summary

    def test_no_emails_for_every_domain_or_unsubscribe_from_all_stops_it(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.OFF)
        assert weekly.make(self.alice, MONDAY_9) is None
        n = weekly.make(self.bob, MONDAY_9)
        assert n is not None
        # bob unsubscribes from all alert emails after it was queued: it is not sent.
        self.client.post(f"/alerts/unsubscribe/{self.all_token(self.bob)}/")
        self.send_all()
        assert mail.outbox == []
        n.refresh_from_db()
        assert n.status == Notification.Status.SKIPPED

    def all_token(self, user: User) -> str:
        from mailsec.alerts.emails import unsubscribe_token

        return unsubscribe_token(user, None)

    def test_only_the_persons_own_domains(self) -> None:
        Domain.objects.create(
            team=self.charlies_team, name="charlie.example", verified_at=timezone.now()
        )
        User.objects.filter(pk=self.charlie.pk).update(date_joined=MONDAY_9 - timedelta(days=9))
        weeks = {w.domain.name for w in weekly.summarise(self.alice, MONDAY_9)}
        assert weeks == {"example.org"}
        assert {w.domain.name for w in weekly.summarise(self.charlie, MONDAY_9)} == {
            "charlie.example"
        }

    def test_not_wanted_is_recorded_once_a_week(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.OFF)
        assert weekly.make(self.alice, MONDAY_9) is None
        row = Notification.objects.get(user=self.alice, kind="weekly")
        assert row.status == Notification.Status.SKIPPED
        assert row.error == "no verified domain the person gets emails for"
        # The hourly runs of the rest of the week do not ask again.
        assert "alice" not in {u.username for u in weekly.due(MONDAY_9 + timedelta(hours=1))}

    def test_two_beats_make_one_summary(self) -> None:
        first = weekly.make(self.alice, MONDAY_9)
        second = weekly.make(self.alice, MONDAY_9 + timedelta(minutes=1))
        assert first is not None and second is None
        assert Notification.objects.filter(user=self.alice, kind="weekly").count() == 1

    def test_turned_off_after_it_was_queued_it_is_not_sent(self) -> None:
        n = weekly.make(self.alice, MONDAY_9)
        assert n is not None
        self.client.force_login(self.alice)
        self.client.post("/alerts/weekly/", {})
        self.send_all()
        assert mail.outbox == []
        n.refresh_from_db()
        assert n.status == Notification.Status.SKIPPED
        assert n.error == "the weekly summary was turned off"

    def test_the_migration_turns_it_off_for_who_unsubscribed_from_all(self) -> None:
        import importlib

        from django.apps import apps

        migration = importlib.import_module("mailsec.alerts.migrations.0007_weekly_summary")
        AlertRecipient.objects.create(user=self.alice, unsubscribed_all=True)
        AlertRecipient.objects.create(user=self.bob)
        migration.off_for_the_unsubscribed(apps, None)
        assert not AlertRecipient.objects.get(user=self.alice).weekly_summary
        assert AlertRecipient.objects.get(user=self.bob).weekly_summary
