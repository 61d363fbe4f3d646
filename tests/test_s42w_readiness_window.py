"""Task s42w, item 4: the enforce-readiness card and the dashboard's "Last 30 days" beside it
count the same 30 UTC days, today and the 29 before it. The card counted reports ending after
"now minus 30 days": on 20 Nov at 09:00 the report of 21 Oct (ending 21 Oct 23:59:59) counted
there while the chart began on 22 Oct, so one day's failures could read "Not yet" on the card
above a chart and a failed total that showed none."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from mailsec.hosting.readiness import judge, seen_policy, self_hosted_readiness
from reports.dashboard import summarise
from tests.test_readiness_s11_self_hosted import CARD, SelfHostedCase, engine_findings, sts
from tests.test_reports_dash_s8_figures import detail, post, report


class S42wReadinessWindowTestCase(SelfHostedCase):
    def check(self, findings, domain=None):  # type: ignore[no-untyped-def,override]
        run = super().check(findings, domain)
        self.domain.refresh_from_db()  # judge reads domain.last_run
        return run

    def report_on(self, days_ago: int, failed: int) -> None:
        """Microsoft's report of the UTC day `days_ago` days before today, with `failed`
        certificate-expired sessions at mx2."""
        day = timezone.now().date() - timedelta(days=days_ago)
        failing = [detail("certificate-expired", failed, mx="mx2.example.com", ip="192.0.2.26")]
        body = report("Microsoft Corporation", f"old-{days_ago}", day, [sts(400, failed, failing)])
        raw = post(self.address, body)
        assert raw.parse_status == "parsed", raw.error

    def test_the_card_and_the_chart_start_on_the_same_utc_day(self) -> None:
        run = self.check(engine_findings())
        self.days_of_reports(8)
        first = summarise(self.address).days[0].day
        self.assertEqual(first, timezone.now().date() - timedelta(days=29))
        # Any time of today: the window is the same whole days.
        for hour in (0, 9, 23):
            now = datetime.combine(timezone.now().date(), time(hour, 30), UTC)
            readiness = self_hosted_readiness(self.domain, seen_policy(run), now)
            self.assertEqual(readiness.since_day, first, hour)
            self.assertEqual(readiness.window_days, 30, hour)

    def test_a_report_of_the_day_before_the_chart_is_not_counted_by_the_card(self) -> None:
        run = self.check(engine_findings())
        self.days_of_reports(8)
        self.report_on(30, failed=50)  # the day before the chart's first
        summary = summarise(self.address)
        self.assertEqual(summary.failed, 0)  # the chart and its totals leave it out
        now = datetime.combine(timezone.now().date(), time(9), UTC)
        readiness = self_hosted_readiness(self.domain, seen_policy(run), now)
        self.assertEqual((readiness.failed, readiness.days), (0, 8), readiness.reasons)
        self.assertEqual(readiness.verdict, "ready", readiness.reasons)
        _, text = self.page()
        self.assertIn(CARD, text)
        self.assertIn(f"Over the last 30 days (since {first_words(summary)}):", text)
        self.assertIn("Ready: 8 days of reports from 2 organisations", text)
        self.assertNotIn("Not yet", text)

    def test_a_report_of_the_charts_first_day_is_counted_by_both(self) -> None:
        # Control (before and after): the chart's first day is the card's too.
        run = self.check(engine_findings())
        self.days_of_reports(8)
        self.report_on(29, failed=50)
        summary = summarise(self.address)
        self.assertEqual(summary.failed, 50)
        now = datetime.combine(timezone.now().date(), time(9), UTC)
        readiness = self_hosted_readiness(self.domain, seen_policy(run), now)
        self.assertEqual((readiness.failed, readiness.verdict), (50, "not-ready"))
        _, text = self.page()
        self.assertIn("Not yet", text)

    def test_testing_since_later_than_the_window_still_counts_from_then(self) -> None:
        # A policy we host counts from when it went to testing, inside the 30 days: a report
        # ending before that is about the policy before.
        self.check(engine_findings())
        self.days_of_reports(8)
        now = timezone.now()
        began = datetime.combine(now.date() - timedelta(days=3), time(1), UTC)
        readiness = judge(self.domain, ["mx1.example.com"], now, testing_since=began)
        self.assertEqual(readiness.since, began)
        self.assertEqual(readiness.days, 3)  # the reports of the last three days end after it


def first_words(summary: object) -> str:
    """The chart's first day as the card writes its "since" ("1 Jun 2026")."""
    day = summary.days[0].day  # type: ignore[attr-defined]
    return f"{day.day} {day:%b %Y}"
