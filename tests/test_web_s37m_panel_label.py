"""Task s37m, item 2: the panel header's "Not deployed" label is in the warning style, as its
findings' "Missing" badges are (s37b); a deployed panel's label keeps its status's style, and
the score is unchanged."""

from __future__ import annotations

import re

from django.utils import timezone

from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import scored_run


class NotDeployedLabelTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )

    def _summary(self, html: str, mech: str) -> str:
        found = re.search(rf'id="mech-{mech}"[^>]*>\s*<summary>(.*?)</summary>', html, re.S)
        assert found is not None, mech
        return found.group(1)

    def test_the_not_deployed_label_is_in_the_warning_style(self) -> None:
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record"),
            Finding("TLSRPT-01", Status.INFO, Mechanism.TLSRPT, "No TLS-RPT record"),
            Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
            Finding("SPF-09", Status.INFO, Mechanism.SPF, "An informational SPF note"),
        ]
        run = scored_run(self.domain, findings)
        score = run.score
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        html = self.client.get(f"/domains/{self.domain.code}/").content.decode()
        for mech in ("mta-sts", "tls-rpt"):
            summary = self._summary(html, mech)
            self.assertIn('<span class="verdict status-warn">Not deployed</span>', summary)
            self.assertNotIn("status-info", summary)
        self.assertIn('<span class="verdict status-pass">', self._summary(html, "spf"))
        run.refresh_from_db()
        self.assertEqual(run.score, score)
