"""The TLS reports dashboard of a verified domain that has received no report yet: one plain
empty state (no reports yet, the `_smtp._tls` record at the top of the page to publish, and
when reports come: one a day, after the first day with mail), not an empty 30-day chart and
four empty blocks. A domain with reports, or with a report we could not read, keeps the chart,
the tables and the list."""

from __future__ import annotations

import gzip

from django.utils import timezone

from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress
from tests.conftest import BaseTestCase
from tests.test_reports_domain_page import null_mx_run, with_published
from tests.test_web_s13_polish import main_of, store_report, text_of

# What an empty dashboard showed: the chart, and a block per breakdown saying it was empty.
EMPTY_BLOCKS = (
    '<svg class="tlsrpt-chart"',
    "<h2>Last 30 days</h2>",
    "<h2>By reporting organisation</h2>",
    "<h2>By result type</h2>",
    "<h2>By receiving MX and IP</h2>",
    "<h2>Reports</h2>",
    "No reports yet.</td>",
    "No failures reported.",
    "nothing yet",
)


class EmptyDashboardTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.address = ReportAddress.for_domain(self.domain)

    def dashboard(self) -> str:
        self.client.force_login(self.alice)
        response = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        self.assertEqual(response.status_code, 200)
        return main_of(text_of(response))

    def empty_state(self, page: str) -> str:
        start = page.find(
            '<section class="card empty list-empty" aria-labelledby="no-reports-title">'
        )
        self.assertNotEqual(start, -1, page)
        return page[start : page.find("</section>", start)]

    def test_it_shows_one_empty_state_instead_of_an_empty_chart_and_tables(self) -> None:
        page = self.dashboard()
        self.assertEqual(page.count("No reports yet"), 1, page)
        for block in EMPTY_BLOCKS:
            self.assertNotIn(block, page)
        # Nothing to export yet.
        self.assertNotIn(f"/tlsrpt/{self.address.token}/export.csv", page)
        # The record to publish stays at the top, where the empty state points.
        self.assertIn('<section id="report-record"> <h2>Where senders send reports</h2>', page)
        self.assertIn(self.address.rua_record(), page)

    def test_it_says_what_to_publish_and_when_reports_come(self) -> None:
        state = self.empty_state(self.dashboard())
        self.assertIn("No TLS reports have arrived yet.", state)
        self.assertIn(
            "once the TXT record above is published at <code>_smtp._tls.example.com</code>", state
        )
        self.assertIn('<a href="#report-record">', state)
        self.assertIn("send one report a day", state)
        self.assertIn("after the first day on which they delivered mail to example.com", state)
        self.assertIn("of the record being published", state)

    def test_a_published_record_is_pointed_to_not_asked_for(self) -> None:
        with self.settings(SITE_ROOT="https://mailsec.example"):
            with_published(self.domain, self.address.rua_record())
            state = self.empty_state(self.dashboard())
        self.assertIn(
            '<a href="#report-record">TXT record at <code>_smtp._tls.example.com</code></a> '
            "names our addresses",
            state,
        )
        self.assertNotIn("only once the TXT record above is published", state)
        self.assertIn("send one report a day", state)

    def test_a_domain_receiving_no_mail_is_told_none_will_come(self) -> None:
        null_mx_run(self.domain)
        page = self.dashboard()
        state = self.empty_state(page)
        self.assertIn(
            "No TLS reports have arrived, as none will: example.com receives no mail.", state
        )
        self.assertNotIn("one report a day", state)
        self.assertNotIn('<svg class="tlsrpt-chart"', page)

    def test_a_domain_with_reports_keeps_its_chart_and_tables(self) -> None:
        store_report(self.address, 900, 100)
        page = self.dashboard()
        self.assertNotIn("no-reports-title", page)
        self.assertIn('<svg class="tlsrpt-chart"', page)
        self.assertIn("900 successful and 100 failed TLS sessions reported", page)
        self.assertIn("<td>Big Mail</td><td>1</td><td>900</td><td>100</td>", page)
        self.assertIn(f"/tlsrpt/{self.address.token}/export.csv", page)

    def test_a_report_we_could_not_read_is_listed_not_hidden(self) -> None:
        raw, _ = RawReport.store(
            self.address, gzip.compress(b"this is no report"), source=RawReport.HTTPS
        )
        raw.process()
        page = self.dashboard()
        self.assertNotIn("no-reports-title", page)
        self.assertIn("<h3>Not parsed</h3>", page)

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        self.assertEqual(response.status_code, 404)
