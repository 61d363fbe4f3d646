"""The domain page's "Changed since the check before" in the panels' words: a record that
disappeared reads "Not deployed" (as its panel says), not "Note", and findings with the same
words are one line, counted."""

from __future__ import annotations

import re

from django.test import override_settings
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_freecheck_s9_results import engine_report, page_text, signed
from tests.test_lessons_s11_nomail import store
from tests.test_mx import FakeDns

NAME = "gone.example.org"
BASE = {
    (NAME, "MX"): [f"10 mx.{NAME}."],
    (NAME, "TXT"): ['"v=spf1 mx -all"'],
    (f"_dmarc.{NAME}", "TXT"): ['"v=DMARC1; p=reject"'],
}
# MTA-STS announced (its policy host does not resolve: failing) and TLS-RPT published, its
# reports going to a mailbox whose MX host has an address (TLSRPT-10 looks it up).
DEPLOYED = BASE | {
    (f"_mta-sts.{NAME}", "TXT"): ['"v=STSv1; id=20240101"'],
    (f"_smtp._tls.{NAME}", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@reports.example.net"'],
    ("reports.example.net", "MX"): ["10 in.reports.example.net."],
    ("in.reports.example.net", "A"): ["192.0.2.25"],
}


class ChangesWordsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name=NAME, verified_at=timezone.now())
        self.client.force_login(self.alice)

    def changes_text(self) -> str:
        page = self.client.get(f"/domains/{self.domain.code}/").content
        text = page_text(page)
        start = text.find("Changed since the check before")
        self.assertNotEqual(start, -1, text)
        return text[start : text.find("Mechanisms", start)]

    def test_removed_records_read_not_deployed_as_the_panels_say(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(DEPLOYED))), days_ago=1)
        store(self.domain, signed(engine_report(NAME, FakeDns(BASE))))
        text = self.changes_text()
        self.assertIn("MTA-STS : Failing → Not deployed", text)
        self.assertIn("TLS reporting (TLS-RPT) : Good → Not deployed", text)
        self.assertNotIn("MTA-STS : Failing → Note", text)
        # The panels below say the same.
        page = self.client.get(f"/domains/{self.domain.code}/").content.decode()
        for mech in ("mta-sts", "tls-rpt"):
            self.assertIn(f'id="mech-{mech}"', page)
            panel = page[page.find(f'id="mech-{mech}"') :]
            self.assertRegex(panel[: panel.find("</summary>")], r">Not deployed</span>")

    def test_a_record_published_again_reads_from_not_deployed(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(BASE))), days_ago=1)
        store(self.domain, signed(engine_report(NAME, FakeDns(DEPLOYED))))
        text = self.changes_text()
        self.assertIn("TLS reporting (TLS-RPT) : Not deployed → Good", text)
        self.assertIn("MTA-STS : Not deployed → Failing", text)

    def test_identical_lines_are_shown_once_with_a_count(self) -> None:
        store(self.domain, signed(engine_report(NAME, FakeDns(BASE))), days_ago=1)
        # The zone is no longer signed: five DNSSEC checks each say there is nothing to check.
        store(self.domain, engine_report(NAME, FakeDns(BASE)))
        text = self.changes_text()
        line = f"new: {NAME} is not signed; nothing to check."
        self.assertEqual(text.count(line), 1, text)
        self.assertRegex(text, re.escape(line) + r" \(5 findings\)")


class HomeHostingSentenceTestCase(BaseTestCase):
    """The home page's promise matches the hosting page: without our policy zone the id is in
    the customer's own `_mta-sts` TXT record, which they update from our email."""

    @override_settings(MAILSEC_POLICY_ZONE="")
    def test_without_a_policy_zone_the_id_is_the_customers_to_set(self) -> None:
        text = page_text(self.client.get("/").content)
        self.assertNotIn("_mta-sts. at us", text)
        self.assertIn("Point mta-sts. at us", text)
        self.assertIn("The policy id stays in your own _mta-sts TXT record", text)

    @override_settings(MAILSEC_POLICY_ZONE="policy.mailsec.example")
    def test_with_a_policy_zone_both_names_point_at_us(self) -> None:
        text = page_text(self.client.get("/").content)
        self.assertIn("Point mta-sts. and _mta-sts. at us", text)
        self.assertIn("change its id when it changes", text)
