"""What the s24w walkthrough (an MSP admin, 28 domains) found on pages that need no browser:

- the TLS reports pages (a domain's dashboard, one report) belong to the domain, yet the
  header's "Domains" was not marked as the current section there, as it is on the domain's
  own page and its hosting page;
- a domain not verified yet showed a row of dashes in the domain list: after a bulk add of 25
  domains nothing on the list said what comes next for them. Its "Worst finding" cell now
  says that its checks start once its TXT record is published and verified.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.utils import timezone

from mailsec.domains.models import Domain
from reports.models import ReportAddress, TlsReport
from tests.conftest import BaseTestCase
from tests.test_reports_dash_s8_figures import post

SAMPLE = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())
CURRENT = re.compile(r'<a href="/domains/" aria-current="page">Domains</a>')


class TlsReportPagesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.address = ReportAddress.for_domain(domain)
        raw = post(self.address, SAMPLE)
        assert raw.parse_status == "parsed", raw.error
        self.report = TlsReport.objects.get(address=self.address)
        self.client.force_login(self.bob)

    def test_it_marks_domains_current_on_the_dashboard(self) -> None:
        r = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        self.assertEqual(r.status_code, 200)
        self.assertRegex(r.content.decode(), CURRENT)

    def test_it_marks_domains_current_on_a_report(self) -> None:
        r = self.client.get(f"/tlsrpt/{self.address.token}/reports/{self.report.public_id}/")
        self.assertEqual(r.status_code, 200)
        self.assertRegex(r.content.decode(), CURRENT)

    def test_a_report_s_numbers_and_times_read_as_the_dashboard_s(self) -> None:
        """A report's page wrote '48210 successful' where the dashboard writes '48,210', and
        the time it was received with no zone, where every other page says which."""
        from django.core.cache import cache

        from mailsec.accounts.models import Profile

        html = self.client.get(
            f"/tlsrpt/{self.address.token}/reports/{self.report.public_id}/"
        ).content.decode()
        self.assertIn("48,210 successful, 17 failed sessions.", html)
        received = self.report.raw_reports.get().received_at
        self.assertIn(f"{received.day} {received:%b %Y, %H:%M} UTC by HTTPS", html)
        Profile.objects.filter(user=self.bob).update(time_zone="Europe/Berlin")
        cache.clear()  # the zone a person reads in is kept there a while (middleware)
        html = self.client.get(
            f"/tlsrpt/{self.address.token}/reports/{self.report.public_id}/"
        ).content.decode()
        self.assertIn("(Europe/Berlin) by HTTPS", html)

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        self.assertEqual(r.status_code, 404)
        r = self.client.get(f"/tlsrpt/{self.address.token}/reports/{self.report.public_id}/")
        self.assertEqual(r.status_code, 404)


class UnverifiedRowTestCase(BaseTestCase):
    NEXT = "Checks start once its TXT record is published and verified."

    def test_it_says_what_comes_next_for_an_unverified_domain(self) -> None:
        Domain.objects.create(team=self.team, name="acme-dental.com")
        Domain.objects.create(team=self.team, name="zulu-zoo.org", verified_at=timezone.now())
        self.client.force_login(self.alice)
        for url in ("/domains/", "/domains/?sort=score", "/domains/?status=unverified"):
            html = self.client.get(url).content.decode()
            rows = re.findall(r"<tr>.*?</tr>", html, re.S)
            unverified = [row for row in rows if "acme-dental.com" in row]
            self.assertEqual(len(unverified), 1, url)
            self.assertIn(self.NEXT, unverified[0], url)
            # Not on a verified domain's row (waiting for its first check).
            self.assertNotIn(self.NEXT, "".join(r for r in rows if "zulu-zoo.org" in r), url)

    def test_it_says_the_same_to_a_viewer(self) -> None:
        from mailsec.accounts.models import Membership

        Membership.objects.filter(team=self.team, user=self.bob).update(role=Membership.Role.VIEWER)
        Domain.objects.create(team=self.team, name="acme-dental.com")
        self.client.force_login(self.bob)
        self.assertContains(self.client.get("/domains/"), self.NEXT)


class ListSummaryTestCase(BaseTestCase):
    """The list of every domain says, above its table, how many need looking at and where:
    an MSP's 28 domains by name had their 4 failing ones scattered among the rest."""

    def domain(self, name: str, status: str | None, verified: bool = True) -> Domain:
        from tests.test_domains import finished_run

        domain = Domain.objects.create(
            team=self.team, name=name, verified_at=timezone.now() if verified else None
        )
        if status is not None:
            run = finished_run(domain)
            run.worst = {"status": status, "summary": f"Something is {status}."}
            run.save()
            domain.set_last_run(run)
        return domain

    def test_it_counts_what_to_look_at_with_links_to_each(self) -> None:
        self.domain("a-fail.example", "fail")
        self.domain("b-fail.example", "fail")
        self.domain("c-warn.example", "warn")
        self.domain("c-warn2.example", "warn")
        self.domain("d-error.example", "error")
        self.domain("e-good.example", None)
        self.domain("f-new.example", None, verified=False)
        self.client.force_login(self.alice)
        html = self.client.get("/domains/").content.decode()
        summary = re.search(r'<p class="list-statuses">(.*?)</p>', html, re.S)
        assert summary, html
        links = re.findall(r'<a href="\?status=(\w+)">([^<]*)</a>', summary.group(1))
        self.assertEqual(
            links,
            [
                ("failing", "2 failing"),
                ("attention", "2 need attention"),
                ("error", "1 could not be checked"),
                ("unverified", "1 not verified"),
            ],
        )
        # Each link's list holds as many as its link says.
        self.assertContains(self.client.get("/domains/?status=failing"), "2 of 7 domains")

    def test_it_leaves_out_what_none_is(self) -> None:
        self.domain("a-fail.example", "fail")
        self.domain("c-warn.example", "warn")
        self.domain("e-good.example", None)
        self.client.force_login(self.alice)
        html = self.client.get("/domains/").content.decode()
        self.assertIn('<a href="?status=failing">1 failing</a>', html)
        self.assertIn('<a href="?status=attention">1 needs attention</a>', html)
        for status in ("error", "unverified"):
            self.assertNotIn(f"?status={status}", html)

    def test_a_sorted_list_says_it_too_and_its_links_keep_the_order(self) -> None:
        self.domain("a-fail.example", "fail")
        self.domain("c-warn.example", "warn")
        self.domain("e-good.example", None)
        self.client.force_login(self.alice)
        self.client.get("/domains/?sort=score")  # the user's session and team, as a reload
        # User, team, the count (with the statuses' counts: no query more), the page's
        # order keys and rank, its rows.
        with self.assertNumQueries(6):
            html = self.client.get("/domains/?sort=score").content.decode()
        self.assertIn('<a href="?status=failing&amp;sort=score">1 failing</a>', html)
        self.assertIn('<a href="?status=attention&amp;sort=score">1 needs attention</a>', html)
        # A filtered list says what it keeps instead ("1 of 3 domains: failing").
        html = self.client.get("/domains/?status=failing&sort=score").content.decode()
        self.assertNotIn("list-statuses", html)
        self.assertIn("1 of 3 domains", html)
        self.assertNotIn("list-statuses", self.client.get("/domains/?q=fail").content.decode())

    def test_nothing_to_look_at_says_nothing(self) -> None:
        self.domain("e-good.example", None)
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get("/domains/"), "list-statuses")


