"""What alert emails say: when the confirming check ran, what is "still open" in a "fixed"
email (only what its reader was told of), and that a "fixed" line does not repeat a
statement of the problem that is no longer true."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts.emails import _later, build_message
from mailsec.alerts.models import AlertSetting, AlertState, Notification
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
class AlertWordingTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.clock = START
        self.world = World()

    def observe(
        self, kind: str = "scheduled", after: timedelta = timedelta(minutes=11), **changes: Any
    ) -> Any:
        """A run of the world `after` the last one, observed and its emails sent."""
        for name, value in changes.items():
            setattr(self.world, name, value)
        result = self.world.result()
        self.clock += after
        run = store_run(self.domain, result, kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    def alerts_to(self, address: str) -> list[Any]:
        return [m for m in mail.outbox if m.to == [address] and ": fixed: " not in m.subject]

    def fixed_to(self, address: str) -> list[Any]:
        return [m for m in mail.outbox if m.to == [address] and ": fixed: " in m.subject]

    @staticmethod
    def html(message: Any) -> str:
        return str(message.alternatives[0][0])

    # --- when the confirming check ran ----------------------------------------------------

    def test_the_re_check_is_worded_from_its_own_time(self) -> None:
        self.observe()
        self.observe(mta="gone")
        self.assertTrue(self.observe("confirm", after=timedelta(minutes=10)).confirmed)
        (alert,) = self.alerts_to("alice@example.org")
        self.assertIn("and a re-check 10 minutes later confirmed", alert.body)
        self.assertIn("and a re-check 10 minutes later confirmed", self.html(alert))

    def test_a_scheduled_run_hours_later_is_not_a_re_check_a_few_minutes_later(self) -> None:
        # The re-check task was lost (and the sweep gave up): the next scheduled run, six hours
        # on, confirmed it. The email said "a re-check a few minutes later confirmed it".
        self.observe()
        self.observe(mta="gone")
        self.assertTrue(self.observe(after=timedelta(hours=6)).confirmed)
        (alert,) = self.alerts_to("alice@example.org")
        self.assertNotIn("few minutes", alert.body)
        self.assertIn("and another check 6 hours later confirmed", alert.body)
        self.assertIn("and another check 6 hours later confirmed", self.html(alert))

    def test_changes_first_seen_at_different_times_name_the_confirming_check_s_time(
        self,
    ) -> None:
        self.observe()
        self.observe(mta="gone")  # suspected; its re-check is lost
        self.observe(after=timedelta(minutes=3), tls="gone")  # too early to decide anything
        self.assertEqual(len(self.observe("confirm", after=timedelta(minutes=30)).confirmed), 3)
        (alert,) = self.alerts_to("alice@example.org")
        # First seen 33 and 30 minutes before it: neither wait is "the" wait.
        at = self.clock
        self.assertIn(
            f"and a re-check at {at.day} {at:%b %Y, %H:%M} UTC confirmed them", alert.body
        )

    # --- "still open" only names what its reader was told of ------------------------------

    def test_still_open_names_only_problems_its_reader_was_told_of(self) -> None:
        self.observe()
        self.observe(mta="gone")
        self.observe("confirm")  # both are told
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.OFF)
        self.observe(tls="gone")
        self.observe("confirm")  # only alice is told
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.IMMEDIATE)
        self.observe(mta="pass")
        self.assertTrue(self.observe("confirm").recovered)
        (bobs,) = self.fixed_to("bob@example.org")
        self.assertNotIn("TLS-RPT", bobs.body)
        self.assertNotIn("Still open", bobs.body)
        self.assertNotIn("TLS-RPT", self.html(bobs))
        (alices,) = self.fixed_to("alice@example.org")
        self.assertIn(
            "Still open:\n* The TLS-RPT record _smtp._tls.a.test has disappeared", alices.body
        )
        self.assertIn("TLS-RPT record", self.html(alices))

    # --- a "fixed" line names the problem, not its old state as if current ----------------

    def test_a_fixed_line_does_not_say_the_problem_is_still_there(self) -> None:
        self.observe()
        self.observe(mta="gone")
        self.observe("confirm")
        self.observe(mta="pass")
        self.assertTrue(self.observe("confirm").recovered)
        (fixed,) = self.fixed_to("alice@example.org")
        self.assertIn("Fixed: The MTA-STS record _mta-sts.a.test has disappeared", fixed.body)
        # The summary's second sentence ("a.test has no MTA-STS record.") was the state when
        # the problem was found; in a "Good news" email it said the opposite of the news.
        self.assertNotIn("has no MTA-STS record", fixed.body)
        self.assertNotIn("has no MTA-STS record", self.html(fixed))

    def test_a_digest_s_fixed_line_does_not_say_the_problem_is_still_there(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        self.observe()
        self.observe(mta="gone")
        self.observe("confirm")
        told = Notification.make_digest(self.alice, timezone.now())
        assert told is not None
        Notification.objects.filter(pk=told.pk).update(status=Notification.Status.SENT)
        self.observe(mta="pass")
        self.assertTrue(self.observe("confirm").recovered)
        n = Notification.make_digest(self.alice, timezone.now() + timedelta(days=1, minutes=2))
        assert n is not None
        message = build_message(n)
        self.assertIn("Fixed: The MTA-STS record _mta-sts.a.test has disappeared", message.body)
        self.assertNotIn("has no MTA-STS record", message.body)
        self.assertNotIn("has no MTA-STS record", self.html(message))


def test_a_wait_under_a_minute_reads_as_seconds_not_one_minute() -> None:
    assert _later(timedelta(seconds=5)) == "seconds later"
    assert _later(timedelta(seconds=61)) == "1 minute later"
    assert _later(timedelta(minutes=10)) == "10 minutes later"
    assert _later(timedelta(hours=6)) == "6 hours later"
