"""Round s18z: a partial score reads as partial on the domain list and in the weekly summary.

43e4c73 made the CLI, the domain page and the free check say how much of a partial score was
checked ("100/100 for the 45 of 85 points that could be checked", n/a below half). The list's
score pill and the weekly email still showed a bare "100" for a run that rated DKIM, DMARC and
TLS-RPT alone. Both read the domain's row (Domain.last_worst, models.row_worst), not the run,
so the row keeps the coverage of a partial run ("coverage": {"checked", "of", "not_checked"})
and migration 0009 fills it for rows written before.

The findings are those of tests/test_score_s18_partial.py (lab scenarios s13t-only421: 45 of
85 points; s16o-mxaddrservfail: 30 of 100)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.findings import Finding, Mechanism, Status
from mailsec.alerts import weekly
from mailsec.alerts.models import Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains import listing
from mailsec.domains.models import Domain, stored_coverage
from tests import test_browser_s11_readiness
from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_score_s18_partial import MX_ADDR_SERVFAIL, ONLY_421, WHOLE
from tests.test_webapp_extra2 import engine_run

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# Every scored check could not be made: no score at all (row_worst's none_checked).
ALL_SERVFAIL = [
    Finding(g.id, Status.ERROR, g.mechanism, f"{g.id} could not be checked")
    for g in MX_ADDR_SERVFAIL
]


# A null MX (MX-03: transport does not apply) whose zone's DNSSEC could not be checked.
NULL_MX_PARTIAL = [
    Finding("MX-03", Status.PASS, Mechanism.MX, "null MX"),
    Finding("MTASTS-01", Status.NA, Mechanism.MTASTS, "n/a"),
    Finding("TLSRPT-01", Status.NA, Mechanism.TLSRPT, "n/a"),
    Finding("SMTP-01", Status.NA, Mechanism.SMTP, "n/a"),
    Finding("DANE-01", Status.NA, Mechanism.DANE, "n/a"),
    Finding("SPF-01", Status.PASS, Mechanism.SPF, "spf"),
    Finding("DMARC-05", Status.PASS, Mechanism.DMARC, "dmarc"),
    Finding("DNSSEC-01", Status.ERROR, Mechanism.DNSSEC, "SERVFAIL"),
]
PILL = re.compile(r'<td data-label="Score">(.*?)</td>', re.S)


def store(domain: Domain, findings: list[Finding], hours_ago: float = 0) -> None:
    domain.set_last_run(engine_run(domain, findings, hours_ago=hours_ago))


class PartialListTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )

    def cell(self) -> tuple[str, str]:
        """The score cell of the list's one row: its HTML and its words."""
        html = self.client.get("/domains/").content.decode()
        [cell] = PILL.findall(html)
        return cell, words(cell)

    def test_the_row_keeps_the_coverage_of_a_partial_run(self) -> None:
        store(self.domain, ONLY_421)
        self.domain.refresh_from_db()
        self.assertEqual(
            self.domain.last_worst["coverage"],
            {"checked": 45, "of": 85, "enough": True, "not_checked": ["mta-sts", "smtp"]},
        )
        cover = stored_coverage(self.domain.last_worst)
        self.assertEqual((cover.checked, cover.of, cover.enough), (45, 85, True))
        # A whole run keeps nothing more than before.
        store(self.domain, WHOLE)
        self.domain.refresh_from_db()
        self.assertNotIn("coverage", self.domain.last_worst)
        self.assertTrue(stored_coverage(self.domain.last_worst).complete)

    def test_the_pill_of_a_partial_score_says_how_much_was_checked(self) -> None:
        store(self.domain, ONLY_421)
        html, words = self.cell()
        self.assertRegex(html, r'class="score-pill score-good"[^>]*>100<')
        self.assertIn(
            'title="Partial: 45 of 85 points checked. MTA-STS and STARTTLS on the MX hosts '
            'could not be checked (lookups or connections timed out or failed)"',
            html,
        )
        self.assertEqual(words, "100 partial: 45 of 85 points")

    def test_less_than_half_checked_shows_no_number(self) -> None:
        store(self.domain, MX_ADDR_SERVFAIL)
        html, words = self.cell()
        self.assertNotRegex(html, r">100<")
        self.assertRegex(html, r'class="score-pill score-none"[^>]*>n/a<')
        self.assertIn(
            'title="Not enough checked for a score: 100/100 for the 30 of 100 points that could '
            "be checked. MX records, MTA-STS, STARTTLS on the MX hosts, SPF, DNSSEC and DANE "
            'could not be checked (lookups or connections timed out or failed)"',
            html,
        )
        self.assertEqual(words, "n/a not enough checked")

    def test_sorted_by_score_an_n_a_row_goes_with_the_rows_without_a_score(self) -> None:
        # Shown as n/a, so sorted as the null-MX n/a rows are: after every number.
        store(self.domain, MX_ADDR_SERVFAIL)
        for name in ("a.example.org", "z.example.org"):
            other = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
            store(other, WHOLE)
        html = self.client.get("/domains/?sort=score").content.decode()
        at = {
            name: html.find(f">{name}<")
            for name in ("a.example.org", "z.example.org", "example.org")
        }
        self.assertNotIn(-1, at.values(), at)
        self.assertEqual(sorted(at, key=at.__getitem__)[-1], "example.org", at)

    def test_the_csv_export_says_how_much_of_a_partial_score_was_checked(self) -> None:
        store(self.domain, MX_ADDR_SERVFAIL)
        text = b"".join(self.client.get("/domains/export.csv").streaming_content).decode(
            "utf-8-sig"
        )
        [row] = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual((row["score_points_checked"], row["score_points_of"]), ("30", "100"))
        store(self.domain, WHOLE)
        text = b"".join(self.client.get("/domains/export.csv").streaming_content).decode(
            "utf-8-sig"
        )
        [row] = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual((row["score_points_checked"], row["score_points_of"]), ("", ""))

    def test_a_whole_score_and_an_error_outside_the_score_read_as_before(self) -> None:
        store(self.domain, WHOLE)
        html, words = self.cell()
        self.assertEqual(html, '<span class="score-pill score-good">100</span>')
        store(self.domain, [*WHOLE, Finding("BIMI-09", Status.ERROR, Mechanism.BIMI, "x")])
        html, words = self.cell()
        self.assertEqual(html, '<span class="score-pill score-good">100</span>')

    def test_a_null_mx_row_says_what_of_what_applies_could_not_be_checked(self) -> None:
        store(self.domain, NULL_MX_PARTIAL)
        html, words = self.cell()
        self.assertEqual(words, "n/a receives no mail")
        self.assertIn(
            "for what applies: a null MX, so transport checks do not apply; DNSSEC could not "
            'be checked">n/a<',
            html,
        )

    def test_the_list_of_partial_rows_costs_no_query_per_row(self) -> None:
        def queries() -> int:
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get("/domains/").status_code, 200)
            return len(ctx.captured_queries)

        store(self.domain, ONLY_421)
        one = queries()
        for i in range(12):
            other = Domain.objects.create(
                team=self.team, name=f"d{i}.example.org", verified_at=timezone.now()
            )
            store(other, MX_ADDR_SERVFAIL if i % 2 else ONLY_421)
        self.assertEqual(queries(), one)

    def test_a_changed_coverage_makes_a_new_row(self) -> None:
        # The row's HTML is cached under a digest of what it shows (listing.DomainRow).
        store(self.domain, ONLY_421)
        first = listing.page_of_rows(self.team, None)[1][0]
        store(self.domain, WHOLE)
        second = listing.page_of_rows(self.team, None)[1][0]
        self.assertEqual((first.score, second.score), (100, 100))
        self.assertNotEqual(first.cache_key(), second.cache_key())


