"""Account security items left from s22 (tests/test_accounts_s22_security.py, _followups.py): a
sign-up whose code is entered at allauth's own /accounts/confirm-email/ counts as a fresh
sign-in as one entered at /accounts/code/ does; the app's code used a moment ago reads "wait
for the next one" on allauth's two-factor sign-in and confirm-it's-you pages too, as on the
turn-off and new-codes forms; an operator deleting their own authenticators in the admin is
told, as anyone whose second factor goes is."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.test_accounts_s21_mfa import AUTHENTICATE, PASSWORD, TwoFactorCase, code_in, signed_in
from tests.test_accounts_s22_followups import NEW, SET_PASSWORD, records
from tests.test_accounts_s22_security import SECRET, TwoFactorOnCase, asks_to_confirm, later

ALLAUTHS_CODE_PAGE = "/accounts/confirm-email/"
OUR_CODE_PAGE = "/accounts/code/"
REAUTHENTICATE = "/accounts/2fa/reauthenticate/"
WAIT = "This code was just used. Wait for your authenticator app to show the next one"


class SignUpOnAllauthsCodePageTestCase(TwoFactorCase):
    """allauth's sign-in and sign-up pages send a pending sign-up to its own code page,
    /accounts/confirm-email/ (our template posts from there to /accounts/code/, but the URL
    takes the code itself as well): the same fresh sign-in either way."""

    def sign_up(self, client: Client, email: str = NEW) -> str:
        r = client.post("/accounts/signup/", {"email": email})
        self.assertEqual(r["Location"], OUR_CODE_PAGE)
        return code_in(mail.outbox[-1])

    def test_a_first_password_is_set_at_once(self) -> None:
        r = self.client.post(ALLAUTHS_CODE_PAGE, {"code": self.sign_up(self.client)})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(signed_in(self.client))
        newcomer = User.objects.get(email=NEW)
        [record] = records(self.client, newcomer)
        self.assertEqual(record["method"], "code")
        self.assertEqual(record["email"], NEW)
        self.assertTrue(record["reauthenticated"])
        r = self.client.post(SET_PASSWORD, {"password1": PASSWORD, "password2": PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(asks_to_confirm(r))
        newcomer.refresh_from_db()
        self.assertTrue(newcomer.check_password(PASSWORD))

    def test_both_code_pages_record_the_same(self) -> None:
        seen = {}
        for url, email in ((OUR_CODE_PAGE, NEW), (ALLAUTHS_CODE_PAGE, "other@example.net")):
            with self.subTest(url=url):
                client = Client()
                r = client.post(url, {"code": self.sign_up(client, email)})
                self.assertEqual(r["Location"], "/domains/")
                [record] = records(client, User.objects.get(email=email))
                seen[url] = {k: v for k, v in record.items() if k not in ("at", "email")}
                self.assertEqual(record["email"], email)
                self.assertEqual(client.get(SET_PASSWORD).status_code, 200)
                with later(account_settings.REAUTHENTICATION_TIMEOUT + 1):
                    self.assertTrue(asks_to_confirm(client.get(SET_PASSWORD)))
        self.assertEqual(seen[OUR_CODE_PAGE], seen[ALLAUTHS_CODE_PAGE])

    def test_a_wrong_code_there_does_not_count(self) -> None:
        code = self.sign_up(self.client)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        self.client.post(ALLAUTHS_CODE_PAGE, {"code": wrong})
        self.assertFalse(signed_in(self.client))
        self.assertEqual(records(self.client, User.objects.get(email=NEW)), [])

    def test_a_sign_in_by_code_is_still_one_record(self) -> None:
        # Its code verifies an unverified address too (allauth's verify_email_indirectly):
        # that is the sign-in's step, not a second one.
        self.alice.emailaddress_set.update(verified=False)
        r = self.client.post("/accounts/login/code/", {"email": self.alice.email})
        r = self.client.post(r["Location"], {"code": code_in(mail.outbox[-1])})
        self.assertEqual(r["Location"], "/domains/")
        self.assertTrue(self.alice.emailaddress_set.get().verified)
        [record] = records(self.client, self.alice)
        self.assertEqual(record["method"], "code")


class CodeJustUsedOnAllauthsPagesTestCase(TwoFactorOnCase):
    """The app's code of this moment, entered a second time (another tab, a second device,
    the sign-in just before): refused as a replay, in the words the turn-off form uses."""

    def setUp(self) -> None:
        super().setUp()
        self.clock.now += 30
        self.code = self.current_code()

    def test_two_factor_sign_in(self) -> None:
        first = Client()
        self.assertEqual(self.password_sign_in(first), AUTHENTICATE)
        self.assertEqual(first.post(AUTHENTICATE, {"code": self.code})["Location"], "/domains/")
        self.assertEqual(self.password_sign_in(self.client), AUTHENTICATE)
        r = self.client.post(AUTHENTICATE, {"code": self.code})
        self.assertContains(r, WAIT)
        self.assertContains(r, "a new code comes every 30 seconds")
        self.assertNotContains(r, "Incorrect code.")
        self.assertContains(r, 'aria-invalid="true"')
        self.assertFalse(signed_in(self.client))
        # The next code signs in, as before.
        self.clock.now += 30
        r = self.client.post(AUTHENTICATE, {"code": self.current_code()})
        self.assertEqual(r["Location"], "/domains/")

    def test_confirming_its_you(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(REAUTHENTICATE, {"code": self.code})
        self.assertEqual(r.status_code, 302)
        r = self.client.post(REAUTHENTICATE, {"code": self.code})
        self.assertContains(r, WAIT)
        self.assertNotContains(r, "Incorrect code.")

    def test_a_wrong_code_is_still_incorrect(self) -> None:
        wrong = f"{(int(self.code) + 1) % 1_000_000:06d}"
        self.assertEqual(self.password_sign_in(self.client), AUTHENTICATE)
        r = self.client.post(AUTHENTICATE, {"code": wrong})
        self.assertContains(r, "Incorrect code.")
        self.assertNotContains(r, WAIT)
        self.client.force_login(self.alice)
        r = self.client.post(REAUTHENTICATE, {"code": wrong})
        self.assertContains(r, "Incorrect code.")
        self.assertNotContains(r, WAIT)

    def test_a_recovery_code_used_once_is_still_incorrect(self) -> None:
        # Spent for good, not a code of the moment: nothing to wait for.
        code = self.codes.get_unused_codes()[0]
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(REAUTHENTICATE, {"code": code}).status_code, 302)
        r = self.client.post(REAUTHENTICATE, {"code": code})
        self.assertContains(r, "Incorrect code.")
        self.assertNotContains(r, WAIT)


class OperatorRemovesTheirOwnTestCase(TwoFactorOnCase):
    """An operator deleting their own authenticators in the admin is told as anyone else is:
    a session of theirs taken over could do it, and it is not allauth's turn-off, which
    tells them itself."""

    def setUp(self) -> None:
        super().setUp()
        self.root = User.objects.create_superuser("root", "root@example.net", PASSWORD)
        self.root.emailaddress_set.create(email=self.root.email, verified=True, primary=True)
        self.roots_app = TOTP.activate(self.root, SECRET).instance
        self.roots_codes = RecoveryCodes.activate(self.root).instance
        self.admin = Client()
        self.admin.force_login(self.root)
        mail.outbox.clear()

    def notices(self) -> list[mail.EmailMessage]:
        return [m for m in mail.outbox if m.to == [self.root.email]]

    def test_the_app(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            r = self.admin.post(
                f"/admin/mfa/authenticator/{self.roots_app.pk}/delete/", {"post": "yes"}
            )
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Authenticator.objects.filter(user=self.root).exists())
        [notice] = self.notices()
        self.assertEqual(notice.subject, "[mailsec] Two-factor sign-in was turned off")
        # Not "by whoever runs mailsec, not from your account": it was, in the admin.
        self.assertIn("in mailsec's admin pages, signed in as you", notice.body)
        self.assertNotIn("not from your account", notice.body)
        self.assertIn("If it was not you", notice.body)

    def test_both_at_once_is_one_notice(self) -> None:
        data = {
            "action": "delete_selected",
            "_selected_action": [self.roots_app.pk, self.roots_codes.pk],
            "post": "yes",
        }
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post("/admin/mfa/authenticator/", data)
        [notice] = self.notices()
        self.assertEqual(notice.subject, "[mailsec] Two-factor sign-in was turned off")

    def test_only_the_recovery_codes(self) -> None:
        url = f"/admin/mfa/authenticator/{self.roots_codes.pk}/delete/"
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(url, {"post": "yes"})
        [notice] = self.notices()
        self.assertEqual(notice.subject, "[mailsec] Your recovery codes were removed")
        self.assertIn("in mailsec's admin pages, signed in as you", notice.body)

    def test_someone_elses_still_reads_as_the_operators(self) -> None:
        alices = Authenticator.objects.get(user=self.alice, type=Authenticator.Type.TOTP)
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(f"/admin/mfa/authenticator/{alices.pk}/delete/", {"post": "yes"})
        self.assertEqual(self.notices(), [])
        [notice] = [m for m in mail.outbox if m.to == [self.alice.email]]
        self.assertIn("by whoever runs mailsec, not from your account", notice.body)


class RemovedAddressOnAllauthsCodePageTestCase(TwoFactorCase):
    """A sign-up with an address that has an account gets a sign-in code; if the owner
    removes that address before the code is entered, the code opens nothing, on allauth's
    own code page as on ours (it put the address back, verified, and signed the account in)."""

    def test_the_code_opens_nothing_on_either_page(self) -> None:
        for url in (OUR_CODE_PAGE, ALLAUTHS_CODE_PAGE):
            with self.subTest(url=url):
                cache.clear()  # the per-address limit of one code mail per 10 s
                self.alice.emailaddress_set.all().delete()
                self.alice.emailaddress_set.create(
                    email="alice@example.org", verified=True, primary=True
                )
                User.objects.filter(pk=self.alice.pk).update(email="alice@example.org")
                client = Client()
                r = client.post("/accounts/signup/", {"email": "alice@example.org"})
                self.assertEqual(r.get("Location"), OUR_CODE_PAGE, r.content.decode()[-1500:])
                code = code_in(mail.outbox[-1])
                # Alice moves to another address and removes this one.
                self.alice.emailaddress_set.all().delete()
                self.alice.emailaddress_set.create(
                    email="alice@new.example", verified=True, primary=True
                )
                User.objects.filter(pk=self.alice.pk).update(email="alice@new.example")
                client.post(url, {"code": code})
                self.assertFalse(signed_in(client))
                self.assertEqual(
                    list(self.alice.emailaddress_set.values_list("email", flat=True)),
                    ["alice@new.example"],
                )
