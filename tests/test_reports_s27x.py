"""Round s27x: the order of the dashboard's report list and of the CSV export is total.

Both were ordered by day and organisation only, so reports of one organisation on one day (a
sender sends several a day when it splits them by policy or by server, RFC 8460 §4) came in
whatever order the database returned them: a different order on SQLite and PostgreSQL, and, the
list being cut at 50 rows, a different choice of which reports are shown. Now the list is by
day (latest first), organisation, report-id, then the order of storing (two submitters may use
the same report-id under the same name); the CSV the same with the days in calendar order.

The reports are stored here in an order that is none of those, so an order left to the
database (which tends to return rows in the order they were stored) fails."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.utils import timezone

from mailsec.domains.models import Domain
from reports.dashboard import summarise
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.report_rows import day_report

# (organisation, report-id, submitter) of the reports on each day, in the order they are stored.
# 60 of Acme's on one day (more than the list shows) in a scrambled report-id order, and two
# reports with the same name and report-id from two submitters, stored "b" first.
ACME = [("Acme", f"acme-{(k * 37) % 60:02d}", "acme") for k in range(60)]
SAME_ID = [("Able Post", "same-id", "submitter-b"), ("Able Post", "same-id", "submitter-a")]
ON_ONE_DAY = [("Zed Mail", "zed-1", "zed"), *ACME, *SAME_ID, ("Bravo", "bravo-1", "bravo")]


class ReportOrderTest(BaseTestCase):
    address: ReportAddress
    today: date
    # (day, organisation, report-id, submitter, storing order); the storing order is each
    # report's successful count too, so the CSV rows say which report is which.
    stored: list[tuple[date, str, str, str, int]]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        domain = Domain.objects.create(
            team=cls.team, name="example.com", verified_at=timezone.now()
        )
        cls.address = ReportAddress.for_domain(domain)
        cls.today = timezone.now().date()
        cls.stored = []
        for day in (cls.today - timedelta(days=1), cls.today):
            for org, report_id, submitter in ON_ONE_DAY:
                cls.store(day, org, report_id, submitter)

    @classmethod
    def store(cls, day: date, org: str, report_id: str, submitter: str) -> None:
        n = len(cls.stored)
        # a report-id is unique per submitter
        day_report(cls.address, day, org, f"{submitter} {day}", report_id, successful=n)
        cls.stored.append((day, org, report_id, submitter, n))

    def test_it_lists_reports_by_day_organisation_report_id_then_storing_order(self) -> None:
        recent = summarise(self.address).recent_reports
        shown = [(r.day, r.organization_name, r.report_id, r.total_successful) for r in recent]
        # Latest day first; in a day by organisation, report-id, then the one stored first.
        wanted = sorted(
            ((d, o, r, n) for d, o, r, _, n in self.stored),
            key=lambda row: (-row[0].toordinal(), row[1], row[2], row[3]),
        )
        assert shown == wanted[:50]
        # Today's: Able Post's two (the one stored first first), then Acme's first 48
        # report-ids, not the first 48 stored.
        assert [row[1:3] for row in shown[:2]] == [("Able Post", "same-id")] * 2
        assert shown[0][3] < shown[1][3]
        assert shown[-1][1:3] == ("Acme", "acme-47")

    def test_it_exports_the_csv_by_day_organisation_report_id_then_storing_order(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"/tlsrpt/{self.address.token}/export.csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        exported = [
            (date.fromisoformat(r["day"]), r["organization"], r["report_id"])
            + (int(r["successful_sessions"]),)
            for r in rows
        ]
        # Days in calendar order, as the export always had them; then as the list.
        wanted = sorted((d, o, r, n) for d, o, r, _, n in self.stored)
        assert exported == wanted
        # The two reports with one report-id under one name: the one stored first first.
        same = [n for d, o, _, n in exported if o == "Able Post" and d == self.today]
        assert same == sorted(same) and len(same) == 2
