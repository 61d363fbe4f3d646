"""The domain list an MSP can work with: find a domain by name (as shown or as its A-label),
keep only those with a status, sort by name, score or last check; the URL carries it all, the
pager and the htmx swap keep it; counts, an empty result that says why, and a CSV link that
says it exports every domain. One query for the team's domains whatever their number."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import finished_run

ROW = re.compile(r'<th scope="row"><a href="/domains/[0-9a-f-]{36}/">([^<]*)</a>')
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "domain-list"}


def make(
    team: Team,
    name: str,
    *,
    score: int | None = None,
    worst: str = "",
    verified: bool = True,
    days_ago: float = 0,
    failed: bool = False,
) -> Domain:
    """A domain whose last check (when `score` or `worst` is given) scored `score` with one
    finding of status `worst`, as a finished run leaves it (Domain.set_last_run)."""
    domain = Domain.objects.create(
        team=team, name=name, verified_at=timezone.now() if verified else None
    )
    if score is not None or worst:
        findings = [
            {"id": "MX-01", "status": worst or "pass", "mechanism": "mx", "summary": "About MX"}
        ]
        run = finished_run(domain, score=score or 0, days_ago=days_ago, findings=findings)
        domain.set_last_run(run)
    if failed:
        Domain.objects.filter(pk=domain.pk).update(last_failed_at=timezone.now())
    return domain


def names(response: HttpResponse) -> list[str]:
    return [html.unescape(n) for n in ROW.findall(response.content.decode())]


class ListFilterTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def get(self, query: str = "", **extra: Any) -> HttpResponse:
        return self.client.get(f"/domains/{query}", **extra)

    def test_it_finds_a_domain_by_part_of_its_name(self) -> None:
        for name in ("shop.example", "myshop.example.org", "blog.example", "shopping.test"):
            make(self.team, name)
        r = self.get("?q=SHOP")
        self.assertEqual(names(r), ["myshop.example.org", "shop.example", "shopping.test"])
        self.assertContains(r, "3 of 4 domains</strong>: with \u201cSHOP\u201d in the name.")
        # A fully qualified name (its trailing dot) and blanks around it find it too.
        self.assertEqual(names(self.get("?q=+blog.example.+")), ["blog.example"])

    def test_it_finds_an_idn_by_its_shown_name_and_by_its_a_label(self) -> None:
        make(self.team, "xn--bcher-kva.example")  # bücher.example
        make(self.team, "xn--strae-oqa.example")  # straße.example
        make(self.team, "cher.example")
        self.assertEqual(names(self.get("?q=b%C3%BCcher")), ["bücher.example"])
        self.assertEqual(names(self.get("?q=B%C3%9CCHER")), ["bücher.example"])
        self.assertEqual(names(self.get("?q=xn--bcher")), ["bücher.example"])
        # "cher" is in bücher as people read it, not in its A-label xn--bcher-kva.
        self.assertEqual(names(self.get("?q=cher")), ["bücher.example", "cher.example"])
        # A decomposed ü (u and a combining diaeresis, as some keyboards send it).
        decomposed = unicodedata.normalize("NFD", "bücher")
        self.assertEqual(names(self.client.get("/domains/", {"q": decomposed})), ["bücher.example"])
        self.assertEqual(names(self.client.get("/domains/", {"q": "STRASSE"})), ["straße.example"])

    def test_it_keeps_the_domains_of_a_status_in_the_rows_words(self) -> None:
        make(self.team, "fails.example", score=40, worst="fail")
        make(self.team, "warns.example", score=70, worst="warn")
        make(self.team, "errs.example", score=60, worst="error")
        make(self.team, "good.example", score=95)
        make(self.team, "broke.example", score=90, failed=True)  # its last check failed
        make(self.team, "new.example", verified=False)
        none = make(self.team, "none.example", score=1)
        Domain.objects.filter(pk=none.pk).update(last_score=None, last_worst={"none_checked": True})
        cases = {
            "failing": ["fails.example"],
            "attention": ["warns.example"],
            "error": ["broke.example", "errs.example", "none.example"],
            "unverified": ["new.example"],
        }
        for status, expected in cases.items():
            with self.subTest(status):
                r = self.get(f"?status={status}")
                self.assertEqual(names(r), expected)
                self.assertContains(r, f"{len(expected)} of 7 domains</strong>")
        # Each row kept shows what it was kept for.
        r = self.get("?status=error").content.decode()
        self.assertIn("last check failed", r)
        self.assertIn("could not be checked", r)
        self.assertIn('<span class="status status-error">Could not check</span>', r)
        self.assertEqual(len(names(self.get("?status="))), 7)

    def test_it_combines_the_name_and_the_status(self) -> None:
        make(self.team, "shop.example", score=40, worst="fail")
        make(self.team, "shop.example.org", score=90)
        make(self.team, "blog.example", score=40, worst="fail")
        r = self.get("?q=shop&status=failing")
        self.assertEqual(names(r), ["shop.example"])
        self.assertContains(
            r, "1 of 3 domains</strong>: failing, with \u201cshop\u201d in the name."
        )

    def test_it_sorts_by_score_worst_first(self) -> None:
        make(self.team, "a.example", score=90)
        make(self.team, "b.example", score=20, worst="fail")
        make(self.team, "customer10.example", score=50, worst="warn")
        make(self.team, "customer2.example", score=50, worst="warn")
        make(self.team, "never.example", verified=False)
        null_mx = make(self.team, "nomail.example", score=10)
        worst = dict(null_mx.last_worst or {}, no_mail=True)
        Domain.objects.filter(pk=null_mx.pk).update(last_worst=worst)
        # Equal scores by name, naturally; no score (n/a, never checked) after every score.
        self.assertEqual(
            names(self.get("?sort=score")),
            [
                "b.example",
                "customer2.example",
                "customer10.example",
                "a.example",
                "never.example",
                "nomail.example",
            ],
        )

    def test_it_sorts_by_the_last_check_longest_ago_first(self) -> None:
        make(self.team, "today.example", score=80)
        make(self.team, "week.example", score=80, days_ago=7)
        make(self.team, "yesterday.example", score=80, days_ago=1)
        make(self.team, "never.example", verified=False)
        self.assertEqual(
            names(self.get("?sort=checked")),
            ["week.example", "yesterday.example", "today.example", "never.example"],
        )

    def test_it_sorts_by_name_naturally_when_filtered(self) -> None:
        for name in ("customer10.example", "customer2.example", "xn--bcher-kva.example", "a.x"):
            make(self.team, name, verified=False)
        make(self.team, "customer3.example")
        self.assertEqual(
            names(self.get("?status=unverified")),
            ["a.x", "bücher.example", "customer2.example", "customer10.example"],
        )
        # As the list of every domain sorts them (listing.page_of_rows).
        self.assertEqual(names(self.get("?sort=name&status=")), names(self.get()))
        self.assertEqual(names(self.get("?q=customer"))[1], "customer3.example")

    def test_the_form_shows_what_the_url_asks(self) -> None:
        r = self.get("?q=shop&status=failing&sort=score")
        self.assertContains(r, 'name="q" value="shop"')
        self.assertContains(r, '<option value="failing" selected>Failing</option>', html=False)
        self.assertContains(r, '<option value="score" selected>Score, worst first</option>')

    def test_unknown_values_show_the_whole_list(self) -> None:
        make(self.team, "a.example")
        make(self.team, "b.example", verified=False)
        for query in ("?status=bogus", "?sort=%00", "?q=%00", "?page=%C2%B2&sort=nope"):
            with self.subTest(query):
                r = self.get(query)
                self.assertEqual(r.status_code, 200)
                self.assertEqual(names(r), ["a.example", "b.example"])

    def test_the_pager_keeps_the_filter_and_the_order(self) -> None:
        for i in range(60):
            make(self.team, f"shop{i:02d}.example", score=i)
        make(self.team, "blog.example", score=0)
        first = self.get("?q=shop&sort=score")
        self.assertEqual(names(first)[:2], ["shop00.example", "shop01.example"])
        self.assertContains(first, 'href="?q=shop&amp;sort=score&amp;page=2" rel="next"')
        self.assertContains(first, "Page 1 of 2 · 60 domains")
        self.assertContains(first, "60 of 61 domains</strong>")
        second = self.get("?q=shop&sort=score&page=2")
        self.assertEqual(names(second), [f"shop{i}.example" for i in range(50, 60)])
        self.assertContains(second, 'href="?q=shop&amp;sort=score&amp;page=1" rel="prev"')
        # Sorted only: the order is in the links, and every domain counted as such.
        sorted_only = self.get("?sort=checked")
        self.assertContains(sorted_only, 'href="?sort=checked&amp;page=2"')
        self.assertContains(sorted_only, '<p class="list-count">61 domains</p>')

    def test_an_empty_result_says_why_and_offers_to_clear_the_filter(self) -> None:
        make(self.team, "a.example", score=90)
        make(self.team, "b.example", score=90)
        r = self.get("?q=nothing&status=failing&sort=score")
        self.assertEqual(names(r), [])
        self.assertContains(
            r, "No domain matches the filter: failing, with \u201cnothing\u201d in the name."
        )
        self.assertContains(r, "Your team has 2 domains.")
        # Clearing keeps the order chosen.
        self.assertContains(r, 'href="/domains/?sort=score">Clear the filter</a>')
        self.assertNotContains(r, "No domains yet")
        self.assertContains(self.get("?q=a&status=failing"), 'href="/domains/">Clear the filter')

    def test_a_team_without_domains_is_told_to_add_one_whatever_the_filter(self) -> None:
        self.assertContains(self.get("?q=x&status=failing"), "No domains yet")

    def test_the_quoted_text_is_escaped_and_cut_short(self) -> None:
        make(self.team, "a.example")
        r = self.client.get("/domains/", {"q": "<b>" + "x" * 200 + "\x1b"})
        self.assertContains(r, "&lt;b&gt;xxx")
        self.assertNotContains(r, "<b>xxx")
        self.assertContains(r, "x\u2026\u201d in the name")

    def test_the_page_says_the_csv_has_every_domain(self) -> None:
        make(self.team, "shop.example")
        make(self.team, "blog.example")
        self.assertContains(self.get(), "Export all your team's domains as CSV")
        r = self.get("?q=shop")
        self.assertContains(r, "The CSV export has all 2, not only these.")
        csv = b"".join(self.client.get("/domains/export.csv").streaming_content).decode()
        self.assertIn("shop.example", csv)
        self.assertIn("blog.example", csv)

    def test_htmx_gets_the_list_alone_and_the_words_for_the_live_region(self) -> None:
        make(self.team, "shop.example", score=40, worst="fail")
        make(self.team, "blog.example", score=90)
        r = self.get("?q=shop", **HTMX)
        body = r.content.decode()
        self.assertNotIn("<html", body)
        self.assertNotIn('<form class="list-filter"', body)
        self.assertEqual(names(r), ["shop.example"])
        self.assertIn(
            '<p id="list-live" hx-swap-oob="innerHTML">1 of 2 domains: with \u201cshop\u201d in '
            "the name. Sorted by name.</p>",
            body,
        )
        self.assertIn("HX-Request", r["Vary"])
        self.assertIn("HX-Request", self.get()["Vary"])
        # Back to the whole list by name: counted too (not the cached page, which is not).
        self.assertContains(self.get("?q=", **HTMX), ">2 domains. Sorted by name.</p>")
        self.assertContains(
            self.get("?status=failing&q=zzz", **HTMX),
            ">No domain matches the filter: failing, with \u201czzz\u201d in the name.</p>",
        )

    def test_a_back_button_restoring_the_page_gets_the_whole_page(self) -> None:
        make(self.team, "shop.example")
        r = self.get("?q=shop", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
        self.assertContains(r, '<form class="list-filter"')
        self.assertContains(r, 'name="q" value="shop"')
        self.assertEqual(names(r), ["shop.example"])
        # Another htmx request (not the filter's) gets the page as well.
        self.assertContains(self.get("?q=shop", HTTP_HX_REQUEST="true"), "<html")

    def test_it_reads_the_domains_in_one_query_whatever_their_number(self) -> None:
        def queries(query: str) -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.get(query).status_code, 200)
            return len(ctx)

        for i in range(3):
            make(self.team, f"shop{i}.example", score=50, worst="warn")
        # The header counts the person's teams once a minute (mailsec.views._team_count).
        self.get("")
        few = {q: queries(q) for q in ("?q=shop", "?status=attention&sort=score", "?sort=checked")}
        for i in range(3, 120):
            make(self.team, f"shop{i}.example", score=i % 100, worst="fail", failed=i % 2 == 0)
        many = {q: queries(q) for q in few}
        self.assertEqual(few, many)
        # The user, the team, the counts, the page's ids and the page's rows (s17: filtered,
        # counted and paged in SQL, so a page reads its own rows only).
        self.assertLessEqual(max(many.values()), 7, many)

    def test_the_team_s_domains_are_found_through_the_team_s_index(self) -> None:
        make(self.team, "shop.example")
        with CaptureQueriesContext(connection) as ctx:
            self.get("?q=shop")
        # Every query of the list that reads domains (the counts, the page's ids, its rows).
        found = [q["sql"] for q in ctx.captured_queries if '"domains_domain"' in q["sql"]]
        self.assertTrue(found)
        for sql in found:
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                    plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                    # SEARCH (by the team's index or the page's primary keys), never SCAN.
                    self.assertIn("SEARCH domains_domain", plan, sql)
                    self.assertNotIn("SCAN domains_domain", plan, sql)
                    continue
                # PostgreSQL scans a table of a few rows whatever its indexes: asked not to,
                # it must still find the team's domains through an index, not read them all.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}")
                plan = " ".join(str(row[0]) for row in cursor.fetchall())
            self.assertIn("Index", plan, sql)
            self.assertNotIn("Seq Scan on domains_domain", plan, sql)

    def test_it_checks_ownership(self) -> None:
        make(self.team, "shop.example", score=40, worst="fail")
        make(self.charlies_team, "charlies-shop.example", score=30, worst="fail")
        self.assertEqual(names(self.get("?q=shop&status=failing")), ["shop.example"])
        # A teammate sees the same list.
        self.client.force_login(self.bob)
        self.assertEqual(names(self.get("?q=shop&status=failing")), ["shop.example"])
        self.assertEqual(names(self.get("?q=shop", **HTMX)), ["shop.example"])
        # An outsider sees only their own team's.
        self.client.force_login(self.charlie)
        for query in ("?q=shop&status=failing", "?sort=score"):
            self.assertEqual(names(self.get(query)), ["charlies-shop.example"])
        r = self.get("?q=shop.example&sort=score", **HTMX)
        self.assertNotContains(r, ">shop.example<")
        self.assertContains(r, "1 of 1 domain</strong>")
        # Signed out: the sign-in page.
        self.client.logout()
        self.assertEqual(self.get("?q=shop").status_code, 302)
