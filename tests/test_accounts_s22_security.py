"""Account security rough edges: a fresh sign-in counts as confirming it's you (for
ACCOUNT_REAUTHENTICATION_TIMEOUT, no longer); no "Make owner" that cannot work for a
deactivated member; a notice when whoever runs mailsec removes someone's two-factor sign-in in
the admin (once, and not a second one when they turn it off themselves); a code just used to
confirm it's you is refused with words that say to wait for the next one."""

from __future__ import annotations

import time
from unittest import mock

from allauth.account import app_settings as account_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client

from mailsec.accounts.models import Membership
from tests.conftest import BaseTestCase
from tests.test_accounts_s21_mfa import PASSWORD, TwoFactorCase, code_in, signed_in

DEACTIVATE = "/accounts/2fa/totp/deactivate/"
GENERATE = "/accounts/2fa/recovery-codes/generate/"
ACTIVATE = "/accounts/2fa/totp/activate/"
SECRET = "JBSWY3DPEHPK3PXP"


def asks_to_confirm(r) -> bool:  # type: ignore[no-untyped-def]
    return r.status_code == 302 and r["Location"].startswith("/accounts/reauthenticate/")


def later(seconds: float) -> mock._patch:  # type: ignore[type-arg]
    """allauth's reauthentication check reading the clock `seconds` from now."""
    clock = mock.Mock()
    clock.time.return_value = time.time() + seconds
    return mock.patch("allauth.account.internal.flows.reauthentication.time", clock)


