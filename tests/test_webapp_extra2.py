"""Web pages: the history chart with partial runs, the TLS-RPT dashboard, null-MX domains."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.findings import DomainReport, Finding, Mechanism, Status
from checks.scoring import compute
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

COMMON = [
    Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
    Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record"),
    Finding("TLSRPT-01", Status.INFO, Mechanism.TLSRPT, "No TLS-RPT record"),
    Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
    Finding("DMARC-05", Status.WARN, Mechanism.DMARC, "p=none"),
    Finding("DNSSEC-01", Status.INFO, Mechanism.DNSSEC, "Zone not signed"),
]


def engine_run(domain: Domain, findings: list[Finding], hours_ago: float) -> CheckRun:
    """A finished run as the task stores the engine's report."""
    score, detail = compute(findings)
    when = timezone.now() - timedelta(hours=hours_ago)
    report = DomainReport(domain.name, findings=findings)
    return CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        score=score,
        score_version=3,
        mechanisms=report.mechanism_status(),
        findings=[f.to_dict() for f in findings],
        score_detail=detail,
        created=when,
        finished=when,
    )


def smtp(second_mx: Status) -> list[Finding]:
    return [
        Finding("SMTP-01", Status.PASS, Mechanism.SMTP, "STARTTLS ok", subject="mx1.example.org"),
        Finding("SMTP-01", second_mx, Mechanism.SMTP, "421", subject="mx2.example.org"),
    ]


class HistoryChartTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"

    def circles(self) -> list[str]:
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        return re.findall(r"<circle [^>]*>.*?</circle>", html, re.S)

    def test_a_partial_run_is_drawn_as_partial_without_a_change_ring(self) -> None:
        """One MX answered 421: STARTTLS left the score, which fell, and its verdict read
        "error". Neither that run nor the complete run after it changed a verdict."""
        engine_run(self.domain, COMMON + smtp(Status.PASS), hours_ago=12)
        partial = engine_run(self.domain, COMMON + smtp(Status.ERROR), hours_ago=6)
        last = engine_run(self.domain, COMMON + smtp(Status.PASS), hours_ago=0)
        self.assertLess(partial.score, last.score)
        self.domain.set_last_run(last)
        circles = self.circles()
        self.assertEqual(len(circles), 3)
        self.assertFalse([c for c in circles if 'class="changed"' in c or " changed" in c])
        self.assertIn('class="partial"', circles[1])
        self.assertIn("partial: STARTTLS on the MX hosts could not be checked", circles[1])
        self.assertNotIn("partial", circles[0] + circles[2])

    def test_the_partial_runs_are_read_in_the_same_query(self) -> None:
        self.client.force_login(self.alice)
        counts = []
        for n in (2, 40):
            for i in range(n - self.domain.runs.count()):
                broken = Status.ERROR if i % 3 else Status.PASS
                run = engine_run(self.domain, COMMON + smtp(broken), hours_ago=100 - i)
            self.domain.set_last_run(run)
            cache.clear()  # the chart is rendered, its runs read
            with CaptureQueriesContext(connection) as ctx:
                self.assertContains(self.client.get(self.url), 'class="partial"')
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
