"""s25w: alerts leftovers.

1. A domain removed while its problem's alert to someone was still waiting or being retried:
   that alert goes with the domain, never sent, so the person was not told and hears no
   "fixed" when the domain is added again.
2. One expired certificate is several changes (the SMTP-10 and MTASTS-32 findings, two
   mechanisms now failing, the score): an alert's subject leads with the certificate, and its
   body tells the rest under it, each fact once; a digest so too.
"""

from __future__ import annotations

import html
from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, AlertState, Notification, RemovedProblem
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts_s9_model import START, World, store_run
from tests.test_alerts_s11_rsa_flap import RunsTestCase, Server


@override_settings(ALERT_DIGEST_HOUR=7)
class RemovedWhileAnAlertWaitedTestCase(BaseTestCase):
    """a.test loses its MTA-STS record; alice's alert is sent, bob's is not (yet)."""

    def setUp(self) -> None:
        self.domain = self.add()
        self.clock = START
        self.world = World()
        self.observe()
        self.observe(mta="gone")
        with self.captureOnCommitCallbacks(execute=False):
            self.assertTrue(self.observe("confirm", send=False).confirmed)
        self.alerts = {
            n.user.username: n for n in Notification.objects.filter(kind=Notification.Kind.ALERT)
        }
        send_notification.apply(args=[str(self.alerts["alice"].code)])
        self.assertEqual([m.to[0] for m in mail.outbox], ["alice@example.org"])

    def add(self) -> Domain:
        return Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())

    def observe(self, kind: str = "scheduled", send: bool = True, **changes: object) -> object:
        for name, value in changes.items():
            setattr(self.world, name, value)
        self.clock += timedelta(minutes=11)
        run = store_run(self.domain, self.world.result(), kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        if send:
            for n in Notification.objects.filter(status=Notification.Status.PENDING):
                send_notification.apply(args=[str(n.code)])
        return outcome

    def fixed_to(self) -> list[str]:
        return sorted(m.to[0] for m in mail.outbox if ": fixed: " in m.subject)

    def remove_and_add_again_then_fix(self) -> None:
        bobs = self.alerts["bob"]
        self.domain.delete()
        # bob's alert went with the domain: it will never be sent.
        self.assertFalse(Notification.objects.filter(pk=bobs.pk).exists())
        mail.outbox.clear()
        self.domain = self.add()
        self.observe()  # still broken: no news
        self.world.mta = "pass"
        self.observe()
        self.assertTrue(self.observe("confirm").recovered)

    def test_an_alert_still_waiting_told_nothing(self) -> None:
        self.remove_and_add_again_then_fix()
        self.assertEqual(self.fixed_to(), ["alice@example.org"])

    def test_an_alert_being_retried_told_nothing(self) -> None:
        # The mail server refused it; a retry is due later.
        Notification.objects.filter(pk=self.alerts["bob"].pk).update(
            status=Notification.Status.FAILED,
            attempts=1,
            next_attempt_at=self.clock + timedelta(hours=1),
        )
        self.remove_and_add_again_then_fix()
        self.assertEqual(self.fixed_to(), ["alice@example.org"])

    def test_an_alert_the_mail_server_may_have_had_told_it(self) -> None:
        # Stuck in "sending" after it was handed over: it may have gone out, so it counts.
        Notification.objects.filter(pk=self.alerts["bob"].pk).update(
            status=Notification.Status.SENDING, handed_over_at=self.clock
        )
        self.remove_and_add_again_then_fix()
        self.assertEqual(self.fixed_to(), ["alice@example.org", "bob@example.org"])

    def test_nobody_reached_keeps_nothing(self) -> None:
        Notification.objects.filter(pk=self.alerts["alice"].pk).delete()
        self.assertEqual(RemovedProblem.keep(self.domain), [])


EXPIRED = "The certificate of mx1.a.test [192.0.2.1] expired on 2026-11-28 06:00:37 UTC"
CONSEQUENCES = [
    "mx1.a.test at 192.0.2.1 does not pass MTA-STS validation.",
    "MTA-STS was good and now failing.",
    "STARTTLS on the MX hosts was good and now failing.",
]


@override_settings(ALERT_DIGEST_HOUR=0)
class OneExpiredCertificateTestCase(RunsTestCase):
    """mx1.a.test, in the MTA-STS policy (enforce), presents an expired certificate."""

    def check_body(self, text: str, bullet: str, indent: str) -> None:
        # The certificate's fact once, its consequences under it, once each, then the fix.
        self.assertEqual(text.count("expired on 2026-11-28"), 1, text)
        lines = [line.rstrip() for line in text.splitlines()]
        start = lines.index(f"{bullet}{EXPIRED}. MTA-STS senders will not deliver to it.")
        under = lines.index(f"{indent}Because of it:", start)
        self.assertEqual(
            [line.strip().removeprefix("- ") for line in lines[under + 1 : under + 4]],
            CONSEQUENCES,
        )
        self.assertEqual(text.count("Renew the certificate of mx1.a.test."), 1, text)
        self.assertIn("The score dropped from 100 to 20.", text)

    def test_the_alert_leads_with_the_certificate(self) -> None:
        self.told_and_confirmed(Server(first="expired", rsa="none"))
        (alert,) = self.alerts()
        self.assertEqual(alert.subject, f"[mailsec] a.test: {EXPIRED} (+1 more)")
        self.check_body(alert.body, "* ", "  ")
        page = html.unescape(alert.alternatives[0][0])
        self.assertEqual(page.count("expired on 2026-11-28"), 1)
        for line in CONSEQUENCES:
            self.assertIn(f"<li>{line}</li>", page)

    def test_the_fixed_email_tells_it_so_too(self) -> None:
        self.told_and_confirmed(Server(first="expired", rsa="none"))
        self.observe(Server(rsa="none"))
        self.observe(Server(rsa="none"), kind="confirm")
        (fixed,) = self.fixed()
        self.assertEqual(fixed.subject, f"[mailsec] a.test: fixed: {EXPIRED} (+1 more)")
        self.assertEqual(fixed.body.count("expired on 2026-11-28"), 1, fixed.body)
        lines = [line.rstrip() for line in fixed.body.splitlines()]
        start = lines.index(f"* Fixed: {EXPIRED}.")
        self.assertEqual(lines[start + 1], "  Fixed with it:")
        self.assertEqual([x.strip()[2:] for x in lines[start + 2 : start + 5]], CONSEQUENCES)
        self.assertIn("* Fixed: The score dropped from 100 to 20.", lines)

    def test_a_digest_tells_it_so_too(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        self.observe(Server())
        self.observe(Server(first="expired", rsa="none"))
        self.observe(Server(first="expired", rsa="none"), kind="confirm")
        digest = Notification.make_digest(self.alice, timezone.now() + timedelta(minutes=1))
        assert digest is not None
        message = build_message(digest)
        self.assertEqual(message.subject, "[mailsec] Daily digest: 2 changes on a.test")
        self.check_body(message.body, "  * ", "    ")
        page = html.unescape(message.alternatives[0][0])
        self.assertEqual(page.count("expired on 2026-11-28"), 1)


def test_only_what_says_the_same_again_is_told_under_another_change() -> None:
    from mailsec.alerts.models import Change, changes_context

    def finding(subject: str, summary: str, fix: str, check_id: str = "SMTP-10") -> Change:
        return Change(kind="finding", subject=subject, summary=summary, fix=fix, check_id=check_id)

    mx1 = finding("mx1.a.test [192.0.2.1]", "STARTTLS is off on mx1.a.test.", "Turn STARTTLS on.")
    mx2 = finding("mx2.a.test [192.0.2.2]", "STARTTLS is off on mx2.a.test.", "Turn STARTTLS on.")
    dmarc = finding("_dmarc.a.test", "DMARC is gone.", "Publish DMARC.", "DMARC-01")
    rolled = Change(kind="mechanism", subject="DMARC", summary="DMARC was good and now failing.")
    rolled.fix = dmarc.fix
    ctx = changes_context([rolled, mx2, dmarc, mx1])
    # Two hosts with the same fix are two problems; the mechanism's verdict follows DMARC-01.
    assert ctx["leads"] == [dmarc, mx1, mx2]
    assert dmarc.consequences == [rolled] and mx1.consequences == mx2.consequences == []
    assert ctx["headline"] is dmarc
    # A name alone before a colon is no sentence: the whole headline is the line.
    alone = finding("mta-sts.a.test", "mta-sts.a.test: the policy is gone. More.", "")
    assert alone.consequence_line == "mta-sts.a.test: the policy is gone"