class TwoFactorOnCase(TwoFactorCase):
    """alice has an authenticator app (SECRET) and recovery codes, set up directly: turning
    it on through the pages is tests/test_accounts_s21_mfa.py's."""

    def setUp(self) -> None:
        super().setUp()
        self.secret = SECRET
        self.totp = TOTP.activate(self.alice, SECRET).instance
        self.codes = RecoveryCodes.activate(self.alice)
        mail.outbox.clear()

    def current_code(self) -> str:
        return format_hotp_value(hotp_value(SECRET, int(self.clock.now) // 30))


class FreshSignInTestCase(TwoFactorCase):
    """Signing in proves it's you as much as confirming it does: the pages that ask for it
    open at once for ACCOUNT_REAUTHENTICATION_TIMEOUT after the sign-in, and ask after."""

    def code_sign_in(self, client: Client) -> None:
        r = client.post("/accounts/login/code/", {"email": "alice@example.org"})
        r = client.post(r["Location"], {"code": code_in(mail.outbox[-1])})
        self.assertEqual(r["Location"], "/domains/")

    def test_by_code_a_first_password_is_set_at_once(self) -> None:
        self.alice.set_unusable_password()
        self.alice.save()
        self.code_sign_in(self.client)
        self.assertEqual(self.client.get("/accounts/password/set/").status_code, 200)
        with later(account_settings.REAUTHENTICATION_TIMEOUT + 1):
            self.assertTrue(asks_to_confirm(self.client.get("/accounts/password/set/")))

    def test_by_code_an_address_is_added_at_once(self) -> None:
        self.code_sign_in(self.client)
        r = self.client.post("/accounts/email/", {"action_add": "", "email": "a@home.example"})
        # On to the code mailed to the new address, not to confirming it's you.
        self.assertEqual(r["Location"], "/accounts/confirm-email/")
        self.assertEqual(mail.outbox[-1].to, ["a@home.example"])

    def test_by_password_two_factor_is_turned_on_at_once(self) -> None:
        self.assertEqual(self.password_sign_in(self.client), "/domains/")
        self.assertEqual(self.client.get(ACTIVATE).status_code, 200)

    def test_signed_in_long_ago_asks_again(self) -> None:
        self.assertEqual(self.password_sign_in(self.client), "/domains/")
        with later(account_settings.REAUTHENTICATION_TIMEOUT + 1):
            self.assertTrue(asks_to_confirm(self.client.get(ACTIVATE)))
            r = self.client.post("/accounts/email/", {"action_add": "", "email": "a@x.example"})
            self.assertTrue(asks_to_confirm(r))

    def test_a_session_without_a_sign_in_still_asks(self) -> None:
        # A session cookie alone (force_login: no sign-in recorded in it).
        self.client.force_login(self.alice)
        self.assertTrue(asks_to_confirm(self.client.get(ACTIVATE)))

    def test_a_sign_in_stopped_at_the_second_step_does_not_count(self) -> None:
        TOTP.activate(self.alice, SECRET)
        self.assertEqual(self.password_sign_in(self.client), "/accounts/2fa/authenticate/")
        self.assertFalse(signed_in(self.client))
        self.client.force_login(self.alice)  # as if a session were taken over meanwhile
        self.assertTrue(asks_to_confirm(self.client.get(DEACTIVATE)))


class FreshTwoFactorSignInTestCase(TwoFactorOnCase):
    def test_by_password_and_app_its_pages_open_at_once(self) -> None:
        self.assertEqual(self.password_sign_in(self.client), "/accounts/2fa/authenticate/")
        self.clock.now += 30
        r = self.client.post("/accounts/2fa/authenticate/", {"code": self.current_code()})
        self.assertEqual(r["Location"], "/domains/")
        for url in (DEACTIVATE, GENERATE):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        with later(account_settings.REAUTHENTICATION_TIMEOUT + 1):
            self.assertTrue(asks_to_confirm(self.client.get(DEACTIVATE)))


class MakeOwnerDeactivatedTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.bobs = Membership.objects.get(team=self.team, user=self.bob)
        self.client.force_login(self.alice)

    def test_no_button_that_cannot_work(self) -> None:
        action = f'action="/team/members/{self.bobs.code}/owner/"'
        self.assertContains(self.client.get("/team/"), action)
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        page = self.client.get("/team/")
        self.assertNotContains(page, action)
        self.assertContains(page, "Can't be made the owner: this account is deactivated.")
        # The rest of the owner's actions on bob stay: a deactivated account can be removed.
        self.assertContains(page, f'action="/team/members/{self.bobs.code}/remove/"')


class OperatorRemovesTwoFactorTestCase(TwoFactorOnCase):
    """Whoever runs mailsec deletes someone's authenticators in the admin (they lost their
    phone and asked, or an account looked taken over): the account is told, as when its
    owner turns it off."""

    def setUp(self) -> None:
        super().setUp()
        self.root = User.objects.create_superuser("root", "root@example.net", PASSWORD)
        self.admin = Client()
        self.admin.force_login(self.root)

    def notices(self) -> list[mail.EmailMessage]:
        return [m for m in mail.outbox if m.to == ["alice@example.org"]]

    def test_deleting_the_app_in_the_admin_tells_them(self) -> None:
        url = f"/admin/mfa/authenticator/{self.totp.pk}/delete/"
        with self.captureOnCommitCallbacks(execute=True):
            r = self.admin.post(url, {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        [notice] = self.notices()
        self.assertEqual(notice.subject, "[mailsec] Two-factor sign-in was turned off")
        self.assertIn(
            "Two-factor sign-in was turned off for your mailsec account at 127.0.0.1:8000 by "
            "whoever runs mailsec",
            notice.body,
        )
        self.assertIn("http://127.0.0.1:8000/accounts/2fa/", notice.body)
        self.assertIn("When: ", notice.body)
        # The operator's address is not the account's business, nor a clue to its owner.
        self.assertNotIn("IP address", notice.body)
        self.assertNotIn("{{", notice.body)
        self.assertEqual(notice.extra_headers["Auto-Submitted"], "auto-generated")

    def test_deleting_both_at_once_is_one_notice(self) -> None:
        data = {
            "action": "delete_selected",
            "_selected_action": [self.totp.pk, self.codes.instance.pk],
            "post": "yes",
        }
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post("/admin/mfa/authenticator/", data)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        [notice] = self.notices()
        self.assertIn("Two-factor sign-in was turned off", notice.subject)

    def test_only_the_recovery_codes(self) -> None:
        url = f"/admin/mfa/authenticator/{self.codes.instance.pk}/delete/"
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(url, {"post": "yes"})
        [notice] = self.notices()
        self.assertEqual(notice.subject, "[mailsec] Your recovery codes were removed")
        self.assertIn("Two-factor sign-in stays on", notice.body)

    def test_from_a_shell_too(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            Authenticator.objects.filter(user=self.alice).delete()
        [notice] = self.notices()
        self.assertIn("Two-factor sign-in was turned off", notice.subject)

    def test_a_deletion_rolled_back_tells_nobody(self) -> None:
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(RuntimeError),
            transaction.atomic(),
        ):
            Authenticator.objects.filter(user=self.alice).delete()
            raise RuntimeError("changed my mind")
        self.assertTrue(Authenticator.objects.filter(pk=self.totp.pk).exists())
        self.assertEqual(self.notices(), [])

    def test_deleting_the_account_tells_nobody(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.admin.post(f"/admin/auth/user/{self.alice.pk}/delete/", {"post": "yes"})
        self.assertFalse(User.objects.filter(pk=self.alice.pk).exists())
        self.assertEqual(self.notices(), [])

    def test_a_mail_server_down_does_not_undo_it(self) -> None:
        url = f"/admin/mfa/authenticator/{self.totp.pk}/delete/"
        with (
            mock.patch(
                "django.core.mail.backends.locmem.EmailBackend.send_messages",
                side_effect=OSError("mail server down"),
            ),
            self.assertLogs("mailsec.accounts.signals", "ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            r = self.admin.post(url, {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Authenticator.objects.filter(pk=self.totp.pk).exists())

    def test_turning_it_off_themselves_is_one_notice(self) -> None:
        # allauth's own notice, not ours as well.
        self.assertEqual(self.password_sign_in(self.client), "/accounts/2fa/authenticate/")
        self.clock.now += 30
        self.client.post("/accounts/2fa/authenticate/", {"code": self.current_code()})
        mail.outbox.clear()
        self.clock.now += 30
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(DEACTIVATE, {"code": self.current_code()})
        self.assertEqual(r["Location"], "/accounts/2fa/")
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())
        [notice] = self.notices()
        self.assertIn("If it was you, there is nothing to do.", notice.body)
        self.assertNotIn("by whoever runs mailsec", notice.body)

    def test_new_recovery_codes_themselves_is_one_notice(self) -> None:
        self.assertEqual(self.password_sign_in(self.client), "/accounts/2fa/authenticate/")
        self.clock.now += 30
        self.client.post("/accounts/2fa/authenticate/", {"code": self.current_code()})
        mail.outbox.clear()
        self.clock.now += 30
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(GENERATE, {"code": self.current_code()})
        self.assertEqual(r["Location"], "/accounts/2fa/recovery-codes/")
        [notice] = self.notices()
        self.assertEqual(notice.subject, "[mailsec] New recovery codes were made")


class CodeJustUsedTestCase(TwoFactorOnCase):
    """Confirming it's you with the app's code, then entering that same code on the form
    (which asks for it too) within its 30 seconds: refused as a replay, in plain words."""

    WAIT = "This code was just used. Wait for your authenticator app to show the next one"

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        self.clock.now += 30
        self.code = self.current_code()
        r = self.client.post("/accounts/2fa/reauthenticate/", {"code": self.code})
        self.assertEqual(r.status_code, 302, r.content.decode())

    def test_turning_it_off(self) -> None:
        r = self.client.post(DEACTIVATE, {"code": self.code})
        self.assertContains(r, self.WAIT)
        self.assertNotContains(r, "Incorrect code.")
        self.assertTrue(Authenticator.objects.filter(pk=self.totp.pk).exists())
        self.clock.now += 30
        r = self.client.post(DEACTIVATE, {"code": self.current_code()})
        self.assertEqual(r["Location"], "/accounts/2fa/")

    def test_new_recovery_codes(self) -> None:
        r = self.client.post(GENERATE, {"code": self.code})
        self.assertContains(r, self.WAIT)

    def test_a_wrong_code_is_still_incorrect(self) -> None:
        wrong = f"{(int(self.code) + 1) % 1_000_000:06d}"
        r = self.client.post(DEACTIVATE, {"code": wrong})
        self.assertContains(r, "Incorrect code.")
        self.assertNotContains(r, self.WAIT)
