"""Enforce readiness counts only reports with mail in them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import enforce_readiness
from tests.test_hosting import HostingCase, checked


class ReadinessCase(HostingCase):
    def report(
        self,
        policy: HostedPolicy,
        org: str,
        day: int,
        successful: int,
        policy_type: str = "sts",
    ) -> None:
        from reports.models import PolicyResult, ReportAddress, TlsReport

        address, _ = ReportAddress.objects.get_or_create(
            domain=self.domain, defaults={"domain_name": "example.org"}
        )
        start = timezone.now() - timedelta(days=day + 1)
        report = TlsReport.objects.create(
            address=address,
            organization_name=org,
            submitter=org,
            report_id=f"{org}{day}",
            start=start,
            end=start + timedelta(days=1),
            day=start.date(),
            total_successful=successful,
        )
        PolicyResult.objects.create(
            report=report, policy_type=policy_type, successful=successful, failed=0
        )


class EmptyReportsTestCase(ReadinessCase):
    def test_reports_with_no_sessions_are_no_evidence(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        checked(self.domain, {"mx1.example.org": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        # One real session on one day from one sender; another sends empty reports daily.
        self.report(policy, "google.com", 0, 3)
        for day in range(8):
            self.report(policy, "quiet.example", day, 0)
        readiness = enforce_readiness(policy, timezone.now())
        assert not readiness.ready
        assert (readiness.days, readiness.reporters) == (1, 1)
        assert "Reports with sessions cover 1 day in testing mode; 7 are needed." in (
            readiness.reasons
        )

    def test_only_empty_reports_say_so(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        for day in range(3):
            self.report(policy, "quiet.example", day, 0)
        reasons = enforce_readiness(policy, timezone.now()).reasons
        assert any(r.startswith("The TLS reports so far count no sessions") for r in reasons), (
            reasons
        )
        assert not any(r.startswith("No TLS reports yet") for r in reasons), reasons

    def test_reports_with_sessions_make_it_ready(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        checked(self.domain, {"mx1.example.org": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        for day in range(7):
            self.report(policy, "google.com", day, 5)
            self.report(policy, "microsoft.com", day, 1)
        assert enforce_readiness(policy, timezone.now()).ready


class EarlierReportsTestCase(ReadinessCase):
    def test_reports_from_before_testing_are_named_not_ignored_silently(self) -> None:
        policy = self.host(["mx1.example.org"])
        for day in range(3):
            self.report(policy, "google.com", day, 10)
        policy.testing_since = timezone.now()
        policy.save()
        readiness = enforce_readiness(policy, timezone.now())
        assert readiness.since == policy.testing_since
        [first, *_] = readiness.reasons
        assert first.startswith("No TLS reports since testing began, at ")
        assert "3 reports came before that, about the policy the domain had then." in first


class WhyNoDaysTestCase(ReadinessCase):
    def test_only_old_reports_are_not_said_to_predate_testing(self) -> None:
        # Testing began 60 days ago; the reports are 35-37 days old: made during testing,
        # but older than the 30 days looked at.
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=60)
        policy.save()
        for day in range(35, 38):
            self.report(policy, "google.com", day, 10)
        reasons = enforce_readiness(policy, timezone.now()).reasons
        # The window's first UTC day: today and the 29 before it, the dashboard chart's days
        # (s42w; it was 30 times 24 hours back, the day before the chart's first).
        since = timezone.now().date() - timedelta(days=29)
        assert reasons[0].startswith(f"No TLS reports since {since:%Y-%m-%d} (3 older).")
        assert not any("since testing began" in r for r in reasons)

    def test_reports_without_the_policy_say_no_sender_applied_it(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        for day in range(3):
            self.report(policy, "google.com", day, 10, policy_type="no-policy-found")
        [first, *_] = enforce_readiness(policy, timezone.now()).reasons
        assert "3 TLS reports since" in first
        assert "say no sender applied the MTA-STS policy yet" in first


class RecordsBeforeHostingTestCase(ReadinessCase):
    def test_the_placeholder_record_has_no_copy_button(self) -> None:
        from django.urls import reverse

        from tests.test_hosting import fake_dns

        self.client.force_login(self.alice)
        with fake_dns(["mx1.example.org"]):
            r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        page = r.content.decode()
        assert "v=STSv1; id=&lt;the policy id&gt;;" in page
        assert "The id is made when hosting is switched on." in page
        assert 'aria-label="Copy the value for _mta-sts.example.org"' not in page
        assert 'aria-label="Copy the value for mta-sts.example.org"' in page


class CompareMenuTestCase(ReadinessCase):
    def test_a_re_check_is_told_apart_in_the_compare_menus(self) -> None:
        from django.urls import reverse

        from tests.test_domains import finished_run

        old = finished_run(self.domain, score=80, days_ago=1)
        finished_run(self.domain, score=28, days_ago=0.01)
        new = finished_run(self.domain, score=28, days_ago=0.01, kind="confirm")
        self.client.force_login(self.alice)
        page = self.client.get(reverse("domains:details", args=[self.domain.code])).content
        assert page.decode().count("(28, re-check)</option>") == 2  # the from and to menus
        url = reverse("domains:compare", args=[self.domain.code])
        page = self.client.get(url, {"from": old.code, "to": new.code}).content
        assert page.decode().count("(28, re-check)</option>") == 2


class SinceTestingTestCase(ReadinessCase):
    def test_reports_before_a_recent_start_in_another_mode_are_dated_by_it(self) -> None:
        # Mode none now; testing began 5 days ago: reports 10-12 days old are older than what
        # is looked at, which is not "the last 30 days".
        policy = self.host(["mx1.example.org"], mode="none")
        policy.testing_since = timezone.now() - timedelta(days=5)
        policy.save()
        for day in range(10, 13):
            self.report(policy, "google.com", day, 10)
        reasons = enforce_readiness(policy, timezone.now()).reasons
        since = policy.testing_since.date()
        assert any(
            r.startswith(f"No TLS reports since {since:%Y-%m-%d} (3 older).") for r in reasons
        )
        assert not any("last 30 days" in r for r in reasons)
