"""The bulk add (mailsec/domains/bulk.py, templates/domains/bulk.html), as a new user and an
MSP found it in session 15: a pasted line was split at its spaces, so "not a domain!!" came
back as three refusals ("not", "a", "domain!!"), none saying which line it was; and each added
domain's record gave only its full name, where the single add's page also says what to type
in a DNS panel's Host field (the name relative to the panel's zone), each part copyable."""

from __future__ import annotations

import html
import re

from django.test import override_settings

from mailsec.domains.bulk import split_entries, split_names
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

ADD_MANY = "/domains/add-many/"


class SplitEntriesTestCase(BaseTestCase):
    def test_a_line_of_words_that_are_no_names_is_one_entry(self) -> None:
        self.assertEqual(split_names("not a domain!!"), ["not a domain!!"])
        self.assertEqual(split_names("  Acme Corp: sales!  "), ["Acme Corp: sales!"])

    def test_names_beside_other_words_are_read_and_the_other_words_are_one_entry(self) -> None:
        # Review of session 16: the rule above must not lose the names of the lists people
        # paste: bullets and numbers are left out, a spreadsheet's other columns or a word
        # like "and" are one entry of their own (refused once), where they stood.
        self.assertEqual(
            split_names("- a.example\n* b.example\n• c.example\n1. d.example\n12) e.example"),
            ["a.example", "b.example", "c.example", "d.example", "e.example"],
        )
        self.assertEqual(split_names("Acme Corp\tacme.example"), ["Acme Corp", "acme.example"])
        self.assertEqual(
            split_names("acme.example\tVerified\t2024-01-01"),
            ["acme.example", "Verified 2024-01-01"],
        )
        self.assertEqual(
            split_names("a.example b.example and c.example"),
            ["a.example", "b.example", "and", "c.example"],
        )
        self.assertEqual(split_names("Acme Corp: acme.example"), ["Acme Corp:", "acme.example"])
        self.assertEqual(split_names("- !!"), ["- !!"])

    def test_a_list_whose_every_piece_is_a_name_is_split(self) -> None:
        # One a line; or on a line separated by spaces, tabs, commas or semicolons; URLs
        # and addresses count as names, and so does a mistyped name (refused on its own).
        self.assertEqual(
            split_names("a.example b.example\tc@c.example https://d.example/x typo..example"),
            ["a.example", "b.example", "c@c.example", "https://d.example/x", "typo..example"],
        )
        self.assertEqual(
            split_names("a.example, b.example;c.example\n\nd。example e．example"),
            ["a.example", "b.example", "c.example", "d。example", "e．example"],
        )

    def test_commas_separate_entries_even_beside_words(self) -> None:
        # A comma or semicolon never belongs to a name: the pieces between them are read
        # one by one, each a list of names or one entry.
        self.assertEqual(
            split_names("a.example, not a domain; Ann <ann@b.example>"),
            ["a.example", "not a domain", "ann@b.example"],
        )

    def test_each_entry_knows_its_line(self) -> None:
        entries = split_entries("a.example b.example\r\n\r\nnot a domain!!\n c.example, d\n")
        self.assertEqual(
            [(e.line, e.text) for e in entries],
            [(1, "a.example"), (1, "b.example"), (3, "not a domain!!"), (4, "c.example"), (4, "d")],
        )


@override_settings(CACHES=LOCMEM)
class BulkResultTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_names_in_one_pair_of_angle_brackets_are_refused_not_a_500(self) -> None:
        # Review of session 16: every word a name, read as one entry, made the refusal's
        # wording index an empty list (IndexError, a 500).
        r = self.client.post(ADD_MANY, {"names": "<acme.example bravo.example>"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "acme.example bravo.example")
        self.assertFalse(self.team.domains.exists())

    def test_a_bulleted_list_adds_every_name_and_refuses_nothing(self) -> None:
        names = "- a.example.net\n- b.example.net\n- c.example.net"
        r = self.client.post(ADD_MANY, {"names": names})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            sorted(self.team.domains.values_list("name", flat=True)),
            ["a.example.net", "b.example.net", "c.example.net"],
        )
        self.assertNotContains(r, "Not domain names we can add")

    def test_a_line_of_prose_is_one_refusal_that_says_its_line(self) -> None:
        paste = "shop.example.net\nnot a domain!!\nfirst.example.org second.example.org\n"
        r = self.client.post(ADD_MANY, {"names": paste})
        self.assertEqual(r.status_code, 200)
        outcomes = [(o.line, o.typed, o.status) for o in r.context["outcomes"]]
        self.assertEqual(
            outcomes,
            [
                (1, "shop.example.net", "added"),
                (2, "not a domain!!", "refused"),
                (3, "first.example.org", "added"),
                (3, "second.example.org", "added"),
            ],
        )
        self.assertEqual(len(r.context["summary"].refused), 1)
        page = re.sub(r"\s+", " ", html.unescape(r.content.decode()))
        self.assertIn("Not domain names we can add: 1 (line 2).", page)
        # The refusal says why the line is one entry, naming the words that are no names.
        [refused] = r.context["summary"].refused
        self.assertIn("“not”, “a” and “domain!!”", refused.reason)
        self.assertIn(refused.reason, page)
        # Every row says its line.
        for line in (1, 2, 3):
            self.assertIn(f"Line {line}", page)
        self.assertEqual(
            sorted(self.team.domains.values_list("name", flat=True)),
            ["first.example.org", "second.example.org", "shop.example.net"],
        )

    def test_each_added_domain_shows_its_record_as_the_single_add_does(self) -> None:
        r = self.client.post(ADD_MANY, {"names": "example.net\nmail.shop.example.org"})
        page = r.content.decode()
        rows = {o.name: (i, o) for i, o in enumerate(r.context["outcomes"], start=1)}
        for name, zone, host in (
            ("example.net", "example.net", "_mailsec-challenge"),
            ("mail.shop.example.org", "example.org", "_mailsec-challenge.mail.shop"),
        ):
            i, o = rows[name]
            d = self.team.domains.get(name=name)
            # What the domain's own page shows for it (views.details' context).
            details = self.client.get(f"/domains/{d.code}/")
            self.assertEqual(details.context["challenge_zone"], zone)
            self.assertEqual(details.context["challenge_host"], host)
            # Name, host in the panel's zone, type and value, each copyable.
            for part, text in (
                ("name", d.challenge_name),
                ("host", host),
                ("value", d.challenge_value),
            ):
                self.assertIn(f'<code id="bulk-{part}-{i}">{html.escape(text)}</code>', page)
                self.assertIn(f'data-copy-target="bulk-{part}-{i}"', page)
            self.assertIn(f"<code>{zone}</code>", page)
        self.assertEqual(page.count("<dt>Type</dt><dd><code>TXT</code></dd>"), 2)
        self.assertEqual(page.count('<dl class="record">'), 2)

    def test_it_checks_ownership(self) -> None:
        d = self.charlies_team.domains.create(name="shop.example.net")
        r = self.client.post(ADD_MANY, {"names": "shop.example.net other words"})
        # The name is read (and not given away), the other words are one refusal.
        self.assertEqual([o.status for o in r.context["outcomes"]], ["added", "refused"])
        r = self.client.post(ADD_MANY, {"names": "shop.example.net"})
        self.assertEqual([o.status for o in r.context["outcomes"]], ["present"])
        self.assertNotContains(r, d.challenge)
        self.assertNotContains(r, str(d.code))
