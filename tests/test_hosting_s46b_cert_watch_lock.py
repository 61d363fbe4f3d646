"""The certificate watch weighs its reading against the row as it is (task s46b item 2).

watch_certificates reads the servable policies at the start of its run and reads each one's
certificate in turn (up to CERT_BUDGET_SECONDS): service.watch_certificate worked from that
copy without the row lock that set_mode, disable, release and the sync take (s45e). A second
run at the same time (a task delivered twice, a run overlapping the next) told the expiry
notice again and wrote its own record of whom it went to (cert_warned_to) over the first's;
a domain deleted meanwhile still had its old team emailed. The watch now reads the
certificate first (network, no lock), then locks the row, reads it again and saves only its
own fields, so an owner's change made meanwhile stays too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import CertReading
from tests.test_hosting import T0, HostingCase
from tests.test_s42g_cert_renewed import ALLOWED

EXPIRING = CertReading(T0 + timedelta(days=30))  # 20 days left at T0 + 10 days
AT = T0 + timedelta(days=10)


@pytest.fixture(autouse=True)
def no_caa_lookup() -> Iterator[None]:
    with mock.patch.object(service, "caa_reading", return_value=ALLOWED):
        yield


def expiry_notices() -> list[str]:
    return [m.body for m in mail.outbox if "expires in 20 days" in m.body]


class CertWatchLockTestCase(HostingCase):
    def watch(self, copy: HostedPolicy, reading: CertReading = EXPIRING) -> int | None:
        with mock.patch.object(service, "read_certificate", return_value=reading):
            return service.watch_certificate(copy, now=AT)

    def test_two_watches_at_once_tell_the_notice_once(self) -> None:
        policy = self.host()
        first, second = (HostedPolicy.objects.get(pk=policy.pk) for _ in range(2))
        mail.outbox.clear()
        assert self.watch(first) == 20
        told = len(expiry_notices())
        assert told == 2  # alice and bob
        recorded = HostedPolicy.objects.get(pk=policy.pk).cert_warned_to
        assert recorded and recorded["users"], recorded
        assert self.watch(second) == 20  # read before the first one saved
        assert len(expiry_notices()) == told, expiry_notices()
        policy.refresh_from_db()
        assert policy.events.filter(kind="cert").count() == 1
        assert policy.cert_warned_days == 21 and policy.cert_warned_to == recorded

    def test_an_owner_change_meanwhile_stays(self) -> None:
        policy = self.host()
        copy = HostedPolicy.objects.get(pk=policy.pk)  # the run's copy
        assert service.set_mode(policy, HostedPolicy.Mode.NONE, now=AT - timedelta(hours=1))
        self.watch(copy)
        policy.refresh_from_db()
        assert policy.mode == HostedPolicy.Mode.NONE and "mode: none" in policy.text
        assert policy.cert_warned_days == 21 and policy.cert_checked_at == AT

    def test_a_domain_deleted_meanwhile_gets_no_email(self) -> None:
        policy = self.host()
        copy = HostedPolicy.objects.select_related("domain__team").get(pk=policy.pk)
        self.domain.delete()  # detached: served in mode none until its release
        mail.outbox.clear()
        self.watch(copy)
        assert mail.outbox == []
        policy.refresh_from_db()
        assert policy.domain_id is None and policy.cert_warned_days == 21