class HostingRecordsTestCase(BaseTestCase):
    def test_a_stacked_record_s_state_is_led_by_a_plain_label(self) -> None:
        """On a phone each cell of the records table is led by its column's name: "In place?:
        could not check" read as a question answered by a colon."""
        import os
        from unittest import mock

        domain = Domain.objects.create(
            team=self.team, name="acme-dental.com", verified_at=timezone.now()
        )
        self.client.force_login(self.alice)
        with mock.patch.dict(os.environ, {"MAILSEC_CHECK_TIMEOUT": "0.5"}):
            r = self.client.get(f"/hosting/{domain.code}/records/")
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertIn('<th scope="col">In place?</th>', html)  # the column's head asks
        self.assertIn('data-label="In place"', html)
        self.assertNotIn('data-label="In place?"', html)


class HomeTestCase(BaseTestCase):
    def test_it_names_every_mechanism_checked(self) -> None:
        """The home page's list of what is checked left out DANE and BIMI, which every check
        makes and scores (DANE) or reports (BIMI), as the README says."""
        html = self.client.get("/").content.decode()
        lead = re.search(r'<p class="lead">(.*?)</p>', html, re.S)
        assert lead
        words = " ".join(lead.group(1).split())
        for name in ("MTA-STS", "TLS-RPT", "STARTTLS", "SPF", "DKIM", "DMARC", "DNSSEC"):
            self.assertIn(name, words)
        self.assertIn("DANE", words)
        self.assertIn("BIMI", words)
        description = re.search(r'<meta name="description" content="([^"]*)"', html)
        assert description
        self.assertIn("DANE", description.group(1))


class EmptyChartTestCase(BaseTestCase):
    def test_it_says_why_checks_made_no_chart(self) -> None:
        """A domain checked twice, neither check able to make a score: its page said "The
        history chart appears after the first check." under a check it had just shown."""
        from tests.test_web_s13_domains_polish import store, unreachable_report

        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.client.force_login(self.alice)
        self.assertContains(
            self.client.get(f"/domains/{domain.code}/"),
            "The history chart appears after the first check.",
        )
        report = unreachable_report("example.org")
        assert report["score"] is None
        store(domain, report)
        store(domain, report)
        r = self.client.get(f"/domains/{domain.code}/")
        self.assertNotContains(r, "appears after the first check")
        self.assertContains(
            r,
            "No check so far could make a score (lookups or connections timed out or failed): "
            "the chart starts with the first that does.",
        )

    def test_it_says_when_the_checks_are_older_than_the_chart(self) -> None:
        from tests.test_domains import finished_run

        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        domain.set_last_run(finished_run(domain, days_ago=100))
        self.client.force_login(self.alice)
        r = self.client.get(f"/domains/{domain.code}/")
        self.assertNotContains(r, "appears after the first check")
        self.assertContains(r, "No check in the last 90 days: the chart shows them.")


class RemoveWordsTestCase(BaseTestCase):
    def test_a_domain_never_checked_has_no_history_to_lose(self) -> None:
        """An unverified domain's page said 'Stops monitoring and deletes its check history'
        (and asked 'Remove … and its check history?') of a domain never monitored."""
        from tests.test_domains import finished_run

        domain = Domain.objects.create(team=self.team, name="acme-dental.com")
        self.client.force_login(self.alice)
        r = self.client.get(f"/domains/{domain.code}/")
        self.assertNotContains(r, "check history")
        self.assertContains(r, "It has not been checked: there is no history to lose.")
        self.assertContains(r, 'data-confirm="Remove acme-dental.com?"')
        domain.verified_at = timezone.now()
        domain.save()
        domain.set_last_run(finished_run(domain))
        r = self.client.get(f"/domains/{domain.code}/")
        self.assertContains(r, "Stops monitoring and deletes its check history.")
        self.assertContains(r, 'data-confirm="Remove acme-dental.com and its check history?"')
