"""The hosted policy's certificate watch tells a last chance before expiry for every lifetime
(task s32g item 1).

Since f606bd7 the 21- and 7-day notices count only in the second half of a certificate's life,
so a short-lived certificate (6 days, Let's Encrypt's short-lived profile) that is not renewed
was told by nothing before it expired: only once two readings saw no valid certificate, when
senders without a cached policy could already fetch none (RFC 8461 §3.3). The watch now also
tells a last chance at 2 days left, or at a quarter of the life when that is later in it: our
TLS front end renews at a third of the life left (2 days for 6 days), so a reading made while
the renewal is under way is no alarm, and a 6-day certificate not renewed 12 hours after that
is told with a day or more to go. Real TLS servers on 127.0.0.1 read through read_certificate,
as in tests/test_hosting_s32h.py; `now` places the reading in the certificate's life."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.core import mail
from django.utils import timezone

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import to_alice
from tests.test_hosting_s11_cert_not_yet_valid import (
    ServedCertificateCase,
    serving_leaf_starting_in,
)


class LastChanceTestCase(ServedCertificateCase):
    def readings(
        self, days: int, lefts: list[timedelta], policy: HostedPolicy | None = None
    ) -> Iterator[list[str]]:
        """The certificate notices of a reading at each time left of a `days` certificate
        (served for real, valid now), in turn."""
        policy = policy or self.host()
        mail.outbox.clear()
        with serving_leaf_starting_in(
            self.pki, self.tmp, timedelta(hours=-1), self.monkeypatch, days
        ) as start:
            for left in lefts:
                last = policy.events.order_by("-pk").values_list("pk", flat=True).first() or 0
                service.watch_certificate(policy, now=start + timedelta(days=days) - left)
                told = policy.events.filter(kind="cert", pk__gt=last)
                yield list(told.values_list("message", flat=True))

    def test_a_six_day_certificate_not_renewed_is_told_a_last_chance(self) -> None:
        [[told]] = list(self.readings(6, [timedelta(hours=30)]))
        assert "expires in 30 hours" in told and "not been renewed" in told
        assert "cannot fetch" in told  # what it costs once it expires
        assert len(to_alice()) == 1

    def test_a_six_day_certificate_is_not_told_while_its_renewal_is_due(self) -> None:
        # The front end renews at 2 days left: a reading at 47 hours may come before it.
        assert list(self.readings(6, [timedelta(hours=47), timedelta(hours=37)])) == [[], []]
        assert to_alice() == []

    def test_the_last_chance_is_told_once(self) -> None:
        told = list(self.readings(6, [timedelta(hours=35), timedelta(hours=23)]))
        assert [len(t) for t in told] == [1, 0]

    def test_a_thirty_day_certificate_told_at_7_days_is_told_again_at_2(self) -> None:
        told = list(self.readings(30, [timedelta(days=6, hours=12), timedelta(hours=40)]))
        assert [len(t) for t in told] == [1, 1]
        assert "expires in 6 days" in told[0][0]
        assert "expires in 40 hours" in told[1][0]

    def test_a_ninety_day_certificate_is_told_at_21_7_and_2_days(self) -> None:
        lefts = [timedelta(days=20, hours=12), timedelta(days=6, hours=12), timedelta(hours=47)]
        told = list(self.readings(90, lefts))
        assert [len(t) for t in told] == [1, 1, 1]
        assert "expires in 47 hours" in told[2][0]

    def test_a_renewed_certificate_arms_the_last_chance_again(self) -> None:
        policy = self.host()
        assert [len(t) for t in self.readings(6, [timedelta(hours=30)], policy)] == [1]
        # Renewed: a fresh certificate, then the next one late as well. The renewal after the
        # notice is told once (s42g: the lead's decision), then the last chance comes again.
        told = list(self.readings(6, [timedelta(days=5, hours=20), timedelta(hours=30)], policy))
        assert [len(t) for t in told] == [1, 1]
        assert "has been renewed" in told[0][0] and "expires in 30 hours" in told[1][0]

    def test_an_expired_certificate_is_no_last_chance(self) -> None:
        # Told as no valid certificate once two readings saw it (tell_cert_state), not as
        # "expires in -2 hours".
        policy = self.host()
        policy.cert_warned_days = 7
        policy.save()
        with serving_leaf_starting_in(
            self.pki, self.tmp, timedelta(days=-30, hours=-2), self.monkeypatch, 30
        ):
            service.watch_certificate(policy, now=timezone.now())
        policy.refresh_from_db()
        assert "expired" in policy.cert_error
        assert not policy.events.filter(kind="cert").exists()

    def test_the_point_is_2_days_or_a_quarter_of_the_life(self) -> None:
        reading = service.CertReading(
            datetime(2026, 12, 7, 12), not_before=datetime(2026, 12, 1, 12)
        )
        assert reading.last_chance() == timedelta(hours=36)
        assert service.CertReading(datetime(2026, 12, 7, 12)).last_chance() == timedelta(days=2)
