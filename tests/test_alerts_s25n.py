"""s25n: alerts leftovers.

1. The weekly summary goes at ALERT_DIGEST_HOUR on Monday in its reader's own zone, about
   their local week.
2. Leaving the digest for "email at once" tells what the next digest owed: the same window as
   that digest (make_digest with the hourly task's `until`), in any zone and at day edges.
3. A domain removed and added again whose problem was told hears, once, that it was fixed.
4. An address that two teams added for their digests gets one digest a day, by team.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

from django.contrib.auth.models import User
from django.test import override_settings

from mailsec.accounts.models import Profile
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.alerts.tasks import send_digests
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

DIGEST, IMMEDIATE, OFF = (
    AlertSetting.Mode.DIGEST,
    AlertSetting.Mode.IMMEDIATE,
    AlertSetting.Mode.OFF,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def at(moment: datetime) -> mock._patch:  # type: ignore[type-arg]
    return mock.patch("django.utils.timezone.now", return_value=moment)


# --- 2. what the digest owed -----------------------------------------------------------------


@override_settings(ALERT_DIGEST_HOUR=7)
class DigestOwedTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=utc(2026, 1, 1)
        )
        self.n = 0

    def set_zone(self, name: str) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone=name)
        self.alice = User.objects.get(pk=self.alice.pk)  # as a request reads her

    def confirm(self, moment: datetime) -> Change:
        self.n += 1
        return Change.objects.create(
            domain=self.domain,
            kind="score",
            key=f"score:{self.n}",
            summary=f"Problem {self.n}.",
            state=Change.State.CONFIRMED,
            created=moment - timedelta(minutes=15),
            confirmed_at=moment,
        )

    def switch(self, moment: datetime, mode: str) -> None:
        with at(moment), self.captureOnCommitCallbacks(execute=False):
            AlertSetting.set_mode(self.alice, self.domain, mode)

    def beat(self, moment: datetime) -> None:
        with at(moment), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        Notification.objects.filter(kind="digest", status="pending").update(status="sent")

    def told_at_once(self) -> list[str]:
        return sorted(
            c.summary
            for n in Notification.objects.filter(user=self.alice, kind="alert")
            for c in n.changes.all()
        )

    def digest_would_tell(self, moment: datetime) -> list[str]:
        """What the hourly run at `moment` puts in alice's digest, had she stayed on it
        (made in a savepoint that is rolled back)."""
        from django.db import transaction

        sid = transaction.savepoint()
        with at(moment), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        rows = Notification.objects.filter(user=self.alice, kind="digest", status="pending")
        told = sorted(c.summary for n in rows for c in n.changes.all())
        transaction.savepoint_rollback(sid)
        return told

    def check_zone(self, zone: str, hour_utc: datetime) -> None:
        """`hour_utc`: 07:00 of a local day in `zone`, in UTC. No digest was ever made for
        alice (nothing to tell at yesterday's hour); a problem comes 5 minutes after
        yesterday's hour, and she leaves the digest at 07:10, before the hourly run of :17."""
        self.set_zone(zone)
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        self.confirm(hour_utc - timedelta(days=1) + timedelta(minutes=5))
        self.assertEqual(self.digest_would_tell(hour_utc + timedelta(minutes=17)), ["Problem 1."])
        self.switch(hour_utc + timedelta(minutes=10), IMMEDIATE)
        self.assertEqual(self.told_at_once(), ["Problem 1."])

    def test_a_day_too_little_east_of_utc(self) -> None:
        # 2 Dec 07:00 at UTC+14 is 1 Dec 17:00 UTC.
        self.check_zone("Pacific/Kiritimati", utc(2026, 12, 1, 17))

    def test_a_day_too_little_west_of_utc(self) -> None:
        # 1 Dec 07:00 at UTC-11 is 1 Dec 18:00 UTC.
        self.check_zone("Pacific/Pago_Pago", utc(2026, 12, 1, 18))

    def test_a_day_too_little_across_a_dst_change(self) -> None:
        # Berlin, 25 Oct 2026: the clocks go back, so the digest of that day covers 25 hours,
        # from 24 Oct 07:00 CEST (05:00 UTC) to 25 Oct 07:00 CET (06:00 UTC).
        self.set_zone("Europe/Berlin")
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        self.confirm(utc(2026, 10, 24, 5, 30))  # 24 Oct 07:30 CEST, after that day's hour
        self.assertEqual(self.digest_would_tell(utc(2026, 10, 25, 6, 17)), ["Problem 1."])
        self.switch(utc(2026, 10, 25, 6, 10), IMMEDIATE)
        self.assertEqual(self.told_at_once(), ["Problem 1."])

    def test_not_a_day_too_far(self) -> None:
        # At UTC-11. Alice had "No emails" for a.test on 1 Dec; a problem came at 06:30 there,
        # before that day's hour, so the digest of 2 Dec (from 1 Dec 07:00) never owed it. She
        # takes the digest at 01:00 on 2 Dec and leaves it at 06:00, before its hour: the
        # digest she left owed the problem of 08:00 on 1 Dec (it begins at the day before's
        # hour), not the one of 06:30 (24 hours back from 06:00 took it in).
        self.set_zone("Pacific/Pago_Pago")
        AlertSetting.set_mode(self.alice, self.domain, OFF)
        self.confirm(utc(2026, 12, 1, 17, 30))  # 1 Dec 06:30 there
        self.confirm(utc(2026, 12, 1, 19))  # 1 Dec 08:00 there
        self.switch(utc(2026, 12, 2, 12), DIGEST)  # 2 Dec 01:00 there
        self.assertEqual(self.digest_would_tell(utc(2026, 12, 2, 18, 17)), ["Problem 2."])
        self.switch(utc(2026, 12, 2, 17), IMMEDIATE)  # 2 Dec 06:00 there
        self.assertEqual(self.told_at_once(), ["Problem 2."])

    def test_after_a_digest_the_window_starts_at_its_hour(self) -> None:
        # At UTC-11 with a digest told at 1 Dec 07:00 there: a problem at 06:59 was in it,
        # one at 07:01 is owed (the :17 run told only up to the hour).
        self.set_zone("Pacific/Pago_Pago")
        AlertSetting.set_mode(self.alice, self.domain, DIGEST)
        self.confirm(utc(2026, 12, 1, 17, 59))
        self.confirm(utc(2026, 12, 1, 18, 1))
        self.beat(utc(2026, 12, 1, 18, 17))
        self.switch(utc(2026, 12, 2, 3), IMMEDIATE)
        self.assertEqual(self.told_at_once(), ["Problem 2."])


# --- 1. the weekly summary in the reader's zone -----------------------------------------------


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklyInTheReadersZoneTestCase(BaseTestCase):
    """Monday 30 Nov 2026. alice reads Asia/Tokyo (UTC+9), bob UTC, charlie Pacific/Honolulu
    (UTC-10); each has a verified domain and last week's summary (23 Nov) made already."""

    def setUp(self) -> None:
        User.objects.update(date_joined=utc(2026, 9, 1))
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=utc(2026, 9, 1), last_score=90
        )
        Domain.objects.create(
            team=self.charlies_team, name="c.test", verified_at=utc(2026, 9, 1), last_score=90
        )
        Profile.objects.filter(user=self.alice).update(time_zone="Asia/Tokyo")
        Profile.objects.filter(user=self.charlie).update(time_zone="Pacific/Honolulu")
        for user in (self.alice, self.bob, self.charlie):
            Notification.objects.create(
                user=user,
                kind="weekly",
                status="sent",
                to_address=user.email,
                digest_day=datetime(2026, 11, 23).date(),
                covers_until=utc(2026, 11, 23, 7),
            )

    def beats(self, start: datetime, hours: int) -> list[tuple[str, datetime]]:
        """Hourly runs at :17 from `start`: who got a summary made at which run."""
        from mailsec.alerts.tasks import send_weekly_summaries

        made = []
        for i in range(hours):
            moment = start + timedelta(hours=i, minutes=17)
            before = set(Notification.objects.filter(kind="weekly").values_list("pk", flat=True))
            with at(moment), mock.patch("mailsec.alerts.tasks.enqueue_send"):
                send_weekly_summaries.apply().get()
            for n in Notification.objects.filter(kind="weekly").exclude(pk__in=before):
                made.append((n.user.username, moment))
        return made

    def test_each_gets_it_at_7_on_their_own_monday(self) -> None:
        made = self.beats(utc(2026, 11, 29, 0), 48)
        self.assertEqual(
            made,
            [
                ("alice", utc(2026, 11, 29, 22, 17)),  # Mon 07:17 in Tokyo
                ("bob", utc(2026, 11, 30, 7, 17)),
                ("charlie", utc(2026, 11, 30, 17, 17)),  # Mon 07:17 in Honolulu
            ],
        )
        days = set(Notification.objects.filter(kind="weekly").values_list("digest_day", flat=True))
        self.assertEqual(days, {datetime(2026, 11, 23).date(), datetime(2026, 11, 30).date()})

    def test_moving_west_after_it_sends_no_second_one(self) -> None:
        self.beats(utc(2026, 11, 29, 22), 1)  # alice's, in Tokyo
        Profile.objects.filter(user=self.alice).update(time_zone="Pacific/Honolulu")
        made = self.beats(utc(2026, 11, 29, 23), 48)
        self.assertEqual([who for who, _ in made], ["bob", "charlie"])

    def test_its_week_is_the_readers_week_of_report_days_that_have_ended(self) -> None:
        from mailsec.alerts import emails
        from reports.models import ReportAddress, TlsReport

        address = ReportAddress.objects.create(domain=self.domain, domain_name="a.test")
        for day, sessions in ((22, 1), (23, 10), (29, 100), (30, 1000)):
            start = utc(2026, 11, day)
            TlsReport.objects.create(
                address=address,
                organization_name="Google",
                submitter="google.com",
                report_id=f"r{day}",
                start=start,
                end=start + timedelta(days=1),
                # Stored within the next day, as senders send a day's report (s37c: a summary
                # counts the reports stored by the time it was made).
                created=start + timedelta(days=1, hours=1),
                day=start.date(),
                total_successful=sessions,
                total_failed=0,
            )
        Profile.objects.filter(user=self.bob).update(time_zone="Pacific/Honolulu")
        # Her previous summary went at 07:17 on Monday 23 Nov in Tokyo (setUp's 07:00 UTC is
        # a UTC reader's): since s35x the report days start where the previous one's ended.
        Notification.objects.filter(user=self.alice, kind="weekly").update(
            covers_until=utc(2026, 11, 22, 22, 17)
        )
        self.beats(utc(2026, 11, 29, 22), 20)  # alice's (Tokyo), then bob's (Honolulu)
        bodies = {}
        for n in Notification.objects.filter(kind="weekly", digest_day__day=30):
            bodies[n.user.username] = str(emails.build_message(n).body)
        # At 07:00 on Monday in Tokyo, Sunday 29 Nov has not ended in UTC: no report of it
        # can exist yet, so her week of report days is the last seven that have ended.
        self.assertIn("last week (Sun 22 Nov to Sat 28 Nov 2026, UTC)", bodies["alice"])
        self.assertIn("11 sessions", bodies["alice"])
        # In Honolulu, Monday 07:00 is 17:00 UTC: his Monday to Sunday.
        self.assertIn("last week (Mon 23 Nov to Sun 29 Nov 2026, UTC)", bodies["bob"])
        self.assertIn("110 sessions", bodies["bob"])


