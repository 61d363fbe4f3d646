"""s34w: the weekly summary's follow-ups.

1. It opened "Nothing needs fixing." for domains it knows nothing about: never checked, a name
   that does not exist (NXDOMAIN), a check that could not be made. It says what it knows.
2. Its subject said "… needs a look" whenever a domain lost points, which most real domains do
   every week (DNSSEC not signed): a subject that always says it is one people learn to
   ignore. The subject now names what changed or broke this week (new problems, score drops,
   failed TLS sessions, hosted MTA-STS trouble told this week) and is calm otherwise; the body
   still says which domains lose points.
3. It read each domain's last run, changes, reports and report address one query at a time:
   the queries no longer grow with the number of domains (an MSP has hundreds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from mailsec.alerts import weekly
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertRecipient, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy, HostingEvent
from reports.models import FailureDetail, PolicyResult, ReportAddress, TlsReport
from tests.conftest import BaseTestCase
from tests.test_alerts_s33p import mta_sts_gone_and_dmarc_none
from tests.test_webapp_s32w import run_of

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
DATES = "TLS reports said last week (Mon 23 Nov to Sun 29 Nov 2026, UTC)."
CERT_TROUBLE = (
    "Senders cannot fetch your policy: mta-sts.{name} gives no valid certificate "
    "(certificate has expired)."
)


@override_settings(
    ALERT_DIGEST_HOUR=7, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
class WeeklyTestCase(BaseTestCase):
    def setUp(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))

    def domain(self, name: str, **fields: object) -> Domain:
        return Domain.objects.create(
            team=self.team, name=name, verified_at=MONDAY_9 - timedelta(days=30), **fields
        )

    def clean(self, name: str) -> Domain:
        """A domain at 100/100 with nothing open."""
        domain = self.domain(name)
        run_of(domain, 0)
        return domain

    def losing(self, name: str) -> Domain:
        """A domain that loses points (no MTA-STS record, DMARC p=none) week after week."""
        domain = self.domain(name)
        run_of(domain, 0, mta_sts_gone_and_dmarc_none)
        return domain

    def problem(self, domain: Domain, days_ago: float) -> Change:
        return Change.objects.create(
            domain=domain,
            kind="record-gone",
            key="record-gone:tls-rpt",
            summary=f"The TLS-RPT record _smtp._tls.{domain.name} has disappeared.",
            state=Change.State.CONFIRMED,
            created=MONDAY_9 - timedelta(days=days_ago, hours=1),
            confirmed_at=MONDAY_9 - timedelta(days=days_ago),
        )

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
        policy = PolicyResult.objects.create(
            report=report, policy_type="sts", successful=10, failed=failed
        )
        if failed:
            FailureDetail.objects.create(
                report=report,
                policy=policy,
                result_type="certificate-expired",
                receiving_mx_hostname=f"mx1.{domain.name}",
                failed_session_count=failed,
            )

    def hosting_trouble(self, domain: Domain, days_ago: float, going_on: bool = True) -> None:
        """The certificate of mta-sts.<name> told broken `days_ago` (and still broken unless
        not `going_on`: then told fixed an hour later)."""
        policy = HostedPolicy.objects.create(domain=domain, name=domain.name, cert_alerted=going_on)
        told = MONDAY_9 - timedelta(days=days_ago)
        HostingEvent.objects.create(
            policy=policy, kind="cert", message=CERT_TROUBLE.format(name=domain.name), created=told
        )
        if not going_on:
            HostingEvent.objects.create(
                policy=policy,
                kind="cert",
                message=f"mta-sts.{domain.name} serves a valid certificate again.",
                created=told + timedelta(hours=1),
            )

    def send(self) -> tuple[str, str, str]:
        weekly.make(self.alice, MONDAY_9)
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        html = " ".join(str(message.alternatives[0][0]).split())
        return str(message.subject), " ".join(message.body.split()), html


class NoScoreIsNotFineTestCase(WeeklyTestCase):
    """Item 1: a domain without a score is not "fine"; the opening says what is known."""

    def assert_opening(self, opening: str, body: str, html: str) -> None:
        self.assertIn(f"{DATES} {opening}", body)
        self.assertIn(f"{DATES} {opening}</p>", html)
        self.assertNotIn("Nothing needs fixing.", body)

    def test_a_domain_not_checked_yet(self) -> None:
        self.domain("new.example")
        subject, body, html = self.send()
        self.assert_opening("new.example has not been checked yet.", body, html)
        self.assertIn("Score: not checked yet", body)
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")

    def test_a_first_check_that_could_not_complete(self) -> None:
        self.domain("new.example", last_failed_at=MONDAY_9 - timedelta(hours=2))
        subject, body, html = self.send()
        self.assert_opening(
            "new.example has not been checked yet: its first check could not complete.",
            body,
            html,
        )
        self.assertIn("Score: not checked yet: the first check could not complete", body)
        # s35w: a check that could not be made in the summary's window is its news.
        self.assertEqual(subject, "[mailsec] Your week: new.example could not be checked")

    def test_a_name_that_does_not_exist(self) -> None:
        self.domain("gone.example", last_checked_at=MONDAY_9, last_worst={"does_not_exist": True})
        subject, body, html = self.send()
        self.assert_opening("gone.example does not exist in DNS (NXDOMAIN).", body, html)
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")

    def test_a_check_that_could_make_no_scored_check(self) -> None:
        self.domain("down.example", last_checked_at=MONDAY_9, last_worst={"none_checked": True})
        _, body, html = self.send()
        self.assert_opening(
            "down.example could not be checked at its last check (lookups timed out or failed).",
            body,
            html,
        )

    def test_several_are_counted_and_the_others_said_fine(self) -> None:
        self.domain("a.example")
        self.domain("b.example")
        self.clean("c.example")
        self.clean("d.example")
        subject, body, html = self.send()
        self.assert_opening(
            "2 domains have not been checked yet: a.example and b.example. Nothing needs "
            "fixing on the other 2 domains.",
            body,
            html,
        )
        self.assertEqual(subject, "[mailsec] Your week: 4 domains, nothing new")

    def test_one_other_domain(self) -> None:
        self.domain("a.example")
        self.clean("c.example")
        _, body, _ = self.send()
        self.assertIn(
            f"{DATES} a.example has not been checked yet. Nothing needs fixing on the other "
            "domain.",
            body,
        )

    def test_with_problems_elsewhere_no_all_clear(self) -> None:
        self.domain("a.example")
        self.losing("b.example")
        _, body, _ = self.send()
        self.assertIn(
            f"{DATES} b.example loses points. a.example has not been checked yet. a.example",
            body,
        )


class SubjectSaysWhatIsNewTestCase(WeeklyTestCase):
    """Item 2: the subject names what changed or broke this week, and is calm otherwise."""

    def test_points_lost_week_after_week_is_a_calm_subject(self) -> None:
        domain = self.losing("shop.example.com")
        self.problem(domain, days_ago=20)  # open, but told three weeks ago
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        # The body still says where the points go and what is open.
        self.assertIn(
            f"{DATES} shop.example.com loses points. shop.example.com has open problems.", body
        )
        self.assertIn("Points lost: * MTA-STS", body)
        self.assertIn("Open problems: * The TLS-RPT record", body)

    def test_nothing_to_fix(self) -> None:
        self.clean("shop.example.com")
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing to fix")
        self.assertIn(f"{DATES} Nothing needs fixing.", body)

    def test_a_new_problem(self) -> None:
        self.problem(self.clean("shop.example.com"), days_ago=2)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: new problems on shop.example.com")

    def test_a_score_drop(self) -> None:
        self.domain("example.org", last_score=80, week_ago_score=90)
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: score dropped on example.org")
        self.assertIn("Score: 80/100 (-10 since last week)", body)

    def test_a_score_that_rose_is_no_news(self) -> None:
        self.domain("example.org", last_score=90, week_ago_score=80)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")

    def test_failed_tls_sessions(self) -> None:
        self.failed_sessions(self.clean("shop.example.com"), 5)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: failed TLS sessions on shop.example.com")

    def test_hosting_trouble_told_this_week(self) -> None:
        self.hosting_trouble(self.clean("shop.example.com"), days_ago=2)
        subject, body, html = self.send()
        self.assertEqual(subject, "[mailsec] Your week: hosted MTA-STS trouble on shop.example.com")
        trouble = CERT_TROUBLE.format(name="shop.example.com")
        self.assertIn(f"{DATES} shop.example.com has trouble with its hosted MTA-STS", body)
        self.assertIn(f"Hosted MTA-STS: * {trouble}", body)
        self.assertIn(trouble, html)

    def test_hosting_trouble_that_goes_on_from_before_is_in_the_body_only(self) -> None:
        self.hosting_trouble(self.clean("shop.example.com"), days_ago=20)
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        self.assertIn(f"Hosted MTA-STS: * {CERT_TROUBLE.format(name='shop.example.com')}", body)

    def test_hosting_trouble_fixed_this_week_is_no_news(self) -> None:
        self.hosting_trouble(self.clean("shop.example.com"), days_ago=2, going_on=False)
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing to fix")
        self.assertNotIn("Hosted MTA-STS", body)

    def test_an_mx_alias_is_said_as_the_page_says_it_now(self) -> None:
        # Told this week for mx2 (no longer an alias); mx1 still is one: the words are the
        # page's for mx1, not the latest event's.
        domain = self.clean("shop.example.com")
        policy = HostedPolicy.objects.create(
            domain=domain,
            name=domain.name,
            mx_live=["mx1.shop.example.com"],
            mx_aliases={"mx1.shop.example.com": "mail.provider.example"},
        )
        HostingEvent.objects.create(
            policy=policy,
            kind="mx-alias",
            message="mx2.shop.example.com is no longer an alias.",
            created=MONDAY_9 - timedelta(days=1),
        )
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: hosted MTA-STS trouble on shop.example.com")
        said = " ".join(policy.alias_warnings()[0].split())
        self.assertIn(f"Hosted MTA-STS: * {said}", body)
        self.assertNotIn("no longer an alias", body)

    def test_a_trouble_whose_event_is_gone_still_shows(self) -> None:
        HostedPolicy.objects.create(
            domain=self.clean("shop.example.com"), name="shop.example.com", zone_failing_told=True
        )
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        self.assertIn(f"Hosted MTA-STS: * {weekly.HOSTING_TROUBLE}", body)

    def test_several_kinds_of_news(self) -> None:
        a = self.clean("a.example")
        b = self.losing("b.example")
        self.problem(a, days_ago=1)
        self.problem(b, days_ago=6)
        self.failed_sessions(a, 3)
        subject, _, _ = self.send()
        self.assertEqual(
            subject,
            "[mailsec] Your week: new problems on 2 domains; failed TLS sessions on a.example",
        )


class QueriesDoNotGrowTestCase(WeeklyTestCase):
    """Item 3: one summary's queries do not grow with the number of domains."""

    def full_domain(self, name: str) -> None:
        domain = self.losing(name)
        self.problem(domain, days_ago=2)
        self.failed_sessions(domain, 4)
        self.hosting_trouble(domain, days_ago=2)

    def queries(self) -> int:
        Notification.objects.all().delete()
        n = weekly.make(self.alice, MONDAY_9)
        assert n is not None
        n = Notification.objects.select_related("user").get(pk=n.pk)
        with CaptureQueriesContext(connection) as captured:
            message = build_message(n)
        assert "Points lost" in message.body and "Hosted MTA-STS" in message.body
        assert "Reports: http" in message.body
        return len(captured)

    def test_the_queries_do_not_grow_with_the_domains(self) -> None:
        # The unsubscribe link's row, made by the first email otherwise.
        AlertRecipient.objects.create(user=self.alice)
        self.full_domain("a.example")
        one = self.queries()
        for i in range(5):
            self.full_domain(f"d{i}.example")
        self.assertEqual(self.queries(), one)
