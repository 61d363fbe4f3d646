"""Two-factor sign-in (allauth.mfa: an authenticator app, and recovery codes): turning it on
and off, and every way of signing in asking for the app's code once it is on (the password,
the code emailed from the sign-in page or from its form left without a password, and a
sign-up with the account's address, which mails a sign-in code)."""

from __future__ import annotations

import re
from unittest import mock

from allauth.account import app_settings as account_settings
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse

from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD = "a long password nobody guesses"
AUTHENTICATE = "/accounts/2fa/authenticate/"


def code_in(message: mail.EmailMessage) -> str:
    match = re.search(r"^\s*(\d{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


class Clock:
    """The time allauth's TOTP check reads. Each code is used in a 30-second step of its own:
    allauth refuses a code used once already in its step (a replay)."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@override_settings(CACHES=LOCMEM)
class TwoFactorCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.clock = Clock()
        patcher = mock.patch("allauth.mfa.totp.internal.auth.time", self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        # alice has a password and a verified address (allauth turns two-factor sign-in on
        # only for an account whose addresses are all verified).
        self.alice.set_password(PASSWORD)
        self.alice.save()
        EmailAddress.objects.create(
            user=self.alice, email=self.alice.email, verified=True, primary=True
        )
        self.secret = ""

    def next_code(self) -> str:
        """The app's code in the next 30-second step."""
        self.clock.now += 30
        return format_hotp_value(hotp_value(self.secret, int(self.clock.now) // 30))

    def password_sign_in(self, client: Client, email: str = "alice@example.org") -> str:
        r = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
        self.assertEqual(r.status_code, 302)
        return r["Location"]

    def turn_on(self) -> list[str]:
        """alice turns it on in self.client, confirming it's her with the password first;
        returns the recovery codes shown."""
        self.assertEqual(self.password_sign_in(self.client), "/domains/")
        r = self.client.get("/accounts/2fa/totp/activate/")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/reauthenticate/"), r["Location"])
        r = self.client.post(r["Location"], {"password": PASSWORD})
        self.assertEqual(r.status_code, 302)
        r = self.client.get("/accounts/2fa/totp/activate/")
        self.assertEqual(r.status_code, 200)
        self.secret = self.client.session["mfa.totp.secret"]
        page = r.content.decode()
        self.assertIn('src="data:image/svg+xml;base64,', page)  # the QR code
        self.assertIn(f'<pre class="record" id="totp-secret">{self.secret}</pre>', page)
        r = self.client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
        self.assertContains(r, "Incorrect code.")
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        r = self.client.post("/accounts/2fa/totp/activate/", {"code": self.next_code()})
        self.assertRedirects(r, "/accounts/2fa/recovery-codes/", fetch_redirect_response=False)
        page = self.client.get("/accounts/2fa/recovery-codes/").content.decode()
        codes = re.search(r'<pre class="record" id="recovery-codes">(.*?)</pre>', page, re.S)
        assert codes, page
        return codes.group(1).split()


class TurningItOnAndOffTestCase(TwoFactorCase):
    def test_turning_it_on_shows_the_qr_code_the_secret_and_the_recovery_codes_once(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/account/"), "</a>: off</li>")
        codes = self.turn_on()
        self.assertEqual(len(codes), 10)
        self.assertTrue(all(re.fullmatch(r"\d{8}", code) for code in codes), codes)
        self.assertEqual(
            set(Authenticator.objects.filter(user=self.alice).values_list("type", flat=True)),
            {"totp", "recovery_codes"},
        )
        self.assertContains(self.client.get("/account/"), "</a>: <strong>on</strong></li>")
        # Once only: neither the page nor allauth's download gives them again.
        again = self.client.get("/accounts/2fa/recovery-codes/")
        self.assertEqual(again.status_code, 200)
        for code in codes:
            self.assertNotContains(again, code)
        self.assertEqual(self.client.get("/accounts/2fa/recovery-codes/download/").status_code, 403)

    def test_the_codes_page_offers_them_as_a_text_file(self) -> None:
        self.client.force_login(self.alice)
        self.turn_on()
        Authenticator.objects.filter(type="recovery_codes").delete()
        r = self.client.get("/accounts/2fa/recovery-codes/generate/")  # reauthenticated above
        self.assertEqual(r.status_code, 200)
        r = self.client.post(
            "/accounts/2fa/recovery-codes/generate/", {"code": self.next_code()}, follow=True
        )
        codes = Authenticator.objects.get(type="recovery_codes").wrap().get_unused_codes()
        self.assertContains(r, 'download="mailsec-recovery-codes.txt"')
        self.assertContains(r, f'href="data:text/plain;charset=utf-8,{"%0A".join(codes)}%0A"')

    def test_turning_it_off_needs_confirming_its_you(self) -> None:
        self.client.force_login(self.alice)
        self.turn_on()
        client = Client()
        self.assertEqual(self.password_sign_in(client), AUTHENTICATE)
        client.post(AUTHENTICATE, {"code": self.next_code()})
        self.assertTrue(signed_in(client))
        # Signed in, but longer ago than ACCOUNT_REAUTHENTICATION_TIMEOUT (a sign-in counts as
        # confirming it's you until then: tests/test_accounts_s22_security.py): the page and
        # the form both send to confirming it's you, and nothing is turned off.
        session = client.session
        for record in session[AUTHENTICATION_METHODS_SESSION_KEY]:
            record["at"] -= account_settings.REAUTHENTICATION_TIMEOUT + 1
        session.save()
        r = client.get("/accounts/2fa/totp/deactivate/")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/reauthenticate/"), r["Location"])
        r = client.post("/accounts/2fa/totp/deactivate/")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/reauthenticate/"), r["Location"])
        self.assertTrue(Authenticator.objects.filter(user=self.alice, type="totp").exists())
        # The confirming page offers the app as one way.
        page = client.get(r["Location"])
        self.assertContains(page, "Use your authenticator app instead")
        r = client.post("/accounts/2fa/reauthenticate/", {"code": "000000"})
        self.assertContains(r, "Incorrect code.")
        client.post("/accounts/2fa/reauthenticate/", {"code": self.next_code()})
        self.assertContains(client.get("/accounts/2fa/totp/deactivate/"), "Turn off")
        # And the app's code once more (tests/test_accounts_s21_mfa_hardening.py).
        r = client.post("/accounts/2fa/totp/deactivate/", {"code": self.next_code()})
        self.assertRedirects(r, "/accounts/2fa/", fetch_redirect_response=False)
        # The recovery codes go with the app.
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        self.assertContains(client.get("/account/"), "</a>: off</li>")
        self.assertEqual(self.password_sign_in(Client()), "/domains/")

    def test_not_while_an_address_waits_for_its_code(self) -> None:
        # allauth's rule: else someone who signed up with another's address, unverified,
        # could lock its owner out.
        EmailAddress.objects.create(user=self.alice, email="new@example.org", verified=False)
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/2fa/totp/activate/", follow=True)
        self.assertRedirects(r, "/accounts/2fa/")
        self.assertContains(r, "You cannot activate two-factor authentication until you have")
        self.assertNotContains(r, "totp-secret")

    def test_signed_out_its_pages_send_to_sign_in(self) -> None:
        for name in (
            "mfa_index",
            "mfa_activate_totp",
            "mfa_deactivate_totp",
            "mfa_view_recovery_codes",
            "mfa_generate_recovery_codes",
            "mfa_download_recovery_codes",
            "mfa_reauthenticate",
            "mfa_authenticate",
        ):
            with self.subTest(name=name):
                r = self.client.get(reverse(name))
                self.assertEqual(r.status_code, 302)
                self.assertTrue(r["Location"].startswith("/accounts/login/"), r["Location"])

    def test_only_the_app_and_recovery_codes_are_offered(self) -> None:
        # No security keys (WebAuthn): their pages are not mounted.
        for name in ("mfa_add_webauthn", "mfa_list_webauthn", "mfa_trust"):
            with self.subTest(name=name), self.assertRaises(NoReverseMatch):
                reverse(name)


class SigningInTestCase(TwoFactorCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        self.recovery_codes = self.turn_on()
        self.client.logout()

    def assert_asks_for_the_app(self, client: Client, location: str) -> None:
        """After the first step: the second is asked, wrong codes are refused, the right one
        signs in."""
        self.assertEqual(location, AUTHENTICATE)
        self.assertFalse(signed_in(client))
        self.assertEqual(client.get("/domains/").status_code, 302)
        self.assertContains(client.get(AUTHENTICATE), "Authenticator or recovery code")
        r = client.post(AUTHENTICATE, {"code": "000000"})
        self.assertContains(r, "Incorrect code.")
        self.assertFalse(signed_in(client))
        r = client.post(AUTHENTICATE, {"code": self.next_code()})
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(client.session["_auth_user_id"], str(self.alice.pk))

    def test_with_the_password(self) -> None:
        client = Client()
        self.assert_asks_for_the_app(client, self.password_sign_in(client))

    def test_with_a_code_from_the_sign_in_code_page(self) -> None:
        client = Client()
        r = client.post("/accounts/login/code/", {"email": "alice@example.org"})
        r = client.post(r["Location"], {"code": code_in(mail.outbox[-1])})
        self.assertEqual(r.status_code, 302)
        self.assert_asks_for_the_app(client, r["Location"])

    def test_with_a_code_from_the_sign_in_form_left_without_a_password(self) -> None:
        client = Client()
        r = client.post("/accounts/login/", {"login": "alice@example.org", "password": ""})
        r = client.post(r["Location"], {"code": code_in(mail.outbox[-1])})
        self.assertEqual(r.status_code, 302)
        self.assert_asks_for_the_app(client, r["Location"])

    def test_with_the_sign_in_code_a_sign_up_with_the_address_mails(self) -> None:
        client = Client()
        r = client.post("/accounts/signup/", {"email": "alice@example.org"})
        self.assertEqual(r["Location"], "/accounts/code/")
        r = client.post("/accounts/code/", {"code": code_in(mail.outbox[-1])})
        self.assertEqual(r.status_code, 302)
        self.assert_asks_for_the_app(client, r["Location"])

    def test_a_recovery_code_signs_in_once(self) -> None:
        code = self.recovery_codes[3]
        client = Client()
        self.assertEqual(self.password_sign_in(client), AUTHENTICATE)
        r = client.post(AUTHENTICATE, {"code": code})
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertTrue(signed_in(client))
        client = Client()
        self.assertEqual(self.password_sign_in(client), AUTHENTICATE)
        r = client.post(AUTHENTICATE, {"code": code})
        self.assertContains(r, "Incorrect code.")
        self.assertFalse(signed_in(client))
        # Another one still works, and the page says how many are left.
        client.post(AUTHENTICATE, {"code": self.recovery_codes[4]})
        self.assertTrue(signed_in(client))
        self.assertContains(client.get("/accounts/2fa/"), "8 of 10 left.")

    def test_cancel_ends_the_sign_in(self) -> None:
        client = Client()
        self.assertEqual(self.password_sign_in(client), AUTHENTICATE)
        client.post("/accounts/logout/", {"next": "/accounts/login/"})
        r = client.post(AUTHENTICATE, {"code": self.next_code()})
        self.assertRedirects(r, "/accounts/login/", fetch_redirect_response=False)
        self.assertFalse(signed_in(client))

    def test_wrong_codes_are_rate_limited(self) -> None:
        # allauth's "login_failed" limit, per account: 5 wrong codes in 5 minutes, then even
        # the right one is refused.
        client = Client()
        self.assertEqual(self.password_sign_in(client), AUTHENTICATE)
        for _ in range(5):
            self.assertContains(client.post(AUTHENTICATE, {"code": "000000"}), "Incorrect code.")
        r = client.post(AUTHENTICATE, {"code": self.next_code()})
        self.assertContains(r, "Too many failed login attempts")
        self.assertFalse(signed_in(client))

    def test_someone_without_it_signs_in_as_before(self) -> None:
        self.bob.set_password(PASSWORD)
        self.bob.save()
        EmailAddress.objects.create(
            user=self.bob, email=self.bob.email, verified=True, primary=True
        )
        client = Client()
        self.assertEqual(self.password_sign_in(client, "bob@example.org"), "/domains/")
        self.assertEqual(client.session["_auth_user_id"], str(self.bob.pk))
        client = Client()
        r = client.post("/accounts/login/code/", {"email": "bob@example.org"})
        r = client.post(r["Location"], {"code": code_in(mail.outbox[-1])})
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(client.session["_auth_user_id"], str(self.bob.pk))
