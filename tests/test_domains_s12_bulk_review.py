"""Review of the bulk add (mailsec/domains/bulk.py): a To: line mixing bare addresses and
addresses with a display name kept only the bracketed ones, and a URL whose query holds
angle brackets was read as the word between them."""

from __future__ import annotations

from django.test import override_settings

from mailsec.domains.bulk import split_names
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
