"""Account security review: security notices are best effort (a mail server down does not
undo or fail the change they tell of) and tell the removed address too; no User-Agent text in
them; a team is never handed to a deactivated account while someone active is left; team
names without invisible formatting."""

from __future__ import annotations

import smtplib
from unittest import mock

from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.core import mail
from django.http import HttpRequest
from django.test import Client

from mailsec.accounts.forms import TeamNameForm
from mailsec.accounts.models import DeactivatedAccount, Membership, Team
from tests.conftest import BaseTestCase
from tests.test_accounts_s21_mfa import PASSWORD, TwoFactorCase, signed_in
from tests.test_accounts_s21_mfa_hardening import DEACTIVATE, SecondFactorCase

NEW_PASSWORD = "another long password nobody guesses"


def confirm_its_you(client: Client, user: User) -> None:
    """Record in `client`'s session what confirming it's you records (allauth's
    reauthentication, here as if by password). A session made by force_login holds no such
    record, and the address and password pages ask for one first
    (ACCOUNT_REAUTHENTICATION_REQUIRED)."""
    request = HttpRequest()
    request.session = client.session
    request.user = user
    record_authentication(request, user, method="password", reauthenticated=True)
    request.session.save()


def mail_down() -> mock._patch:  # type: ignore[type-arg]
    return mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPException("mail server down"),
    )


class NoticeMailDownTestCase(SecondFactorCase):
    def test_turning_two_factor_off_stands(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        with mail_down(), self.assertLogs("mailsec.accounts.adapter", "ERROR"):
            r = self.thief.post(DEACTIVATE, {"code": self.next_code()})
        self.assertRedirects(r, "/accounts/2fa/", fetch_redirect_response=False)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())

    def test_a_password_change_stands_and_keeps_the_session(self) -> None:
        client = Client()
        client.force_login(self.alice)
        data = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        with mail_down(), self.assertLogs("mailsec.accounts.adapter", "ERROR"):
            r = client.post("/accounts/password/change/", data)
        self.assertEqual(r.status_code, 302)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(NEW_PASSWORD))
        self.assertTrue(signed_in(client))
        self.assertEqual(client.get("/account/").status_code, 200)

    def test_a_sign_in_code_that_cannot_be_sent_still_fails(self) -> None:
        # Someone waits for it: an error page says so, rather than a page "code sent".
        with mail_down(), self.assertRaises(smtplib.SMTPException):
            Client().post("/accounts/login/code/", {"email": "alice@example.org"})


