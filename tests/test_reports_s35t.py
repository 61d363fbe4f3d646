"""TLS reports across all of a team's domains (task s35t): reports:all_domains.

One row per domain that received reports in the dashboard's period (30 days), failed
sessions first; a line for the domains with an address and nothing received; the user's own
teams only; a constant number of queries in the number of domains. Also Verify all's
button wording when more than one press's worth (VERIFY_ALL_MAX) wait."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.domains.views import VERIFY_ALL_MAX
from reports.models import FailureDetail, PolicyResult, ReportAddress, TlsReport
from tests.conftest import BaseTestCase


def add_domain(team: object, name: str, verified: bool = True) -> tuple[Domain, ReportAddress]:
    domain = Domain.objects.create(
        team=team, name=name, verified_at=timezone.now() if verified else None
    )
    address, _ = ReportAddress.objects.get_or_create(domain=domain, defaults={"domain_name": name})
    return domain, address


def add_report(
    address: ReportAddress,
    day: date,
    ok: int,
    failed: int = 0,
    result_type: str = "certificate-expired",
    org: str = "Google",
) -> TlsReport:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    report = TlsReport.objects.create(
        address=address,
        organization_name=org,
        submitter=org,
        report_id=f"{org}-{day}-{address.pk}",
        start=start,
        end=start + timedelta(days=1),
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
            receiving_mx_hostname="mx1." + address.domain_name,
            failed_session_count=failed,
        )
    return report


class AllDomainsTestCase(BaseTestCase):
    url = "/tlsrpt/all-domains/"

    def setUp(self) -> None:
        self.today = timezone.now().date()
        _, self.quiet = add_domain(self.team, "quiet.example")
        _, self.bad = add_domain(self.team, "bad.example")
        _, self.worse = add_domain(self.team, "worse.example")
        _, self.fine = add_domain(self.team, "fine.example")
        _, self.none = add_domain(self.team, "nothing.example")
        add_report(self.bad, self.today - timedelta(days=1), ok=90, failed=10)
        add_report(
            self.worse,
            self.today - timedelta(days=2),
            ok=50,
            failed=30,
            result_type="starttls-not-supported",
        )
        add_report(
            self.worse,
            self.today - timedelta(days=1),
            ok=50,
            failed=20,
            result_type="certificate-expired",
            org="Microsoft",
        )
        add_report(self.fine, self.today, ok=200)
        # Outside the period: not counted, so quiet.example received nothing in it.
        add_report(self.quiet, self.today - timedelta(days=40), ok=5, failed=5)
        # Another team's domain.
        _, self.other = add_domain(self.charlies_team, "secret-other.example")
        add_report(self.other, self.today, ok=1, failed=7)

    def rows(self, html: str) -> list[str]:
        return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)

    def test_the_url_reverses(self) -> None:
        self.assertEqual(reverse("reports:all_domains"), self.url)

    def test_rows_in_order_of_failed_sessions_then_the_others(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(self.rows(html), ["worse.example", "bad.example", "fine.example"])
        self.assertIn(reverse("reports:dashboard", args=[self.worse.token]), html)
        self.assertIn("2 domains received no report", html.replace("\n", " "))
        self.assertNotIn("secret-other", html)

    def test_a_rows_figures(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        row = re.search(r"<tr[^>]*>\s*<th scope=\"row\"><a[^>]*>worse\.example.*?</tr>", html, re.S)
        assert row is not None
        cells = re.sub(r"\s+", " ", row.group(0))
        # 2 reports, 100 ok, 50 failed, 33.33 %, the top type starttls-not-supported (30 of 50).
        for text in ("<td>2</td>", "<td>100</td>", "<td>50</td>", "33.33 %"):
            self.assertIn(text, cells)
        self.assertIn("STARTTLS", cells)
        self.assertIn("starttls-not-supported", cells)

    def test_a_teammate_sees_the_same_and_an_outsider_nothing(self) -> None:
        self.client.force_login(self.alice)
        alices = self.rows(self.client.get(self.url).content.decode())
        self.client.force_login(self.bob)
        self.assertEqual(self.rows(self.client.get(self.url).content.decode()), alices)
        self.client.force_login(self.charlie)
        html = self.client.get(self.url).content.decode()
        self.assertEqual(self.rows(html), ["secret-other.example"])
        for name in ("worse", "bad.example", "fine.example", "nothing.example", "quiet"):
            self.assertNotIn(name, html)
        self.assertNotIn("received no report", html)

    def test_signed_out_is_sent_to_sign_in(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_an_unverified_domain_is_not_shown(self) -> None:
        _, address = add_domain(self.team, "unproved.example", verified=False)
        add_report(address, self.today, ok=1, failed=99)
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        self.assertNotIn("unproved.example", html)

    def test_linked_from_the_domains_list(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get(reverse("domains:index")).content.decode()
        self.assertIn(f'href="{self.url}"', html)

    def test_constant_queries_3_vs_40_domains(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(self.url)  # warm the session and the user's caches

        def count() -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(ctx.captured_queries)

        few = count()
        for n in range(40):
            _, address = add_domain(self.team, f"many{n}.example")
            add_report(address, self.today, ok=10, failed=n % 3)
        with self.assertNumQueries(few):
            self.client.get(self.url)
        self.assertEqual(few, count())


class VerifyAllWordingTestCase(BaseTestCase):
    def list_html(self) -> str:
        self.client.force_login(self.alice)
        return self.client.get(reverse("domains:index") + "?status=unverified").content.decode()

    def test_few_waiting_says_all(self) -> None:
        for n in range(3):
            Domain.objects.create(team=self.team, name=f"w{n}.example")
        html = self.list_html()
        self.assertIn("Verify all 3 now", html)

    def test_more_than_one_press_says_the_next(self) -> None:
        Domain.objects.bulk_create(
            Domain(team=self.team, name=f"w{n}.example") for n in range(VERIFY_ALL_MAX + 5)
        )
        html = self.list_html()
        self.assertNotIn(f"Verify all {VERIFY_ALL_MAX + 5} now", html)
        self.assertIn(f"Verify the next {VERIFY_ALL_MAX}", html)
        self.assertIn(f"{VERIFY_ALL_MAX + 5} waiting", html)

    def test_the_wording_follows_what_one_press_looks_at(self) -> None:
        # The template reads views.VERIFY_ALL_MAX (it had 50 written in): one number only.
        for n in range(5):
            Domain.objects.create(team=self.team, name=f"w{n}.example")
        with mock.patch("mailsec.domains.views.VERIFY_ALL_MAX", 3):
            html = self.list_html()
        self.assertIn("Verify the next 3", html)
        self.assertIn("one press looks at 3;", html)
