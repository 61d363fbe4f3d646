"""MSP scale follow-ups (task s36m), items 2 and 3: the weekly summary.

2. Its open-problem and hosting reads: what they fetch is bounded by what the email shows and
   by the summary's time (nothing after `now`), not by the lower edge of its news window,
   since an open problem confirmed weeks ago is still open and a hosting trouble told weeks
   ago is still told in its latest event's words.
3. A TLS report that arrives after the summary covering its day was in no summary (the next
   one's days start after it): the next summary says it arrived late, once; and a report that
   arrived after a summary was made is not counted in it when its send is retried later."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mailsec.alerts import weekly
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertRecipient, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from mailsec.hosting.models import HostingEvent
from reports.models import FailureDetail, PolicyResult, ReportAddress, TlsReport
from tests.test_alerts_s34w import CERT_TROUBLE, MONDAY_9, WeeklyTestCase
from tests.test_alerts_s35w import rows_read

PREVIOUS = MONDAY_9 - timedelta(days=7)  # last week's summary, made Mon 23 Nov 09:00 UTC


def flat(text: str) -> str:
    return " ".join(text.split())


class SummaryCase(WeeklyTestCase):
    def previous(self, covers_until: datetime = PREVIOUS) -> None:
        Notification.objects.create(
            user=self.alice,
            kind=Notification.Kind.WEEKLY,
            to_address=self.alice.email,
            digest_day=covers_until.date(),
            covers_until=covers_until,
            status=Notification.Status.SENT,
        )

    def report(
        self,
        domain: Domain,
        day: date,
        arrived: datetime,
        ok: int = 15,
        failed: int = 5,
        imported: bool = False,
    ) -> TlsReport:
        address, _ = ReportAddress.objects.get_or_create(
            domain=domain, defaults={"domain_name": domain.name}
        )
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        report = TlsReport.objects.create(
            address=address,
            organization_name="google.com",
            submitter="google.com",
            report_id=f"r-{domain.name}-{day}-{arrived.timestamp()}",
            start=start,
            end=start + timedelta(days=1),
            day=day,
            total_successful=ok,
            total_failed=failed,
            created=arrived,
            # An import marks its reports evaluated in the instant it stores them.
            alerts_evaluated_at=arrived if imported else arrived + timedelta(seconds=3),
        )
        policy = PolicyResult.objects.create(
            report=report, policy_type="sts", successful=ok, failed=failed
        )
        if failed:
            FailureDetail.objects.create(
                report=report,
                policy=policy,
                result_type="certificate-expired",
                receiving_mx_hostname=f"mx1.{domain.name}",
                failed_session_count=failed,
            )
        return report

    def send_at(self, now: datetime) -> tuple[str, str, str]:
        mail.outbox.clear()
        weekly.make(self.alice, now)
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        return message.subject, flat(message.body), flat(str(message.alternatives[0][0]))


class LateReportsTestCase(SummaryCase):
    """Item 3."""

    def test_a_report_that_came_after_its_days_summary_is_told_by_the_next(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        # Sunday 22 Nov's report: last week's summary (Mon 23 Nov 09:00) covered the day
        # but the report came at 15:00.
        self.report(domain, date(2026, 11, 22), PREVIOUS + timedelta(hours=6))
        _, body, html = self.send_at(MONDAY_9)
        late = (
            "Late reports: 1 report for earlier days (Sun 22 Nov) arrived since 23 Nov 2026, "
            "09:00 UTC, too late for any earlier summary: 20 sessions, 5 failed (25.00 %)."
        )
        self.assertIn(late, body)
        self.assertIn(late, re.sub(r"<[^>]+>", "", html))
        # Not counted as last week's: its day is not one of them.
        self.assertIn("TLS reports: no sessions reported last week", body)
        self.assertIn("Reports: ", body)  # the dashboard, where it is

    def test_several_days_are_given_as_a_range_and_summed(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        self.report(domain, date(2026, 11, 20), PREVIOUS + timedelta(hours=1), ok=10, failed=0)
        self.report(domain, date(2026, 11, 22), PREVIOUS + timedelta(days=2), ok=30, failed=10)
        _, body, _ = self.send_at(MONDAY_9)
        self.assertIn(
            "Late reports: 2 reports for earlier days (Fri 20 Nov to Sun 22 Nov) arrived since "
            "23 Nov 2026, 09:00 UTC, too late for any earlier summary: 50 sessions, 10 failed "
            "(20.00 %).",
            body,
        )

    def test_one_that_came_before_the_previous_summary_is_not_told_again(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        self.report(domain, date(2026, 11, 22), PREVIOUS - timedelta(hours=2))
        _, body, _ = self.send_at(MONDAY_9)
        self.assertNotIn("Late reports", body)

    def test_an_import_of_history_is_no_late_report(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        for n in range(5):
            self.report(domain, date(2026, 10, 1 + n), PREVIOUS + timedelta(days=1), imported=True)
        _, body, _ = self.send_at(MONDAY_9)
        self.assertNotIn("Late reports", body)

    def test_the_days_own_reports_are_counted_as_before(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        self.report(domain, date(2026, 11, 29), MONDAY_9 - timedelta(hours=8), ok=90, failed=10)
        subject, body, _ = self.send_at(MONDAY_9)
        self.assertIn("TLS reports: 100 sessions from 1 sending organisation, 10 failed", body)
        self.assertNotIn("Late reports", body)
        self.assertIn("failed TLS sessions on shop.example.com", subject)

    def test_sundays_report_after_mondays_summary_is_told_the_next_monday(self) -> None:
        self.previous()
        domain = self.clean("shop.example.com")
        self.report(domain, date(2026, 11, 29), MONDAY_9 - timedelta(hours=8), ok=90, failed=0)
        _, body, _ = self.send_at(MONDAY_9)
        self.assertIn("TLS reports: 90 sessions from 1 sending organisation, none failed", body)
        # Sunday's second report comes at 10:00, after the summary; not yet evaluated for
        # alerts (a report waiting for its alert task is no import).
        late = self.report(domain, date(2026, 11, 29), MONDAY_9 + timedelta(hours=1), 5, 5)
        TlsReport.objects.filter(pk=late.pk).update(alerts_evaluated_at=None)
        _, body, _ = self.send_at(MONDAY_9 + timedelta(days=7))
        self.assertIn(
            "Late reports: 1 report for earlier days (Sun 29 Nov) arrived since 30 Nov 2026, "
            "09:00 UTC, too late for any earlier summary: 10 sessions, 5 failed (50.00 %).",
            body,
        )
        # Told once: the summary after says nothing of it.
        _, body, _ = self.send_at(MONDAY_9 + timedelta(days=14))
        self.assertNotIn("Late reports", body)

    def test_an_outsiders_late_reports_are_not_told(self) -> None:
        self.previous()
        self.clean("shop.example.com")
        theirs = Domain.objects.create(
            team=self.charlies_team, name="theirs.example", verified_at=PREVIOUS
        )
        self.report(theirs, date(2026, 11, 22), PREVIOUS + timedelta(hours=6))
        _, body, _ = self.send_at(MONDAY_9)
        self.assertNotIn("Late reports", body)
        self.assertNotIn("theirs.example", body)

    def test_the_queries_do_not_grow_with_late_reports(self) -> None:
        self.previous()
        domains = [self.clean(f"d{n}.example") for n in range(3)]

        def queries() -> int:
            AlertRecipient.objects.get_or_create(user=self.alice)
            Notification.objects.filter(kind="weekly", status="pending").delete()
            n = weekly.make(self.alice, MONDAY_9)
            assert n is not None
            with CaptureQueriesContext(connection) as ctx:
                build_message(Notification.objects.get(pk=n.pk))
            Notification.objects.filter(pk=n.pk).delete()
            return len(ctx.captured_queries)

        few = queries()
        for domain in domains:
            for day in (20, 21, 22):
                self.report(domain, date(2026, 11, day), PREVIOUS + timedelta(hours=day))
        for n in range(3, 12):
            domain = self.clean(f"d{n}.example")
            self.report(domain, date(2026, 11, 22), PREVIOUS + timedelta(hours=1))
        self.assertEqual(queries(), few)


class BoundedByTheSummaryTestCase(SummaryCase):
    """Item 2: the open-problem and hosting reads fetch the rows shown, none made after the
    summary's time, and still the old ones that are shown."""

    def read(self, now: datetime) -> tuple[str, list[Change], list[HostingEvent], list[str]]:
        AlertRecipient.objects.get_or_create(user=self.alice)
        n = weekly.make(self.alice, now)
        assert n is not None
        with (
            rows_read(Change) as changes,
            rows_read(HostingEvent) as events,
            CaptureQueriesContext(connection) as captured,
        ):
            body = flat(build_message(Notification.objects.get(pk=n.pk)).body)
        sql = [q["sql"] for q in captured.captured_queries]
        return body, changes, events, sql

    def test_rows_after_the_summarys_time_are_not_fetched(self) -> None:
        domain = self.clean("shop.example.com")
        self.hosting_trouble(domain, days_ago=3)
        policy = domain.hosted_policy
        # Told after the summary was made (its send retried later): next week's words.
        HostingEvent.objects.create(
            policy=policy,
            kind="cert",
            message="Later words.",
            created=MONDAY_9 + timedelta(hours=2),
        )
        _, _, events, sql = self.read(MONDAY_9)
        self.assertEqual([e.message for e in events], [CERT_TROUBLE.format(name=domain.name)])
        [event_sql] = [s for s in sql if "hosting_hostingevent" in s]
        self.assertRegex(event_sql, r'"created" <= ')

    def test_old_open_rows_still_shown_are_read_and_nothing_else(self) -> None:
        domain = self.clean("shop.example.com")
        # Open since before the window (told weeks ago, still open) and a trouble told then.
        old = self.problem(domain, days_ago=40)
        self.hosting_trouble(domain, days_ago=30)
        # Resolved problems of every age: not open, not read.
        for days in range(1, 30):
            Change.objects.create(
                domain=domain,
                kind="record-gone",
                key=f"gone-{days}",
                summary=f"Resolved {days}.",
                state=Change.State.RECOVERED,
                created=MONDAY_9 - timedelta(days=days, hours=2),
                confirmed_at=MONDAY_9 - timedelta(days=days, hours=1),
                recovered_at=MONDAY_9 - timedelta(days=days),
            )
        body, changes, events, _ = self.read(MONDAY_9)
        self.assertEqual([c.pk for c in changes], [old.pk])
        self.assertEqual(len(events), 1)
        self.assertIn(f"Open problems: * {old.summary}", body)
        self.assertIn(f"Hosted MTA-STS: * {CERT_TROUBLE.format(name=domain.name)}", body)
        self.assertNotIn("Resolved", body)
