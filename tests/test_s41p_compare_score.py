"""Task s41p: Compare said "Nothing changed between these two checks" under a score that moved
(60 -> 85 in synthetic runs with identical findings). For real this happens when no finding
changes its verdict but what the score counts does:

- MTA-STS withdrawn: MTASTS-33 stays an info finding at the same policy URL while its mode goes
  from testing to none (evidence mode none: the score counts MTA-STS as not deployed);
- a release with a new score version: the same findings weighed by another rubric.

The page must say why the score moved, category by category, not that nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from checks import scoring
from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

POLICY = "https://mta-sts.a.test/.well-known/mta-sts.txt"


def findings(mode: str) -> list[Finding]:
    return [
        Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok", subject="a.test"),
        Finding("MTASTS-01", Status.PASS, Mechanism.MTASTS, "Record ok", subject="a.test"),
        Finding(
            "MTASTS-33",
            Status.INFO,
            Mechanism.MTASTS,
            f"Mode {mode}.",
            subject=POLICY,
            evidence={"mode": "none"} if mode == "none" else {},
        ),
        Finding("TLSRPT-01", Status.PASS, Mechanism.TLSRPT, "TLS-RPT ok", subject="a.test"),
    ]


class S41pCompareScoreTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.clock = timezone.now() - timedelta(hours=2)
        self.client.force_login(self.alice)

    def stored(self, found: list[Finding], **over: Any) -> CheckRun:
        score, detail = scoring.compute(found)
        self.clock += timedelta(minutes=30)
        fields: dict[str, Any] = {
            "score": score,
            "score_version": scoring.SCORE_VERSION,
            "score_detail": detail,
            "mechanisms": {"mx": "pass", "mta-sts": "pass", "tls-rpt": "pass"},
            "findings": [f.to_dict() for f in found],
            **over,
        }
        return CheckRun.objects.create(
            domain=self.domain, status=CheckRun.Status.DONE, created=self.clock, **fields
        )

    def compare(self, old: CheckRun, new: CheckRun) -> str:
        r = self.client.get(f"/domains/{self.domain.code}/compare/?from={old.code}&to={new.code}")
        self.assertEqual(r.status_code, 200)
        return r.content.decode()

    def test_s41p_mta_sts_withdrawn_is_not_nothing(self) -> None:
        old, new = self.stored(findings("testing")), self.stored(findings("none"))
        self.assertNotEqual(old.score, new.score)
        self.assertEqual(new.changes_since(old), [])  # no finding changed its verdict
        page = self.compare(old, new)
        self.assertNotIn("Nothing changed between these two checks", page)
        self.assertIn("No finding changed its verdict between these two checks", page)
        self.assertIn(f"the score went from {old.score} to {new.score}", page)
        self.assertIn("MTA-STS", page)
        self.assertIn("not deployed", page)

    def test_s41p_a_new_score_version_says_the_rubric_weighs_them_otherwise(self) -> None:
        old = self.stored(findings("testing"), score=60, score_version=scoring.SCORE_VERSION - 1)
        detail = dict(old.score_detail)
        categories = {k: dict(v) for k, v in detail["categories"].items()}
        categories["mta-sts"]["weight"] = 10
        detail["categories"] = categories
        CheckRun.objects.filter(pk=old.pk).update(score_detail=detail)
        old.refresh_from_db()
        new = self.stored(findings("testing"), score=85)
        page = self.compare(old, new)
        self.assertNotIn("Nothing changed between these two checks", page)
        self.assertIn("the score went from 60 to 85", page)
        self.assertIn("The scoring rubric changed between these checks", page)
        self.assertIn("weight 10", page)

    def test_s41p_same_score_same_findings_still_says_nothing_changed(self) -> None:
        old, new = self.stored(findings("testing")), self.stored(findings("testing"))
        self.assertIn("Nothing changed between these two checks", self.compare(old, new))
