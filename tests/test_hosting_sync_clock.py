"""The MX sync's rule that a turn started before the last recorded one changes nothing
(two syncs of one policy at once) must not stop the policy following its MX when the last
recorded time came from a clock that was ahead (a worker or web host whose clock ran fast)."""

from __future__ import annotations

from datetime import timedelta

from mailsec.hosting import service
from tests.test_hosting import T0, HostingCase, fake_dns


class ClockAheadTestCase(HostingCase):
    def test_a_sync_stamped_by_a_clock_a_day_ahead_does_not_stop_the_next_ones(self) -> None:
        policy = self.host(["mx1.example.org"])
        # A worker whose clock ran a day ahead synced it (nothing had changed).
        with fake_dns(["mx1.example.org"]):
            service.sync(policy, now=T0 + timedelta(days=1, minutes=5))
        # The MX moves; the workers with the right time compare again, turn after turn.
        with fake_dns(["mx1.example.org", "mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert "mx2.example.org" in policy.mx_live
        assert policy.last_sync_at == T0 + timedelta(minutes=10)

    def test_a_turn_started_just_after_this_one_still_wins(self) -> None:
        # Two hosts' clocks a few seconds apart still order two turns a few seconds apart.
        policy = self.host(["mx1.example.org"])
        older = type(policy).objects.get(pk=policy.pk)
        with fake_dns(["mx1.example.org", "mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(minutes=5, seconds=20))
        with fake_dns(["mx1.example.org"]):
            assert not service.sync(older, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert "mx2.example.org" in policy.mx_live
