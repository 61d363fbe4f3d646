"""s33p: what a product-lessons audit found missing when the product was used.

1. A score-drop alert said "The score dropped from 100 to 66. Score before: 100, now: 66" and
   nothing about why, where the domain page puts, next to the score, which categories cost
   how many points and the findings that cost them (product-lessons: "show, next to the
   score, which findings cost how many points"). The alert now lists the points lost as the
   confirming check scored them, by category and why (the changes above it say which findings).
2. The weekly summary gave each domain's score and its trend, without what cost the points;
   it now says where the points are lost, as the domain page does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from checks import scoring
from checks.findings import DomainReport
from mailsec.alerts import weekly
from mailsec.alerts.models import AlertState, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_page_queries import F01
from tests.test_webapp_s32w import run_of

Findings = list[dict[str, Any]]
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday


def mta_sts_gone_and_dmarc_none(name: str, findings: Findings) -> None:
    """The MTA-STS record is gone (a not deployed MTA-STS costs its 20 points) and DMARC is
    p=none (a warn: a quarter of DMARC's 15)."""
    findings[:] = [f for f in findings if f["mechanism"] != "mta-sts"]
    findings.append(
        {
            "id": "MTASTS-01",
            "status": "info",
            "mechanism": "mta-sts",
            "subject": f"_mta-sts.{name}",
            "summary": f"{name} has no MTA-STS record.",
            "evidence": {"answers": [], "query": f"_mta-sts.{name} TXT", "rcode": "NXDOMAIN"},
            "fix": "",
        }
    )
    for f in findings:
        if f["id"] == "DMARC-05":
            f["status"] = "warn"
            f["summary"] = "The policy is p=none: receivers are asked to deliver failing mail."


def scored(name: str, *changes: Any) -> DomainReport:
    data = json.loads(json.dumps(F01).replace("f01.lab.test", name))
    for change in changes:
        change(name, data["findings"])
    report = DomainReport.from_dict(data)
    scoring.apply(report)
    return report


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class ScoreDropSaysWhatCostPointsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="shop.example.com", verified_at=timezone.now()
        )
        self.clock = timezone.now() - timedelta(hours=1)

    def observe(self, report: DomainReport, kind: str = "scheduled") -> None:
        """Store the run as the worker stores it, observe it, send what it queued."""
        self.clock += timedelta(minutes=1)
        data = report.to_dict()
        run = CheckRun.objects.create(
            domain=self.domain,
            kind=kind,
            status=CheckRun.Status.DONE,
            created=self.clock,
            score=data["score"],
            score_version=data["score_version"],
            score_detail=data["score_detail"],
            mechanisms=data["mechanisms"],
            findings=data["findings"],
        )
        with self.captureOnCommitCallbacks(execute=False):
            AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])

    def test_the_alert_says_which_categories_cost_how_many_points(self) -> None:
        good = scored("shop.example.com")
        bad = scored("shop.example.com", mta_sts_gone_and_dmarc_none)
        assert good.score == 100 and bad.score is not None and bad.score <= 80
        lost = {k: v.get("score_lost") for k, v in bad.score_detail["categories"].items()}
        self.observe(good)
        self.observe(bad)
        self.observe(bad, kind="confirm")
        body = " ".join(mail.outbox[0].body.split())
        self.assertIn(f"The score dropped from 100 to {bad.score}.", body)
        self.assertIn(
            f"Score before: 100, now: {bad.score} Points lost now: "
            f"MTA-STS −{lost['mta-sts']:g} (not deployed), DMARC −{lost['dmarc']:g} (weaknesses)",
            body,
        )
        # The changes above say what the findings are: their words are not said again.
        self.assertEqual(body.count("receivers are asked to deliver failing mail"), 2)
        html_body = str(mail.outbox[0].alternatives[0][0])
        self.assertIn(f"MTA-STS −{lost['mta-sts']:g} (not deployed)", html_body)


@override_settings(
    ALERT_DIGEST_HOUR=7, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
class WeeklySummarySaysWhatCostPointsTestCase(BaseTestCase):
    def setUp(self) -> None:
        User.objects.update(date_joined=MONDAY_9 - timedelta(days=60))
        self.domain = Domain.objects.create(team=self.team, name="shop.example.com")

    def send(self) -> str:
        weekly.make(self.alice, MONDAY_9)
        for n in Notification.objects.filter(kind="weekly", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        self.html = str(message.alternatives[0][0])
        return " ".join(message.body.split())

    def test_the_summary_says_where_the_points_are_lost(self) -> None:
        run = run_of(self.domain, 0, mta_sts_gone_and_dmarc_none)
        lost = {k: v.get("score_lost") for k, v in run.score_detail["categories"].items()}
        body = self.send()
        self.assertIn(
            f"Score: {run.score}/100 Points lost: * MTA-STS −{lost['mta-sts']:g} points: "
            f"shop.example.com has no MTA-STS record * DMARC −{lost['dmarc']:g} points: the "
            "policy is p=none: receivers are asked to deliver failing mail",
            body,
        )
        self.assertIn(
            f"<li>Points lost:<ul><li>MTA-STS −{lost['mta-sts']:g} points: shop.example.com has "
            "no MTA-STS record</li>",
            self.html,
        )

    def test_a_domain_that_lost_nothing_says_nothing_more(self) -> None:
        run_of(self.domain, 0)
        body = self.send()
        self.assertIn("Score: 100/100", body)
        self.assertNotIn("Points lost", body)
        self.assertNotIn("Points lost", self.html)
