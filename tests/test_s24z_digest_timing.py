"""s24z: the daily digest goes at ALERT_DIGEST_HOUR in each reader's own time zone
(Profile.time_zone), once per local day: across DST changes, after a beat outage, at UTC+14
and UTC-11, and when the reader moves their zone after today's digest.

The beat runs send_digests hourly (settings.CELERY_BEAT_SCHEDULE, an interval, so at any
minute past the hour): these tests drive it at :17 past each hour, with something new to tell
before the hour of each run (a digest tells what came up to its hour: s24d), and look at which
runs made a digest and for which day.

s24d: a digest tells what was confirmed or fixed up to the day's hour; what comes after it
waits for the next day's digest (s24a U14, U15: when nothing was to tell at 07:00, the day's
first change after it went out within the hour), also when the beat was down at the hour."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.test import override_settings

from mailsec.accounts.models import Profile
from mailsec.alerts.models import AlertSetting, Change, Notification, TeamAlertAddress
from mailsec.alerts.tasks import send_digests
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@override_settings(ALERT_DIGEST_HOUR=7)
class DigestTimingTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=utc(2026, 1, 1)
        )
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        self.beats = 0

    def set_zone(self, name: str) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone=name)

    def confirm(self, at: datetime) -> Change:
        """A change confirmed at `at`."""
        self.beats += 1
        return Change.objects.create(
            domain=self.domain,
            kind="score",
            key=f"score:{self.beats}",
            summary="The score dropped.",
            state=Change.State.CONFIRMED,
            created=at - timedelta(minutes=15),
            confirmed_at=at,
        )

    def beat(self, at: datetime, change: bool = True) -> int:
        """One run of the hourly task at `at` (:17 past an hour), after a change confirmed
        20 minutes before: before the hour this run falls in, so a digest due at that hour
        tells it (one confirmed after the hour waits for the next day's)."""
        if change:
            self.confirm(at - timedelta(minutes=20))
        with (
            mock.patch("django.utils.timezone.now", return_value=at),
            mock.patch("mailsec.alerts.tasks.enqueue_send"),
        ):
            made = send_digests.apply().get()
        # Sent: the next digest tells what came since this one.
        Notification.objects.filter(kind="digest", status="pending").update(
            status="sent", sent_at=at
        )
        return made

    def run_hourly(self, start: datetime, hours: int, skip: range = range(0)) -> list[datetime]:
        """Beats at :17 from `start` on, for `hours` hours (but the ones in `skip`, counted
        from 0: the beat was down); the moments at which a digest was made."""
        made = []
        for i in range(hours):
            if i in skip:
                continue
            at = start + timedelta(hours=i, minutes=17)
            if self.beat(at):
                made.append(at)
        return made

    def digests(self) -> list[tuple[date, datetime]]:
        rows = Notification.objects.filter(user=self.alice, kind="digest").order_by("created")
        return [(n.digest_day, n.covers_until) for n in rows]

    # --- UTC+14 and UTC-11 -------------------------------------------------------------------

    def test_at_utc_plus_14_the_digest_goes_at_7_local_the_day_before_in_utc(self) -> None:
        self.set_zone("Pacific/Kiritimati")  # UTC+14, no DST
        # 1 Dec 16:17 UTC is 2 Dec 06:17 there: not yet; 17:17 UTC is 07:17 on 2 Dec.
        made = self.run_hourly(utc(2026, 12, 1, 12), 30)
        self.assertEqual(made, [utc(2026, 12, 1, 17, 17), utc(2026, 12, 2, 17, 17)])
        self.assertEqual([day for day, _ in self.digests()], [date(2026, 12, 2), date(2026, 12, 3)])

    def test_at_utc_minus_11_the_digest_goes_at_7_local_the_evening_in_utc(self) -> None:
        self.set_zone("Pacific/Pago_Pago")  # UTC-11, no DST
        # 1 Dec 17:17 UTC is 06:17 on 1 Dec there; 18:17 UTC is 07:17.
        made = self.run_hourly(utc(2026, 12, 1, 12), 30)
        self.assertEqual(made, [utc(2026, 12, 1, 18, 17)])
        self.assertEqual(self.digests()[0][0], date(2026, 12, 1))
        self.assertEqual(self.beat(utc(2026, 12, 2, 18, 17)), 1)  # 2 Dec 07:17 there
        self.assertEqual(self.digests()[1][0], date(2026, 12, 2))

    def test_someone_on_utc_gets_it_at_7_utc_as_before(self) -> None:
        made = self.run_hourly(utc(2026, 12, 1, 0), 48)
        self.assertEqual(made, [utc(2026, 12, 1, 7, 17), utc(2026, 12, 2, 7, 17)])

    def test_each_reader_goes_by_their_own_zone(self) -> None:
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.DIGEST)  # bob: UTC
        self.set_zone("Asia/Tokyo")  # UTC+9: 07:00 there is 22:00 UTC the day before
        self.confirm(utc(2026, 12, 1, 6))  # before bob's 07:00 of 1 Dec
        self.assertEqual(self.beat(utc(2026, 12, 1, 21, 17)), 1)  # bob's of 1 Dec, late
        self.assertEqual(self.beat(utc(2026, 12, 1, 22, 17)), 1)  # alice's of 2 Dec
        self.assertEqual(self.beat(utc(2026, 12, 2, 6, 17)), 0)
        self.assertEqual(self.beat(utc(2026, 12, 2, 7, 17)), 1)  # bob's of 2 Dec
        rows = Notification.objects.filter(kind="digest").order_by("created")
        self.assertEqual(
            [(n.user, n.digest_day) for n in rows],
            [
                (self.bob, date(2026, 12, 1)),
                (self.alice, date(2026, 12, 2)),
                (self.bob, date(2026, 12, 2)),
            ],
        )

    def test_a_teams_extra_address_goes_by_utc(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.OFF)
        TeamAlertAddress.objects.create(
            team=self.team,
            email="tickets@msp.example",
            mode=AlertSetting.Mode.DIGEST,
            confirmed_at=utc(2026, 1, 1),
        )
        made = self.run_hourly(utc(2026, 12, 1, 0), 24)
        self.assertEqual(made, [utc(2026, 12, 1, 7, 17)])

    # --- DST changes -------------------------------------------------------------------------

    def test_once_a_local_day_at_7_across_the_autumn_change(self) -> None:
        self.set_zone("Europe/Berlin")  # 25 Oct 2026: 03:00 CEST becomes 02:00 CET
        made = self.run_hourly(utc(2026, 10, 23, 22), 24 * 4)
        # 07:17 local each day: 05:17 UTC in summer time, 06:17 UTC after the change.
        self.assertEqual(
            made,
            [
                utc(2026, 10, 24, 5, 17),
                utc(2026, 10, 25, 6, 17),
                utc(2026, 10, 26, 6, 17),
                utc(2026, 10, 27, 6, 17),
            ],
        )
        self.assertEqual(
            [day for day, _ in self.digests()],
            [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26), date(2026, 10, 27)],
        )

    def test_once_a_local_day_at_7_across_the_spring_change(self) -> None:
        self.set_zone("America/New_York")  # 8 Mar 2026: 02:00 EST becomes 03:00 EDT
        made = self.run_hourly(utc(2026, 3, 7, 5), 24 * 3)
        self.assertEqual(
            made, [utc(2026, 3, 7, 12, 17), utc(2026, 3, 8, 11, 17), utc(2026, 3, 9, 11, 17)]
        )

    @override_settings(ALERT_DIGEST_HOUR=2)
    def test_an_hour_the_clocks_skip_sends_at_the_first_run_after_it(self) -> None:
        self.set_zone("Europe/Berlin")  # 29 Mar 2026: no 02:xx, 01:59 CET is followed by 03:00
        made = self.run_hourly(utc(2026, 3, 28, 23), 24)
        # 00:17 UTC is 01:17 CET: not yet; 01:17 UTC is 03:17 CEST, the first run after 02:00.
        self.assertEqual(made, [utc(2026, 3, 29, 1, 17)])

    @override_settings(ALERT_DIGEST_HOUR=2)
    def test_an_hour_the_clocks_repeat_sends_once(self) -> None:
        self.set_zone("Europe/Berlin")  # 25 Oct 2026: 02:xx comes twice, CEST then CET
        made = self.run_hourly(utc(2026, 10, 24, 22), 24)
        # 00:17 UTC is 02:17 CEST; 01:17 UTC, 02:17 CET again, makes nothing more.
        self.assertEqual(made, [utc(2026, 10, 25, 0, 17)])
        self.assertEqual([day for day, _ in self.digests()], [date(2026, 10, 25)])

    # --- beat outages and moves ----------------------------------------------------------------

    def test_after_a_beat_outage_the_next_run_of_the_local_day_sends_it(self) -> None:
        self.set_zone("Asia/Tokyo")  # UTC+9
        # Beats down from 21:17 UTC on 1 Dec to 02:17 UTC on 2 Dec (06:17 to 11:17 there).
        made = self.run_hourly(utc(2026, 12, 1, 16), 20, skip=range(5, 11))
        self.assertEqual(made, [utc(2026, 12, 2, 3, 17)])  # 12:17 there, once
        # It tells what came up to 07:00 there (22:00 UTC), as the 07:17 run would have: the
        # five changes before it, not the one of 02:57 UTC (11:57 there), which waits for
        # tomorrow's digest with the later ones.
        late = Notification.objects.get(user=self.alice, kind="digest")
        self.assertEqual(self.digests(), [(date(2026, 12, 2), utc(2026, 12, 1, 22))])
        self.assertEqual(late.changes.count(), 5)
        after = Change.objects.get(confirmed_at=utc(2026, 12, 2, 2, 57))
        self.assertEqual(self.beat(utc(2026, 12, 2, 22, 17)), 1)  # 3 Dec 07:17 there
        tomorrow = Notification.objects.filter(user=self.alice, kind="digest").latest("created")
        self.assertIn(after, tomorrow.changes.all())
        self.assertEqual(tomorrow.changes.count(), 10)  # 02:57 to 21:57 UTC, 2 Dec

    def test_a_local_day_the_beat_missed_whole_is_told_in_the_next_digest(self) -> None:
        self.set_zone("Europe/Berlin")
        self.assertEqual(self.beat(utc(2026, 12, 1, 6, 17)), 1)
        # Down all of 2 Dec (local); the next run, 3 Dec, tells everything since the last one.
        missed = self.beat(utc(2026, 12, 2, 5, 17))  # 06:17 CET: not due yet
        self.assertEqual(missed, 0)
        self.assertEqual(self.beat(utc(2026, 12, 3, 6, 17)), 1)
        last = Notification.objects.filter(user=self.alice, kind="digest").latest("created")
        self.assertEqual(last.digest_day, date(2026, 12, 3))
        self.assertEqual(last.changes.count(), 2)  # 2 Dec's change and 3 Dec's

    def test_moving_west_after_todays_digest_sends_no_second_one_that_day(self) -> None:
        self.assertEqual(self.beat(utc(2026, 12, 2, 7, 17)), 1)  # UTC: 2 Dec's digest
        self.set_zone("Pacific/Pago_Pago")  # it is 1 Dec 20:17 there, past 07:00
        made = self.run_hourly(utc(2026, 12, 2, 8), 10)  # to 06:17 on 2 Dec there
        self.assertEqual(made, [])
        # 2 Dec's digest there would be on a day that had one already (the constraint): the
        # day of a move westwards may pass without one; the next tells all since.
        self.assertEqual(self.beat(utc(2026, 12, 3, 18, 17)), 1)

    # --- what a digest tells: up to its hour (s24d) -------------------------------------------

    def test_a_change_after_the_hour_goes_in_the_next_days_digest(self) -> None:
        # s24a U15: nothing to tell at 07:00, a problem confirmed at 10:33. The digest is the
        # next day's at 07:00, not one at 11:17.
        change = self.confirm(utc(2026, 12, 1, 10, 33))
        made = [
            at
            for i in range(25)
            if self.beat(at := utc(2026, 12, 1, 7, 17) + timedelta(hours=i), change=False)
        ]
        self.assertEqual(made, [utc(2026, 12, 2, 7, 17)])
        digest = Notification.objects.get(user=self.alice, kind="digest")
        self.assertEqual(list(digest.changes.all()), [change])
        self.assertEqual(
            (digest.digest_day, digest.covers_until), (date(2026, 12, 2), utc(2026, 12, 2, 7))
        )
        # After a digest that told something: the same, and nothing is told twice.
        later = self.confirm(utc(2026, 12, 2, 7, 30))
        self.assertEqual(self.beat(utc(2026, 12, 2, 8, 17), change=False), 0)
        self.assertEqual(self.beat(utc(2026, 12, 3, 7, 17), change=False), 1)
        last = Notification.objects.filter(user=self.alice, kind="digest").latest("created")
        self.assertEqual(list(last.changes.all()), [later])

    def test_a_change_between_the_hour_and_the_beat_is_not_lost(self) -> None:
        # Confirmed at 07:10, after the hour and before the 07:17 run, for a reader with no
        # digest yet: the next digest starts from the hour a day before its own, not from a
        # day before the run that made it (which left 07:00 to 07:17 out).
        change = self.confirm(utc(2026, 12, 1, 7, 10))
        self.assertEqual(self.beat(utc(2026, 12, 1, 7, 17), change=False), 0)
        self.assertEqual(self.beat(utc(2026, 12, 2, 7, 17), change=False), 1)
        digest = Notification.objects.get(user=self.alice, kind="digest")
        self.assertEqual(list(digest.changes.all()), [change])

    def test_a_late_first_digest_tells_the_day_before_from_its_hour(self) -> None:
        # The same with the beat down from 07:00 to 11:00 on 2 Dec: the run at 11:17 makes
        # 2 Dec's digest, telling 1 Dec's change of 08:00 (a day back from the run would
        # begin at 11:17 on 1 Dec and leave it out, and the next digest starts at 07:00 on
        # 2 Dec: never told).
        change = self.confirm(utc(2026, 12, 1, 8))
        self.assertEqual(self.beat(utc(2026, 12, 1, 8, 17), change=False), 0)
        self.assertEqual(self.beat(utc(2026, 12, 2, 11, 17), change=False), 1)
        digest = Notification.objects.get(user=self.alice, kind="digest")
        self.assertEqual(list(digest.changes.all()), [change])
        self.assertEqual(digest.covers_until, utc(2026, 12, 2, 7))
