"""Web pages: the history chart with partial runs, the TLS-RPT dashboard, null-MX domains."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.findings import DomainReport, Finding, Mechanism, Status
from checks.scoring import compute
from mailsec.celery import app
from mailsec.domains.models import CheckRun, Domain
from reports.dashboard import CHART_HEIGHT, Day, _bars
from reports.models import ReportAddress
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


def tls_report(day: str, successful: int, failed: int) -> bytes:
    """A report as a sender posts it (RFC 8460 §4): one STS policy, one failure type."""
    return json.dumps(
        {
            "organization-name": "Sender Example Mail Ltd.",
            "date-range": {
                "start-datetime": f"{day}T00:00:00Z",
                "end-datetime": f"{day}T23:59:59Z",
            },
            "contact-info": "smtp-tls-reporting@sender.example",
            "report-id": f"{day}_example.org",
            "policies": [
                {
                    "policy": {
                        "policy-type": "sts",
                        "policy-string": [
                            "version: STSv1",
                            "mode: enforce",
                            "mx: mx1.example.org",
                            "max_age: 604800",
                        ],
                        "policy-domain": "example.org",
                        "mx-host": ["mx1.example.org"],
                    },
                    "summary": {
                        "total-successful-session-count": successful,
                        "total-failure-session-count": failed,
                    },
                    "failure-details": [
                        {
                            "result-type": "sts-webpki-invalid",
                            "sending-mta-ip": "192.0.2.10",
                            "receiving-mx-hostname": "mx1.example.org",
                            "failed-session-count": failed,
                        }
                    ],
                }
            ],
        }
    ).encode()


class DashboardTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.address = ReportAddress.for_domain(self.domain)
        self.url = f"/tlsrpt/{self.address.token}/dashboard/"
        app.conf.task_always_eager = True
        self.addCleanup(setattr, app.conf, "task_always_eager", False)

    def receive(self, body: bytes) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(
                f"/tlsrpt/{self.address.token}", data=body, content_type="application/tlsrpt+json"
            )
        self.assertLess(r.status_code, 300)

    def test_the_failure_rate_per_organisation_is_a_percentage(self) -> None:
        yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
        self.receive(tls_report(yesterday, successful=10, failed=3))
        self.client.force_login(self.bob)
        html = self.client.get(self.url).content.decode()
        self.assertIn("failure rate 23.08 %", html)  # the page's summary line
        row = re.search(r"<tr><td>Sender Example Mail Ltd\.</td>.*?</tr>", html, re.S)
        assert row is not None
        self.assertIn("<td>23.08 %</td>", row.group(0))
        self.assertNotIn("0.2308", html)

    def test_a_few_failures_among_millions_do_not_read_as_none(self) -> None:
        yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
        self.receive(tls_report(yesterday, successful=2_000_000, failed=3))
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        self.assertIn("failure rate &lt; 0.01 %", html)
        self.assertIn("<td>&lt; 0.01 %</td>", html)
        self.assertNotIn("0.00 %", html)

    def test_the_glossary_names_the_domains_policy_host(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        glossary = html.split("Result types explained", 1)[1]
        self.assertIn("mta-sts.example.org", glossary)
        self.assertNotIn("&lt;domain&gt;", glossary)

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)


def test_a_few_failures_on_the_busiest_day_stay_inside_the_chart() -> None:
    bars = _bars([Day(date(2026, 6, 1), 2_000_000, 3), Day(date(2026, 6, 2), 1_000_000, 0)])
    busiest = bars[0]
    assert busiest.fail_h >= 2
    assert busiest.fail_y >= 0 and busiest.fail_y + busiest.fail_h <= busiest.ok_y + 1e-9
    assert busiest.ok_y + busiest.ok_h == pytest.approx(CHART_HEIGHT)
