"""Task s42g: a hosted certificate renewed after an expiry notice is told once.

The owner was emailed "the certificate of mta-sts.<domain> expires in N days ... and has not
been renewed yet"; when it is renewed afterwards, the first reading that sees it (valid, a later
notAfter) sends one short "renewed" email with the new expiry date, to the members the notice
goes to (a member on "No emails" gets neither). Never without a notice before it, never twice,
and a reading that could not check sends nothing (the lead's decision, overruling the s32h
blind row's "no email"; docs/product-lessons "Alerts without fatigue": a recovery email when
fixed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from mailsec.alerts.models import AlertSetting
from mailsec.hosting import caa, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import CertReading
from tests.test_hosting import T0, HostingCase

ALLOWED = caa.CaaReading(caa.ALLOWED, "CAA records allow our certificate authority.")


@pytest.fixture(autouse=True)
def no_caa_lookup() -> Iterator[None]:
    # The notice's advice reads CAA records: answered here, never by the silent test resolver.
    with mock.patch.object(service, "caa_reading", return_value=ALLOWED):
        yield


def to(who: str) -> list[str]:
    return [m.subject + "\n" + m.body for m in mail.outbox if m.to == [f"{who}@example.org"]]


class RenewedAfterNoticeTestCase(HostingCase):
    def watch(self, policy: HostedPolicy, reading: CertReading, at: timedelta) -> None:
        with mock.patch.object(service, "read_certificate", return_value=reading):
            service.watch_certificate(policy, now=T0 + at)
        policy.refresh_from_db()

    def test_renewed_after_the_21_day_notice_is_told_once_with_the_new_date(self) -> None:
        policy = self.host()
        mail.outbox.clear()
        old = CertReading(T0 + timedelta(days=30))
        self.watch(policy, old, timedelta(days=9, hours=1))  # 20 days left: the notice
        [notice] = to("alice")
        assert "expires in 20 days" in notice and "has not been renewed yet" in notice
        mail.outbox.clear()
        new = CertReading(T0 + timedelta(days=100))
        self.watch(policy, new, timedelta(days=10))
        [renewed] = to("alice")
        assert "renewed" in renewed and "2027-03-11" in renewed, renewed
        assert "has not been renewed" not in renewed
        assert len(to("bob")) == 1  # the teammate got the notice too
        assert policy.events.filter(kind="cert").count() == 2
        mail.outbox.clear()
        for hours in (12, 24, 36):  # the same certificate again: never twice
            self.watch(policy, new, timedelta(days=10, hours=hours))
        assert mail.outbox == []
        assert policy.events.filter(kind="cert").count() == 2
        assert policy.cert_warned_days is None  # the new one's notices are armed
        self.watch(policy, new, timedelta(days=79, hours=1))
        assert ["expires in 20 days" in m for m in to("alice")] == [True]

    def test_after_the_7_day_and_last_chance_notices_one_renewed_email(self) -> None:
        policy = self.host()
        start = T0 - timedelta(days=80)
        old = CertReading(T0 + timedelta(days=10), not_before=start)
        self.watch(policy, old, timedelta(hours=1))  # 9 days left: 21 told
        self.watch(policy, old, timedelta(days=4))  # 6 days: 7 told
        self.watch(policy, old, timedelta(days=8, hours=12))  # 36 hours: the last chance
        assert len(to("alice")) == 3
        mail.outbox.clear()
        new = CertReading(T0 + timedelta(days=99), not_before=T0 + timedelta(days=9))
        self.watch(policy, new, timedelta(days=9, hours=1))
        [renewed] = to("alice")
        assert "2027-03-10" in renewed

    def test_a_certificate_renewed_on_schedule_is_never_told(self) -> None:
        policy = self.host()
        mail.outbox.clear()
        self.watch(policy, CertReading(T0 + timedelta(days=60)), timedelta(hours=1))
        self.watch(policy, CertReading(T0 + timedelta(days=150)), timedelta(days=30))
        assert mail.outbox == [] and not policy.events.filter(kind="cert").exists()

    def test_a_reading_that_could_not_check_sends_nothing_and_the_next_valid_one_tells(
        self,
    ) -> None:
        policy = self.host()
        self.watch(policy, CertReading(T0 + timedelta(days=20)), timedelta(hours=1))
        mail.outbox.clear()
        unread = CertReading(None, "SERVFAIL for mta-sts.example.org A", could_not_check=True)
        self.watch(policy, unread, timedelta(days=1))
        assert mail.outbox == [] and policy.cert_warned_days == 21
        self.watch(policy, CertReading(T0 + timedelta(days=110)), timedelta(days=1, hours=12))
        assert len(to("alice")) == 1 and "renewed" in to("alice")[0]

    def test_a_member_on_no_emails_gets_no_renewed_email(self) -> None:
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.OFF)
        policy = self.host()
        self.watch(policy, CertReading(T0 + timedelta(days=20)), timedelta(hours=1))
        self.watch(policy, CertReading(T0 + timedelta(days=110)), timedelta(days=1))
        assert to("bob") == [] and len(to("alice")) == 2

    def test_a_later_certificate_that_is_not_valid_is_no_renewal(self) -> None:
        # Another provider's certificate for another name: no valid certificate (told by the
        # rule for that once confirmed), not a renewal.
        policy = self.host()
        self.watch(policy, CertReading(T0 + timedelta(days=20)), timedelta(hours=1))
        mail.outbox.clear()
        wrong = CertReading(
            T0 + timedelta(days=200), "certificate verify failed: Hostname mismatch"
        )
        self.watch(policy, wrong, timedelta(days=1))
        assert mail.outbox == []

    def test_renewed_after_no_valid_certificate_was_told_is_the_recovery_alone(self) -> None:
        # Expired and told as no valid certificate: the recovery ("valid again", with its date)
        # is the one email, not a renewed email beside it.
        policy = self.host()
        end = T0 + timedelta(days=1)
        self.watch(policy, CertReading(end), timedelta(hours=1))  # last chance told
        expired = CertReading(end, "certificate has expired")
        self.watch(policy, expired, timedelta(days=1, hours=2))
        self.watch(policy, expired, timedelta(days=1, hours=14))  # confirmed: told
        assert policy.cert_alerted
        mail.outbox.clear()
        self.watch(policy, CertReading(T0 + timedelta(days=91)), timedelta(days=2))
        [recovery] = to("alice")
        assert "valid certificate again" in recovery and "2027-03-02" in recovery
        assert "renewed" not in recovery.split("\n", 1)[0]

    def test_one_expired_reading_then_renewed_tells_the_renewal(self) -> None:
        # One bad reading tells nothing; the owner's last word is the notice: the renewal ends it.
        policy = self.host()
        end = T0 + timedelta(days=1)
        self.watch(policy, CertReading(end), timedelta(hours=1))
        self.watch(policy, CertReading(end, "certificate has expired"), timedelta(days=1, hours=2))
        mail.outbox.clear()
        self.watch(policy, CertReading(T0 + timedelta(days=91)), timedelta(days=1, hours=3))
        [renewed] = to("alice")
        assert "renewed" in renewed and "2027-03-02" in renewed
