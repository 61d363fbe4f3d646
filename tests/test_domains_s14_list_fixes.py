"""What a review of the domain list's filter (c3b47fb) found, fixed: a signed-out filter
request goes to the login page instead of putting it inside the list; the natural sort key
decodes only A-labels; a text of dots only is no filter, in the words as in the list; the
list is never kept by a shared cache; a filter request made on a page of another team than
the current one loads the whole page again; the default list comes from the cached page on
htmx requests as well; typing replaces the address bar's step, choosing pushes one."""

from __future__ import annotations

import re
import string
from typing import Any
from unittest import TestCase, mock
from urllib.parse import quote

import idna
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from mailsec.accounts.models import Membership, Team
from mailsec.domains.models import _DIGIT_RUN, display_name, name_sort_key
from tests.conftest import BaseTestCase
from tests.test_domains_s14_list_filter import HTMX, make, names

LOGIN = reverse("account_login")


def decoding_every_name(name: str) -> tuple[list[str | int], str]:
    """The key as c3b47fb made it, decoding every name: the order people saw until now."""
    parts: list[str | int] = [
        int(part) if at % 2 else part
        for at, part in enumerate(_DIGIT_RUN.split(display_name(name).casefold()))
    ]
    return parts, name


class SortKeyTestCase(TestCase):
    NAMES = [
        "shop.example",
        "customer2.example",
        "customer10.example",
        "123.example",
        "0042.example",
        "_dmarc.example",
        "mail_server.example",
        "xn--bcher-kva.example",  # bücher.example
        "xn--strae-oqa.example",  # straße (IDNA2008 only)
        "xn--zz-broken.example",  # not a valid A-label: shown as it is
        "a--b.example",
        "a" * 63 + ".example",
        "b" * 63 + "." + "c" * 63 + ".example",
        "x" * 64 + ".example",  # too long a label: idna refuses it
        "ex-ample.co.uk",
        "bücher.example",  # a U-label (never stored, still keyed as before)
    ]

    def test_it_keeps_the_order_of_every_kind_of_name(self) -> None:
        for name in self.NAMES:
            with self.subTest(name=name):
                self.assertEqual(name_sort_key(name), decoding_every_name(name))
        self.assertEqual(
            sorted(self.NAMES, key=name_sort_key), sorted(self.NAMES, key=decoding_every_name)
        )

    @given(st.text(alphabet=string.ascii_lowercase + string.digits + "-_.", max_size=80))
    def test_it_keeps_the_key_of_any_ascii_name(self, name: str) -> None:
        self.assertEqual(name_sort_key(name), decoding_every_name(name))

    def test_it_decodes_only_a_labels(self) -> None:
        plain = [f"customer{i}.example" for i in range(50)] + ["_dmarc.example", "123.example"]
        display_name.cache_clear()  # names are decoded once a process (an earlier test's)
        with mock.patch("idna.decode", wraps=idna.decode) as decode:
            for name in plain:
                name_sort_key(name)
            self.assertEqual(decode.call_count, 0)
            self.assertEqual(name_sort_key("xn--bcher-kva.example")[0], ["bücher.example"])
            self.assertEqual(decode.call_count, 1)
            # and once: the list's search and sort decode the team's A-labels every request
            self.assertEqual(name_sort_key("xn--bcher-kva.example")[0], ["bücher.example"])
            self.assertEqual(decode.call_count, 1)


class ListFixesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def get(self, query: str = "", **extra: Any) -> HttpResponse:
        return self.client.get(f"/domains/{query}", **extra)

    def test_a_signed_out_filter_request_goes_to_the_login_page(self) -> None:
        """An expired session: htmx would follow a 302 and swap the login page into the
        list, and push the login URL into the address bar."""
        self.client.logout()
        page = "/domains/?sort=score"
        r = self.get("?q=shop", HTTP_HX_CURRENT_URL=f"http://testserver{page}", **HTMX)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["HX-Redirect"], f"{LOGIN}?next={quote(page)}")
        self.assertNotIn("Location", r)
        self.assertIn("HX-Request", r["Vary"])
        # Without JavaScript, the plain redirect.
        r = self.get("?q=shop")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(f"{LOGIN}?next="))

    def test_a_signed_out_back_button_gets_the_login_page_to_show(self) -> None:
        """htmx restoring a page on Back swaps what it gets and ignores HX-Redirect: an
        empty answer would blank the page; the redirect it follows shows the login page."""
        self.client.logout()
        r = self.get("?q=shop", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
        self.assertEqual(r.status_code, 302)
        self.assertNotIn("HX-Redirect", r)
        self.assertTrue(r["Location"].startswith(f"{LOGIN}?next="))

    def test_a_text_of_dots_only_is_no_filter_in_the_words_either(self) -> None:
        make(self.team, "shop.example")
        make(self.team, "blog.example")
        for q in ("...", ".", "+.+"):
            with self.subTest(q=q):
                r = self.get(f"?q={q}")
                self.assertEqual(names(r), ["blog.example", "shop.example"])
                self.assertNotContains(r, "in the name")
                self.assertNotContains(r, "Clear the filter")
                self.assertContains(r, '<p class="list-count">2 domains</p>', html=True)
                r = self.get(f"?q={q}", **HTMX)
                self.assertEqual(names(r), ["blog.example", "shop.example"])
                self.assertNotContains(r, "in the name")
                self.assertContains(r, ">2 domains. Sorted by name.</p>")
        # With a status, the words name the status alone; the pager's links drop the dots.
        make(self.team, "bad.example", score=10, worst="fail")
        r = self.get("?q=..&status=failing", **HTMX)
        self.assertEqual(names(r), ["bad.example"])
        self.assertContains(r, ">1 of 3 domains: failing. Sorted by name.</p>")
        # A text with something besides dots still filters, and quotes what was typed.
        r = self.get("?q=shop.", **HTMX)
        self.assertEqual(names(r), ["shop.example"])
        self.assertContains(r, "with \u201cshop.\u201d in the name")

    def test_no_cache_keeps_the_list(self) -> None:
        make(self.team, "shop.example")
        for query, extra in (("", {}), ("?q=shop", {}), ("?q=shop", HTMX), ("?q=", HTMX)):
            with self.subTest(query=query, htmx=bool(extra)):
                r = self.get(query, **extra)
                self.assertEqual(r.status_code, 200)
                directives = {d.strip() for d in r["Cache-Control"].split(",")}
                # s40h: no-store, as every signed-in answer (was no-cache, without a validator).
                self.assertEqual(directives, {"private", "no-store"})
                self.assertIn("HX-Request", r["Vary"])
                self.assertIn("Cookie", r["Vary"])

    def test_the_page_tells_its_filter_requests_its_team(self) -> None:
        # A team with a domain: the filter is shown only then. (Without one this test passed
        # on the list page an earlier test left in the cache for the same team id.)
        make(self.team, "shop.example")
        r = self.get()
        form = re.search(r'<form class="list-filter"[^>]*>', r.content.decode())
        assert form is not None
        self.assertIn(f"""hx-headers='{{"Mailsec-Team": "{self.team.code}"}}'""", form[0])

    def test_a_filter_request_of_another_team_s_page_loads_the_whole_page(self) -> None:
        """The person switched to another team in another tab: the new team's list under
        the old team's heading would mislead. The whole page again, with the filter."""
        make(self.team, "shop.example")
        other = Team.objects.create(name="Other customers")
        Membership.objects.create(team=other, user=self.alice, role=Membership.Role.OWNER)
        make(other, "othershop.example")
        old_page = {"HTTP_MAILSEC_TEAM": str(self.team.code)}
        # Still the same team: the list alone.
        r = self.get("?q=shop", **old_page, **HTMX)
        self.assertEqual(names(r), ["shop.example"])
        self.assertNotIn("HX-Redirect", r)

        profile = self.alice.profile
        profile.current_team = other
        profile.save()
        r = self.get("?q=shop&sort=score", **old_page, **HTMX)
        self.assertEqual(r["HX-Redirect"], "/domains/?q=shop&sort=score")
        self.assertNotIn("othershop", r.content.decode())
        page = self.client.get(r["HX-Redirect"])
        self.assertContains(page, "Your current team changed: this is Other customers")
        self.assertContains(page, '<p class="muted">Other customers</p>', html=True)
        self.assertEqual(names(page), ["othershop.example"])
        # Not a code of ours: not the current team's either.
        r = self.get("?q=shop", HTTP_MAILSEC_TEAM="nonsense", **HTMX)
        self.assertIn("HX-Redirect", r)
        # A request without the header (a script) gets the current team's list, as before.
        self.assertEqual(names(self.get("?q=shop", **HTMX)), ["othershop.example"])

    def test_clearing_the_filter_serves_the_cached_page(self) -> None:
        for i in range(3):
            make(self.team, f"shop{i}.example", score=50, worst="warn")
        self.get()  # the page of all domains by name is cached

        with CaptureQueriesContext(connection) as ctx:
            r = self.get("?q=", **HTMX)
        self.assertEqual(names(r), ["shop0.example", "shop1.example", "shop2.example"])
        self.assertContains(r, ">3 domains. Sorted by name.</p>")
        # The count, not the rows of every domain of the team.
        self.assertFalse([q for q in ctx.captured_queries if '"last_worst"' in q["sql"]])
        self.assertTrue([q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()])
        # The same list as the page of a plain request.
        self.assertIn(
            r.content.decode().split('<p id="list-live"')[0].strip(), self.get().content.decode()
        )

    def test_typing_replaces_the_address_and_choosing_pushes_it(self) -> None:
        make(self.team, "shop.example")  # the filter is shown only on a team with a domain
        r = self.get()
        body = r.content.decode()
        form = re.search(r'<form class="list-filter".*?</form>', body, re.S)
        assert form is not None
        tags = re.findall(r"<(?:form|div)[^>]*hx-get[^>]*>", form[0])
        form_tag, box_tag = tags
        self.assertIn('hx-push-url="true"', form_tag)
        self.assertIn('hx-disinherit="hx-push-url"', form_tag)
        self.assertNotIn("from:#id_q", form_tag)
        self.assertIn('hx-replace-url="true"', box_tag)
        self.assertIn("from:#id_q", box_tag)
        self.assertIn('hx-include="closest form"', box_tag)

    def test_it_checks_ownership(self) -> None:
        make(self.charlies_team, "charlies-shop.example")
        charlies_page = {"HTTP_MAILSEC_TEAM": str(self.charlies_team.code)}
        # A page of a team alice is not in asks for nothing but her own team's page.
        r = self.get("?q=shop", **charlies_page, **HTMX)
        self.assertEqual(r["HX-Redirect"], "/domains/?q=shop")
        self.assertNotIn("charlies", r.content.decode())
        self.assertEqual(names(self.get("?q=shop")), [])
