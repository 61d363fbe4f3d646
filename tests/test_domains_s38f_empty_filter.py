"""Task s38f, found on an MSP's walk in chromium: with five domains failing, "Needs attention"
answered "No domain matches the filter: needs attention. Your team has 40 domains." and
nothing else, which reads as "all is well" (the filter keeps warnings only; failing is a
status of its own). An empty filtered list now says what the team's domains do have, each a
link to its filter, as the list of every domain does ("To look at: …"), in the same query."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_domains_s14_list_filter import make


class EmptyFilterTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_it_says_what_the_domains_have_when_none_needs_attention(self) -> None:
        for i in range(5):
            make(self.team, f"broken{i}.example", score=40, worst="fail")
        make(self.team, "fine.example", score=100)
        make(self.team, "waiting.example", verified=False)
        page = self.client.get("/domains/?status=attention").content.decode()
        said = words(page)
        self.assertIn("No domain matches the filter: needs attention.", said)
        self.assertIn("Your team's domains: 5 failing · 1 not verified", said)
        links = re.findall(r'<a href="\?status=(\w+)[^"]*">([^<]+)</a>', page)
        self.assertIn(("failing", "5 failing"), links)
        self.assertIn(("unverified", "1 not verified"), links)
        # The order chosen is kept by its links, as the "To look at" line's are.
        sorted_page = self.client.get("/domains/?status=attention&sort=score").content.decode()
        self.assertIn('href="?status=failing&amp;sort=score"', sorted_page)

    def test_a_list_the_filter_keeps_rows_of_says_nothing_more(self) -> None:
        make(self.team, "broken.example", score=40, worst="fail")
        make(self.team, "meh.example", score=70, worst="warn")
        said = words(self.client.get("/domains/?status=attention").content.decode())
        self.assertNotIn("Your team's domains:", said)
        self.assertIn("1 of 2 domains : needs attention.", said)

    def test_a_text_search_that_finds_nothing_says_nothing_more(self) -> None:
        # Counts of the whole team beside "no domain with 'zzz' in the name" would not help.
        make(self.team, "broken.example", score=40, worst="fail")
        said = words(self.client.get("/domains/?q=zzz").content.decode())
        self.assertIn("No domain matches the filter", said)
        self.assertNotIn("Your team's domains:", said)

    def test_its_queries_do_not_grow_with_the_team(self) -> None:
        def queries(n: int) -> int:
            for i in range(n):
                make(self.team, f"more{n}-{i}.example", score=40, worst="fail")
            self.client.get("/domains/?status=attention")  # the session read once before
            with CaptureQueriesContext(connection) as ctx:
                self.client.get("/domains/?status=attention")
            return len(ctx.captured_queries)

        self.assertEqual(queries(3), queries(30))
