"""s26a: alerts leftovers.

1. An alert's intro counts what its reader sees: one expired certificate is 2 entries (the
   certificate, its consequences under it; the score), not "5 changes"; a digest's "Fixed"
   tells it as the "fixed" email does, its count with it.
2. A team's extra address removed and added again keeps what its mailbox was told: its first
   digest does not tell again a problem an alert told it, and it hears that problem's fix.
3. The one-click unsubscribe of a digest several teams' rows made stops those rows only, not
   a row whose address is a member's own now (that row's digests were never in the email).
4. The weekly summary's due() loads only the people it is due for, not every person with a
   verified domain every hour.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core import mail
from django.db.models.signals import post_init
from django.test import Client, override_settings
from django.utils import timezone

import tests.test_alerts_s17_blind as s17
import tests.test_alerts_s26_blind as s26_blind
from mailsec.accounts.models import Profile
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Change, Notification, TeamAlertAddress
from mailsec.alerts.tasks import send_digests, send_notification
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts_s11_rsa_flap import RunsTestCase, Server
from tests.test_alerts_s25n import DIGEST, IMMEDIATE, OFF, at, utc


def intro(text: str) -> str:
    """The sentence after "Hello," (text or HTML, tags dropped)."""
    text = re.sub(r"<[^>]+>", "", html.unescape(text))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[lines.index("Hello,") + 1]


# --- 1. the count agrees with the list --------------------------------------------------------


@override_settings(ALERT_DIGEST_HOUR=0)
class CountWhatTheReaderSeesTestCase(RunsTestCase):
    """mx1.a.test's certificate expires under an enforced MTA-STS policy: 5 changes, told as
    2 entries (the certificate with 3 consequences under it; the score)."""

    def test_the_alerts_intro_counts_its_entries(self) -> None:
        self.told_and_confirmed(Server(first="expired", rsa="none"))
        (alert,) = self.alerts()
        self.assertTrue(alert.subject.endswith("(+1 more)"), alert.subject)
        entries = [line for line in alert.body.splitlines() if line.startswith("* ")]
        self.assertEqual(len(entries), 2)
        expected = (
            "The checks of a.test found 2 changes, and a re-check 11 minutes later confirmed them:"
        )
        self.assertEqual(intro(alert.body), expected)
        self.assertEqual(intro(alert.alternatives[0][0]), expected)

    def test_one_entry_with_consequences_is_a_change(self) -> None:
        from mailsec.alerts.emails import _build_message

        confirmed = self.told_and_confirmed(Server(first="expired", rsa="none"))
        # The same email without the score's change: one entry, its consequences under it.
        n = Notification.objects.get(user=self.alice, kind=Notification.Kind.ALERT)
        n.changes.set([c for c in confirmed if c.kind != "score"])
        message = _build_message(n)
        self.assertNotIn("more)", message.subject)
        expected = (
            "The checks of a.test found a change, and a re-check 11 minutes later confirmed it:"
        )
        self.assertEqual(intro(message.body), expected)
        self.assertEqual(intro(message.alternatives[0][0]), expected)

    def test_a_digests_fixed_tells_it_as_the_fixed_email_does(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        self.observe(Server())
        self.observe(Server(first="expired", rsa="none"))
        self.observe(Server(first="expired", rsa="none"), kind="confirm")
        first = Notification.make_digest(self.alice, timezone.now() + timedelta(minutes=1))
        assert first is not None
        # Sent; it covered up to now (the fix below comes after it).
        Notification.objects.filter(pk=first.pk).update(
            status=Notification.Status.SENT, covers_until=timezone.now()
        )
        self.observe(Server(rsa="none"))
        self.observe(Server(rsa="none"), kind="confirm")
        digest = Notification.make_digest(self.alice, timezone.now() + timedelta(days=1))
        assert digest is not None
        message = build_message(digest)
        self.assertEqual(message.subject, "[mailsec] Daily digest: 2 changes on a.test")
        lines = [line.rstrip() for line in message.body.splitlines()]
        fixed = lines[lines.index("Fixed:") :]
        entries = [line for line in fixed if line.startswith("  * ")]
        self.assertEqual(len(entries), 2, message.body)
        self.assertEqual(message.body.count("expired on 2026-11-28"), 1, message.body)
        self.assertIn("    Fixed with it:", fixed)
        page = html.unescape(message.alternatives[0][0])
        self.assertEqual(page.count("expired on 2026-11-28"), 1)
        self.assertIn("Fixed with it:", page)


# --- 2. an address removed and added again ----------------------------------------------------


@override_settings(
    ALERT_DIGEST_HOUR=7,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class AddressRemovedAndAddedAgainTestCase(BaseTestCase):
    """tickets@msp.example gets Acme's alerts at once (alice and bob have theirs off); a.test's
    problem is confirmed at 05:00 on 1 Dec and the alert reaches it. The owner removes the
    address, then adds it again and it is confirmed again."""

    TICKETS = "tickets@msp.example"

    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=utc(2026, 1, 1)
        )
        for user in (self.alice, self.bob):
            AlertSetting.set_mode(user, self.domain, OFF)
        self.add(IMMEDIATE)
        self.problem = Change.objects.create(
            domain=self.domain,
            kind="score",
            key="score:1",
            summary="a.test lost its MTA-STS record.",
            state=Change.State.CONFIRMED,
            created=utc(2026, 12, 1, 4, 45),
            confirmed_at=utc(2026, 12, 1, 5),
        )
        with at(utc(2026, 12, 1, 5)):
            self.send(Notification.queue(self.domain, [self.problem], Notification.Kind.ALERT))
        self.assertEqual(self.told(), ["[mailsec] a.test: a.test lost its MTA-STS record"])

    def add(self, mode: str) -> TeamAlertAddress:
        return TeamAlertAddress.objects.create(
            team=self.team, email=self.TICKETS, mode=mode, confirmed_at=utc(2026, 1, 1)
        )

    def send(self, notifications: list[Notification]) -> None:
        for n in notifications:
            send_notification.apply(args=[str(n.code)])

    def told(self) -> list[str]:
        subjects = [m.subject for m in mail.outbox if m.to == [self.TICKETS]]
        mail.outbox.clear()
        return subjects

    def remove_and_add_again(self, mode: str) -> None:
        TeamAlertAddress.objects.get(email=self.TICKETS).delete()  # views.remove_address
        self.add(mode)

    def test_its_first_digest_does_not_tell_it_again(self) -> None:
        self.remove_and_add_again(DIGEST)
        with at(utc(2026, 12, 1, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        self.send(list(Notification.objects.filter(status=Notification.Status.PENDING)))
        self.assertEqual(self.told(), [])

    def test_it_hears_the_fix(self) -> None:
        self.remove_and_add_again(IMMEDIATE)
        Change.objects.filter(pk=self.problem.pk).update(
            state=Change.State.RECOVERED, recovered_at=utc(2026, 12, 1, 9)
        )
        self.problem.refresh_from_db()
        with self.captureOnCommitCallbacks(execute=False):
            queued = Notification.queue(self.domain, [self.problem], Notification.Kind.RECOVERY)
        self.send(queued)
        self.assertEqual(self.told(), ["[mailsec] a.test: fixed: a.test lost its MTA-STS record"])

    def test_an_alert_still_waiting_goes_with_it(self) -> None:
        # Told nothing: the alert never left (the mail server refused it; a retry was due).
        Notification.objects.filter(kind=Notification.Kind.ALERT).update(
            status=Notification.Status.FAILED,
            handed_over_at=None,
            next_attempt_at=utc(2026, 12, 1, 6),
        )
        TeamAlertAddress.objects.get(email=self.TICKETS).delete()
        self.assertFalse(Notification.objects.filter(to_address=self.TICKETS).exists())
        self.add(DIGEST)
        with at(utc(2026, 12, 1, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        self.send(list(Notification.objects.filter(status=Notification.Status.PENDING)))
        self.assertEqual(self.told(), ["[mailsec] Daily digest: 1 change on a.test"])

    def test_the_team_deleted_keeps_nothing(self) -> None:
        self.team.delete()
        self.assertFalse(Notification.objects.filter(to_address=self.TICKETS).exists())


# --- 3. the mailbox's one-click unsubscribe ---------------------------------------------------


@override_settings(
    ALERT_DIGEST_HOUR=7,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class MailboxUnsubscribeTestCase(BaseTestCase):
    """Acme, Beta and Gamma each added tickets@msp.example for their daily digest; Gamma's
    owner, dave, has that address as his own, so Gamma's row gets nothing as such (dave's own
    settings decide what his mailbox gets). Acme's and Beta's news make one digest."""

    TICKETS = "tickets@msp.example"

    def setUp(self) -> None:
        from mailsec.accounts.models import Team

        self.dave = User.objects.create_user("dave", self.TICKETS)
        gamma = Team.create_for(self.dave)
        Profile.objects.create(user=self.dave, current_team=gamma)
        self.rows = {}
        for team, name, domain in (
            (self.team, "Acme", "a.test"),
            (self.charlies_team, "Beta", "b.test"),
            (gamma, "Gamma", "g.test"),
        ):
            team.name = name
            team.save()
            d = Domain.objects.create(team=team, name=domain, verified_at=utc(2026, 1, 1))
            self.rows[name] = TeamAlertAddress.objects.create(
                team=team, email=self.TICKETS, mode=DIGEST, confirmed_at=utc(2026, 1, 1)
            )
            Change.objects.create(
                domain=d,
                kind="score",
                key="score:1",
                summary=f"{domain} lost its MTA-STS record.",
                state=Change.State.CONFIRMED,
                created=utc(2026, 12, 1, 5, 45),
                confirmed_at=utc(2026, 12, 1, 6),
            )
        self.assertIn(self.TICKETS, {u.email for u in User.objects.filter(memberships__team=gamma)})

    def test_it_stops_the_rows_whose_digest_it_was(self) -> None:
        with at(utc(2026, 12, 1, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        (digest,) = [m for m in mail.outbox if m.subject.startswith("[mailsec] Daily digest")]
        self.assertIn("Acme and Beta, team by team", digest.body)
        self.assertNotIn("g.test", digest.body)
        one_click = digest.extra_headers["List-Unsubscribe"].strip("<>")
        page = Client().post(one_click.replace("https://mailsec.example", ""))
        self.assertNotIn("Gamma", page.content.decode())
        for row in self.rows.values():
            row.refresh_from_db()
        self.assertIsNotNone(self.rows["Acme"].unsubscribed_at)
        self.assertIsNotNone(self.rows["Beta"].unsubscribed_at)
        # Gamma's row was not in it: should dave leave Gamma, its digests are Gamma's to stop.
        self.assertIsNone(self.rows["Gamma"].unsubscribed_at)


# --- 4. the weekly summary's due() -------------------------------------------------------------


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklyDueIsBoundedTestCase(BaseTestCase):
    """40 people with a verified domain, in 4 zones, whose summary of this week (Monday 30 Nov
    2026 where they are) was made already; then one in Tokyo whose summary is not."""

    ZONES = ("UTC", "Asia/Tokyo", "Pacific/Honolulu", "Europe/Berlin")

    def setUp(self) -> None:
        from mailsec.accounts.models import Team

        User.objects.update(date_joined=utc(2026, 9, 1))
        self.people = []
        for i in range(40):
            user = User.objects.create_user(f"p{i}", f"p{i}@example.org")
            User.objects.filter(pk=user.pk).update(date_joined=utc(2026, 9, 1))
            team = Team.create_for(user)
            Profile.objects.create(user=user, current_team=team, time_zone=self.ZONES[i % 4])
            Domain.objects.create(team=team, name=f"p{i}.test", verified_at=utc(2026, 9, 1))
            Notification.objects.create(
                user=user,
                kind="weekly",
                status="sent",
                to_address=user.email,
                digest_day=datetime(2026, 11, 30).date(),
                covers_until=utc(2026, 11, 29, 22),
            )
            self.people.append(user)

    def loaded_users(self, moment: datetime) -> tuple[list[str], int]:
        """who due(moment) returns, and how many User rows it read to find them."""
        from mailsec.alerts.weekly import due

        seen = []

        def count(sender: type[User], instance: User, **kw: object) -> None:
            seen.append(instance)

        post_init.connect(count, sender=User)
        try:
            people = due(moment)
        finally:
            post_init.disconnect(count, sender=User)
        return [u.username for u in people], len(seen)

    def test_it_reads_only_the_people_it_is_due_for(self) -> None:
        # Monday 30 Nov, 18:17 UTC: Monday's hour has passed in all four zones.
        moment = utc(2026, 11, 30, 18, 17)
        self.assertEqual(self.loaded_users(moment), ([], 0))
        Notification.objects.filter(user=self.people[1]).delete()  # p1 reads Tokyo
        self.assertEqual(self.loaded_users(moment), (["p1"], 1))
        # However many people there are, the same few queries.
        from mailsec.alerts.weekly import due

        with self.assertNumQueries(2):
            due(moment)


# --- 5. a release whose first check finds a record gone (blind round W03) --------------------


def _tls_rpt_judged(status: str) -> Any:
    """s17's result_for, with TLSRPT-01 judged `status` though its lookup still answers with
    the record (a release whose checks read the same record differently)."""

    result_for = s17.result_for

    def wrapper(domain: str, world: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = result_for(domain, world, *args, **kwargs)
        if world.get("judged"):
            for f in result["findings"]:
                if f["id"] == "TLSRPT-01":
                    f["status"] = status
        return result

    return wrapper


class ReleaseWithARecordGoneTestCase(s26_blind.S26aBlindSequencesTestCase):
    """The round's player (tests/test_alerts_s26_blind.py): a release (a new score version)
    whose first check is also the first to see the TLS-RPT record gone."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def told(self, steps: list[list[Any]]) -> list[tuple[str, str]]:
        return sorted((to, kind) for to, kind, _, _ in self.play({"steps": steps}))

    def test_the_record_gone_is_told(self) -> None:
        old, gone = ["run", "old-good", "s"], {"rpt": "gone"}
        steps = [old, old, ["run", gone, "s"], ["run", gone, "c"], ["run", gone, "s"]]
        got = self.play({"steps": steps})
        self.assertEqual(
            sorted((to, kind) for to, kind, _, _ in got), [("alice", "alert"), ("bob", "alert")]
        )
        self.assertTrue(all("TLS-RPT record" in subject for _, _, subject, _ in got), got)

    def test_a_record_the_new_checks_judge_otherwise_is_not(self) -> None:
        # The record is still in the DNS; the new release's checks fail it: no alert of the
        # release's own (docs/scoring.md), then the reference.

        old, judged = ["run", "old-good", "s"], {"judged": True}
        steps = [old, old, ["run", judged, "s"], ["run", judged, "c"], ["run", judged, "s"]]
        with mock.patch.object(s17, "result_for", _tls_rpt_judged("fail")):
            self.assertEqual(self.told(steps), [])
