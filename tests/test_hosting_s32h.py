"""The hosted policy's certificate watch and short-lived certificates (found by blind round
s32h, six_day_certificates_renewed_every_three_days).

The watch told the team when mta-sts.<domain>'s certificate had 21 and 7 days left, "not
renewed yet", whatever the certificate's life. On 6-day certificates (Let's Encrypt's
short-lived profile, renewed by our TLS front end with about 2 days left) the first reading
already has 5 days left: a false alarm about a certificate renewed on schedule. The
domain check's expiry alerts count a threshold only when it falls in the second half of the
certificate's life (mailsec.alerts.rules.cert_threshold, docs/webapp.md); the watch now
does the same. Real TLS servers on 127.0.0.1 read through read_certificate, as in
tests/test_hosting_s11_cert_not_yet_valid.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from django.core import mail
from django.utils import timezone

from mailsec.hosting import service
from tests.test_hosting import to_alice
from tests.test_hosting_s11_cert_not_yet_valid import (
    ServedCertificateCase,
    serving_leaf_starting_in,
)


class ShortLivedCertificateTestCase(ServedCertificateCase):
    def serving(self, delta: timedelta, days: int) -> AbstractContextManager[datetime]:
        return serving_leaf_starting_in(self.pki, self.tmp, delta, self.monkeypatch, days)

    def watched(self, delta: timedelta, days: int) -> Iterator[str]:
        policy = self.host()
        mail.outbox.clear()
        with self.serving(delta, days):
            service.watch_certificate(policy, now=timezone.now())
        yield from policy.events.filter(kind="cert").values_list("message", flat=True)

    def test_a_fresh_six_day_certificate_is_not_told(self) -> None:
        assert list(self.watched(timedelta(hours=-1), days=6)) == []
        assert to_alice() == []

    def test_a_thirty_day_certificate_is_not_told_at_21_days(self) -> None:
        # 21 days left is in the first half of its life: renewed on schedule after it.
        assert list(self.watched(timedelta(days=-9, hours=-1), days=30)) == []

    def test_a_thirty_day_certificate_is_told_at_7_days(self) -> None:
        [told] = self.watched(timedelta(days=-23, hours=-1), days=30)
        assert "expires in 6 days" in told

    def test_a_ninety_day_certificate_is_told_at_21_days_as_before(self) -> None:
        # The control: 21 days left is in the second half of a 90-day life.
        [told] = self.watched(timedelta(days=-69, hours=-1), days=90)
        assert "expires in 20 days" in told

    def test_the_reading_gives_the_certificates_start(self) -> None:
        with self.serving(timedelta(hours=-1), days=6) as start:
            reading = service.read_certificate("example.org")
        assert reading.not_before == start and not reading.error
