"""Every email mailsec sends, read as its recipient reads it: headers, names, links, layout."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes

from django.core import mail
from django.test import RequestFactory, override_settings
from django.utils import timezone

from mailsec.accounts.models import Invite
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import Change, Notification
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
        [sent, _] = mail.outbox  # alice's, then bob's
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
        # As on the hosting page and in alert emails: the U-label for people, with the A-label
        # beside a host name in the message (9244a00); the policy text stays as DNS has it.
        self.assertTrue(sent.subject.startswith("[mailsec] MTA-STS for bücher.example: "))
        self.assertTrue(sent.body.startswith("Hosted MTA-STS for bücher.example\n"))
        self.assertIn("Stop emails for bücher.example:", sent.body)
        self.assertIn("Hosted MTA-STS for bücher.example</strong>", html)
        self.assertIn(f"New MX mx2.bücher.example (mx2.{IDN})", sent.body)
        self.assertIn(f"mx: mx1.{IDN}\r\n", sent.body)


# 253 characters, the longest a domain name can be: four labels with no space to wrap at.
LONG = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57]) + ".com"
WRAPS = re.compile(r"overflow-wrap:\s*anywhere;\s*word-break:\s*break-word")


def assert_wraps_long_lines(html: str) -> None:
    """A name or record with no space in it must wrap in a narrow window rather than widen the
    whole email past the screen (pre-wrap alone breaks only at whitespace)."""
    body = re.search(r"<body[^>]*>", html)
    assert body is not None and WRAPS.search(body.group(0)), html[:300]
    for pre in re.findall(r"<pre[^>]*>", html):
        assert WRAPS.search(pre), pre


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class LongLinesTestCase(BaseTestCase):
    def confirmed(self, domain: Domain) -> Change:
        return Change.objects.create(
            domain=domain,
            kind="record-gone",
            key="record-gone:mta-sts",
            subject=f"_mta-sts.{domain.name}",
            summary=f"The MTA-STS record _mta-sts.{domain.name} has disappeared.",
            fix=f'_mta-sts.{domain.name}. 3600 IN TXT "v=STSv1; id=20261129"',
            evidence={"now": {"query": f"_mta-sts.{domain.name} TXT", "rcode": "NXDOMAIN"}},
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )

    def test_alert_and_digest_emails_wrap_a_253_character_name(self) -> None:
        domain = Domain.objects.create(team=self.team, name=LONG, verified_at=timezone.now())
        change = self.confirmed(domain)
        for kind, to_domain in (
            (Notification.Kind.ALERT, domain),
            (Notification.Kind.DIGEST, None),
        ):
            n = Notification.objects.create(
                user=self.alice, domain=to_domain, kind=kind, to_address="alice@example.org"
            )
            n.changes.set([change])
            html = build_message(n).alternatives[0][0]
            self.assertIn("<pre", html)
            assert_wraps_long_lines(html)

    def test_the_weekly_summary_wraps_a_253_character_name(self) -> None:
        domain = Domain.objects.create(team=self.team, name=LONG, verified_at=timezone.now())
        self.confirmed(domain)
        n = Notification.objects.create(
            user=self.alice, kind=Notification.Kind.WEEKLY, to_address="alice@example.org"
        )
        html = build_message(n).alternatives[0][0]
        self.assertIn(LONG, html)
        assert_wraps_long_lines(html)

    def test_hosting_control_lost_and_invite_emails_wrap_long_names(self) -> None:
        from mailsec.accounts.views import send_invite_email  # after allauth is ready

        # mta-sts.<name> must fit in 253 characters too.
        name = LONG[len("mta-sts.") :]
        domain = Domain.objects.create(team=self.team, name=name, verified_at=T0)
        with fake_dns(["mx1.example.net"]):
            policy = service.enable(domain, now=T0)
        mail.outbox.clear()
        tell(policy, "mx-added", "New MX mx2.example.net: added to the policy.")
        domain._tell_control_lost(T0, T0 + timedelta(days=1))
        invite = Invite.objects.create(team=self.team, email="new@example.net")
        request = RequestFactory().get("/")
        request.user = self.alice
        send_invite_email(request, invite)
        htmls = {m.subject: m.alternatives[0][0] for m in mail.outbox}
        self.assertEqual(len(htmls), 3)
        for html in htmls.values():
            assert_wraps_long_lines(html)
