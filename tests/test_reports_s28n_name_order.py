"""Round s28n: organisation names are ordered the same way on every database.

The dashboard's organisation table and report list and the CSV export ordered organisation
names with the database's collation: SQLite (and a PostgreSQL made with the C collation)
compares bytes, so "Bravo" came before "acme"; a PostgreSQL with a language collation puts
"acme" first and also skips punctuation ("a-c" after "ab"). Now names are ordered by their
ASCII-lower-cased text compared code point by code point, then by the exact name, on both."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.utils import timezone

from mailsec.domains.models import Domain
from reports.dashboard import summarise
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.report_rows import day_report

# Stored in an order that is not the wanted one.
STORED = ["Charlie", "bravo", "acme", "ab", "Bravo", "a-c"]
# Lower-cased then compared code point by code point ("-" before letters), then the exact
# name ("B" before "b").
WANTED = ["a-c", "ab", "acme", "Bravo", "bravo", "Charlie"]


class OrganisationOrderTest(BaseTestCase):
    address: ReportAddress

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        domain = Domain.objects.create(
            team=cls.team, name="example.com", verified_at=timezone.now()
        )
        cls.address = ReportAddress.for_domain(domain)
        day = timezone.now().date() - timedelta(days=1)
        for n, org in enumerate(STORED):
            # one report-id for all: only the name orders them
            day_report(cls.address, day, org, f"submitter-{n}", "r-1")

    def test_it_orders_the_organisation_table_by_name_ignoring_case(self) -> None:
        table = summarise(self.address).by_organisation
        # Every organisation has the same counts, so the names alone order the table.
        assert [row["organization_name"] for row in table] == WANTED

    def test_it_orders_the_report_list_by_name_ignoring_case(self) -> None:
        recent = summarise(self.address).recent_reports
        assert [r.organization_name for r in recent] == WANTED

    def test_it_orders_the_csv_by_name_ignoring_case(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"/tlsrpt/{self.address.token}/export.csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["organization"] for r in rows] == WANTED
