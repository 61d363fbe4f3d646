"""Two-factor sign-in, hardened: while it is on, turning it off or making new recovery codes
takes the second factor itself (the app's code or an unused recovery code), not only
confirming it's you, which a signed-in session and the mailbox can do (an emailed code). And
security notices: a mail to the account when its password, addresses or second factor
change, saying what to do if it was not them."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from tests.test_accounts_s21_mfa import TwoFactorCase, code_in

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
