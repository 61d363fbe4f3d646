"""TLS reports of all domains (reports.all_domains): the Last report column says the zone it
is written in (review s37g). Django's date filter writes an aware time in the reader's zone
(Profile.time_zone, activated by mailsec.middleware.TimeZoneMiddleware), so a literal "UTC"
after it was untrue for everyone who chose another zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mailsec.accounts.models import Profile
from reports.models import TlsReport
from tests.conftest import BaseTestCase
from tests.test_reports_s35t import add_domain, add_report

URL = "/tlsrpt/all-domains/"


class LastReportZone(BaseTestCase):
    def setUp(self) -> None:
        _, address = add_domain(self.team, "zone.example")
        report = add_report(address, datetime.now(UTC).date(), ok=10, failed=1)
        # Received at 23:30 UTC: 00:30 the next day in Berlin (winter, UTC+1).
        self.at = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
        TlsReport.objects.filter(pk=report.pk).update(created=self.at)

    def last_report(self) -> str:
        self.client.force_login(self.alice)
        html = self.client.get(URL).content.decode()
        cell = re.search(r"<time datetime=\"[^\"]+\">([^<]+)</time>", html)
        assert cell is not None, html
        return cell.group(1)

    def test_utc_reader(self) -> None:
        self.assertEqual(self.last_report(), "1 Dec 2026, 23:30 UTC")

    def test_a_reader_in_berlin_reads_berlin_time_said_so(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.assertEqual(self.last_report(), "2 Dec 2026, 00:30 (Europe/Berlin)")
