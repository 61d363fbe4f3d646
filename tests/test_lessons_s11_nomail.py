"""A monitored domain that receives no mail (a null MX, RFC 7505) is "not applicable" for
transport security, neither 100 % nor 0 % (product lessons, "Scores people trust"; checklist
MX-03). The free check and the CLI said so; the domain page, the domain list and the weekly
summary showed a signed null-MX domain with SPF -all and DMARC p=reject as "100 / 100".

Runs are real engine reports against an in-memory DNS (tests/test_freecheck_s9_results)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from checks.findings import DomainReport
from mailsec.alerts import weekly
from mailsec.alerts.models import Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_alerts_weekly import MONDAY_9
from tests.test_freecheck_s9_results import NULL_MX, engine_report, page_text, signed
from tests.test_mx import FakeDns

# The same domain receiving mail at an MX of its own: transport applies.
WITH_MX = {
    ("nomail.example.org", "MX"): ["10 mx.nomail.example.org."],
    ("nomail.example.org", "TXT"): ['"v=spf1 mx -all"'],
    ("_dmarc.nomail.example.org", "TXT"): ['"v=DMARC1; p=reject"'],
}

# The domain page's big number, when it reads "not applicable".
BIG_NA = r'<span class="score-big [^"]*"[^>]*>n/a</span>'


def store(domain: Domain, report: DomainReport, days_ago: float = 0) -> CheckRun:
    """A finished run of this engine report, the domain's last, as the worker stores one."""
    when = timezone.now() - timedelta(days=days_ago)
    run = CheckRun.objects.create(domain=domain, created=when)
    run.finish(report.to_dict())
    CheckRun.objects.filter(pk=run.pk).update(created=when, finished=when)
    run.refresh_from_db()
    domain.set_last_run(run)
    return run


class NoMailTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="nomail.example.org", verified_at=timezone.now()
        )
        self.report = signed(engine_report("nomail.example.org", FakeDns(NULL_MX)))
        # What applies to a domain that receives no mail is all in order.
        assert self.report.score == 100
        self.client.force_login(self.alice)

    def test_the_domain_page_says_not_applicable_not_100(self) -> None:
        store(self.domain, self.report)
        page = self.client.get(f"/domains/{self.domain.code}/").content.decode()
        self.assertRegex(page, BIG_NA)
        text = page_text(page.encode())
        self.assertNotIn("100 / 100", text)
        self.assertIn("nomail.example.org receives no mail", text)
        self.assertIn("null MX", text)
        self.assertIn("100/100 for what applies: MX records, SPF, DMARC, DNSSEC", text)

    def test_a_past_check_of_a_null_mx_reads_as_such_after_mx_appear(self) -> None:
        old = store(self.domain, self.report, days_ago=2)
        store(self.domain, signed(engine_report("nomail.example.org", FakeDns(WITH_MX))))
        latest = self.client.get(f"/domains/{self.domain.code}/").content
        self.assertNotRegex(latest.decode(), BIG_NA)
        self.assertNotIn("for what applies", page_text(latest))
        past = self.client.get(f"/domains/{self.domain.code}/?run={old.code}").content
        self.assertRegex(past.decode(), BIG_NA)
        self.assertIn("100/100 for what applies", page_text(past))

    def test_the_domain_list_does_not_show_100(self) -> None:
        store(self.domain, self.report)
        text = page_text(self.client.get("/domains/").content)
        self.assertNotRegex(text, r"nomail\.example\.org 100 ")
        self.assertIn("nomail.example.org n/a receives no mail", text)

    @override_settings(ALERT_DIGEST_HOUR=7)
    def test_the_weekly_summary_does_not_say_100(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))
        store(self.domain, self.report)
        weekly.make(self.alice, MONDAY_9)
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        body = " ".join(message.body.split())
        self.assertIn("Score: n/a, receives no mail (null MX): 100/100 for what applies", body)
        html = " ".join(message.alternatives[0][0].split())
        self.assertNotIn("<strong>100/100</strong>", html)
        self.assertIn("receives no mail (null MX)", html)

    def test_a_domain_that_receives_mail_still_shows_its_score(self) -> None:
        store(self.domain, signed(engine_report("nomail.example.org", FakeDns(WITH_MX))))
        self.domain.refresh_from_db()
        score = self.domain.last_score
        detail = page_text(self.client.get(f"/domains/{self.domain.code}/").content)
        self.assertIn(f"{score} / 100", detail)
        listing = page_text(self.client.get("/domains/").content)
        self.assertIn(f"nomail.example.org {score} ", listing)
        self.assertNotIn("receives no mail", listing)
