"""Every email mailsec sends, read as its recipient reads it: headers, names, links, layout."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

IDN = "xn--bcher-kva.example"  # bücher.example


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
    DEFAULT_FROM_EMAIL="mailsec <noreply@mailsec.example>",
)
class NoticeHeadersTestCase(BaseTestCase):
    def test_losing_control_is_an_automated_notice_with_a_message_id_of_ours(self) -> None:
        domain = Domain.objects.create(team=self.team, name=IDN, verified_at=timezone.now())
        now = timezone.now()
        domain._tell_control_lost(now, now + timedelta(days=1))
        [sent] = mail.outbox
        headers = message_from_bytes(sent.message().as_bytes())
        # RFC 3834: no vacation replies to a notice no person wrote.
        self.assertEqual(headers["Auto-Submitted"], "auto-generated")
        # On our From domain, not the machine's own name (Django's default).
        self.assertTrue(headers["Message-ID"].endswith("@mailsec.example>"), headers["Message-ID"])
        self.assertEqual(
            sent.subject, "[mailsec] bücher.example is no longer verified for your team"
        )
