"""The email about losing control of a domain gives the exact record to publish again, as
every alert with a fix does, not only "publish the record again"."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class ControlLostEmailTestCase(BaseTestCase):
    def test_it_names_the_txt_record_to_publish_again(self) -> None:
        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        now = timezone.now()
        domain._tell_control_lost(now, now + timedelta(days=1))
        sent = mail.outbox[0]
        record = f'{domain.challenge_name}. TXT "{domain.challenge_value}"'
        self.assertIn(record, sent.body)
        self.assertIn(record, str(sent.alternatives[0][0]))
