"""The free check's result page and API on domains with unusual results, from real engine runs
against an in-memory DNS (no network): a null MX, a domain whose every lookup failed, a name
that does not exist."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from django.utils import timezone

from checks import engine, scoring
from checks.cli import json_object
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import FreeCheckTestCase
from tests.test_mx import FakeDns

NULL_MX = {
    ("nomail.example.org", "MX"): ["0 ."],
    ("nomail.example.org", "TXT"): ['"v=spf1 -all"'],
    ("_dmarc.nomail.example.org", "TXT"): ['"v=DMARC1; p=reject"'],
}


class ServfailDns(FakeDns):
    """Every lookup fails with SERVFAIL: a broken resolver path, not a fact about the domain."""

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        return await FakeDns({(name, rdtype): "SERVFAIL"}).query(name, rdtype, **kw)


@contextmanager
def fake_dns(dns: FakeDns) -> Iterator[None]:
    original = CheckContext
    with patch.object(engine, "CheckContext", lambda d, c: original(d, c, dns=dns)):
        yield


def engine_report(domain: str, dns: FakeDns) -> DomainReport:
    with fake_dns(dns):
        return asyncio.run(engine.check_domain(domain, CheckConfig(timeout=0.3)))


def signed(report: DomainReport) -> DomainReport:
    """The same domain with a signed zone: every DNSSEC finding a pass (rescored)."""
    report.findings = [f for f in report.findings if f.mechanism != Mechanism.DNSSEC] + [
        Finding("DNSSEC-01", Status.PASS, Mechanism.DNSSEC, "The zone is signed and secure.")
    ]
    scoring.apply(report)
    return report


def page_text(content: bytes) -> str:
    text = content.decode()
    text = text[text.find("<main") : text.find("</main>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text)


class ResultPageTestCase(FreeCheckTestCase):
    def show(self, report: DomainReport) -> str:
        check = FreeCheck.objects.create(
            domain=report.domain,
            status=FreeCheck.State.DONE,
            report=report.to_dict(),
            started=timezone.now(),
            finished=timezone.now(),
        )
        r = self.client.get(check.get_absolute_url())
        self.assertEqual(r.status_code, 200)
        return page_text(r.content)

    def test_the_breakdown_says_what_each_category_cost_on_the_score(self) -> None:
        # docs/scoring.md: next to the score, which categories cost how many points on the
        # 0–100 score (score_lost). An unsigned zone costs its 10 of the weights that count (40
        # for a null-MX domain): 25 points, which "0 / 10" alone does not say.
        report = engine_report("nomail.example.org", FakeDns(NULL_MX))
        dnssec = report.score_detail["categories"]["dnssec"]
        self.assertEqual((report.score, dnssec["score_lost"]), (75, 25.0))
        text = self.show(report)
        self.assertIn("DNSSEC 0 / 10 not deployed DNSSEC-01 −25 points", text)

        # Every cost is shown, and together they are what the score lost.
        # A name that exists with nothing set up (NXDOMAIN has no score since s19z).
        gone = engine_report("gone.example.org", FakeDns({("gone.example.org", "TXT"): ['"x"']}))
        text = self.show(gone)
        lost = [float(n) for n in re.findall(r"−([\d.]+) points?", text)]
        costs = [
            c["score_lost"] for c in gone.score_detail["categories"].values() if c.get("score_lost")
        ]
        self.assertEqual(sorted(lost), sorted(costs))
        self.assertAlmostEqual(sum(lost), 100 - gone.score, delta=0.5)

    def test_a_domain_that_receives_no_mail_is_not_applicable_not_100(self) -> None:
        # RFC 7505: a null MX says the domain accepts no mail, so transport security does not
        # apply (checklist MX-03). A signed null-MX domain with SPF -all and DMARC p=reject
        # scores 100 on what applies; the page must not present that as 100 % mail security.
        report = signed(engine_report("nomail.example.org", FakeDns(NULL_MX)))
        self.assertEqual(report.score, 100)
        text = self.show(report)
        self.assertNotRegex(text, r"Score 100 /100")
        self.assertIn("Score n/a", text)
        self.assertIn("nomail.example.org receives no mail", text)
        self.assertIn("null MX", text)
        self.assertIn("do not apply", text)
        # The number is still there, for what it rates.
        self.assertIn("100/100 for what applies: MX records, SPF, DMARC, DNSSEC", text)

    def test_no_score_because_nothing_could_be_checked_says_so(self) -> None:
        # Every lookup answered SERVFAIL: nothing is known about the domain, which is not the
        # same as a domain that receives no mail.
        report = engine_report("broken.example.org", ServfailDns({}))
        self.assertIsNone(report.score)
        self.assertFalse(any(f.status == Status.FAIL for f in report.findings))
        text = self.show(report)
        self.assertIn("No score: none of the scored checks could be made", text)
        self.assertNotIn("receives no mail", text)
        self.assertIn("0 failures", text)
        self.assertNotIn(" fail ", text)  # no finding, card or badge reads as a failure

    def test_a_name_that_does_not_exist_says_so_first(self) -> None:
        # A typo: NXDOMAIN. The visitor must read that before 17 findings about what to publish.
        report = engine_report("exmaple-typo.example.org", FakeDns({}))
        text = self.show(report)
        notice = "exmaple-typo.example.org does not exist in the DNS"
        self.assertIn(notice, text)
        self.assertLess(text.index(notice), text.index("How the score is made"))
        self.assertIn("Check the spelling", text)
        # A domain that exists gets no such notice.
        self.assertNotIn(
            "does not exist in the DNS",
            self.show(engine_report("nomail.example.org", FakeDns(NULL_MX))),
        )

    def test_the_api_keeps_the_cli_schema_for_these_domains(self) -> None:
        report = signed(engine_report("nomail.example.org", FakeDns(NULL_MX)))
        self.show(report)
        r = self.client.get("/api/v1/check", {"domain": "NoMail.Example.org."})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), json.loads(json.dumps(json_object(report))))