# --- 3. a domain removed and added again ------------------------------------------------------


@override_settings(
    ALERT_CONFIRM_DELAY=600,
    ALERT_SCORE_DROP=10,
    ALERT_DIGEST_HOUR=0,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class RemovedAndAddedAgainTestCase(BaseTestCase):
    """a.test loses its MTA-STS record; alice and bob are told. Then a.test is removed from
    the team and added (and verified) again."""

    def setUp(self) -> None:
        from tests.test_alerts_s9_model import START, World

        self.domain = self.add()
        self.clock = START
        self.world = World()
        self.observe()
        self.observe(mta="gone")
        self.assertTrue(self.observe("confirm").confirmed)
        self.assertEqual(sorted(m.to[0] for m in self.problem_emails()), self.told)

    told = ["alice@example.org", "bob@example.org"]

    def add(self) -> Domain:
        from django.utils import timezone

        return Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())

    def observe(self, kind: str = "scheduled", **changes: object) -> object:
        from mailsec.alerts.models import AlertState
        from mailsec.alerts.tasks import send_notification
        from tests.test_alerts_s9_model import store_run

        for name, value in changes.items():
            setattr(self.world, name, value)
        self.clock += timedelta(minutes=11)
        run = store_run(self.domain, self.world.result(), kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    def problem_emails(self) -> list[object]:
        from django.core import mail

        return [m for m in mail.outbox if "fixed" not in m.subject.lower()]

    def fixed_emails(self) -> list[object]:
        from django.core import mail

        return [m for m in mail.outbox if ": fixed: " in m.subject]

    def remove_and_add_again(self) -> None:
        from django.core import mail

        self.domain.delete()
        mail.outbox.clear()
        self.domain = self.add()

    def test_still_broken_when_added_again_then_fixed(self) -> None:
        self.remove_and_add_again()
        self.observe()  # the first run of the domain added again: the problem is still there
        self.observe()
        self.assertEqual(self.problem_emails(), [])  # no second problem alert
        self.observe(mta="pass")
        self.assertTrue(self.observe("confirm").recovered)
        self.assertEqual(sorted(m.to[0] for m in self.fixed_emails()), self.told)
        self.observe()
        self.observe(mta="gone")  # it breaking again is news again, once
        self.observe("confirm")
        self.assertEqual(sorted(m.to[0] for m in self.problem_emails()), self.told)

    def test_fixed_while_it_was_away(self) -> None:
        self.remove_and_add_again()
        self.world.mta = "pass"
        self.observe()  # the first run sees it fixed: told once a re-check agrees
        self.assertEqual(self.fixed_emails(), [])
        self.assertTrue(self.observe("confirm").recovered)
        self.assertEqual(sorted(m.to[0] for m in self.fixed_emails()), self.told)
        self.observe()
        self.assertEqual(len(self.fixed_emails()), 2)
        self.assertEqual(self.problem_emails(), [])

    def test_only_to_whoever_was_told(self) -> None:
        from mailsec.accounts.models import Membership

        self.domain.delete()
        Membership.objects.filter(team=self.team, user=self.bob).delete()
        Membership.objects.create(team=self.team, user=self.charlie)  # never told
        self.domain = self.add()
        self.world.mta = "pass"
        self.observe()
        self.observe("confirm")
        self.assertEqual([m.to[0] for m in self.fixed_emails()], ["alice@example.org"])

    def test_not_when_another_team_adds_it(self) -> None:
        from django.utils import timezone

        self.domain.delete()
        self.domain = Domain.objects.create(
            team=self.charlies_team, name="a.test", verified_at=timezone.now()
        )
        self.world.mta = "pass"
        self.observe()
        self.observe("confirm")
        self.assertEqual(self.fixed_emails(), [])

    def test_removed_twice(self) -> None:
        self.remove_and_add_again()
        self.observe()
        self.remove_and_add_again()
        self.world.mta = "pass"
        self.observe()
        self.observe("confirm")
        self.assertEqual(sorted(m.to[0] for m in self.fixed_emails()), self.told)
        self.assertEqual(self.problem_emails(), [])

    def test_a_teams_address_that_was_told(self) -> None:
        from django.core import mail

        from mailsec.alerts.models import TeamAlertAddress

        address = TeamAlertAddress.objects.create(
            team=self.team, email="tickets@msp.example", confirmed_at=self.clock
        )
        self.observe(mta="pass")
        self.observe("confirm")
        self.observe(mta="gone")
        self.observe("confirm")  # told to the address too
        self.remove_and_add_again()
        self.world.mta = "pass"
        self.observe()
        self.observe("confirm")
        fixed = sorted(m.to[0] for m in self.fixed_emails())
        self.assertEqual(fixed, sorted([*self.told, address.email]))
        self.assertEqual(len(mail.outbox), 3)

    def test_deleting_the_team_keeps_nothing(self) -> None:
        from mailsec.alerts.models import RemovedProblem

        self.team.delete()
        self.assertFalse(RemovedProblem.objects.exists())


# --- 4. one address, two teams: one digest -----------------------------------------------------


@override_settings(
    ALERT_DIGEST_HOUR=7,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class OneMailboxTwoTeamsTestCase(BaseTestCase):
    """alice's team "Acme" and charlie's team "Beta" each added tickets@msp.example for a daily
    digest; each has a domain with a problem confirmed before 07:00 UTC."""

    TICKETS = "tickets@msp.example"

    def setUp(self) -> None:
        from mailsec.alerts.models import TeamAlertAddress

        self.team.name, self.charlies_team.name = "Acme", "Beta"
        self.team.save()
        self.charlies_team.save()
        self.rows = {}
        self.domains = {}
        for team, name in ((self.team, "a.test"), (self.charlies_team, "b.test")):
            domain = Domain.objects.create(team=team, name=name, verified_at=utc(2026, 1, 1))
            self.domains[name] = domain
            self.rows[team.name] = TeamAlertAddress.objects.create(
                team=team, email=self.TICKETS, mode=DIGEST, confirmed_at=utc(2026, 1, 1)
            )
            for user in team.memberships.values_list("user", flat=True):
                AlertSetting.set_mode(User.objects.get(pk=user), domain, OFF)
        self.problem(self.domains["a.test"], "a.test lost its MTA-STS record.")
        self.problem(self.domains["b.test"], "b.test lost its TLS-RPT record.")

    def problem(self, domain: Domain, summary: str, moment: datetime | None = None) -> Change:
        moment = moment or utc(2026, 12, 1, 6)
        return Change.objects.create(
            domain=domain,
            kind="score",
            key=f"score:{summary}",
            summary=summary,
            state=Change.State.CONFIRMED,
            created=moment - timedelta(minutes=15),
            confirmed_at=moment,
        )

    def run_digests(self, moment: datetime) -> list[object]:
        from django.core import mail

        from mailsec.alerts.tasks import send_notification

        mail.outbox.clear()
        with at(moment), self.captureOnCommitCallbacks(execute=True):
            send_digests.apply().get()
        for n in Notification.objects.filter(status="pending"):
            send_notification.apply(args=[str(n.code)])
        return [m for m in mail.outbox if m.to == [self.TICKETS]]

    def test_one_digest_a_day_by_team(self) -> None:
        sent = self.run_digests(utc(2026, 12, 1, 7, 17))
        self.assertEqual(len(sent), 1)
        body = str(sent[0].body)
        # Sectioned by team, each with its own domains and who added the address.
        self.assertIn("changed on the domains of Acme and Beta, team by team,", body)
        acme, beta = body.index("== Acme =="), body.index("== Beta ==")
        self.assertLess(acme, body.index("a.test lost its MTA-STS record."))
        self.assertLess(body.index("a.test lost its MTA-STS record."), beta)
        self.assertLess(beta, body.index("b.test lost its TLS-RPT record."))
        self.assertIn("Acme added this address", body)
        self.assertIn("Beta added this address", body)
        html = str(sent[0].alternatives[0][0])  # type: ignore[attr-defined]
        self.assertIn("Beta", html)
        self.assertIn("b.test lost its TLS-RPT record.", html)
        # The next run of the day makes nothing more; tomorrow's tells what came since.
        self.assertEqual(self.run_digests(utc(2026, 12, 1, 8, 17)), [])
        self.problem(self.domains["b.test"], "b.test lost DMARC.", utc(2026, 12, 1, 9))
        sent = self.run_digests(utc(2026, 12, 2, 7, 17))
        self.assertEqual(len(sent), 1)
        self.assertIn("b.test lost DMARC.", str(sent[0].body))
        self.assertNotIn("MTA-STS record.", str(sent[0].body).split("Not fixed yet")[0])

    def test_a_fix_is_told_in_it_to_the_mailbox_that_was_told(self) -> None:
        self.run_digests(utc(2026, 12, 1, 7, 17))
        Change.objects.filter(domain=self.domains["b.test"]).update(
            state=Change.State.RECOVERED, recovered_at=utc(2026, 12, 1, 12)
        )
        sent = self.run_digests(utc(2026, 12, 2, 7, 17))
        self.assertEqual(len(sent), 1)
        body = str(sent[0].body)
        self.assertIn("Fixed", body)
        self.assertIn("b.test", body)

    def test_its_one_click_stops_both_and_each_team_can_be_stopped_alone(self) -> None:
        from django.test import Client

        sent = self.run_digests(utc(2026, 12, 1, 7, 17))
        one_click = sent[0].extra_headers["List-Unsubscribe"].strip("<>")  # type: ignore[attr-defined]
        links = [line for line in str(sent[0].body).splitlines() if "/unsubscribe/" in line]
        self.assertEqual(len(links), 3)  # a link per team, and one for both
        self.assertIn(one_click, links[-1])
        beta_only = [line for line in links if "Stop Beta's" in line][0].split(": ")[-1]
        Client().post(beta_only.replace("https://mailsec.example", ""))
        for row in self.rows.values():
            row.refresh_from_db()
        self.assertIsNone(self.rows["Acme"].unsubscribed_at)
        self.assertIsNotNone(self.rows["Beta"].unsubscribed_at)
        Client().post(one_click.replace("https://mailsec.example", ""))
        self.rows["Acme"].refresh_from_db()
        self.assertIsNotNone(self.rows["Acme"].unsubscribed_at)

    def test_a_team_muting_a_domain_or_leaving_the_digest_keeps_to_its_own(self) -> None:
        from mailsec.alerts.models import TeamAlertAddress

        self.rows["Beta"].muted_domains.add(self.domains["b.test"])
        sent = self.run_digests(utc(2026, 12, 1, 7, 17))
        self.assertEqual(len(sent), 1)
        self.assertNotIn("b.test", str(sent[0].body))
        self.assertNotIn("Beta", str(sent[0].body))
        TeamAlertAddress.objects.filter(pk=self.rows["Acme"].pk).update(mode=IMMEDIATE)
        self.rows["Beta"].muted_domains.clear()
        self.problem(self.domains["a.test"], "a.test: another.", utc(2026, 12, 1, 9))
        self.problem(self.domains["b.test"], "b.test: another.", utc(2026, 12, 1, 9))
        sent = self.run_digests(utc(2026, 12, 2, 7, 17))
        self.assertEqual(len(sent), 1)
        self.assertIn("b.test: another.", str(sent[0].body))
        self.assertNotIn("a.test", str(sent[0].body))

    def test_one_team_stopping_before_it_is_sent_leaves_the_others_news(self) -> None:
        from django.core import mail

        from mailsec.alerts.models import TeamAlertAddress
        from mailsec.alerts.tasks import send_notification

        with at(utc(2026, 12, 1, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        n = Notification.objects.get(kind="digest")
        TeamAlertAddress.objects.filter(pk=n.team_address_id).update(
            unsubscribed_at=utc(2026, 12, 1, 7, 18)
        )
        send_notification.apply(args=[str(n.code)])
        [sent] = [m for m in mail.outbox if m.to == [self.TICKETS]]
        body = str(sent.body)
        stopped = "Acme" if n.team_address_id == self.rows["Acme"].pk else "Beta"
        kept = "Beta" if stopped == "Acme" else "Acme"
        self.assertIn(f"{kept} added this address", body)
        self.assertNotIn(stopped, body)


# --- 5. TLS-RPT alerts: the same controls as any alert -----------------------------------------


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class ReportAlertControlsTestCase(BaseTestCase):
    """There is no per-problem dismiss or mute on the alerts page for any alert (it lists
    recent changes, and mutes by domain); a TLS-RPT problem is listed and muted as the
    others are."""

    def test_listed_and_stopped_by_domain_as_any_alert(self) -> None:
        from django.core import mail
        from django.test import Client
        from django.utils import timezone

        from mailsec.alerts import emails
        from mailsec.alerts.tasks import send_notification
        from reports.alerts import KIND_NEW_TYPE

        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        change = Change.objects.create(
            domain=domain,
            kind=KIND_NEW_TYPE,
            key="tlsrpt-new-type:certificate-expired",
            summary="Senders report certificate-expired.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        self.client.force_login(self.alice)
        page = self.client.get("/alerts/").content.decode()
        self.assertIn("Senders report certificate-expired.", page)
        with self.captureOnCommitCallbacks(execute=False):
            [n, _] = Notification.queue(domain, [change], Notification.Kind.ALERT)
        self.assertEqual(n.user, self.alice)
        message = emails.build_message(n)
        one_click = message.extra_headers["List-Unsubscribe"].strip("<>")
        Client().post(one_click.replace("https://mailsec.example", ""))
        self.assertEqual(AlertSetting.mode_for(self.alice, domain), OFF)
        send_notification.apply(args=[str(n.code)])
        self.assertEqual([m.to for m in mail.outbox], [])  # stopped before it went
        with self.captureOnCommitCallbacks(execute=False):
            later = Notification.queue(domain, [change], Notification.Kind.ALERT)
        self.assertEqual([x.user for x in later], [self.bob])


# --- noticed on the way: taking the digest after an alert -------------------------------------


@override_settings(ALERT_DIGEST_HOUR=7)
class DigestAfterAnAlertTestCase(BaseTestCase):
    def test_the_digest_does_not_tell_again_what_an_alert_told(self) -> None:
        # Alice is emailed at once about a problem at 10:00, takes the digest at 12:00: the
        # next digest (from yesterday's 07:00) told it again as a new problem.
        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=utc(2026, 1, 1))
        told, later = (
            Change.objects.create(
                domain=domain,
                kind="score",
                key=f"score:{i}",
                summary=f"Problem {i}.",
                state=Change.State.CONFIRMED,
                created=moment - timedelta(minutes=15),
                confirmed_at=moment,
            )
            for i, moment in ((1, utc(2026, 12, 1, 10)), (2, utc(2026, 12, 1, 13)))
        )
        with self.captureOnCommitCallbacks(execute=False):
            alerts = Notification.queue(domain, [told], Notification.Kind.ALERT)
        Notification.objects.filter(pk__in=[n.pk for n in alerts]).update(status="sent")
        with at(utc(2026, 12, 1, 12)):
            AlertSetting.set_mode(self.alice, domain, DIGEST)
        with at(utc(2026, 12, 2, 7, 17)), mock.patch("mailsec.alerts.tasks.enqueue_send"):
            send_digests.apply().get()
        digest = Notification.objects.get(user=self.alice, kind="digest")
        self.assertEqual(list(digest.changes.all()), [later])
