"""Review of the bulk add (mailsec/domains/bulk.py): a To: line mixing bare addresses and
addresses with a display name kept only the bracketed ones, and a URL whose query holds
angle brackets was read as the word between them. And both add forms (single and bulk) carried
no team: switching teams in another tab made a pending add land in the other team."""

from __future__ import annotations

import re
from typing import Any

from django.test import override_settings
from django.urls import reverse

from mailsec.accounts.models import Team
from mailsec.domains.bulk import split_names
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

ADD_MANY = "/domains/add-many/"
MIXED = "alice@example.com, Bob <bob@example.org>, carol@example.net"
URL = "https://example.com/?q=<x>"


class SplitNamesTestCase(BaseTestCase):
    def test_a_mixed_to_line_gives_every_address(self) -> None:
        self.assertEqual(
            split_names(MIXED), ["alice@example.com", "bob@example.org", "carol@example.net"]
        )
        # A quoted display name may hold the separators; a bare address may follow one
        # separated by a space only (a display name holds no bare @).
        self.assertEqual(
            split_names('"Doe, John; Jr" <john@a.org>; b.org\nc@c.org Ann <ann@d.org> e.org'),
            ["john@a.org", "b.org", "c@c.org", "ann@d.org", "e.org"],
        )

    def test_a_url_with_angle_brackets_in_its_query_is_one_entry(self) -> None:
        self.assertEqual(split_names(URL), [URL])
        self.assertEqual(split_names(f"{URL}, b.org"), [URL, "b.org"])
        # An address in brackets begins a word; a URL in brackets is still taken out of them.
        self.assertEqual(split_names("<https://example.com/>"), ["https://example.com/"])

    def test_an_unclosed_quote_or_bracket_is_an_ordinary_character(self) -> None:
        self.assertEqual(split_names('5" a.org, b.org'), ['5"', "a.org", "b.org"])
        self.assertEqual(split_names("<a.org, b.org"), ["<a.org", "b.org"])


@override_settings(CACHES=LOCMEM)
class MixedPasteTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_every_address_of_a_mixed_to_line_is_added(self) -> None:
        r = self.client.post(ADD_MANY, {"names": MIXED})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            [(o.typed, o.status, o.name) for o in r.context["outcomes"]],
            [
                ("alice@example.com", "added", "example.com"),
                ("bob@example.org", "added", "example.org"),
                ("carol@example.net", "added", "example.net"),
            ],
        )
        self.assertEqual(
            sorted(self.team.domains.values_list("name", flat=True)),
            ["example.com", "example.net", "example.org"],
        )

    def test_a_url_with_angle_brackets_is_listed_as_pasted(self) -> None:
        r = self.client.post(ADD_MANY, {"names": f"{URL}\nexample.net"})
        self.assertEqual([o.typed for o in r.context["outcomes"]], [URL, "example.net"])
        self.assertContains(r, "<code>https://example.com/?q=&lt;x&gt;</code>", html=False)
        # Never the word between the brackets.
        self.assertNotIn("x", [o.typed for o in r.context["outcomes"]])


TEAM_FIELD = re.compile(r'<input type="hidden" name="team" value="([0-9a-f-]+)">')
CHANGED = "Your current team changed since this page was loaded"


@override_settings(CACHES=LOCMEM)
class TeamChangedTestCase(BaseTestCase):
    """alice loads an add form in one tab, switches to her other team in another, then sends
    the form: the names must not land in a team the page did not show."""

    def setUp(self) -> None:
        super().setUp()
        self.other = Team.objects.create(name="Other & Co")
        self.other.memberships.create(user=self.alice, role="member")
        self.client.force_login(self.alice)

    def loaded_then_switched(self, path: str) -> str:
        page = self.client.get(path)
        codes = TEAM_FIELD.findall(page.content.decode())
        # Each add form of the page carries the team it was loaded for.
        self.assertEqual(codes, [str(self.team.code)] * len(codes))
        self.assertGreaterEqual(len(codes), 1)
        switched = self.client.post(reverse("accounts:switch_team", args=[self.other.code]))
        self.assertEqual(switched.status_code, 302)
        return codes[0]

    def assert_refused(self, r: Any) -> None:
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, CHANGED, status_code=400)
        self.assertContains(r, "it is now Other &amp; Co. Nothing was added.", status_code=400)
        self.assertFalse(Domain.objects.filter(team__in=[self.team, self.other]).exists())
        # The page now shows the current team and its form carries it: sent again, knowingly.
        self.assertIn(str(self.other.code), TEAM_FIELD.findall(r.content.decode()))

    def test_the_single_add_refuses_a_form_of_the_team_before(self) -> None:
        loaded = self.loaded_then_switched("/domains/")
        r = self.client.post("/domains/add/", {"name": "example.com", "team": loaded})
        self.assert_refused(r)
        self.assertContains(r, 'value="example.com"', status_code=400)  # what was typed stays
        again = self.client.post(
            "/domains/add/", {"name": "example.com", "team": str(self.other.code)}
        )
        self.assertEqual(again.status_code, 302)
        self.assertEqual(list(self.other.domains.values_list("name", flat=True)), ["example.com"])

    def test_the_bulk_add_refuses_a_form_of_the_team_before(self) -> None:
        for path in ("/domains/", ADD_MANY):
            with self.subTest(loaded_on=path):
                self.client.post(reverse("accounts:switch_team", args=[self.team.code]))
                loaded = self.loaded_then_switched(path)
                r = self.client.post(ADD_MANY, {"names": MIXED, "team": loaded})
                self.assert_refused(r)
                self.assertContains(r, "carol@example.net</textarea>", status_code=400)
        again = self.client.post(ADD_MANY, {"names": MIXED, "team": str(self.other.code)})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(self.other.domains.count(), 3)
        self.assertEqual(self.team.domains.count(), 0)

    def test_a_code_that_is_no_uuid_is_refused_too(self) -> None:
        self.client.post(reverse("accounts:switch_team", args=[self.other.code]))
        r = self.client.post("/domains/add/", {"name": "example.com", "team": "nonsense"})
        self.assert_refused(r)
