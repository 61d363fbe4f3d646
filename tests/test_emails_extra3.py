"""Every email mailsec sends, read as its recipient reads it: headers, names, links, layout."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.notify import tell
from tests.conftest import BaseTestCase
from tests.test_hosting import T0, fake_dns

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


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class HostingEmailTestCase(BaseTestCase):
    def hosted(self, name: str) -> HostedPolicy:
        domain = Domain.objects.create(team=self.team, name=name, verified_at=T0)
        with fake_dns([f"mx1.{name}"]):
            policy = service.enable(domain, now=T0)
        mail.outbox.clear()
        return policy

    def test_an_idn_domain_is_named_as_people_write_it(self) -> None:
        policy = self.hosted(IDN)
        tell(policy, "mx-added", f"New MX mx2.{IDN}: added to the policy.")
        sent = mail.outbox[0]
        html = sent.alternatives[0][0]
        # As on the hosting page and in alert emails: the U-label for people; the record
        # names in the message itself stay as DNS has them.
        self.assertTrue(sent.subject.startswith("[mailsec] MTA-STS for bücher.example: "))
        self.assertTrue(sent.body.startswith("Hosted MTA-STS for bücher.example\n"))
        self.assertIn("Stop emails for bücher.example:", sent.body)
        self.assertIn("Hosted MTA-STS for bücher.example</strong>", html)
        self.assertIn(f"New MX mx2.{IDN}", sent.body)
