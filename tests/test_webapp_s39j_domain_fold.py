"""s39j, item 2: the domain page folds many "could not check" findings of one check, as the
free check does since s39c (mailsec.scoring.explain.repeated_errors, one rule for both).

A monitored domain whose name server answers nothing showed in its DKIM panel the same 23
open findings "Could not look up the DKIM selector '…' (…); it was not checked", one per
common selector tried, the rest of the page below them. Each finding stays on the page with
its selector (a lookup that failed is never read as absent), but past OPEN_ERRORS_OF_ONE_CHECK
of one check the panel shows the first and folds the others under it. A few stay open.
"""

from __future__ import annotations

import asyncio
import html
import re

import dns.message
from django.utils import timezone

from checks.config import CheckConfig
from checks.engine import check_domain
from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import Domain
from mailsec.scoring.explain import OPEN_ERRORS_OF_ONE_CHECK
from tests.conftest import BaseTestCase
from tests.test_dns_s9_server import fake_dns
from tests.test_domains import scored_run

FOLD = '<details class="more-findings"'


def _silent(query: dns.message.Message, transport: str) -> None:
    return None


def _panel(page: str, mech: str) -> str:
    """One mechanism's panel: from its <details> to the next panel's (or the section's end)."""
    start = page.index(f'id="mech-{mech}"')
    ends = (page.find('<details class="panel', start), page.find("</section>", start))
    return page[start : min(i for i in ends if i >= 0)]


def _open_ids(panel: str) -> list[str]:
    """The check ids of the findings shown open: those before the panel's first fold, and
    those after each fold closes."""
    opened = re.sub(rf"{FOLD}.*?</details>", "", panel, flags=re.S)
    return re.findall(r'<p class="muted small">([A-Z]+-\d+)', opened)


def _folds(panel: str) -> list[tuple[str, list[str]]]:
    """Each fold's summary and the ids of the findings in it."""
    out = []
    for fold in re.findall(rf"{FOLD}.*?</details>", panel, flags=re.S):
        summary = re.search(r"<summary[^>]*>(.*?)</summary>", fold, re.S)
        assert summary is not None, fold
        ids = re.findall(r'<p class="muted small">([A-Z]+-\d+)', fold)
        out.append((" ".join(summary.group(1).split()), ids))
    return out


class DomainPageFoldTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"

    def _page(self, findings: list[Finding]) -> str:
        run = scored_run(self.domain, findings)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_many_could_not_checks_of_one_check_are_folded_after_the_first(self) -> None:
        # The engine's own findings for a domain whose DNS answers nothing (the s39c page).
        with fake_dns(_silent) as server:
            config = CheckConfig(resolvers=(server.address,), timeout=0.3)
            report = asyncio.run(check_domain("example.org", config))
        dkim = [f for f in report.findings if f.id == "DKIM-01"]
        self.assertGreater(len(dkim), OPEN_ERRORS_OF_ONE_CHECK + 1)
        self.assertEqual({f.status for f in dkim}, {Status.ERROR})
        panel = _panel(self._page(report.findings), "dkim")
        self.assertEqual(_open_ids(panel).count("DKIM-01"), 1, panel)
        folds = _folds(panel)
        self.assertEqual(
            folds,
            [
                (
                    f"{len(dkim) - 1} more DKIM-01 findings: could not check",
                    ["DKIM-01"] * (len(dkim) - 1),
                )
            ],
        )
        # Every one is still on the page, with its selector.
        for finding in dkim:
            self.assertIn(finding.summary.split(" (")[0], html.unescape(panel))

    def test_a_few_could_not_checks_of_one_check_stay_open(self) -> None:
        findings = [Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok")] + [
            Finding(
                "SMTP-01",
                Status.ERROR,
                Mechanism.SMTP,
                f"Could not check STARTTLS on mx{n}.example.org: no answer",
                subject=f"mx{n}.example.org",
            )
            for n in range(1, OPEN_ERRORS_OF_ONE_CHECK + 1)
        ]
        panel = _panel(self._page(findings), "smtp")
        self.assertEqual(_open_ids(panel).count("SMTP-01"), OPEN_ERRORS_OF_ONE_CHECK, panel)
        self.assertNotIn(FOLD, panel)

    def test_the_fold_changes_no_verdict_and_keeps_other_checks_open(self) -> None:
        errors = [
            Finding(
                "DKIM-01",
                Status.ERROR,
                Mechanism.DKIM,
                f"Could not look up the DKIM selector 's{n}'; it was not checked.",
                subject=f"s{n}._domainkey.example.org",
            )
            for n in range(OPEN_ERRORS_OF_ONE_CHECK + 1)
        ]
        other = Finding("DKIM-02", Status.ERROR, Mechanism.DKIM, "Another could not check")
        findings = [Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"), *errors, other]
        panel = _panel(self._page(findings), "dkim")
        self.assertEqual(sorted(_open_ids(panel)), ["DKIM-01", "DKIM-02"], panel)
        self.assertEqual(
            _folds(panel),
            [(f"{len(errors) - 1} more DKIM-01 findings: could not check", ["DKIM-01"] * 3)],
        )
        self.assertIn('<span class="verdict status-error">Could not check</span>', panel)
