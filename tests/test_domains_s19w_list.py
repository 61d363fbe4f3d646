"""The domain list, round 19 (s19w).

1. "Since last week" beside an n/a: a row shown as n/a (not enough checked, or a null MX)
   compares no number it shows, so it says no "up from 80" (as the weekly email leaves the
   trend out there). A whole score keeps its trend.
2. No filter bar before the first domain: nothing to find, sort or show, and its text box
   under the one to add a domain reads as a second place to type one. A filter the URL asks
   for stays shown (to be changed), and with domains, a filter that keeps none keeps its bar
   and says how to clear it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from django.core.cache import cache
from django.utils import timezone

from checks.findings import Finding, Status
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_score_s18_partial import MX_ADDR_SERVFAIL, WHOLE
from tests.test_web_s18_partial_list import NULL_MX_PARTIAL, store

WEEK_HOURS = 8 * 24
TREND = re.compile(r'<td data-label="Since last week">(.*?)</td>', re.S)
FILTER = '<form class="list-filter"'


def failing(findings: list[Finding], check_id: str) -> list[Finding]:
    """`findings` with `check_id` failing: a lower score over the same categories."""
    return [replace(g, status=Status.FAIL) if g.id == check_id else g for g in findings]


class TrendBesideNaTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)

    def trend_of(self, name: str, older: list[Finding], newer: list[Finding]) -> str:
        domain = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
        store(domain, older, hours_ago=WEEK_HOURS)
        store(domain, newer)
        domain.refresh_from_db()
        assert domain.week_ago_score is not None  # comparable runs: the row keeps a trend
        assert domain.week_ago_score != domain.last_score
        page = self.client.get("/domains/", {"q": name}).content.decode()
        [cell] = TREND.findall(page)
        return words(cell)

    def test_a_whole_score_keeps_its_trend(self) -> None:
        self.assertRegex(
            self.trend_of("whole.example", failing(WHOLE, "SPF-01"), WHOLE), r"^▲ up from \d+$"
        )

    def test_not_enough_checked_says_no_trend(self) -> None:
        # 30 of 100 points checked both times: the list shows n/a "not enough checked".
        older = failing(MX_ADDR_SERVFAIL, "DMARC-05")
        self.assertEqual(self.trend_of("partial.example", older, MX_ADDR_SERVFAIL), "–")

    def test_a_null_mx_says_no_trend(self) -> None:
        older = failing(NULL_MX_PARTIAL, "SPF-01")
        self.assertEqual(self.trend_of("nullmx.example", older, NULL_MX_PARTIAL), "–")


class FilterBarTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)

    def test_no_domains_no_filter_bar(self) -> None:
        # As a first-time user comes: to the list, or from the free check's offer (?add=).
        for query in ("", "?add=example.org"):
            with self.subTest(query=query):
                page = self.client.get(f"/domains/{query}").content.decode()
                self.assertNotIn(FILTER, page)
                self.assertIn("No domains yet.", page)
                self.assertIn('id="domain-list"', page)  # where the first domain will show
                self.assertIn("Add several domains at once", page)

    def test_a_filter_the_url_asks_for_stays_shown_without_domains(self) -> None:
        # Someone who asked for one (a link, Back) sees what they asked, to change it.
        page = self.client.get("/domains/?q=zzz&status=failing").content.decode()
        self.assertIn(FILTER, page)
        self.assertIn('name="q" value="zzz"', page)
        self.assertIn("No domains yet.", page)

    def test_the_bar_comes_with_the_first_domain(self) -> None:
        Domain.objects.create(team=self.team, name="example.org")
        page = self.client.get("/domains/").content.decode()
        self.assertIn(FILTER, page)

    def test_a_filter_that_keeps_none_keeps_its_bar_and_a_way_out(self) -> None:
        Domain.objects.create(team=self.team, name="example.org")
        page = self.client.get("/domains/?status=failing").content.decode()
        self.assertIn(FILTER, page)
        self.assertIn("No domain matches the filter: failing. Your team has 1 domain.", page)
        self.assertIn('href="/domains/">Clear the filter</a>', page)

    def test_it_checks_ownership(self) -> None:
        # charlie's team has no domains: alice's list gives him no filter bar of hers.
        Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.charlie)
        page = self.client.get("/domains/").content.decode()
        self.assertNotIn(FILTER, page)
        self.assertNotIn("example.org</a>", page)
