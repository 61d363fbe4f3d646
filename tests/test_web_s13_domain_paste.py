"""Adding a domain from what a person pastes out of a browser's address bar: the domain is
taken from it, the page says what it was taken from, the bulk add reads the same entries the
same way, and what is no domain is refused with its reason."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.test import override_settings

from mailsec.domains.forms import taken_from
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

# What a browser's address bar (or a person) hands over, and the domain it names.
PASTED = {
    "https://example.com/?q=1": "example.com",
    "https://Example.com:443/path#x": "example.com",
    "https://example.com/": "example.com",
    "http://user@example.com/": "example.com",
    "http://user:secret@example.com:8080/a/b?c=d&e=f#g": "example.com",
    ' "HTTPS://EXAMPLE.COM./" ': "example.com",
    "\u201chttps://b\u00fccher.de/suche?q=x\u201d": "xn--bcher-kva.de",
    "https://example.com?q=1": "example.com",
    "https://example.com#top": "example.com",
}


@override_settings(CACHES=LOCMEM)
class PastedAddressTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def add(self, text: str) -> tuple[int, list[str], str]:
        r = self.client.post("/domains/add/", {"name": text, "team": str(self.team.code)})
        said = [str(m) for m in get_messages(r.wsgi_request)]
        error = ""
        if r.status_code != 302:
            error = str(r.context["form"].errors["name"][0])
        return r.status_code, said, error

    def test_it_adds_the_domain_of_a_pasted_address_and_says_what_it_came_from(self) -> None:
        status, said, _ = self.add("https://Example.com:443/path#x")
        self.assertEqual(status, 302)
        self.assertTrue(Domain.objects.filter(team=self.team, name="example.com").exists())
        self.assertIn(
            "Added example.com (from the address you pasted: https://Example.com:443/path#x). "
            "Now prove you control it.",
            said,
        )

    def test_every_kind_of_pasted_address_gives_its_domain(self) -> None:
        for text, name in PASTED.items():
            with self.subTest(text=text):
                status, _, error = self.add(text)
                self.assertEqual(status, 302, error)
                self.assertTrue(Domain.objects.filter(team=self.team, name=name).exists())

    def test_a_name_typed_as_it_is_gets_no_note(self) -> None:
        for text in ("example.org", "  EXAMPLE.org. ", "'example.org'"):
            with self.subTest(text=text):
                _, said, _ = self.add(text)
                self.assertNotIn("(from", " ".join(said))
        _, said, _ = self.add("bücher.de")
        self.assertIn("Added bücher.de. Now prove you control it.", said)

    def test_an_address_added_again_says_what_it_came_from_too(self) -> None:
        self.add("example.net")
        _, said, _ = self.add("mailto:postmaster@example.net")
        self.assertIn(
            "example.net (from the email address: mailto:postmaster@example.net) is already "
            "in your team's domains.",
            said,
        )

    def test_the_note_quotes_no_control_characters_and_not_a_whole_query(self) -> None:
        long_query = "https://example.com/?" + "q=1&" * 100 + "\x1b[31m"
        note = taken_from(long_query, "example.com", "example.com")
        self.assertTrue(note.startswith("the address you pasted: https://example.com/?q=1&"))
        self.assertLessEqual(len(note), len("the address you pasted: ") + 80)
        note = taken_from("https://example.com/\x1b[31m\u202e", "example.com", "example.com")
        # Escaped as every message quoting input is (checks.domainname.quoted, 9b69984).
        self.assertEqual(note, "the address you pasted: https://example.com/\\x1b[31m\\u202e")

    def test_what_is_no_domain_is_refused_with_its_reason(self) -> None:
        refused = {
            "https://192.0.2.1/": "is an IP address",
            "http://[2001:db8::1]:8080/": "is an IP address",
            "http://localhost:8000/": "always mean the computer itself",
            "intranet": "it has no dot",
            "https://printer.local/": "names under .local are for devices on one local network",
            "db.internal": "names under .internal are reserved by ICANN",
            f"https://{'a' * 64}.com/": "a part between dots may have 63 at most",
        }
        for text, reason in refused.items():
            with self.subTest(text=text):
                status, _, error = self.add(text)
                self.assertEqual(status, 400)
                self.assertIn(reason, error)
        self.assertFalse(Domain.objects.filter(team=self.team).exists())

    def test_the_bulk_add_reads_each_pasted_address_as_the_single_add_does(self) -> None:
        paste = "\n".join([*PASTED, "http://localhost:8000/", "intranet"])
        r = self.client.post("/domains/add-many/", {"names": paste})
        self.assertEqual(r.status_code, 200)
        outcomes = {o.typed: o for o in r.context["outcomes"]}
        for text, name in PASTED.items():
            with self.subTest(text=text):
                self.assertEqual(outcomes[text.strip()].name, name)
                self.assertIn(outcomes[text.strip()].status, ("added", "repeated"))
        self.assertEqual(outcomes["intranet"].status, "refused")
        self.assertIn("it has no dot", outcomes["intranet"].reason)
        self.assertIn("the computer itself", outcomes["http://localhost:8000/"].reason)
        self.assertEqual(
            set(Domain.objects.filter(team=self.team).values_list("name", flat=True)),
            set(PASTED.values()),
        )

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.client.post("/domains/add/", {"name": "https://example.com/?q=1"})
        self.assertTrue(Domain.objects.filter(team=self.charlies_team, name="example.com").exists())
        self.assertFalse(Domain.objects.filter(team=self.team).exists())
        self.client.logout()
        r = self.client.post("/domains/add/", {"name": "https://example.com/?q=1"})
        self.assertEqual(r.status_code, 302)
        self.assertIn("/login", r["Location"])