@override_settings(ALERT_DIGEST_HOUR=7)
class PartialWeeklyTestCase(BaseTestCase):
    def setUp(self) -> None:
        from django.contrib.auth.models import User

        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=MONDAY_9 - timedelta(days=30)
        )

    def summary(self) -> tuple[str, str]:
        """The "Score:" line of alice's weekly summary, as text and as the HTML's words."""
        mail.outbox.clear()
        Notification.objects.filter(kind="weekly").delete()
        n = weekly.make(self.alice, MONDAY_9)
        assert n is not None
        send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        text = re.search(r"^  Score: .*$", message.body, re.M)
        html = re.search(r"<li>Score: .*?</li>", message.alternatives[0][0], re.S)
        assert text and html
        return text.group(0).strip(), words(html.group(0))

    def test_a_partial_score_says_how_much_was_checked(self) -> None:
        store(self.domain, ONLY_421)
        text, html = self.summary()
        words = (
            "Score: 100/100 for the 45 of 85 points that could be checked (partial: MTA-STS and "
            "STARTTLS on the MX hosts could not be checked)"
        )
        self.assertEqual(text, words)
        self.assertEqual(html, words)

    def test_less_than_half_checked_says_not_enough_for_a_score(self) -> None:
        store(self.domain, MX_ADDR_SERVFAIL)
        text, html = self.summary()
        words = (
            "Score: not enough checked for a score: 100/100 for the 30 of 100 points that could "
            "be checked (partial: MX records, MTA-STS, STARTTLS on the MX hosts, SPF, DNSSEC and "
            "DANE could not be checked)"
        )
        self.assertEqual(text, words)
        self.assertEqual(html, words)

    def test_a_whole_score_reads_as_before(self) -> None:
        store(self.domain, WHOLE)
        text, html = self.summary()
        self.assertEqual(text, "Score: 100/100")
        self.assertEqual(html, "Score: 100/100")

    def test_a_null_mx_says_what_of_what_applies_could_not_be_checked(self) -> None:
        store(self.domain, NULL_MX_PARTIAL)
        text, html = self.summary()
        words = (
            "Score: n/a, receives no mail (null MX): 100/100 for what applies (partial: DNSSEC "
            "could not be checked)"
        )
        self.assertEqual(text, words)
        self.assertEqual(html, words)

    def test_a_run_with_nothing_scored_checked_is_not_said_to_be_unchecked(self) -> None:
        store(self.domain, ALL_SERVFAIL)
        self.domain.refresh_from_db()
        self.assertIsNone(self.domain.last_score)
        text, html = self.summary()
        words = (
            "Score: n/a, none of the scored checks could be made (lookups timed out or "
            "failed); that says nothing bad about the domain"
        )
        self.assertEqual(text, words)
        self.assertEqual(html, words)


