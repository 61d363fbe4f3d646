"""Task s43l: the times pages still gave in UTC beside a page showing the reader's zone
(docs/webapp.md, Time zones: "2 Dec 2026, 08:05 (Europe/Berlin)", "07:05 UTC" for someone on
UTC), after s43c (1fab8ed7) and s43i (1423f45d):

1. Enforce readiness's reasons ("the last check (… UTC)", "No TLS reports since testing began
   (… UTC)") on the hosting page, the dashboard's readiness card and the message when enforce
   is refused (reworded in s43m: "the last check, at …, could not", "testing began, at …:").
2. The hosting page's notices in their email's words: lookups_failing_note (a flap while no
   lookup answers) and failing_message (#mx-failing). The mx-failing event (and its email)
   keeps its text as written, in UTC (docs/webapp.md: Stay UTC, by design).
3. The "Last checked" tooltip of the domain list ("… UTC")."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.messages import get_messages
from django.test.client import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Profile
from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting import service
from mailsec.hosting.models import MX_LOOKUP_FAILED, HostedPolicy
from tests.test_hosting import T0, checked, fake_dns
from tests.test_hosting_readiness import ReadinessCase
from tests.test_readiness_s11_self_hosted import SelfHostedCase, engine_findings, with_finding

LA = "America/Los_Angeles"


def in_zone(moment: datetime, zone: str) -> str:
    """A time as the pages write it: "1 Dec 2026, 04:00 (America/Los_Angeles)", "… UTC"."""
    here = moment.astimezone(ZoneInfo(zone))
    return f"{here.day} {here:%b %Y, %H:%M} {'UTC' if zone == 'UTC' else f'({zone})'}"


def yesterday_at_0630() -> datetime:
    """06:30 UTC yesterday: the evening before in Los Angeles, another date."""
    day = timezone.now() - timedelta(days=1)
    return day.replace(hour=6, minute=30, second=0, microsecond=0)


def text_of(content: bytes) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", content.decode())).split())


def reader(user: object, zone: str) -> Client:
    Profile.objects.filter(user=user).update(time_zone=zone)
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


class HostedReadinessTestCase(ReadinessCase):
    def untested_mx(self) -> tuple[HostedPolicy, datetime]:
        """In testing 10 days, clean reports from 2 senders on 8 days; the last check could
        not test mx1 (finished at 06:30 UTC: the evening before in Los Angeles)."""
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        for day in range(8):
            for org in ("google.com", "microsoft.com"):
                self.report(policy, org, day, 20)
        checked(self.domain, {"mx1.example.org": "pass"})
        run = self.domain.runs.latest("created")
        run.findings = [{**f, "status": "error"} for f in run.findings]
        finished = yesterday_at_0630()
        run.finished = finished
        run.save()
        return policy, finished

    def page(self, zone: str) -> str:
        r = reader(self.alice, zone).get(reverse("hosting:page", args=[self.domain.code]))
        assert r.status_code == 200
        return text_of(r.content)

    def test_the_last_checks_time_is_in_the_readers_zone(self) -> None:
        _, finished = self.untested_mx()
        text = self.page(LA)
        said = f"mx1.example.org: the last check, at {in_zone(finished, LA)}, could not check"
        assert said in text, text
        assert "UTC) could not check" not in text, text

    def test_on_utc_the_page_says_utc(self) -> None:
        _, finished = self.untested_mx()
        assert f"the last check, at {in_zone(finished, 'UTC')}, could not check" in self.page("UTC")

    def test_the_refusal_to_enforce_says_it_in_the_readers_zone(self) -> None:
        _, finished = self.untested_mx()
        client = reader(self.alice, LA)
        r = client.post(reverse("hosting:enforce", args=[self.domain.code]))
        assert r.status_code == 302
        [said] = [str(m) for m in get_messages(r.wsgi_request)]
        assert said.startswith("Cannot tell yet: mx1.example.org: the last check, at ")
        assert f"the last check, at {in_zone(finished, LA)}, could not check" in said, said
        assert HostedPolicy.objects.get(domain=self.domain).mode == HostedPolicy.Mode.TESTING

    def test_since_testing_began_is_in_the_readers_zone(self) -> None:
        policy = self.host(["mx1.example.org"])
        for day in range(3):
            self.report(policy, "google.com", day, 10)
        # Testing began after them (tests/test_hosting_readiness.py's EarlierReportsTestCase).
        began = policy.testing_since = timezone.now()
        policy.save()
        text = self.page(LA)
        assert f"No TLS reports since testing began, at {in_zone(began, LA)}: 3 reports" in text, (
            text
        )


class DashboardCardTestCase(SelfHostedCase):
    def test_the_cards_last_check_is_in_the_readers_zone(self) -> None:
        findings = engine_findings()
        for check_id in ("SMTP-09", "SMTP-11"):
            findings = with_finding(
                findings,
                check_id,
                "mx2.example.com",
                status="error",
                summary="mx2.example.com [127.0.60.11]: connection timed out.",
            )
        run = self.check(findings)
        finished = yesterday_at_0630()
        CheckRun.objects.filter(pk=run.pk).update(finished=finished)
        self.days_of_reports(8)
        Profile.objects.filter(user=self.alice).update(time_zone=LA)
        _, text = self.page()
        assert "Cannot tell yet:" in text
        said = f"mx2.example.com: the last check, at {in_zone(finished, LA)}, could not check"
        assert said in text, text


class LookupsFailingTestCase(ReadinessCase):
    def failing(self, **kw: object) -> HostedPolicy:
        policy = self.host(["mx1.example.org"])
        HostedPolicy.objects.filter(pk=policy.pk).update(
            mx_failed_since=T0 + timedelta(hours=1),  # 13:00 UTC, 05:00 in Los Angeles
            last_sync_error=f"{MX_LOOKUP_FAILED}SERVFAIL for example.org MX",
            **kw,
        )
        return HostedPolicy.objects.get(pk=policy.pk)

    def test_the_flap_notes_lookups_failing_since_in_the_readers_zone(self) -> None:
        self.failing(mx_unstable_since=T0)
        r = reader(self.alice, LA).get(reverse("hosting:page", args=[self.domain.code]))
        text = text_of(r.content)
        since = T0 + timedelta(hours=1)
        assert f"No MX lookup has answered since {in_zone(since, LA)} (the latest:" in text, text

    def test_the_mx_failing_notice_is_in_the_readers_zone_its_event_in_utc(self) -> None:
        self.failing(mx_failing_told=True)
        r = reader(self.alice, LA).get(reverse("hosting:page", args=[self.domain.code]))
        notice = text_of(r.content.split(b'id="mx-failing"')[1].split(b"</div>")[0])
        since = T0 + timedelta(hours=1)
        said = f"No MX lookup for example.org has answered since {in_zone(since, LA)}."
        assert said in notice, notice
        assert "UTC" not in notice, notice

    def test_the_mx_failing_event_keeps_utc_whoever_syncs(self) -> None:
        # A sync made while a reader's zone is active (a request) writes the event as kept.
        policy = self.failing()
        HostedPolicy.objects.filter(pk=policy.pk).update(mx_failed_since=T0 - timedelta(days=2))
        policy = HostedPolicy.objects.get(pk=policy.pk)
        with timezone.override(ZoneInfo(LA)), fake_dns(failed=True):
            service.sync(policy, now=T0)
        event = policy.events.filter(kind="mx-failing").first()
        assert event is not None
        assert "has answered since 29 Nov 2026, 12:00 UTC." in event.message, event.message


class DomainListTestCase(ReadinessCase):
    def test_the_last_checked_tooltip_is_in_the_readers_zone(self) -> None:
        checked(self.domain, {"mx1.example.org": "pass"})
        finished = yesterday_at_0630()
        Domain.objects.filter(pk=self.domain.pk).update(last_checked_at=finished)
        page = reader(self.alice, LA).get(reverse("domains:index")).content.decode()
        assert f'title="{html.escape(in_zone(finished, LA))}"' in page, page
        utc = reader(self.bob, "UTC").get(reverse("domains:index")).content.decode()
        assert f'title="{in_zone(finished, "UTC")}"' in utc
