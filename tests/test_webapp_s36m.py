"""MSP scale follow-ups (task s36m), item 1: the TLS reports of all domains
(/tlsrpt/all-domains/, s35t) with hundreds of domains.

A name filter as the domain list's: a plain GET form (?q=, a URL to share, works without
JavaScript), an htmx partial of the list alone whose answer names the address without empty
parameters; the person's own teams' domains only; the same number of queries for 30 domains
as for 300, filtered or not."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_reports_s35t import add_domain, add_report

URL = "/tlsrpt/all-domains/"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "all-domains-list"}


def rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


class AllDomainsFilterTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.now().date()
        for name, failed in [
            ("shop-a.example", 5),
            ("shop-b.example", 0),
            ("mail.example", 9),
            ("xn--bcher-kva.example", 1),  # bücher.example
        ]:
            _, address = add_domain(self.team, name)
            add_report(address, self.today - timedelta(days=1), ok=10, failed=failed)
        add_domain(self.team, "shop-silent.example")  # an address, no report
        add_domain(self.team, "other-silent.example")
        _, other = add_domain(self.charlies_team, "shop-secret.example")
        add_report(other, self.today, ok=1, failed=3)
        self.client.force_login(self.alice)

    def test_it_keeps_the_domains_with_the_text_in_their_name(self) -> None:
        html = self.client.get(URL, {"q": "shop"}).content.decode()
        self.assertEqual(rows(html), ["shop-a.example", "shop-b.example"])
        text = flat(html)
        # What the filter kept, of how many, and a way back.
        self.assertIn("with \u201cshop\u201d in the name", text)
        self.assertIn(f'href="{URL}"', html)
        # The silent line counts the kept domains alone (shop-silent, not other-silent).
        self.assertIn("1 domain with \u201cshop\u201d in the name received no report", text)
        self.assertNotIn("shop-secret", html)

    def test_unfiltered_it_shows_every_domain_as_before(self) -> None:
        html = self.client.get(URL).content.decode()
        self.assertEqual(
            rows(html),
            ["mail.example", "shop-a.example", "bücher.example", "shop-b.example"],
        )
        self.assertIn("2 domains received no report", flat(html))

    def test_the_form_is_a_plain_get_form_with_the_text_kept(self) -> None:
        html = self.client.get(URL, {"q": "shop"}).content.decode()
        form = re.search(r"<form[^>]*>.*?</form>", html, re.S)
        assert form is not None
        self.assertIn('method="get"', form.group(0))
        self.assertIn(f'action="{URL}"', form.group(0))
        self.assertRegex(form.group(0), r'<input[^>]*name="q"[^>]*value="shop"')
        self.assertIn(f'hx-get="{URL}"', form.group(0))
        self.assertIn('hx-target="#all-domains-list"', form.group(0))

    def test_case_dots_and_unicode_forms_of_the_text(self) -> None:
        for q in ("SHOP-A", "shop-a.example.", " shop-a "):
            self.assertEqual(
                rows(self.client.get(URL, {"q": q}).content.decode()), ["shop-a.example"], q
            )
        # The name as people read it finds its A-label, in either Unicode form.
        for q in ("bücher", "BU\u0308CHER", "xn--bcher"):
            self.assertEqual(
                rows(self.client.get(URL, {"q": q}).content.decode()),
                ["bücher.example"],
                q,
            )

    def test_a_text_that_matches_nothing_says_so(self) -> None:
        html = flat(self.client.get(URL, {"q": "nothing-like-it"}).content.decode())
        self.assertEqual(rows(html), [])
        self.assertIn("No domain of your teams with \u201cnothing-like-it\u201d in the name", html)
        self.assertNotIn("received no report:", html)

    def test_htmx_gets_the_list_alone_and_the_address_to_push(self) -> None:
        response = self.client.get(URL, {"q": "shop"}, **HTMX)
        html = response.content.decode()
        self.assertNotIn("<html", html)
        self.assertNotIn("<form", html)
        self.assertEqual(rows(html), ["shop-a.example", "shop-b.example"])
        self.assertEqual(response["HX-Push-Url"], f"{URL}?q=shop")
        # The page's live region says it in words, out of band (not the whole table).
        self.assertIn(
            '<p id="all-live" hx-swap-oob="innerHTML">3 domains with \u201cshop\u201d in the '
            "name: 2 domains with TLS reports.</p>",
            html,
        )
        self.assertIn("HX-Request", response["Vary"])
        # Typing replaces the current address rather than adding a step to the history.
        typed = self.client.get(URL, {"q": "sh"}, HTTP_HX_TRIGGER="all-find", **HTMX)
        self.assertEqual(typed["HX-Replace-Url"], f"{URL}?q=sh")
        self.assertNotIn("HX-Push-Url", typed)
        # An empty text box: the page's own address, no empty ?q=.
        cleared = self.client.get(URL, {"q": ""}, **HTMX)
        self.assertEqual(cleared["HX-Push-Url"], URL)
        self.assertIn(">4 domains with TLS reports.</p>", cleared.content.decode())
        none = self.client.get(URL, {"q": "<zz>"}, **HTMX).content.decode()
        self.assertIn(">No domain with \u201c&lt;zz&gt;\u201d in the name.</p>", none)
        self.assertEqual(len(rows(cleared.content.decode())), 4)

    def test_htmx_restoring_the_page_on_back_gets_the_page(self) -> None:
        html = self.client.get(
            URL, {"q": "shop"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
        ).content.decode()
        self.assertIn("<form", html)

    def test_it_checks_ownership(self) -> None:
        # charlie's filter finds his own domain, never alice's, on the page or in the partial.
        self.client.force_login(self.charlie)
        for extra in ({}, HTMX):
            html = self.client.get(URL, {"q": "shop"}, **extra).content.decode()
            self.assertEqual(rows(html), ["shop-secret.example"])
            for name in ("shop-a", "shop-b", "shop-silent", "mail.example"):
                self.assertNotIn(name, html)
            self.assertNotIn("received no report", html)
        html = self.client.get(URL, {"q": "mail"}).content.decode()
        self.assertEqual(rows(html), [])
        self.assertNotIn("mail.example", html.replace('"mail"', ""))

    def test_signed_out_htmx_is_sent_to_sign_in(self) -> None:
        self.client.logout()
        response = self.client.get(URL, {"q": "shop"}, **HTMX)
        self.assertIn("/accounts/login/", response["HX-Redirect"])
        self.assertEqual(self.client.get(URL).status_code, 302)


class AllDomainsQueriesTestCase(BaseTestCase):
    def add(self, count: int) -> None:
        today = timezone.now().date()
        start = Domain.objects.filter(team=self.team).count()
        domains = Domain.objects.bulk_create(
            Domain(team=self.team, name=f"d{n:03d}.example", verified_at=timezone.now())
            for n in range(start, start + count)
        )
        addresses = ReportAddress.objects.bulk_create(
            ReportAddress(domain=d, domain_name=d.name) for d in domains
        )
        for n, address in enumerate(addresses):
            if n % 4:  # a quarter received nothing
                add_report(address, today, ok=10, failed=n % 3)

    def count(self, params: dict[str, str], **extra: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(URL, params, **extra)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_the_same_queries_for_30_domains_as_for_300(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(URL)  # warm the session
        self.add(30)
        asks = [({}, {}), ({"q": "d0"}, {}), ({"q": "d0"}, HTMX), ({"q": "none-such"}, HTMX)]
        few = [self.count(params, **extra) for params, extra in asks]
        self.assertEqual(len(rows(self.client.get(URL).content.decode())), 22)
        self.add(270)
        many = [self.count(params, **extra) for params, extra in asks]
        self.assertEqual(many, few)
        for (params, extra), n in zip(asks, few, strict=True):
            with self.assertNumQueries(n):
                self.client.get(URL, params, **extra)
        html = self.client.get(URL, {"q": "d29"}).content.decode()
        # d290 to d299 are the second batch's 260th to 269th: a quarter (260, 264, 268) silent.
        self.assertEqual(sorted(rows(html)), [f"d29{n}.example" for n in (1, 2, 3, 5, 6, 7, 9)])
        self.assertIn("3 domains with \u201cd29\u201d in the name received no report", flat(html))
        self.assertEqual(len(rows(self.client.get(URL).content.decode())), 22 + 202)