# Migration 0009: rows written before the row kept the coverage.

MIGRATION = ("domains", "0009_domain_last_worst_coverage")
migration = import_module(f"mailsec.domains.migrations.{MIGRATION[1]}")


class CoverageMigrationTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.apps = MigrationExecutor(connection).loader.project_state(MIGRATION).apps
        self.domains = {}
        for name, findings in (
            ("partial.example.org", ONLY_421),
            ("little.example.org", MX_ADDR_SERVFAIL),
            ("whole.example.org", WHOLE),
        ):
            domain = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
            store(domain, findings)
            self.domains[name] = domain

    def test_it_fills_the_coverage_of_partial_rows_only(self) -> None:
        expected = {}
        for name, domain in self.domains.items():
            domain.refresh_from_db()
            expected[name] = domain.last_worst
            before = {k: v for k, v in domain.last_worst.items() if k != "coverage"}
            Domain.objects.filter(pk=domain.pk).update(last_worst=before)
        migration.fill(self.apps, None)
        migration.fill(self.apps, None)  # twice: the same answer
        for name, domain in self.domains.items():
            domain.refresh_from_db()
            self.assertEqual(domain.last_worst, expected[name], name)
        self.assertIn("coverage", expected["little.example.org"])
        self.assertNotIn("coverage", expected["whole.example.org"])

    def test_it_leaves_a_row_a_newer_run_wrote(self) -> None:
        domain = self.domains["partial.example.org"]
        domain.refresh_from_db()
        # A row already holding the key (written by a finished check) is not read again.
        Domain.objects.filter(pk=domain.pk).update(
            last_worst={**domain.last_worst, "coverage": {"checked": 1, "of": 2, "enough": True}}
        )
        migration.fill(self.apps, None)
        domain.refresh_from_db()
        self.assertEqual(domain.last_worst["coverage"], {"checked": 1, "of": 2, "enough": True})


browser = test_browser_s11_readiness.browser

# The list in Debian's chromium: the pill with its words must still fit at a phone's and a
# desktop's width (tests/test_browser_s17_list.py's checks, with partial rows among 50).

PARTIAL_NAMES = {
    "partial-score-of-a-shop.example": ONLY_421,
    "little-checked-shop.example": MX_ADDR_SERVFAIL,
    "nomail-partial.example": NULL_MX_PARTIAL,
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_partial_pills_fit_the_window(browser: Any, live_server: Any, width: int) -> None:
    from playwright.sync_api import expect

    from bench.domain_list_bench import make_domains
    from tests.test_browser_s11_readiness import (
        csp_violations,
        owner,
        signed_in,
    )
    from tests.test_browser_s14_list import team_of
    from tests.test_browser_s15_phone import OFF_SCREEN, WIDTHS
    from tests.test_browser_s17_list import TABLE_IN_BOX

    alice = owner()
    team = team_of(alice)
    make_domains(team, 47, seed=3)
    for name, findings in PARTIAL_NAMES.items():
        store(Domain.objects.create(team=team, name=name, verified_at=timezone.now()), findings)
    context = signed_in(browser, live_server, alice, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/domains/")
    table = page.locator("table.domains")
    expect(table.locator("tbody tr")).to_have_count(50)
    test_browser_s11_readiness.settled(page)
    assert csp_violations(page) == []
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], widths
    inside, box = table.evaluate(TABLE_IN_BOX)
    assert inside <= box, (inside, box)
    assert page.evaluate(OFF_SCREEN, "table.domains td, table.domains th, .score-pill") == []
    partial = table.locator("tr", has_text="partial-score-of-a-shop.example")
    expect(partial.locator("td[data-label=Score]")).to_have_text("100 partial: 45 of 85 points")
    little = table.locator("tr", has_text="little-checked-shop.example")
    expect(little.locator("td[data-label=Score]")).to_have_text("n/a not enough checked")
    # A partial pill is as high as a whole one (its number does not wrap), with its words
    # beside or under it.
    whole = table.locator(".score-pill", has_text=re.compile(r"^\d+$")).first
    for row in (partial, little):
        assert row.locator(".score-pill").bounding_box()["height"] == whole.bounding_box()["height"]
    for name in PARTIAL_NAMES:
        row = table.locator("tr", has_text=name)
