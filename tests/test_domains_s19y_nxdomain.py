"""Round s19y: a monitored domain whose latest run found its name not in the DNS (NXDOMAIN at
the name: no score since s19z) reads "does not exist" on the domain list, its page and in the
CSV export, not "n/a, no score" or "Nothing the score rates was checked". The run is the
engine's own (an in-memory DNS, tests.test_engine_s19z_nomail), stored as the task stores it."""

from __future__ import annotations

import csv
import io
import re

from django.core.cache import cache
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_engine_s19z_nomail import check, free_port
from tests.test_web_s18_partial_list import PILL
from tests.test_webapp_extra2 import engine_run

NAME = "lapsed.example.org"


class DoesNotExistTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name=NAME, verified_at=timezone.now())
        report = check(NAME, {}, free_port("127.0.143.22"))
        self.domain.set_last_run(engine_run(self.domain, report.findings, hours_ago=0))

    def test_the_list_says_the_domain_does_not_exist(self) -> None:
        html = self.client.get("/domains/").content.decode()
        [pill] = PILL.findall(html)
        self.assertEqual(words(pill), "does not exist")
        self.assertNotIn("n/a", pill)
        self.assertNotIn("no score", pill)

    def test_the_page_says_the_domain_does_not_exist(self) -> None:
        html = self.client.get(f"/domains/{self.domain.code}/").content.decode()
        score = words(re.search(r'<div class="score-block">(.*?)</div>', html, re.S)[1])
        self.assertIn(f"{NAME} does not exist in DNS (NXDOMAIN)", score)
        self.assertIn("No score: the domain does not exist.", score)
        self.assertNotIn("n/a", score)
        # No ten lines "<category> not counted: domain does not exist".
        self.assertNotIn("not counted", words(html))

    def test_the_csv_export_says_the_domain_does_not_exist(self) -> None:
        content = self.client.get("/domains/export.csv").streaming_content
        [row] = list(csv.DictReader(io.StringIO(b"".join(content).decode("utf-8-sig"))))
        self.assertEqual((row["score"], row["does_not_exist"]), ("", "yes"))
        self.assertEqual(row["mx_status"], "Failing")
        self.assertEqual(row["dmarc_status"], "Not checked")  # not "Does not apply"
        self.assertEqual(row["worst_finding_id"], "MX-01")
