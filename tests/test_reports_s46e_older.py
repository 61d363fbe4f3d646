"""A dashboard whose reports are all older than its 30 days (the README's sample, dated 1 June
2026, sent on a later day) said "No reports yet." in its organisations section and its list
of reports, beside "Received: … parsed": the address had reports, none of the period. Those
two places now say none is of the last 30 days, and how many older ones the CSV export lists.
Found following the README in a fresh clone (s46e)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.conftest import BaseTestCase
from tests.test_reports_s35t import add_domain, add_report
from tests.test_web_s13_polish import main_of, text_of


class OlderReportsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain, self.address = add_domain(self.team, "example.com")
        self.today = timezone.now().date()

    def dashboard(self) -> str:
        self.client.force_login(self.alice)
        response = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        self.assertEqual(response.status_code, 200)
        return main_of(text_of(response))

    def test_it_says_older_reports_are_older_not_that_there_are_none(self) -> None:
        add_report(self.address, self.today - timedelta(days=40), ok=10, failed=2)
        add_report(self.address, self.today - timedelta(days=200), ok=5, org="Yahoo")
        page = self.dashboard()
        self.assertNotIn("No reports yet", page)
        said = (
            "None in the last 30 days; 2 older reports, in no figure here, are listed in the "
            "CSV export."
        )
        self.assertEqual(page.count(said), 2, page)  # organisations, and the list of reports
        # The export it points to is on the page, and does list them.
        csv = self.client.get(f"/tlsrpt/{self.address.token}/export.csv").content.decode()
        self.assertIn(f"/tlsrpt/{self.address.token}/export.csv", page)
        self.assertIn(str(self.today - timedelta(days=40)), csv)
        self.assertIn(str(self.today - timedelta(days=200)), csv)

    def test_one_older_report_is_said_in_the_singular(self) -> None:
        add_report(self.address, self.today - timedelta(days=30), ok=10)
        page = self.dashboard()
        self.assertIn("1 older report, in no figure here, is listed in the CSV export.", page)

    def test_a_report_of_the_period_is_listed_and_older_ones_are_not_mentioned(self) -> None:
        add_report(self.address, self.today - timedelta(days=29), ok=10, org="Recent Mail")
        add_report(self.address, self.today - timedelta(days=40), ok=10)
        page = self.dashboard()
        self.assertIn("Recent Mail", page)
        self.assertNotIn("older report", page)
        self.assertNotIn("No reports yet", page)

    def test_it_checks_ownership(self) -> None:
        add_report(self.address, self.today - timedelta(days=40), ok=10)
        self.client.force_login(self.charlie)
        response = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        self.assertEqual(response.status_code, 404)
