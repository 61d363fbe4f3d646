"""Round s19y: the free check of a name that does not exist (NXDOMAIN at the name: no score
since s19z) says why it has no score, "No score: the domain does not exist", on the page and
gives no advice to enable anything; the API keeps `score: null` and says why in
`score_detail.does_not_exist`, as docs/cli.md documents it. Real engine runs against an
in-memory DNS (tests.test_freecheck_s9_results)."""

from __future__ import annotations

from django.utils import timezone

from checks import scoring
from checks.findings import DomainReport
from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import FreeCheckTestCase
from tests.test_freecheck_s9_results import engine_report, page_text
from tests.test_mx import FakeDns

TYPO = "exmaple-typo.example.org"


class DoesNotExistTestCase(FreeCheckTestCase):
    def show(self, report: DomainReport) -> str:
        """The finished check's page, as text (as tests/test_freecheck_s9_results.py)."""
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

    def test_the_page_says_there_is_no_score_because_the_domain_does_not_exist(self) -> None:
        text = self.show(engine_report(TYPO, FakeDns({})))
        self.assertIn(f"{TYPO} does not exist in the DNS", text)  # the notice stays
        self.assertIn("No score: the domain does not exist.", text)
        self.assertNotIn("nothing the score rates was checked", text)
        # Nothing to enable or publish on a missing name.
        self.assertNotIn("only list what it would need", text)
        self.assertNotIn("Publish", text)

    def test_a_name_that_exists_keeps_its_own_reason(self) -> None:
        text = self.show(
            engine_report("empty.example.org", FakeDns({("empty.example.org", "TXT"): ['"x"']}))
        )
        self.assertNotIn("does not exist", text)

    def test_the_api_keeps_score_null_and_says_why(self) -> None:
        self.show(engine_report(TYPO, FakeDns({})))
        r = self.client.get("/api/v1/check", {"domain": TYPO})
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertIsNone(body["score"])
        self.assertIs(body["score_detail"][scoring.DOES_NOT_EXIST], True)
        self.assertEqual(body["counted_categories"], [])
        mx01 = next(f for f in body["findings"] if f["id"] == "MX-01")
        self.assertEqual((mx01["status"], mx01["evidence"]["rcode"]), ("fail", "NXDOMAIN"))
