"""Task s42w, item 2: the API's `partial` means what docs/scoring.md and score_detail.partial
say: some finding could not be checked (`error`), even one the score ignores (BIMI, or a
category already earning 0). Before, history's runs and a lost domain's last_kept_check said
`partial` only when a scored category could not be checked (score_detail.not_checked): a run
whose one error was in BIMI read `"partial": false` beside its own score_detail's
`"partial": true`. score_status keeps the list's reading (`scored` there: the number stands
for every category that counts)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from checks import scoring
from checks.dns import DnsAnswer
from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import Domain
from tests.test_api_s20 import PARTIAL, ApiCase, checked


def _findings(bimi: Status) -> list[Finding]:
    return [
        Finding("SPF-01", Status.PASS, Mechanism.SPF, "SPF is published."),
        Finding("DMARC-06", Status.FAIL, Mechanism.DMARC, "The DMARC policy is p=none."),
        # BIMI weighs nothing: its error leaves no scored category out.
        Finding("BIMI-01", bimi, Mechanism.BIMI, "The BIMI record lookup."),
    ]


def _run(shop: Domain, bimi: Status, ago: timedelta) -> tuple[int | None, dict]:
    findings = _findings(bimi)
    score, detail = scoring.compute(findings)
    checked(shop, score, detail, [f.to_dict() for f in findings], ago=ago)
    return score, detail


class S42wApiPartialTestCase(ApiCase):
    def setUp(self) -> None:
        super().setUp()
        # Ten days ago a category could not be checked; three days ago only BIMI's lookup
        # failed; two days ago the same domain had everything checked; one hour ago ApiCase's
        # run (80, a whole score).
        checked(self.shop, 70, PARTIAL, ago=timedelta(days=10))
        self.bimi_score, self.bimi_detail = _run(self.shop, Status.ERROR, timedelta(days=3))
        self.whole_score, self.whole_detail = _run(self.shop, Status.INFO, timedelta(days=2))
        self.shop.set_last_run(self.run)

    def test_the_computed_details_read_as_the_doc_says(self) -> None:
        # The premise: an error outside the score marks the score partial and leaves no
        # category out (docs/scoring.md: "partial whenever any finding is error").
        self.assertIs(self.bimi_detail["partial"], True)
        self.assertEqual(self.bimi_detail["not_checked"], [])
        self.assertEqual(self.bimi_detail["errors"], ["BIMI-01"])
        self.assertIs(self.whole_detail["partial"], False)
        self.assertEqual(self.bimi_score, self.whole_score)

    def test_history_says_partial_for_an_error_the_score_ignores(self) -> None:
        body = self.api("/alice-shop.example/history", self.alices_key).json()
        self.assertEqual(
            [(r["score"], r["score_status"], r["partial"]) for r in body["runs"]],
            [
                (70, "partial", True),
                (self.bimi_score, "scored", True),
                (self.whole_score, "scored", False),
                (80, "scored", False),
            ],
        )

    def test_history_partial_is_the_runs_own_score_detail_partial(self) -> None:
        body = self.api("/alice-shop.example/history", self.alices_key).json()
        details = [r.score_detail for r in self.shop.runs.order_by("created", "pk")]
        # PARTIAL (a hand-written detail with a category not checked, no "partial" key) is
        # partial too: a category not checked comes from an error.
        self.assertEqual(
            [r["partial"] for r in body["runs"]],
            [bool(d.get("partial") or d.get("not_checked")) for d in details],
        )

    def test_a_lost_domains_last_kept_check_says_partial_as_its_score_detail_does(self) -> None:
        # Its last check before control was lost is the one whose only error was BIMI's.
        bimi = self.shop.runs.order_by("created")[1]
        self.assertEqual(bimi.score_detail, self.bimi_detail)
        self.shop.runs.filter(created__gt=bimi.created).delete()
        self.shop.set_last_run(bimi)
        Domain.objects.create(
            team=self.charlies_team, name="alice-shop.example", verified_at=timezone.now()
        )
        gone = DnsAnswer(name=self.shop.challenge_name, rdtype="TXT", rcode="NXDOMAIN")
        self.assertEqual(Domain.objects.get(pk=self.shop.pk).recheck_control(answer=gone), "lost")
        kept = self.api("/alice-shop.example", self.alices_key).json()["last_kept_check"]
        self.assertEqual((kept["score"], kept["score_status"]), (self.bimi_score, "scored"))
        self.assertIs(kept["score_detail"]["partial"], True)
        self.assertIs(kept["partial"], True)
