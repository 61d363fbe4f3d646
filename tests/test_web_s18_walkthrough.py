"""What a walkthrough as a new user and as an MSP found in session 18, read in the HTML: the
scoring page's table cells carry their column's name for a phone's stacked rows; the free
check's "repeat" notice speaks a mail admin's words and keeps its limits apart from the
button; and www.client.com added on the Domains page, in a bulk add and checked for free is
described by one sentence, the one `mailsec check` prints."""

from __future__ import annotations

import html
import re
from typing import Any
from unittest.mock import patch

from django.core.cache import cache
from django.test import override_settings

from checks.cli import host_name_note
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# What www.client.com's notes start with, wherever it is typed.
WWW_NOTE = host_name_note("www.client.com", "client.com")


def text(response: Any) -> str:
    """The page's text with its tags' whitespace squeezed and entities read."""
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


class ScoringTableTestCase(BaseTestCase):
    def test_every_cell_of_the_weights_table_names_its_column(self) -> None:
        page = self.client.get("/scoring/").content.decode()
        table = re.search(r'<table class="domains rubric-weights">(.*?)</table>', page, re.S)
        assert table is not None
        heads = re.findall(r'<th scope="col">([^<]+)</th>', table.group(1))
        rows = re.findall(r"<tr id=\"rubric-[^\"]+\">(.*?)</tr>", table.group(1), re.S)
        self.assertGreaterEqual(len(rows), 8)
        for row in rows:
            # The category is the row's own heading; every other cell is led by its column.
            cells = re.findall(r"<td([^>]*)>", row)
            labels = [re.sub(r'.*data-label="([^"]*)".*|.*', r"\1", attrs) for attrs in cells]
            self.assertEqual(labels, heads[1:], row)


@override_settings(CACHES=LOCMEM)
class HostNameNoteTestCase(FreeCheckTestCase):
    """One sentence for www.client.com in the free check, the add and the bulk add (they
    said "looks like a host name; mail for client.com is checked at client.com", "is a host
    name: mail to addresses @client.com is checked for client.com" and "A host name: …")."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_the_free_check_says_it(self) -> None:
        with patch(DELAY):
            r = self.submit("www.client.com")
        self.assertIn(f"{WWW_NOTE}.", text(self.client.get(r["Location"])))

    def test_the_add_says_it_and_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add/", {"name": "www.client.com"}, follow=True)
        self.assertTrue(Domain.objects.filter(name="www.client.com").exists())
        self.assertIn(
            f"{WWW_NOTE}. Add client.com here, and remove www.client.com unless it receives mail "
            "itself.",
            text(r),
        )

    def test_the_bulk_add_says_the_same(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add-many/", {"names": "www.client.com\nother.org"})
        page = text(r)
        self.assertIn(
            f"{WWW_NOTE}. Add client.com here, and remove www.client.com unless it receives mail "
            "itself.",
            page,
        )
        self.assertEqual(page.count(WWW_NOTE), 1)  # not said of other.org

    def test_an_internationalised_name_is_named_as_people_write_it(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add-many/", {"names": "mta-sts.bücher.de"})
        self.assertIn(host_name_note("mta-sts.bücher.de", "bücher.de"), text(r))


class RepeatNoticeTestCase(FreeCheckTestCase):
    """The notice over a result shown again: plain words, the limits under the button."""

    def notice(self, minutes_ago: float, **query: str) -> str:
        old = done_check("example.org", minutes_ago=minutes_ago)
        page = text(self.client.get(old.get_absolute_url(), query))
        found = re.search(r'<div id="fc-reuse".*?</form>', page)
        assert found is not None
        return found.group(0)

    def test_it_says_what_the_form_shows_and_what_the_button_does(self) -> None:
        notice = self.notice(2, reused="1")
        self.assertIn("checking it from the form shows this same result until", notice)
        self.assertIn("To check it now, press Check again now.", notice)

    def test_it_speaks_of_dns_changes_without_jargon(self) -> None:
        notice = self.notice(2, reused="1")
        self.assertIn("Just changed a DNS record?", notice)
        for jargon in ("resolver", "negative-caching", "previous answer's"):
            self.assertNotIn(jargon, notice)

    def test_the_limits_are_a_line_of_their_own_after_the_button(self) -> None:
        notice = self.notice(2, reused="1")
        self.assertRegex(
            notice,
            r'Check again now</button> <p id="fc-again-limits" class="fc-note">A new check '
            r"counts toward the free check's limits: \d+ checks per visitor",
        )
        self.assertIn('aria-describedby="fc-again-limits"', notice)
