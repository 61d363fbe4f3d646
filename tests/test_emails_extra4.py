"""The sign-in, sign-up and account emails (allauth's flows) and the subjects of the product's
notices, read as their recipient reads them."""

from __future__ import annotations

import re
from email import message_from_bytes

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
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
from tests.test_accounts_s21_security import confirm_its_you
from tests.test_emails_extra3 import LONG
from tests.test_hosting import T0, fake_dns

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SITE = override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
    DEFAULT_FROM_EMAIL="mailsec <noreply@mailsec.example>",
    CACHES=LOCMEM,
)


def headers_of(message: mail.EmailMessage) -> dict[str, str]:
    parsed = message_from_bytes(message.message().as_bytes())
    return {k: str(v) for k, v in parsed.items()}


def code_in(body: str) -> str:
    match = re.search(r"^(\d{6})$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


@SITE
class AccountEmailTestCase(BaseTestCase):
    """Every email allauth sends in the flows configured (sign-up and sign-in by code,
    password reset by code, adding an address, and the answers that tell nobody whether an
    address has an account) is ours: it names mailsec and the site, says what the code is
    for, how long it is good for and what to do if you did not ask."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        EmailAddress.objects.create(
            user=self.alice, email="alice@example.org", verified=True, primary=True
        )

    def assert_ours(self, message: mail.EmailMessage, *, code: bool = True) -> str:
        headers = headers_of(message)
        # RFC 3834: the product wrote it, no vacation replies; the id on our From domain,
        # as every other email of ours, not on the machine's own name.
        self.assertEqual(headers.get("Auto-Submitted"), "auto-generated")
        self.assertTrue(headers["Message-ID"].endswith("@mailsec.example>"), headers)
        self.assertTrue(message.subject.startswith("[mailsec] "), message.subject)
        body = message.body
        self.assertIn("mailsec", body)
        self.assertIn("mailsec.example", body)  # the site as SITE_ROOT names it...
        self.assertNotIn("testserver", body)  # ...not the Host the request came with
        self.assertNotIn("Hello from", body)
        self.assertIn("ignore this email", body)  # what to do if you did not ask
        if code:
            code_in(body)
            self.assertRegex(body, r"expires in \d+ minutes")
        return body

    def test_the_sign_up_code_names_no_username_the_person_never_chose(self) -> None:
        self.client.post("/accounts/signup/", {"email": "zed@example.org"})
        [message] = mail.outbox
        body = self.assert_ours(message)
        self.assertEqual(message.subject, "[mailsec] Your code to finish signing up")
        # allauth made the username "zed" from the address: nobody chose it, nobody knows it.
        self.assertNotRegex(body.replace("zed@example.org", ""), r"\bzed\b")
        self.assertIn("expires in 15 minutes", body)
        self.assertNotIn("http", body)  # no links in a code email

    def test_the_sign_in_code(self) -> None:
        self.client.post("/accounts/login/code/", {"email": "alice@example.org"})
        [message] = mail.outbox
        body = self.assert_ours(message)
        self.assertEqual(message.subject, "[mailsec] Your sign-in code")
        self.assertIn("sign in", body)
        self.assertIn("expires in 3 minutes", body)
        self.assertNotIn("http", body)

    def test_a_code_asked_for_an_unknown_address(self) -> None:
        self.client.post("/accounts/login/code/", {"email": "nobody@example.org"})
        [message] = mail.outbox
        body = self.assert_ours(message, code=False)
        self.assertEqual(message.subject, "[mailsec] No account for this address")
        self.assertIn("https://mailsec.example/accounts/signup/", body)

    def test_the_password_reset_code(self) -> None:
        self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        [message] = mail.outbox
        body = self.assert_ours(message)
        self.assertIn("reset the password", body)
        self.assertNotIn("http", body)

    def test_the_code_to_add_an_address_names_the_account_by_its_address(self) -> None:
        self.client.force_login(self.alice)
        confirm_its_you(self.client, self.alice)
        self.client.post("/accounts/email/", {"action_add": "", "email": "al@example.net"})
        [message] = mail.outbox
        body = self.assert_ours(message)
        self.assertIn("alice@example.org", body)  # whose account, as its owner knows it
        self.assertNotIn("register an account", body)

    def test_signing_up_with_an_address_whose_account_is_disabled(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(is_active=False)
        self.client.post("/accounts/signup/", {"email": "alice@example.org"})
        [message] = mail.outbox
        body = self.assert_ours(message, code=False)
        self.assertIn("already has an account", body)
        self.assertIn("https://mailsec.example/accounts/login/code/", body)


def confirmed(domain: Domain, summary: str = "", **fields: object) -> Change:
    values: dict[str, object] = {
        "kind": "record-gone",
        "key": "record-gone:mta-sts",
        "summary": summary or f"The MTA-STS record _mta-sts.{domain.name} has disappeared.",
        "state": Change.State.CONFIRMED,
        "confirmed_at": timezone.now(),
    }
    return Change.objects.create(domain=domain, **(values | fields))


@SITE
class DigestSubjectTestCase(BaseTestCase):
    def subject(self, changes: list[Change]) -> str:
        n = Notification.objects.create(
            user=self.alice, kind=Notification.Kind.DIGEST, to_address="alice@example.org"
        )
        n.changes.set(changes)
        return str(build_message(n).subject)

    def domain(self, name: str) -> Domain:
        return Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())

    def test_it_names_the_domain(self) -> None:
        a = self.domain("a.test")
        self.assertEqual(self.subject([confirmed(a)]), "[mailsec] Daily digest: 1 change on a.test")

    def test_a_domain_with_new_and_fixed_changes_counts_once(self) -> None:
        a = self.domain("a.test")
        fixed = confirmed(
            a,
            "The score dropped.",
            kind="score",
            key="score:",
            state=Change.State.RECOVERED,
            recovered_at=timezone.now(),
        )
        self.assertEqual(
            self.subject([confirmed(a), fixed]), "[mailsec] Daily digest: 2 changes on a.test"
        )

    def test_several_domains_name_one_with_a_new_problem_and_count_the_others(self) -> None:
        names = ["c.test", "b.test", "a.test"]
        changes = [confirmed(self.domain(name)) for name in names]
        self.assertEqual(
            self.subject(changes),
            "[mailsec] Daily digest: 3 changes on a.test and 2 other domains",
        )

    def test_a_digest_of_fixes_only_names_the_first_by_name(self) -> None:
        fixes = [
            confirmed(
                self.domain(name),
                "The score dropped.",
                kind="score",
                key="score:",
                state=Change.State.RECOVERED,
                recovered_at=timezone.now(),
            )
            for name in ["c.test", "a.test", "b.test"]
        ]
        self.assertEqual(
            self.subject(fixes), "[mailsec] Daily digest: 3 changes on a.test and 2 other domains"
        )

    def test_a_253_character_name_keeps_its_ends(self) -> None:
        subject = self.subject([confirmed(self.domain(LONG))])
        self.assertEqual(subject, f"[mailsec] Daily digest: 1 change on {LONG[:30]}…{LONG[-29:]}")


@SITE
class AlertSubjectTestCase(BaseTestCase):
    def subject(self, change: Change, kind: str = Notification.Kind.ALERT) -> str:
        n = Notification.objects.create(
            user=self.alice, domain=change.domain, kind=kind, to_address="alice@example.org"
        )
        n.changes.set([change])
        return str(build_message(n).subject)

    def test_a_253_character_name_leaves_room_for_what_happened(self) -> None:
        domain = Domain.objects.create(team=self.team, name=LONG, verified_at=timezone.now())
        subject = self.subject(confirmed(domain))
        # Was 365 characters, cut inside the name the headline repeats, before "has
        # disappeared": now both names keep their ends and the subject says what happened.
        self.assertLessEqual(len(subject), 200)
        self.assertTrue(subject.startswith(f"[mailsec] {LONG[:30]}…{LONG[-29:]}: "), subject)
        self.assertTrue(subject.endswith(".com has disappeared"), subject)
        self.assertIn("The MTA-STS record _mta-sts.", subject)

    def test_a_short_name_and_headline_are_whole(self) -> None:
        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        self.assertEqual(
            self.subject(confirmed(domain)),
            "[mailsec] a.test: The MTA-STS record _mta-sts.a.test has disappeared",
        )


@SITE
class HostingSubjectTestCase(BaseTestCase):
    def hosted(self, name: str) -> HostedPolicy:
        domain = Domain.objects.create(team=self.team, name=name, verified_at=T0)
        with fake_dns([f"mx1.{name}"]):
            policy = service.enable(domain, now=T0)
        mail.outbox.clear()
        return policy

    def cert_warning(self, name: str) -> str:
        # As service.check_cert words it.
        return (
            f"The certificate of mta-sts.{name} expires in 7 days (2026-12-06) and has not "
            f"been renewed yet. Check that mta-sts.{name} still points at us and that our "
            "TLS front end can reach the ACME CA."
        )

    def test_the_subject_is_the_first_sentence_whole(self) -> None:
        policy = self.hosted("example.org")
        tell(policy, "cert", self.cert_warning("example.org"))
        subjects = {m.subject for m in mail.outbox}
        # Was cut at 80 characters: "…expires in 7 days (2026-12-06) and has n…".
        self.assertEqual(
            subjects,
            {
                "[mailsec] MTA-STS for example.org: The certificate of mta-sts.example.org "
                "expires in 7 days (2026-12-06) and has not been renewed yet"
            },
        )

    def test_a_long_name_keeps_what_happened_in_the_subject(self) -> None:
        name = LONG[len("mta-sts.") :]  # mta-sts.<name> must fit in 253 characters
        policy = self.hosted(name)
        tell(policy, "cert", self.cert_warning(name))
        subject = mail.outbox[0].subject
        self.assertLessEqual(len(subject), 200)
        self.assertTrue(subject.endswith("and has not been renewed yet"), subject)
        self.assertIn(f"MTA-STS for {name[:30]}…{name[-29:]}: The certificate of", subject)

    def test_a_message_over_several_lines_is_one_line(self) -> None:
        policy = self.hosted("example.org")
        tell(policy, "zone", "Could not publish (it's down:\r\nrefused).\nRetrying.")
        self.assertEqual(
            mail.outbox[0].subject,
            "[mailsec] MTA-STS for example.org: Could not publish (it's down: refused)",
        )


@SITE
class InviteEmailTestCase(BaseTestCase):
    def test_a_reply_goes_to_the_inviter(self) -> None:
        # Imported as the URLconf does, allauth's views first: mailsec.accounts.views alone
        # would import allauth.account.stages before the module it needs (a circular import).
        import allauth.account.views  # noqa: F401

        from mailsec.accounts.views import send_invite_email

        invite = Invite.objects.create(team=self.team, email="new@example.net")
        request = RequestFactory().get("/")
        request.user = self.alice
        send_invite_email(request, invite)
        [message] = mail.outbox
        headers = headers_of(message)
        # The email says "if you don't know alice@example.org, ignore this message".
        self.assertEqual(headers["Reply-To"], "alice@example.org")
        self.assertEqual(headers["From"], "mailsec <noreply@mailsec.example>")
        self.assertEqual(headers["Auto-Submitted"], "auto-generated")
