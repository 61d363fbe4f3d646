"""The compare page ("What changed") speaks as the domain page's "Changed since the check
before" does: each side's verdict in its panel's words (a record that is gone reads "Not
deployed", not "Note"), and findings with the same words are one line, counted."""

from __future__ import annotations

import re

from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_freecheck_s9_results import engine_report, page_text, signed
from tests.test_lessons_s11_nomail import store
from tests.test_mx import FakeDns
from tests.test_web_s15_changes_words import BASE, DEPLOYED, NAME


class CompareWordsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name=NAME, verified_at=timezone.now())
        self.client.force_login(self.alice)

    def compare_text(self, query: str = "") -> str:
        response = self.client.get(f"/domains/{self.domain.code}/compare/{query}")
        self.assertEqual(response.status_code, 200)
        text = page_text(response.content)
        start = text.find("Score ")
        self.assertNotEqual(start, -1, text)
        return text[start:]

    def test_removed_records_read_not_deployed_as_the_panels_say(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(DEPLOYED))), days_ago=1)
        store(self.domain, signed(engine_report(NAME, FakeDns(BASE))))
        text = self.compare_text()
        self.assertIn("MTA-STS: Failing → Not deployed", text)
        self.assertIn("TLS reporting (TLS-RPT): Good → Not deployed", text)
        self.assertNotIn("MTA-STS: Failing → Note", text)

    def test_the_words_are_the_same_whichever_way_the_runs_are_named(self) -> None:
        older = store(self.domain, signed(engine_report(NAME, FakeDns(BASE))), days_ago=1)
        newer = store(self.domain, signed(engine_report(NAME, FakeDns(DEPLOYED))))
        # Named the wrong way round, the page still compares the older with the newer.
        text = self.compare_text(f"?from={newer.code}&to={older.code}")
        self.assertIn("TLS reporting (TLS-RPT): Not deployed → Good", text)
        self.assertIn("MTA-STS: Not deployed → Failing", text)

    def test_identical_lines_are_shown_once_with_a_count(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(BASE))), days_ago=1)
        # The zone is no longer signed: five DNSSEC checks each say there is nothing to check.
        store(self.domain, engine_report(NAME, FakeDns(BASE)))
        text = self.compare_text()
        line = f"{NAME} is not signed; nothing to check."
        self.assertEqual(text.count(line), 1, text)
        self.assertRegex(
            text, r"new Does not apply: " + re.escape(line) + r" [A-Z0-9, -]+ \(5 findings\)"
        )
        # A new or gone finding says its verdict and id (review: a new failure and a new pass
        # read alike without them).
        self.assertRegex(text, r"gone Good: The zone is signed and secure\. DNSSEC-01")

    def test_no_machine_words_are_shown(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(DEPLOYED))), days_ago=1)
        store(self.domain, engine_report(NAME, FakeDns(BASE)))
        text = self.compare_text()
        for word in ("fail", "warn", "info", "pass", "na"):
            self.assertNotRegex(text, rf"(?<![\w-]){word}(?![\w-])", word)
        # A finding whose status moved is told in the same words: "MTASTS-01: Good → Note".
        self.assertRegex(text, r"changed .* MTASTS-01: \w[\w ]* → \w")

    def test_it_checks_ownership(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(BASE))))
        self.client.force_login(self.charlie)
        response = self.client.get(f"/domains/{self.domain.code}/compare/")
        self.assertEqual(response.status_code, 404)