class NoticeTextTestCase(SecondFactorCase):
    def test_the_browsers_words_are_not_in_the_notice(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        mail.outbox.clear()
        agent = "Mozilla/5.0 mailsec: a planned change, confirm at https://evil.example/fix"
        self.thief.post(DEACTIVATE, {"code": self.next_code()}, HTTP_USER_AGENT=agent)
        [notice] = mail.outbox
        self.assertIn("Two-factor sign-in was turned off", notice.body)
        self.assertIn("From the IP address: 127.0.0.1", notice.body)
        self.assertNotIn("evil.example", notice.body)
        self.assertNotIn("Mozilla", notice.body)


class AddressRemovedTestCase(TwoFactorCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        self.confirm_its_you()
        mail.outbox.clear()

    def confirm_its_you(self) -> None:
        self.client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    def remove(self, email: str) -> None:
        r = self.client.post("/accounts/email/", {"action_remove": "", "email": email})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(EmailAddress.objects.filter(email=email).exists())

    def test_the_removed_address_is_told_too(self) -> None:
        EmailAddress.objects.create(user=self.alice, email="alice@home.example", verified=True)
        self.remove("alice@home.example")
        told = {m.to[0]: m for m in mail.outbox}
        self.assertEqual(set(told), {"alice@example.org", "alice@home.example"})
        self.assertIn("This is that address", told["alice@home.example"].body)
        self.assertNotIn("This is that address", told["alice@example.org"].body)
        for m in mail.outbox:
            self.assertIn("The address alice@home.example was removed", m.body)

    def test_the_owners_address_removed_by_a_stolen_session_is_told(self) -> None:
        # The session's own address made the main one, then the owner's removed: the owner
        # hears of it at the address that was taken away.
        thiefs = EmailAddress.objects.create(
            user=self.alice, email="thief@evil.example", verified=True
        )
        self.client.post("/accounts/email/", {"action_primary": "", "email": thiefs.email})
        mail.outbox.clear()
        self.remove("alice@example.org")
        self.assertIn(["alice@example.org"], [m.to for m in mail.outbox])

    def test_an_address_never_verified_is_not_mailed(self) -> None:
        EmailAddress.objects.create(user=self.alice, email="typo@example.net", verified=False)
        self.remove("typo@example.net")
        self.assertEqual([m.to for m in mail.outbox], [["alice@example.org"]])


class ConfirmItsYouTestCase(TwoFactorCase):
    """A session alone (a stolen cookie, an unlocked laptop) changes no address and sets no
    password: those ask to confirm it's you first, by password or a code to a verified address
    (ACCOUNT_REAUTHENTICATION_REQUIRED), right after signing in too."""

    def setUp(self) -> None:
        super().setUp()
        EmailAddress.objects.create(user=self.alice, email="alice@home.example", verified=True)
        self.client.force_login(self.alice)
        mail.outbox.clear()

    def test_managing_addresses_asks_first(self) -> None:
        for action, email in [
            ("action_add", "thief@evil.example"),
            ("action_primary", "alice@home.example"),
            ("action_remove", "alice@home.example"),
        ]:
            with self.subTest(action=action):
                r = self.client.post("/accounts/email/", {action: "", "email": email})
                self.assertEqual(r.status_code, 302)
                self.assertTrue(r["Location"].startswith("/accounts/reauthenticate/"))
        addresses = EmailAddress.objects.filter(user=self.alice)
        self.assertEqual(
            sorted(addresses.values_list("email", "primary")),
            [("alice@example.org", True), ("alice@home.example", False)],
        )
        self.assertEqual(mail.outbox, [])

    def test_setting_a_password_asks_first(self) -> None:
        self.alice.set_unusable_password()
        self.alice.save()
        self.client.force_login(self.alice)
        r = self.client.post(
            "/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        self.assertTrue(r["Location"].startswith("/accounts/reauthenticate/"))
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.has_usable_password())

    def test_then_it_is_done(self) -> None:
        self.client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        self.client.post("/accounts/email/", {"action_remove": "", "email": "alice@home.example"})
        self.assertFalse(EmailAddress.objects.filter(email="alice@home.example").exists())


class HandOverToDeactivatedTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.bobs = Membership.objects.get(team=self.team, user=self.bob)
        self.client.force_login(self.alice)

    def roles(self) -> dict[str, str]:
        return dict(self.team.memberships.values_list("user__username", "role"))

    def test_the_page_refuses(self) -> None:
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        for data in ({}, {"confirm": "yes"}):
            with self.subTest(data=data):
                r = self.client.post(f"/team/members/{self.bobs.code}/owner/", data, follow=True)
                self.assertContains(r, "account is deactivated")
                self.assertEqual(self.roles(), {"alice": "owner", "bob": "member"})

    def test_deactivated_after_the_page_read_it(self) -> None:
        # The membership as the view read it, bob active then; deactivated before the lock.
        self.assertTrue(self.bobs.user.is_active)
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        with self.assertRaises(DeactivatedAccount):
            self.team.hand_over(self.bobs, self.alice)
        self.assertEqual(self.roles(), {"alice": "owner", "bob": "member"})


class HeirTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.vera = User.objects.create_user("vera", "vera@example.org")
        Membership.objects.create(team=self.team, user=self.vera, role=Membership.Role.VIEWER)

    def delete_alice(self) -> dict[str, str]:
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.alice.delete()
        return dict(self.team.memberships.values_list("user__username", "role"))

    def test_an_active_viewer_before_a_deactivated_member(self) -> None:
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        self.assertEqual(self.delete_alice(), {"bob": "member", "vera": "owner"})
        self.assertEqual([m.to for m in mail.outbox], [["vera@example.org"]])

    def test_a_deactivated_member_when_nobody_active_is_left(self) -> None:
        # The team and its domains are kept for the account, should it be reactivated; the
        # account is not mailed (it cannot sign in to the team).
        User.objects.filter(pk__in=[self.bob.pk, self.vera.pk]).update(is_active=False)
        with self.assertLogs("mailsec.accounts.signals", "WARNING"):
            self.assertEqual(self.delete_alice(), {"bob": "owner", "vera": "viewer"})
        self.assertTrue(Team.objects.filter(pk=self.team.pk).exists())
        self.assertEqual(mail.outbox, [])


class TeamNameTestCase(BaseTestCase):
    def test_no_separators_or_invisible_formatting(self) -> None:
        for char in ("\u2028", "\u2029", "\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad"):
            with self.subTest(char=hex(ord(char))):
                form = TeamNameForm({"name": f"Acme{char}Bcc: x@example.org"})
                self.assertFalse(form.is_valid())
                self.assertIn("invisible formatting", form.errors["name"][0])

    def test_joiners_that_scripts_and_emoji_need_are_kept(self) -> None:
        for name in (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "Ops \U0001f469\u200d\U0001f4bb",
        ):
            with self.subTest(name=name):
                self.assertTrue(TeamNameForm({"name": name}).is_valid())

    def test_the_rename_page_refuses(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/team/rename/", {"name": "Acme\u2028Bcc: evil@example.org"})
        self.assertEqual(r.status_code, 400)
        self.team.refresh_from_db()
        self.assertEqual(self.team.name, "alice@example.org's team")
