"""Task s37b: the domain page's badges and the hosting page's explanation.

- A finding of a mechanism that is not deployed (no MTA-STS, no TLS-RPT) costs the category's
  20-31 points; its badge reads "Missing" in warning colours, not "Note". The score is unchanged.
- The hosting page says in plain words what MTA-STS is, what the user publishes and what
  mailsec does.
"""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import scored_run


class NotDeployedBadgeTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"

    def _panel(self, html: str, mech: str) -> str:
        found = re.search(rf'<details[^>]*id="mech-{mech}"[^>]*>.*?</details>', html, re.S)
        assert found is not None
        return found.group(0)

    def test_a_not_deployed_finding_is_badged_missing_not_note(self) -> None:
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record"),
            Finding("TLSRPT-01", Status.INFO, Mechanism.TLSRPT, "No TLS-RPT record"),
            Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
        ]
        run = scored_run(self.domain, findings)
        score = run.score
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        for mech, summary in (("mta-sts", "No MTA-STS record"), ("tls-rpt", "No TLS-RPT record")):
            panel = self._panel(html, mech)
            self.assertIn(f'<span class="status status-warn">Missing</span> {summary}', panel, mech)
            self.assertNotIn(">Note<", panel)
        run.refresh_from_db()
        self.assertEqual(run.score, score)  # the score itself is unchanged

    def test_a_note_in_a_deployed_mechanism_stays_a_note(self) -> None:
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
            Finding("SPF-09", Status.INFO, Mechanism.SPF, "An informational SPF note"),
        ]
        run = scored_run(self.domain, findings)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        panel = self._panel(self.client.get(self.url).content.decode(), "spf")
        self.assertIn('<span class="status status-info">Note</span> An informational', panel)
        self.assertNotIn("Missing", panel)

    def test_an_unsigned_zone_reads_as_one_line_with_its_checks_listed_under_it(self) -> None:
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("DNSSEC-01", Status.INFO, Mechanism.DNSSEC, "example.org is not signed."),
        ] + [
            Finding(
                f"DNSSEC-0{n}",
                Status.NA,
                Mechanism.DNSSEC,
                "example.org is not signed; nothing to check.",
                subject="example.org",
            )
            for n in range(2, 7)
        ]
        run = scored_run(self.domain, findings)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        panel = self._panel(self.client.get(self.url).content.decode(), "dnssec")
        self.assertEqual(panel.count("nothing to check.</h3>"), 0)
        self.assertEqual(panel.count("is not DNSSEC-signed, so the DNSSEC checks"), 1)
        self.assertIn("and DANE, which depends on them, don&#x27;t apply.", panel)
        # Each rule's detail is still reachable, under the line.
        self.assertIn("5 checks that do not apply", panel)
        for n in range(2, 7):
            self.assertIn(
                f"<li>DNSSEC-0{n}: example.org is not signed; nothing to check.</li>", panel
            )
        self.assertEqual(panel.count('class="finding finding-na"'), 1)

    def test_a_single_not_applicable_finding_is_shown_as_before(self) -> None:
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("DNSSEC-02", Status.NA, Mechanism.DNSSEC, "Only one of its kind."),
        ]
        run = scored_run(self.domain, findings)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        panel = self._panel(self.client.get(self.url).content.decode(), "dnssec")
        self.assertIn("Only one of its kind.", panel)
        self.assertNotIn("checks that do not apply", panel)

    def test_could_not_check_is_said_once_in_the_list_and_on_the_panel(self) -> None:
        summary = "Could not check STARTTLS on mx.example.org at 192.0.2.1 this time: timed out."
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("STARTTLS-01", Status.ERROR, Mechanism.SMTP, summary),
        ]
        run = scored_run(self.domain, findings)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        row = re.search(
            r"<tr>\s*<th scope=\"row\"><a[^>]*>example\.org</a>.*?</tr>",
            self.client.get("/domains/").content.decode(),
            re.S,
        )
        assert row is not None
        self.assertEqual(row.group(0).count("Could not check"), 1, row.group(0))
        self.assertIn(
            '<span class="status status-error">Could not check</span> STARTTLS on mx.example.org',
            row.group(0),
        )
        panel = self._panel(self.client.get(self.url).content.decode(), "smtp")
        self.assertIn(
            '<span class="status status-error">Could not check</span> STARTTLS on mx.example.org',
            panel,
        )
        self.assertNotIn("Could not check</span> Could not check", panel)


class HostingExplanationTests(BaseTestCase):
    def test_the_hosting_page_explains_mta_sts(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.client.force_login(self.alice)
        r = self.client.get(reverse("hosting:page", args=[domain.code]))
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        found = re.search(r'<p class="explain" id="what-mta-sts">(.*?)</p>', html, re.S)
        assert found is not None
        text = re.sub(r"\s+", " ", found.group(1))
        self.assertIn("encrypted connection", text)
        self.assertIn("mta-sts.example.org", text)
        self.assertIn("You publish the DNS records", text)
        self.assertIn("mailsec serves the policy", text)
