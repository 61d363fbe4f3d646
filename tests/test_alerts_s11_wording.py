"""How alert emails, digests and weekly summaries read a problem on an MX host's second (RSA)
certificate: which certificate, and what it presented (not the TLS session's bookkeeping)."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from mailsec.alerts import weekly
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Notification
from tests.test_alerts_s11_rsa_flap import RunsTestCase, Server


@override_settings(
    ALERT_CONFIRM_DELAY=600,
    ALERT_SCORE_DROP=10,
    ALERT_DIGEST_HOUR=0,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class RsaCertificateWordingTestCase(RunsTestCase):
    def test_an_alert_shows_the_rsa_certificate_it_is_about(self) -> None:
        self.told_and_confirmed(Server(rsa="expired"))
        (alert,) = self.alerts()
        self.assertIn("The RSA certificate of mx1.a.test [192.0.2.1], which senders", alert.body)
        # The evidence under the SMTP-10 change: the RSA certificate, and why it fails.
        self.assertIn(
            "RSA certificate (what senders offering only RSA get): CN=mx1.a.test, issued by "
            "CN=Test CA, RSA 2048-bit key, serial 0a1b",
            alert.body,
        )
        self.assertIn("Validation: expired (certificate has expired)", alert.body)
        # That side handshake stops after TLS: no "EHLO refused" look-alike.
        self.assertNotIn("ehlo_ok", alert.body)

    def test_a_first_certificate_problem_shows_that_certificate(self) -> None:
        self.told_and_confirmed(Server(first="expired", rsa="none"))
        (alert,) = self.alerts()
        self.assertIn("Certificate: CN=mx1.a.test, issued by CN=Test CA, EC secp256r1 256-bit",
                      alert.body)  # fmt: skip
        self.assertNotIn("RSA certificate", alert.body)

    def test_digest_and_weekly_summary_name_the_rsa_certificate(self) -> None:
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        self.observe(Server())
        self.observe(Server(rsa="expired"))
        self.observe(Server(rsa="expired"), kind="confirm")
        digest = Notification.make_digest(self.alice, timezone.now() + timedelta(minutes=1))
        assert digest is not None
        body = build_message(digest).body
        self.assertIn("The RSA certificate of mx1.a.test [192.0.2.1], which senders", body)
        self.assertIn("Renew the RSA certificate of mx1.a.test.", body)
        self.alice.date_joined = timezone.now() - timedelta(days=30)
        self.alice.save(update_fields=["date_joined"])
        summary = weekly.make(self.alice, timezone.now())
        assert summary is not None
        body = build_message(summary).body
        self.assertIn("Open problems:", body)
        self.assertIn("The RSA certificate of mx1.a.test [192.0.2.1], which senders", body)
        self.assertEqual(self.alerts(), [])  # alice chose the digest: nothing at once
