"""Follow-ups of the s22 account changes (tests/test_accounts_s22_security.py): a sign-up whose
address is confirmed by its code counts as a fresh sign-in for "confirm it's you", as a sign-in
by code does; an operator deleting someone's authenticator app deletes their recovery codes
with it, leaving two-factor sign-in off as allauth's own turn-off does."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.signals import authenticator_removed
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client
from django.test.client import RequestFactory
from playwright.sync_api import Browser

from tests import test_browser_s11_readiness
from tests.test_accounts_s21_mfa import PASSWORD, TwoFactorCase, code_in, signed_in
from tests.test_accounts_s22_security import SECRET, TwoFactorOnCase, asks_to_confirm, later
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations
from tests.test_browser_s22_account import enter_code_then_set_a_password

NEW = "newcomer@example.net"
SET_PASSWORD = "/accounts/password/set/"


def records(client: Client, user: User) -> list[dict]:
    """allauth's record of the sign-in steps taken in `client`'s session."""
    request = RequestFactory().get("/")
    request.session = client.session
    return get_authentication_records(request, user)


class SignUpCountsAsSignInTestCase(TwoFactorCase):
    def sign_up(self, client: Client, email: str = NEW) -> str:
        r = client.post("/accounts/signup/", {"email": email})
        self.assertEqual(r["Location"], "/accounts/code/")
        return code_in(mail.outbox[-1])

    def test_a_first_password_is_set_at_once(self) -> None:
        r = self.client.post("/accounts/code/", {"code": self.sign_up(self.client)})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(signed_in(self.client))
        newcomer = User.objects.get(email=NEW)
        [record] = records(self.client, newcomer)
        self.assertEqual(record["method"], "code")
        self.assertEqual(record["email"], NEW)
        self.assertTrue(record["reauthenticated"])
        self.assertEqual(self.client.get(SET_PASSWORD).status_code, 200)
        r = self.client.post(SET_PASSWORD, {"password1": PASSWORD, "password2": PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(asks_to_confirm(r))
        newcomer.refresh_from_db()
        self.assertTrue(newcomer.check_password(PASSWORD))

    def test_for_the_timeout_only(self) -> None:
        self.client.post("/accounts/code/", {"code": self.sign_up(self.client)})
        with later(account_settings.REAUTHENTICATION_TIMEOUT + 1):
            self.assertTrue(asks_to_confirm(self.client.get(SET_PASSWORD)))

    def test_a_sign_up_left_at_its_code_does_not_count(self) -> None:
        # The account is made at the sign-up; the code is never entered. A session that gets
        # in some other way (force_login: as if taken over) has no sign-in to count: the page
        # is refused (no password, no address proved: nothing to confirm it's you with).
        self.sign_up(self.client)
        newcomer = User.objects.get(email=NEW)
        self.assertFalse(signed_in(self.client))
        self.assertEqual(records(self.client, newcomer), [])
        self.client.force_login(newcomer)
        self.assertEqual(self.client.get(SET_PASSWORD).status_code, 403)

    def test_a_wrong_code_does_not_count(self) -> None:
        code = self.sign_up(self.client)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        self.client.post("/accounts/code/", {"code": wrong})
        newcomer = User.objects.get(email=NEW)
        self.assertFalse(signed_in(self.client))
        self.assertEqual(records(self.client, newcomer), [])

    def test_a_sign_up_with_a_known_address_is_one_sign_in(self) -> None:
        # It signs the account in by the code (mailsec.accounts.views): one step, not two.
        self.client.post("/accounts/code/", {"code": self.sign_up(self.client, self.alice.email)})
        self.assertTrue(signed_in(self.client))
        [record] = records(self.client, self.alice)
        self.assertEqual(record["method"], "code")
        self.assertEqual(self.client.get("/accounts/2fa/totp/activate/").status_code, 200)

    def test_an_address_added_later_is_no_sign_in(self) -> None:
        # Its code proves the new address, not the account: nothing is recorded for it.
        self.client.post("/accounts/code/", {"code": self.sign_up(self.client)})
        newcomer = User.objects.get(email=NEW)
        r = self.client.post("/accounts/email/", {"action_add": "", "email": "n@home.example"})
        self.assertEqual(r["Location"], "/accounts/confirm-email/")
        r = self.client.post("/accounts/confirm-email/", {"code": code_in(mail.outbox[-1])})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(newcomer.emailaddress_set.get(email="n@home.example").verified)
        self.assertEqual(len(records(self.client, newcomer)), 1)


class OperatorRemovesTheAppTestCase(TwoFactorOnCase):
    """Deleting the app alone (the admin's delete page, a shell) deletes the recovery codes
    with it: without the app sign-in asks for no second factor, and codes left behind would
    still confirm it's you and show on the two-factor page as if half on."""

    def setUp(self) -> None:
        super().setUp()
        self.root = User.objects.create_superuser("root", "root@example.net", PASSWORD)
        self.admin = Client()
        self.admin.force_login(self.root)
        # Someone else's, to be left alone.
        TOTP.activate(self.bob, SECRET)
        RecoveryCodes.activate(self.bob)

    def two_factor_page(self) -> str:
        client = Client()
        client.force_login(self.alice)
        return client.get("/accounts/2fa/").content.decode()

    def test_in_the_admin(self) -> None:
        page = self.two_factor_page()
        self.assertIn("Turn two-factor sign-in off", page)
        self.assertIn("10 of 10 left", page)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.admin.post(f"/admin/mfa/authenticator/{self.totp.pk}/delete/", {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        self.assertEqual(Authenticator.objects.filter(user=self.bob).count(), 2)
        page = self.two_factor_page()
        self.assertIn("Turn two-factor sign-in on", page)
        self.assertNotIn("Recovery codes", page)
        self.assertNotIn("Make new recovery codes", page)
        # One notice, which says it is off.
        [notice] = [m for m in mail.outbox if m.to == [self.alice.email]]
        self.assertEqual(notice.subject, "[mailsec] Two-factor sign-in was turned off")

    def test_a_recovery_code_no_longer_confirms_its_you(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(f"/admin/mfa/authenticator/{self.totp.pk}/delete/", {"post": "yes"})
        self.client.force_login(self.alice)
        code = self.codes.get_unused_codes()[0]
        r = self.client.post("/accounts/2fa/reauthenticate/", {"code": code})
        # Sent on to confirm it another way: the codes are no way any more.
        self.assertTrue(asks_to_confirm(r))
        self.assertTrue(asks_to_confirm(self.client.get("/accounts/2fa/totp/activate/")))

    def test_from_a_shell(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            Authenticator.objects.filter(pk=self.totp.pk).delete()
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        self.assertEqual(Authenticator.objects.filter(user=self.bob).count(), 2)

    def test_in_the_same_transaction(self) -> None:
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(RuntimeError),
            transaction.atomic(),
        ):
            self.totp.delete()
            self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
            raise RuntimeError("changed my mind")
        self.assertEqual(Authenticator.objects.filter(user=self.alice).count(), 2)
        self.assertEqual(mail.outbox, [])

    def test_an_operators_own_in_the_admin(self) -> None:
        TOTP.activate(self.root, SECRET)
        RecoveryCodes.activate(self.root)
        totp = Authenticator.objects.get(user=self.root, type=Authenticator.Type.TOTP)
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
        self.assertFalse(Authenticator.objects.filter(user=self.root).exists())

    def test_only_the_recovery_codes_leaves_the_app(self) -> None:
        url = f"/admin/mfa/authenticator/{self.codes.instance.pk}/delete/"
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(url, {"post": "yes"})
        self.assertEqual(
            list(Authenticator.objects.filter(user=self.alice).values_list("type", flat=True)),
            [Authenticator.Type.TOTP],
        )
        self.assertIn("Turn two-factor sign-in off", self.two_factor_page())

    def test_turning_it_off_themselves_is_allauths_as_before(self) -> None:
        # allauth deletes the codes itself, and says so (its authenticator_removed, for each).
        removed: list[str] = []

        def note(sender: object, authenticator: Authenticator, **kwargs: object) -> None:
            removed.append(authenticator.type)

        authenticator_removed.connect(note)
        self.addCleanup(authenticator_removed.disconnect, note)
        self.assertEqual(self.password_sign_in(self.client), "/accounts/2fa/authenticate/")
        self.clock.now += 30
        self.client.post("/accounts/2fa/authenticate/", {"code": self.current_code()})
        self.clock.now += 30
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post("/accounts/2fa/totp/deactivate/", {"code": self.current_code()})
        self.assertEqual(r["Location"], "/accounts/2fa/")
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        self.assertEqual(removed, [Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES])


browser = test_browser_s11_readiness.browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_newcomer_sets_a_password_at_once(browser: Browser, live_server: Any) -> None:
    """In a real browser: sign up, enter the code, set a first password, not asked again."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill(NEW)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/code/")
    enter_code_then_set_a_password(page, live_server.url)
    assert csp_violations(page) == []
    context.close()
