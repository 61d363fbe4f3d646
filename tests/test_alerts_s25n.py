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
