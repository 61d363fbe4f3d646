"""Round s19y: a monitored domain whose name leaves the DNS (its registration lapsed: NXDOMAIN
at the name, no score since s19z) is one alert after the confirming re-check, "no longer exists
in DNS (NXDOMAIN)", not a "fixed" or "no longer applies" for every mechanism; and one "exists
again" when it comes back. The runs are the engine's own output (an in-memory DNS,
tests.test_engine_s19z_nomail), observed as the worker observes them (tests/test_alerts.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts.models import AlertState, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_engine_s19z_nomail import check, free_port

NAME = "lapsed.example.org"


def exists() -> dict[str, Any]:
    """The engine's report of the domain while it is registered: MX, SPF, DMARC."""
    zone: dict[tuple[str, str], list[str] | str] = {
        (NAME, "MX"): [f"10 mx.{NAME}."],
        (f"mx.{NAME}", "A"): ["127.0.143.20"],
        (NAME, "TXT"): ['"v=spf1 mx -all"'],
        (f"_dmarc.{NAME}", "TXT"): ['"v=DMARC1; p=reject"'],
    }
    return check(NAME, zone, free_port("127.0.143.20")).to_dict()


def gone() -> dict[str, Any]:
    """The engine's report once the name is not in the DNS."""
    return check(NAME, {}, free_port("127.0.143.21")).to_dict()


@override_settings(SITE_ROOT="https://mailsec.example")
class LapsedDomainTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name=NAME, verified_at=timezone.now())
        self.clock = timezone.now() - timedelta(hours=2)

    def observe(self, report: dict[str, Any], kind: str = "scheduled") -> Any:
        """Store a run as the check task does, observe it, and send what it queued."""
        self.clock += timedelta(minutes=15)
        run = CheckRun.objects.create(
            domain=self.domain, kind=kind, status=CheckRun.Status.RUNNING, created=self.clock
        )
        run.finish(report)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    def mails(self) -> list[tuple[str, str, str]]:
        sent = [(m.to[0], m.subject, m.body) for m in mail.outbox]
        mail.outbox.clear()
        return sent

    def test_a_lapsed_name_is_one_alert_after_the_re_check_and_one_when_it_is_back(self) -> None:
        here, missing = exists(), gone()
        self.observe(here)
        self.observe(here)
        self.assertEqual(self.mails(), [])

        outcome = self.observe(missing)  # one answer: nobody is told yet
        self.assertEqual([c.key for c in outcome.suspected], ["record-gone:name"])
        self.assertEqual(self.mails(), [])

        outcome = self.observe(missing, kind="confirm")
        self.assertEqual([c.key for c in outcome.confirmed], ["record-gone:name"])
        sent = self.mails()
        self.assertEqual(sorted(to for to, _, _ in sent), ["alice@example.org", "bob@example.org"])
        _, subject, body = sent[0]
        self.assertEqual(subject, f"[mailsec] {NAME}: {NAME} no longer exists in DNS (NXDOMAIN)")
        self.assertIn(f"* {NAME} no longer exists in DNS (NXDOMAIN).", body)
        self.assertIn(f"Before: {NAME} MX → NOERROR 10 mx.{NAME}.", body)
        self.assertIn(f"Now: {NAME} MX → NXDOMAIN no record", body)
        self.assertIn(f"Renew the registration of {NAME}", body)
        self.assertNotIn("MX records was good and now failing", body)

        for _ in range(3):  # still gone: nothing more
            self.observe(missing)
        self.assertEqual(self.mails(), [])

        self.assertEqual(self.observe(here).recovered, [])  # told once the re-check agrees
        outcome = self.observe(here, kind="confirm")
        self.assertEqual([c.key for c in outcome.recovered], ["record-gone:name"])
        sent = self.mails()
        self.assertEqual(len(sent), 2)
        _, subject, body = sent[0]
        self.assertEqual(subject, f"[mailsec] {NAME}: {NAME} exists in DNS again")
        self.assertIn(f"* {NAME} exists in DNS again.", body)
        self.assertNotIn("Fixed:", body)
        # What was wrong before the lapse (nothing listens on its MX) is no news now.
        self.observe(here)
        self.assertEqual(self.mails(), [])
        self.assertFalse(Change.objects.filter(state__in=Change.OPEN).exists())

    def test_one_nxdomain_answer_is_no_alert(self) -> None:
        here = exists()
        self.observe(here)
        self.observe(gone())
        outcome = self.observe(here, kind="confirm")
        self.assertEqual([c.note for c in outcome.dismissed], ["gone at the re-check"])
        self.assertEqual(self.mails(), [])

    def test_a_problem_told_before_the_lapse_stays_open_and_is_not_called_fixed(self) -> None:
        here = exists()
        broken = {**here, "findings": [dict(f) for f in here["findings"]]}
        for f in broken["findings"]:
            if f["id"] == "DMARC-01":
                f["status"] = "fail"
        self.observe(here)
        self.observe(broken)
        self.observe(broken, kind="confirm")
        told = Change.objects.get(state=Change.State.CONFIRMED)
        self.mails()
        missing = gone()
        self.observe(missing)
        self.observe(missing, kind="confirm")
        sent = self.mails()
        self.assertEqual(
            {subject for _, subject, _ in sent},
            {f"[mailsec] {NAME}: {NAME} no longer exists in DNS (NXDOMAIN)"},
        )
        told.refresh_from_db()
        self.assertEqual(told.state, Change.State.CONFIRMED)  # not "no longer applies"
