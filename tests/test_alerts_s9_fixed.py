"""A "fixed" email only for what was fixed, and only to whoever was told of the problem: the
defects the model-based histories (test_alerts_s9_model.py) found, each pinned down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.accounts.models import Membership
from mailsec.alerts import rules
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, AlertState, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts_s9_model import START, World, store_run


@override_settings(
    ALERT_CONFIRM_DELAY=600,
    ALERT_SCORE_DROP=10,
    ALERT_DIGEST_HOUR=0,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class FixedEmailTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        # Run times follow START, as the certificate dates of World do; confirmed_at and
        # recovered_at are the real time of processing.
        self.clock = START
        self.world = World()

    def observe(self, kind: str = "scheduled", **changes: Any) -> Any:
        """A run of the world as it is now, 11 minutes after the last (past the re-check delay),
        observed and its emails sent as the worker would."""
        for name, value in changes.items():
            setattr(self.world, name, value)
        result = self.world.result()
        self.clock += timedelta(minutes=11)
        run = store_run(self.domain, result, kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    def fixed_emails_to(self, address: str) -> list[Any]:
        return [m for m in mail.outbox if m.to == [address] and ": fixed: " in m.subject]

    # --- recovery emails go to whoever was told of the problem ----------------------------

    def break_and_fix_the_record(self, between: Any = None) -> None:
        self.observe()
        self.observe(mta="gone")
        self.assertTrue(self.observe("confirm").confirmed)
        if between is not None:
            between()
        self.observe(mta="pass")
        self.assertTrue(self.observe("confirm").recovered)

    def test_no_fixed_email_to_someone_who_had_alerts_off_when_it_broke(self) -> None:
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.OFF)
        self.break_and_fix_the_record(
            lambda: AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.IMMEDIATE)
        )
        self.assertEqual(len(self.fixed_emails_to("alice@example.org")), 1)
        self.assertEqual(self.fixed_emails_to("bob@example.org"), [])
        self.assertEqual([m.to for m in mail.outbox if "bob@example.org" in m.to], [])

    def test_no_fixed_email_to_someone_who_joined_the_team_since(self) -> None:
        Membership.objects.filter(team=self.team, user=self.bob).delete()
        self.break_and_fix_the_record(
            lambda: Membership.objects.create(
                team=self.team, user=self.bob, role=Membership.Role.MEMBER
            )
        )
        self.assertEqual(len(self.fixed_emails_to("alice@example.org")), 1)
        self.assertEqual(self.fixed_emails_to("bob@example.org"), [])

    def test_no_fixed_email_when_nobody_was_told_while_the_domain_was_unverified(self) -> None:
        # A run that was already under way when control was lost confirms silently.
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        self.break_and_fix_the_record(
            lambda: Domain.objects.filter(pk=self.domain.pk).update(verified_at=timezone.now())
        )
        self.assertEqual(len(mail.outbox), 0)

    def test_a_fixed_email_names_only_what_its_reader_was_told_of(self) -> None:
        self.observe()
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.OFF)
        self.observe(tls="gone")
        self.observe("confirm")  # alice is told; bob is not
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.IMMEDIATE)
        self.observe(mta="gone")
        self.observe("confirm")  # both are told
        self.observe(mta="pass", tls="pass")
        self.assertTrue(self.observe("confirm").recovered)
        (bobs,) = self.fixed_emails_to("bob@example.org")
        self.assertIn("MTA-STS record", bobs.body)
        self.assertNotIn("TLS-RPT record", bobs.body)
        (alices,) = self.fixed_emails_to("alice@example.org")
        self.assertIn("TLS-RPT record", alices.body)

    # --- digests --------------------------------------------------------------------------

    def test_a_digest_does_not_call_fixed_what_it_never_told(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        digest_at = timezone.now() + timedelta(minutes=1)
        Notification.objects.create(  # yesterday's digest: today's covers what came after it
            user=self.alice,
            kind=Notification.Kind.DIGEST,
            status=Notification.Status.SENT,
            digest_day=(digest_at - timedelta(days=1)).date(),
            covers_until=timezone.now() - timedelta(hours=1),
        )
        self.break_and_fix_the_record()  # confirmed and fixed within the day
        self.assertIsNone(Notification.make_digest(self.alice, digest_at))

    def test_a_change_recovered_after_its_digest_was_made_is_news_in_it(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        self.observe()
        self.observe(mta="gone")
        self.observe("confirm")
        n = Notification.make_digest(self.alice, timezone.now() + timedelta(minutes=1))
        assert n is not None
        # Fixed between the digest's making and its sending (a retry, a slow queue).
        Change.objects.filter(kind=rules.Kind.RECORD_GONE).update(
            state=Change.State.RECOVERED, recovered_at=timezone.now() + timedelta(minutes=2)
        )
        body = build_message(n).body
        self.assertIn("New problems", body)
        self.assertIn("_mta-sts.a.test has disappeared", body)
        self.assertNotIn("Fixed:", body)

    # --- removing a mechanism fixes nothing within it -----------------------------------

    def test_removing_the_mta_sts_record_is_no_fix_of_its_mx_coverage(self) -> None:
        # mx3 is not in the policy; the owner then removes the MTA-STS record. Senders keep the
        # cached policy until max_age (RFC 8461 §5.1), so mail to mx3 still fails for them.
        self.observe(cert="far")
        self.observe(mx={"mx1.a.test": 1, "mx3.a.test": 1}, cert="21")
        self.observe("confirm")
        told = {c.kind for c in Change.objects.filter(state=Change.State.CONFIRMED)}
        self.assertIn(rules.Kind.MX_COVERAGE, told)
        self.observe(mta="gone")
        outcome = self.observe("confirm")
        self.assertEqual(outcome.recovered, [])
        self.assertEqual([m.subject for m in mail.outbox if ": fixed: " in m.subject], [])
        closed = Change.objects.filter(kind=rules.Kind.MX_COVERAGE).get()
        self.assertEqual(closed.state, Change.State.DISMISSED)
        self.assertEqual(closed.note, "no longer applies: MTA-STS is not deployed any more")
        # The policy host's certificate was not renewed either.
        policy_cert = Change.objects.get(kind=rules.Kind.CERT_EXPIRY, subject="mta-sts.a.test")
        self.assertEqual(policy_cert.state, Change.State.DISMISSED)
        # The removal itself is what the owner hears about.
        self.assertTrue(
            Change.objects.filter(kind=rules.Kind.RECORD_GONE, state=Change.State.CONFIRMED)
        )

    def test_a_failing_finding_is_not_fixed_by_removing_its_record(self) -> None:
        failing = World(dmarc="fail").result()
        removed = World(dmarc="gone-record").result()
        removed["findings"] = [f for f in removed["findings"] if f["mechanism"] != "dmarc"]
        removed["findings"].append(
            {"id": "DMARC-01", "status": "info", "mechanism": "dmarc", "subject": "_dmarc.a.test"}
        )
        removed["mechanisms"]["dmarc"] = "info"
        key = "finding:DMARC-05|_dmarc.a.test"
        at = START

        def snap(r: dict[str, Any]) -> rules.Snapshot:
            return rules.Snapshot(r["mechanisms"], r["findings"], r["score"], at)

        self.assertEqual(rules.evaluate("finding", key, "", snap(failing), 10)[0], "holds")
        self.assertEqual(rules.evaluate("finding", key, "", snap(removed), 10)[0], "moot")
        # A fixed record (the finding passes or is simply no longer made) is a fix.
        self.assertEqual(rules.evaluate("finding", key, "", snap(World().result()), 10)[0], "clear")

    def test_removing_every_tlsa_record_fixes_a_tlsa_mismatch(self) -> None:
        # Without TLSA records DANE senders deliver with opportunistic TLS at once (RFC 7672
        # §2.2): mail a mismatch held up flows again, as when only one host's records go.
        key = "finding:DANE-04|mx1.a.test"

        def snap(*findings: dict[str, Any]) -> rules.Snapshot:
            return rules.Snapshot({"dane": "info"}, list(findings), 90, START)

        gone = snap(
            {"id": "DANE-01", "status": "info", "mechanism": "dane", "subject": "mx1.a.test"},
            {"id": "DANE-01", "status": "info", "mechanism": "dane", "subject": "mx2.a.test"},
        )
        self.assertEqual(rules.evaluate("finding", key, "", gone, 10)[0], "clear")


class GivenUpDigestTestCase(BaseTestCase):
    def test_a_digest_given_up_before_the_mail_server_had_it_told_nothing(self) -> None:
        # Change C is confirmed, its digest fails five times (the mail server refused it),
        # then C recovers: the next digest must not say "Fixed" of what nobody heard of.
        now = timezone.now()
        domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=now - timedelta(days=9)
        )
        AlertSetting.set_mode(self.alice, domain, AlertSetting.Mode.DIGEST)
        t1, t2, t3 = now - timedelta(hours=40), now - timedelta(hours=30), now - timedelta(hours=10)
        change = Change.objects.create(
            domain=domain,
            kind=rules.Kind.RECORD_GONE,
            key="record-gone:mta-sts",
            state=Change.State.RECOVERED,
            confirmed_at=t1,
            recovered_at=t3,
            created=t1,
        )
        digest = Notification.objects.create(
            user=self.alice,
            kind=Notification.Kind.DIGEST,
            to_address="alice@example.org",
            digest_day=t2.date(),
            covers_until=t2,
            status=Notification.Status.SENDING,
            attempts=5,
            handed_over_at=t2,  # the last attempt reached the send, which raised
        )
        digest.changes.set([change])
        self.assertIsNone(digest.mark_failed("SMTPRecipientsRefused: 550 mailbox unavailable"))
        self.assertEqual(Notification.told(self.alice, [change]), set())
        later = Notification.make_digest(self.alice, now)
        self.assertTrue(later is None or change not in later.changes.all())
