"""Blind round s40f's finding: the all-domains page (/tlsrpt/all-domains/) wrote each
domain's failure rate as the float to one decimal, so a domain with 34 failed sessions of
70,270 read "0.0%" (nothing failed) beside its 34 failed sessions, one where a single session
of 100,000 got through read "100.0%", and every rate differed from the same figures on the
domain's dashboard ("0.5%" there "0.50 %"). It now reads as the dashboard does
(reports.dashboard.percent_text: two decimals rounded half up on the exact counts, never
0.00 % when some failed nor 100.00 % when some got through)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.conftest import BaseTestCase
from tests.test_reports_s18_dashboard_blind import read_page
from tests.test_reports_s35t import add_domain, add_report


class AllDomainsRateTest(BaseTestCase):
    def rates(self) -> dict[str, tuple[str, str]]:
        """Each row's (failed sessions, failure rate) cells, by its dashboard's token."""
        client = Client()
        client.force_login(self.alice)
        response = client.get("/tlsrpt/all-domains/")
        assert response.status_code == 200
        html = response.content.decode()
        page = read_page(response.content)
        rows = [r for rows in page.tables.values() for r in rows if len(r) >= 4]
        # The row header (the domain's name) is a <th>; rows come in the page's order.
        names = [t for t in self.tokens if f"/tlsrpt/{self.tokens[t]}/dashboard/" in html]
        assert len(rows) == len(names), (rows, names)
        order = sorted(names, key=lambda t: html.index(f"/tlsrpt/{self.tokens[t]}/dashboard/"))
        return {name: (row[2], row[3]) for name, row in zip(order, rows, strict=True)}

    def test_the_rate_reads_as_on_the_dashboard(self) -> None:
        yesterday = timezone.now().date() - timedelta(days=1)
        self.tokens: dict[str, str] = {}
        for name, ok, failed in (
            ("few.example", 70_236, 34),  # 0.0484 %: one decimal read "0.0%"
            ("one.example", 99_999, 1),  # 0.001 %
            ("most.example", 1, 99_999),  # 99.999 %: one decimal read "100.0%"
            ("half.example", 799, 1),  # 0.125 %: half up is 0.13 %
            ("calm.example", 500, 0),
        ):
            _, address = add_domain(self.team, name)
            add_report(address, yesterday, ok=ok, failed=failed)
            self.tokens[name] = address.token
        assert self.rates() == {
            "most.example": ("99,999", "> 99.99 %"),
            "few.example": ("34", "0.05 %"),
            "one.example": ("1", "< 0.01 %"),
            "half.example": ("1", "0.13 %"),
            "calm.example": ("0", "0.00 %"),
        }
