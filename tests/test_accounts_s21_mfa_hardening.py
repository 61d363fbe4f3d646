"""Two-factor sign-in, hardened: while it is on, turning it off or making new recovery codes
takes the second factor itself (the app's code or an unused recovery code), not only
confirming it's you, which a signed-in session and the mailbox can do (an emailed code). And
security notices: a mail to the account when its password, addresses or second factor
change, saying what to do if it was not them."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import mail
from django.http import HttpResponse
from django.test import Client, override_settings

from tests.test_accounts_s21_mfa import PASSWORD, TwoFactorCase, code_in

DEACTIVATE = "/accounts/2fa/totp/deactivate/"
GENERATE = "/accounts/2fa/recovery-codes/generate/"


class SecondFactorCase(TwoFactorCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        self.recovery_codes = self.turn_on()
        self.client.logout()
        # Someone else's browser with alice's session in it (a stolen cookie, an unlocked
        # laptop), and alice's mailbox.
        self.thief = Client()
        self.thief.force_login(self.alice)

    def confirm_by_emailed_code(self, client: Client) -> None:
        mail.outbox.clear()
        client.post("/accounts/reauthenticate/code/", {"recipient": "alice@example.org"})
        r = client.post(
            "/accounts/reauthenticate/code/confirm/", {"code": code_in(mail.outbox[-1])}
        )
        self.assertEqual(r.status_code, 302, r.content.decode())

    def has(self, kind: str) -> bool:
        return Authenticator.objects.filter(user=self.alice, type=kind).exists()


class TurningItOffTestCase(SecondFactorCase):
    def test_a_session_and_the_mailbox_do_not_turn_it_off(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        page = self.thief.get(DEACTIVATE)
        self.assertContains(page, "Authenticator or recovery code")
        # The page before posting shows no error yet.
        self.assertNotContains(page, "errorlist")
        for data in ({}, {"code": ""}, {"code": "000000"}, {"code": "12345678"}):
            with self.subTest(data=data):
                r = self.thief.post(DEACTIVATE, data)
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "errorlist")
        self.assertTrue(self.has("totp"))
        self.assertTrue(self.has("recovery_codes"))

    def test_the_apps_code_turns_it_off(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        r = self.thief.post(DEACTIVATE, {"code": self.next_code()})
        self.assertRedirects(r, "/accounts/2fa/", fetch_redirect_response=False)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())

    def test_an_unused_recovery_code_turns_it_off(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        r = self.thief.post(DEACTIVATE, {"code": self.recovery_codes[0]})
        self.assertRedirects(r, "/accounts/2fa/", fetch_redirect_response=False)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())

    def test_a_used_recovery_code_does_not(self) -> None:
        client = Client()
        self.assertEqual(self.password_sign_in(client), "/accounts/2fa/authenticate/")
        client.post("/accounts/2fa/authenticate/", {"code": self.recovery_codes[0]})
        self.confirm_by_emailed_code(client)
        r = client.post(DEACTIVATE, {"code": self.recovery_codes[0]})
        self.assertContains(r, "Incorrect code.")
        self.assertTrue(self.has("totp"))

    def test_wrong_codes_count_against_the_sign_in_limit(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        for _ in range(5):
            self.assertContains(self.thief.post(DEACTIVATE, {"code": "000000"}), "Incorrect code.")
        r = self.thief.post(DEACTIVATE, {"code": self.next_code()})
        self.assertNotContains(r, "Incorrect code.")
        self.assertContains(r, "errorlist")
        self.assertTrue(self.has("totp"))


class NewRecoveryCodesTestCase(SecondFactorCase):
    def test_a_session_and_the_mailbox_do_not_make_new_codes(self) -> None:
        before = Authenticator.objects.get(user=self.alice, type="recovery_codes").pk
        self.confirm_by_emailed_code(self.thief)
        self.assertContains(self.thief.get(GENERATE), "Authenticator or recovery code")
        for data in ({}, {"code": "000000"}):
            with self.subTest(data=data):
                r = self.thief.post(GENERATE, data)
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "errorlist")
        self.assertEqual(
            Authenticator.objects.get(user=self.alice, type="recovery_codes").pk, before
        )

    def test_the_apps_code_makes_new_codes(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        r = self.thief.post(GENERATE, {"code": self.next_code()})
        self.assertRedirects(r, "/accounts/2fa/recovery-codes/", fetch_redirect_response=False)
        codes = Authenticator.objects.get(user=self.alice, type="recovery_codes").wrap()
        self.assertNotIn(self.recovery_codes[1], codes.get_unused_codes())

    def test_a_recovery_code_makes_new_codes_and_is_spent(self) -> None:
        self.confirm_by_emailed_code(self.thief)
        r = self.thief.post(GENERATE, {"code": self.recovery_codes[1]})
        self.assertRedirects(r, "/accounts/2fa/recovery-codes/", fetch_redirect_response=False)
        client = Client()
        self.assertEqual(self.password_sign_in(client), "/accounts/2fa/authenticate/")
        r = client.post("/accounts/2fa/authenticate/", {"code": self.recovery_codes[1]})
        self.assertContains(r, "Incorrect code.")


NEW_PASSWORD = "another long password nobody guesses"


class SecurityNoticesTestCase(TwoFactorCase):
    """Each change mails the account one notice in our words (ACCOUNT_EMAIL_NOTIFICATIONS)."""

    def assert_notice(self, subject: str, words: str, to: str = "alice@example.org") -> None:
        notices = [m for m in mail.outbox if "If it was not you" in m.body]
        self.assertEqual(len(notices), 1, [m.subject for m in mail.outbox])
        notice = notices[0]
        self.assertEqual(notice.subject, f"[mailsec] {subject}")
        self.assertEqual(notice.to, [to])
        self.assertIn(words, notice.body)
        self.assertIn("If it was you, there is nothing to do.", notice.body)
        # What to do: sign in with a code sent to the address, and where to look then.
        self.assertIn(f"{settings.SITE_ROOT}/accounts/login/code/", notice.body)
        self.assertIn("set a new password and check your addresses and two-factor", notice.body)
        self.assertIn("When: ", notice.body)
        self.assertIn("From the IP address: 127.0.0.1", notice.body)
        self.assertNotIn("{{", notice.body)
        self.assertNotIn("&#", notice.body)  # not HTML-escaped

    def confirm_its_you(self) -> None:
        # Managing addresses and setting a password ask for it first
        # (ACCOUNT_REAUTHENTICATION_REQUIRED), right after signing in too.
        r = self.client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        self.assertEqual(r.status_code, 302)

    def confirm_its_you_by_code(self) -> None:
        self.client.post("/accounts/reauthenticate/code/", {"recipient": "alice@example.org"})
        r = self.client.post(
            "/accounts/reauthenticate/code/confirm/", {"code": code_in(mail.outbox[-1])}
        )
        self.assertEqual(r.status_code, 302)

    def test_password_changed(self) -> None:
        self.client.force_login(self.alice)
        mail.outbox.clear()
        r = self.client.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        self.assertEqual(r.status_code, 302)
        self.assert_notice(
            "Your password was changed",
            "The password of your mailsec account at 127.0.0.1:8000 was changed.",
        )

    def test_password_set(self) -> None:
        self.alice.set_unusable_password()
        self.alice.save()
        self.client.force_login(self.alice)
        self.confirm_its_you_by_code()
        mail.outbox.clear()
        r = self.client.post(
            "/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        self.assertEqual(r.status_code, 302)
        self.assert_notice(
            "A password was set on your account",
            "A password was set on your mailsec account at 127.0.0.1:8000",
        )

    def test_password_reset(self) -> None:
        client = Client()
        client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        client.post("/accounts/password/reset/confirm/", {"code": code_in(mail.outbox[-1])})
        mail.outbox.clear()
        r = client.post(
            "/accounts/password/reset/complete/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        self.assertEqual(r["Location"], "/accounts/password/reset/done/")
        self.assert_notice(
            "Your password was reset",
            "The password of your mailsec account at 127.0.0.1:8000 was reset with a code",
        )

    def test_main_address_changed_tells_the_old_one(self) -> None:
        EmailAddress.objects.create(user=self.alice, email="new@example.org", verified=True)
        self.client.force_login(self.alice)
        self.confirm_its_you()
        mail.outbox.clear()
        self.client.post("/accounts/email/", {"email": "new@example.org", "action_primary": ""})
        self.assertTrue(EmailAddress.objects.get(email="new@example.org").primary)
        self.assert_notice(
            "Your account's address was changed",
            "changed from alice@example.org to new@example.org. Emails from mailsec now go "
            "to new@example.org.",
        )

    def test_address_removed(self) -> None:
        EmailAddress.objects.create(user=self.alice, email="old@example.org", verified=True)
        self.client.force_login(self.alice)
        self.confirm_its_you()
        mail.outbox.clear()
        self.client.post("/accounts/email/", {"email": "old@example.org", "action_remove": ""})
        self.assertFalse(EmailAddress.objects.filter(email="old@example.org").exists())
        # The removed address is told too (tests/test_accounts_s21_security.py).
        [told] = [m for m in mail.outbox if m.to == ["old@example.org"]]
        mail.outbox.remove(told)
        self.assert_notice(
            "An address was removed from your account",
            "The address old@example.org was removed from your mailsec account at 127.0.0.1:8000.",
        )

    def run_after_commit(self, callbacks: list[Callable[[], None]], r: HttpResponse) -> None:
        """allauth sends these once the change is committed, within the request; a TestCase
        commits nothing, so they are run here, as within the request `r` answered."""
        with context.request_context(r.wsgi_request):  # type: ignore[attr-defined]
            for callback in callbacks:
                callback()

    def test_two_factor_on_new_codes_and_off(self) -> None:
        self.client.force_login(self.alice)
        mail.outbox.clear()
        with self.captureOnCommitCallbacks() as callbacks:
            self.turn_on()
        self.run_after_commit(callbacks, self.client.get("/accounts/2fa/"))
        self.assert_notice(
            "Two-factor sign-in was turned on",
            "Two-factor sign-in was turned on for your mailsec account at 127.0.0.1:8000",
        )
        mail.outbox.clear()
        with self.captureOnCommitCallbacks() as callbacks:
            r = self.client.post(GENERATE, {"code": self.next_code()})
        self.run_after_commit(callbacks, r)
        self.assert_notice("New recovery codes were made", "The old ones no longer work.")
        mail.outbox.clear()
        self.client.post(DEACTIVATE, {"code": self.next_code()})
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        self.assert_notice(
            "Two-factor sign-in was turned off",
            "signing in now takes only the password or a code we email",
        )

    def test_not_sent_with_the_setting_off(self) -> None:
        # The notices are allauth's to send: this setting alone turns them off.
        with override_settings(ACCOUNT_EMAIL_NOTIFICATIONS=False):
            self.client.force_login(self.alice)
            mail.outbox.clear()
            self.client.post(
                "/accounts/password/change/",
                {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            )
        self.assertEqual(mail.outbox, [])
