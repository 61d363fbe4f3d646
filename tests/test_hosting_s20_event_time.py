"""Hosting events carry the time of the step that caused them, not the clock's.

A sync, a button or the certificate watch is given its `now` (the beat's turn, or a test's
fixed date); the state it saves is stamped with it, and so must be the events it tells. The
page orders events by that time: an event stamped by the clock while the state says another
time put a step after ones that came later (and fixed-date tests broke on the day after their
date). Dates here are far from today in both directions, so the clock cannot agree by chance.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import CertReading
from tests.test_hosting import HostingCase, fake_dns

PAST = datetime(2021, 3, 4, 5, 6, tzinfo=UTC)
FUTURE = datetime(2031, 7, 8, 9, 10, tzinfo=UTC)


class EventTimeTestCase(HostingCase):
    def test_each_step_s_events_carry_the_step_s_time(self) -> None:
        for start in (PAST, FUTURE):
            with self.subTest(start=start):
                HostedPolicy.objects.all().delete()
                with fake_dns(["mx1.example.org"]):
                    policy = service.enable(self.domain, now=start)
                added = start + timedelta(minutes=5)
                with fake_dns(["mx1.example.org", "mx2.example.org"]):
                    assert service.sync(policy, now=added)
                policy.refresh_from_db()
                off = start + timedelta(hours=1)
                service.disable(policy, now=off)
                policy.refresh_from_db()
                assert policy.release_at is not None
                released = policy.release_at + timedelta(minutes=1)
                with fake_dns(["mx1.example.org", "mx2.example.org"]):
                    service.sync(policy, now=released)
                times = {e.kind: e.created for e in policy.events.all()}
                assert times["enabled"] == start
                assert times["mx-added"] == added
                assert times["disabling"] == off
                assert times["released"] == released
                # the page's order (newest first) is the order of the steps
                kinds = list(policy.events.values_list("kind", flat=True))
                assert kinds == ["released", "disabling", "mx-added", "enabled"], kinds

    def test_certificate_events_carry_the_reading_s_time(self) -> None:
        policy = self.host()
        bad = CertReading(None, "NXDOMAIN for mta-sts.example.org")
        readings = [(FUTURE, bad), (FUTURE + timedelta(hours=12), bad)]
        readings.append((FUTURE + timedelta(hours=24), CertReading(FUTURE + timedelta(days=80))))
        for now, reading in readings:
            with mock.patch.object(service, "read_certificate", return_value=reading):
                service.watch_certificate(policy, now=now)
        told = list(
            policy.events.filter(kind="cert").order_by("pk").values_list("created", flat=True)
        )
        assert told == [FUTURE + timedelta(hours=12), FUTURE + timedelta(hours=24)]
        # an expiry warning is stamped with its reading too
        soon = CertReading(FUTURE + timedelta(days=40, hours=20))
        with mock.patch.object(service, "read_certificate", return_value=soon):
            service.watch_certificate(policy, now=FUTURE + timedelta(days=20))
        assert policy.events.filter(kind="cert").latest("pk").created == FUTURE + timedelta(days=20)
