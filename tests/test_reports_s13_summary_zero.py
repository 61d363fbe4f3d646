"""A policy whose summary counts no failed session (total-failure-session-count 0) failed
none, whatever its failure details list (checklist §12 RPT-11): the weekly email's top
failures and enforce readiness count its details no more than the alerts and the dashboard
do (reports.alerts.failed_rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts import weekly
from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import enforce_readiness
from reports.models import FailureDetail, PolicyResult, ReportAddress, TlsReport
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase, checked

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday


def add_report(
    domain: Domain,
    org: str,
    start: datetime,
    ok: int,
    failed: int,
    details: dict[str, int],
    mx: str = "mx1.example.org",
) -> None:
    """A counted one-day report from `org` with one sts policy whose summary says `ok` and
    `failed` sessions, and a failure-details entry per type in `details` (type: its own
    failed-session-count, which need not agree with `failed`)."""
    address, _ = ReportAddress.objects.get_or_create(
        domain=domain, defaults={"domain_name": domain.name}
    )
    report = TlsReport.objects.create(
        address=address,
        organization_name=org,
        submitter=org,
        report_id=f"{org}-{start:%Y%m%d%H}",
        start=start,
        end=start + timedelta(days=1),
        # Stored within the next day, as senders send a day's report (s37c: a summary
        # counts the reports stored by the time it was made).
        created=start + timedelta(days=1, hours=1),
        day=start.date(),
        total_successful=ok,
        total_failed=failed,
    )
    policy = PolicyResult.objects.create(
        report=report, policy_type="sts", successful=ok, failed=failed
    )
    for result_type, sessions in details.items():
        FailureDetail.objects.create(
            report=report,
            policy=policy,
            result_type=result_type,
            receiving_mx_hostname=mx,
            failed_session_count=sessions,
        )


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklyTopFailuresTestCase(BaseTestCase):
    def setUp(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=MONDAY_9 - timedelta(days=30)
        )

    def test_details_under_a_summary_of_zero_are_not_top_failures(self) -> None:
        sunday: date = (MONDAY_9 - timedelta(days=1)).date()
        start = datetime.combine(sunday, datetime.min.time(), tzinfo=UTC)
        # One sender failed 5 sessions (certificate-expired); another says none of its
        # sessions failed yet lists 40 validation-failure sessions and a type with 0.
        add_report(self.domain, "microsoft.com", start, 20, 5, {"certificate-expired": 5})
        add_report(
            self.domain,
            "google.com",
            start,
            100,
            0,
            {"validation-failure": 40, "certificate-host-mismatch": 0},
        )
        [week] = weekly.summarise(self.alice, MONDAY_9)
        assert week.failed == 5
        assert [(t, n) for t, n, _ in week.top_failures] == [("certificate-expired", 5)]


class ReadinessSummaryZeroTestCase(HostingCase):
    def test_details_under_a_summary_of_zero_do_not_block_ready(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        checked(self.domain, {"mx1.example.org": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        for n in range(7):
            start = timezone.now() - timedelta(days=n + 1)
            add_report(self.domain, "microsoft.com", start, 10, 0, {})
            # Every day google says none failed, but lists validation-failure sessions.
            add_report(self.domain, "google.com", start, 50, 0, {"validation-failure": 2})
        readiness = enforce_readiness(policy, timezone.now())
        assert readiness.failed == 0
        assert [(e.mx, e.failed_sessions) for e in readiness.per_mx] == [("mx1.example.org", 0)]
        assert readiness.ready, readiness.reasons

    def test_details_of_a_policy_that_failed_still_block_ready(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        checked(self.domain, {"mx1.example.org": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        for n in range(7):
            start = timezone.now() - timedelta(days=n + 1)
            add_report(self.domain, "microsoft.com", start, 10, 0, {})
            add_report(
                self.domain,
                "google.com",
                start,
                50,
                0 if n else 3,
                {"validation-failure": 2, "certificate-expired": 0},
            )
        readiness = enforce_readiness(policy, timezone.now())
        # Only the day whose summary counts failures: its 2 validation-failure sessions; the
        # type listed with 0 is not named.
        [mx] = readiness.per_mx
        assert (mx.mx, mx.failed_sessions, mx.result_types) == (
            "mx1.example.org",
            2,
            {"validation-failure"},
        )
        assert not readiness.ready
        assert any(
            r.startswith("mx1.example.org: 2 failed sessions reported.") for r in readiness.reasons
        )
