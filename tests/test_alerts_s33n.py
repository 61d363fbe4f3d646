"""s33n: the weekly summary opened with "Nothing needs fixing." for a domain at 74/100 with no
MTA-STS record, right above its own "Points lost" lines, and its subject said "nothing to fix":
both looked only at open changes and failed TLS-RPT sessions (audit s33p). A domain that loses
points needs a look too; the opening says which domains lose points, have open problems or had
failed sessions, and only a summary where none does says there is nothing to fix. (Since
s34w the subject names only what changed this week: tests/test_alerts_s34w.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings

from mailsec.alerts import weekly
from mailsec.alerts.models import Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from reports.models import PolicyResult, ReportAddress, TlsReport
from tests.conftest import BaseTestCase
from tests.test_alerts_s33p import mta_sts_gone_and_dmarc_none
from tests.test_webapp_s32w import run_of

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
DATES = "TLS reports said last week (Mon 23 Nov to Sun 29 Nov 2026, UTC)."


@override_settings(
    ALERT_DIGEST_HOUR=7, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
class WeeklyOpeningTestCase(BaseTestCase):
    def setUp(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))

    def domain(self, name: str) -> Domain:
        return Domain.objects.create(team=self.team, name=name)

    def failed_sessions(self, domain: Domain, failed: int) -> None:
        address = ReportAddress.objects.create(domain=domain, domain_name=domain.name)
        day = (MONDAY_9 - timedelta(days=1)).date()
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        report = TlsReport.objects.create(
            address=address,
            organization_name="google.com",
            submitter="google.com",
            report_id=f"r-{domain.name}",
            start=start,
            end=start + timedelta(days=1),
            # Stored within the next day, as senders send a day's report (s37c: a summary
            # counts the reports stored by the time it was made).
            created=start + timedelta(days=1, hours=1),
            day=day,
            total_successful=10,
            total_failed=failed,
        )
        PolicyResult.objects.create(report=report, policy_type="sts", successful=10, failed=failed)

    def send(self) -> tuple[str, str, str]:
        weekly.make(self.alice, MONDAY_9)
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        html = " ".join(str(message.alternatives[0][0]).split())
        return str(message.subject), " ".join(message.body.split()), html

    def test_a_domain_that_loses_points_is_not_nothing_to_fix(self) -> None:
        run = run_of(self.domain("shop.example.com"), 0, mta_sts_gone_and_dmarc_none)
        assert run.score is not None and run.score < 100
        subject, body, html = self.send()
        # Points lost week after week are no news for the subject (s34w); the body says them.
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        self.assertNotIn("Nothing needs fixing", body)
        self.assertNotIn("Nothing needs fixing", html)
        self.assertIn(f"{DATES} shop.example.com loses points. shop.example.com", body)
        self.assertIn(f"{DATES} shop.example.com loses points.</p>", html)
        self.assertIn("Points lost: * MTA-STS", body)

    def test_the_opening_says_which_domains_need_what(self) -> None:
        run_of(self.domain("a.example"), 0, mta_sts_gone_and_dmarc_none)
        run_of(self.domain("b.example"), 0, mta_sts_gone_and_dmarc_none)
        clean = self.domain("c.example")
        run_of(clean, 0)
        Change.objects.create(
            domain=clean,
            kind="record-gone",
            key="record-gone:tls-rpt",
            summary="The TLS-RPT record _smtp._tls.c.example has disappeared.",
            state=Change.State.CONFIRMED,
            confirmed_at=MONDAY_9 - timedelta(days=2),
        )
        self.failed_sessions(clean, 5)
        run_of(self.domain("d.example"), 0)  # 100/100, nothing open, no reports: nothing
        subject, body, _ = self.send()
        self.assertEqual(
            subject,
            "[mailsec] Your week: new problems on c.example; failed TLS sessions on c.example",
        )
        self.assertIn(
            f"{DATES} 2 domains lose points: a.example and b.example. c.example has open "
            "problems. c.example had failed TLS sessions last week. a.example",
            body,
        )

    def test_a_score_below_100_without_its_detail_still_loses_points(self) -> None:
        # A score kept without the run's detail (no "Points lost" lines to show): 80/100 is
        # not nothing to fix either.
        Domain.objects.create(
            team=self.team,
            name="old.example",
            verified_at=MONDAY_9 - timedelta(days=30),
            last_score=80,
        )
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        self.assertIn(f"{DATES} old.example loses points.", body)

    def test_many_domains_are_counted_not_all_named(self) -> None:
        for i in range(7):
            run_of(self.domain(f"d{i}.example"), 0, mta_sts_gone_and_dmarc_none)
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 7 domains, nothing new")
        self.assertIn(
            "7 domains lose points: d0.example, d1.example, d2.example, d3.example, "
            "d4.example and 2 more.",
            body,
        )

    def test_nothing_to_fix_only_when_nothing_is(self) -> None:
        run_of(self.domain("shop.example.com"), 0)  # 100/100
        self.failed_sessions(Domain.objects.get(), 0)
        subject, body, html = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing to fix")
        self.assertIn(f"{DATES} Nothing needs fixing.", body)
        self.assertIn("Nothing needs fixing.</p>", html)
        self.assertNotIn("Points lost", body)
