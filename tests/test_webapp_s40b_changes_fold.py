"""Task s40b, item 2: the domain page's "Changed since the check before" card (and the compare
page, which lists the same changes) folds many "could not check" lines of one check and one
reason as the panels below it do (scoring.explain.repeats_of_errors, s39j and s40b item 1).

A check whose lookups timed out added one "new:" line a DKIM selector tried and one "changed:"
line an MX host, all open, the card as long as the panels it sums up. Past
OPEN_ERRORS_OF_ONE_CHECK of one check and one reason, the first line is open and a fold after
it holds the others, each with its words; a few, and other reasons, stay open.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from django.utils import timezone

from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import CheckRun, Domain
from mailsec.scoring.explain import OPEN_ERRORS_OF_ONE_CHECK
from tests.conftest import BaseTestCase
from tests.test_domains import scored_run

FOLD = '<details class="more-changes"'
MX = Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok")


def selector_error(name: str) -> Finding:
    return Finding(
        "DKIM-01",
        Status.ERROR,
        Mechanism.DKIM,
        f"Could not look up the DKIM selector '{name}' (TIMEOUT for {name}._domainkey."
        "example.org TXT (no answer within 8s)); it was not checked.",
        subject=f"{name}._domainkey.example.org",
    )


def smtp(n: int, status: Status) -> Finding:
    summary = (
        f"mx{n}.example.org at 192.0.2.{n} did not answer on port 25 (no TCP connection to "
        "port 25 within 8s)."
        if status == Status.ERROR
        else f"mx{n}.example.org at 192.0.2.{n} offers STARTTLS."
    )
    return Finding(
        "SMTP-01", status, Mechanism.SMTP, summary, subject=f"mx{n}.example.org [192.0.2.{n}]"
    )


SELECTORS = ["default", "google", "selector1", "selector2", "k1", "s1024"]


def card(page: str) -> str:
    start = page.index('<section class="card changes"')
    return page[start : page.index("</section>", start)]


def open_lines(part: str, kind: str) -> list[str]:
    """The open lines of one kind ("new", "gone", "changed") in words, folds taken out."""
    opened = re.sub(rf"{FOLD}.*?</details>", "", part, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", opened.replace("<br>", "\n")))
    return [
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(f"{kind}:")
    ]


def folds(part: str) -> list[tuple[str, str]]:
    """Each fold's summary and its text."""
    out = []
    for fold in re.findall(rf"{FOLD}.*?</details>", part, flags=re.S):
        summary = re.search(r"<summary[^>]*>(.*?)</summary>", fold, re.S)
        assert summary is not None, fold
        out.append((" ".join(summary.group(1).split()), html.unescape(fold)))
    return out


class ChangesFoldTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"

    def _runs(self, before: list[Finding], after: list[Finding]) -> CheckRun:
        prev = scored_run(self.domain, before)
        earlier = timezone.now() - timedelta(hours=1)
        CheckRun.objects.filter(pk=prev.pk).update(created=earlier, finished=earlier)
        run = scored_run(self.domain, after)
        self.domain.set_last_run(run)
        return run

    def _card(self, before: list[Finding], after: list[Finding]) -> str:
        self._runs(before, after)
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return card(response.content.decode())

    def test_it_folds_many_new_could_not_checks_of_one_reason(self) -> None:
        other = Finding("DKIM-02", Status.ERROR, Mechanism.DKIM, "Another could not check")
        part = self._card([MX], [MX, *map(selector_error, SELECTORS), other])
        added = open_lines(part, "new")
        self.assertEqual(len(added), 2, part)
        self.assertIn("'default'", added[0])
        self.assertEqual(added[1], "Another could not check")
        ((summary, fold),) = folds(part)
        self.assertEqual(summary, f"{len(SELECTORS) - 1} more like this")
        for name in SELECTORS[1:]:
            self.assertIn(f"'{name}'", fold)

    def test_it_folds_many_changed_to_could_not_check(self) -> None:
        hosts = range(1, 6)
        part = self._card(
            [MX, *(smtp(n, Status.PASS) for n in hosts)],
            [MX, *(smtp(n, Status.ERROR) for n in hosts)],
        )
        changed = open_lines(part, "changed")
        self.assertEqual(len(changed), 1, part)
        self.assertIn("mx1.example.org", changed[0])
        ((summary, fold),) = folds(part)
        self.assertEqual(summary, f"{len(hosts) - 1} more like this")
        for n in hosts[1:]:
            self.assertIn(f"mx{n}.example.org at 192.0.2.{n}", fold)
        self.assertIn("SMTP-01: Good → Could not check", fold)

    def test_it_folds_many_gone_could_not_checks(self) -> None:
        part = self._card([MX, *map(selector_error, SELECTORS)], [MX])
        self.assertEqual(len(open_lines(part, "gone")), 1, part)
        ((summary, _),) = folds(part)
        self.assertEqual(summary, f"{len(SELECTORS) - 1} more like this")

    def test_a_few_stay_open(self) -> None:
        few = SELECTORS[:OPEN_ERRORS_OF_ONE_CHECK]
        part = self._card([MX], [MX, *map(selector_error, few)])
        self.assertEqual(len(open_lines(part, "new")), len(few), part)
        self.assertNotIn(FOLD, part)

    def test_the_compare_page_folds_them_the_same_way(self) -> None:
        self._runs([MX], [MX, *map(selector_error, SELECTORS)])
        self.client.force_login(self.alice)
        response = self.client.get(f"/domains/{self.domain.code}/compare/")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        opened = re.sub(rf"{FOLD}.*?</details>", "", page, flags=re.S)
        self.assertEqual(opened.count("Could not look up the DKIM selector"), 1, page)
        ((summary, fold),) = folds(page)
        self.assertEqual(summary, f"{len(SELECTORS) - 1} more like this")
        for name in SELECTORS[1:]:
            self.assertIn(f"'{name}'", fold)

    def test_it_checks_ownership(self) -> None:
        self._runs([MX], [MX, *map(selector_error, SELECTORS)])
        for user, status in ((self.alice, 200), (self.bob, 200), (self.charlie, 404)):
            self.client.force_login(user)
            for url in (self.url, f"/domains/{self.domain.code}/compare/"):
                self.assertEqual(self.client.get(url).status_code, status, (user, url))
