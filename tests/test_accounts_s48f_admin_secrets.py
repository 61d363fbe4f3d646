"""Task s48f, item 2: the admin shows staff no one's second factor, nor any link's token.

allauth registers its Authenticator with a plain ModelAdmin: the change page of a TOTP app
showed its `data` (the secret the codes are made from, as allauth stores it) in an editable
box, and that of the recovery codes their seed, from which every code follows; an operator
could also write a secret of their choosing. mailsec.accounts.admin registers it again
without `data`, every field read-only, no adding; deleting stays (an operator removes a lost
app: tests/test_accounts_s22_followups.py). Our models with a token of a link (Invite,
TeamAlertAddress) keep it off their admin pages (the field is not editable); the API key is
stored as its hash and has no admin; a report address's token is public (DNS) and has none."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from mailsec.accounts.models import Invite
from mailsec.alerts.models import TeamAlertAddress
from tests.conftest import BaseTestCase

SECRET = "S48FADMINTOTPSECRETJBSWY3DPEHPK3PX"


class AdminSecretsTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.root = User.objects.create_superuser("root", "root@example.net", "S48f-root-pw-1")
        self.admin = Client()
        self.admin.force_login(self.root)
        self.totp = TOTP.activate(self.alice, SECRET).instance
        self.codes = RecoveryCodes.activate(self.alice)

    def secrets(self) -> list[str]:
        codes = RecoveryCodes(Authenticator.objects.get(pk=self.codes.instance.pk))
        return [
            SECRET,
            str(Authenticator.objects.get(pk=self.totp.pk).data["secret"]),
            str(self.codes.instance.data["seed"]),
            *codes.get_unused_codes(),
        ]

    def assert_no_secret(self, page: str, where: str) -> None:
        for secret in self.secrets():
            self.assertNotIn(secret, page, where)

    def test_the_authenticator_pages_show_no_secret(self) -> None:
        base = "/admin/mfa/authenticator/"
        for url in (
            base,
            f"{base}?type__exact=totp",
            f"{base}{self.totp.pk}/change/",
            f"{base}{self.codes.instance.pk}/change/",
            f"{base}{self.totp.pk}/history/",
            f"{base}{self.totp.pk}/delete/",
        ):
            r = self.admin.get(url)
            self.assertEqual(r.status_code, 200, url)
            self.assert_no_secret(r.content.decode(), url)
        # The page is there to see whose app it is and when it was last used.
        page = self.admin.get(f"{base}{self.totp.pk}/change/").content.decode()
        self.assertIn("TOTP Authenticator", page)
        self.assertIn("Last used at", page)
        self.assertNotIn('name="data"', page)

    def test_staff_cannot_write_a_secret_or_add_one(self) -> None:
        base = "/admin/mfa/authenticator/"
        self.assertEqual(self.admin.get(f"{base}add/").status_code, 403)
        chosen = {"secret": "OPERATORCHOSENSECRETAAAAAAAAAAAA"}
        r = self.admin.post(
            f"{base}{self.totp.pk}/change/",
            {"user": self.root.pk, "type": "totp", "data": str(chosen).replace("'", '"')},
        )
        self.assertIn(r.status_code, (200, 302, 403))
        self.totp.refresh_from_db()
        self.assertEqual(self.totp.user, self.alice)
        self.assertNotEqual(self.totp.data, chosen)
        self.assertEqual(self.admin.post(f"{base}add/", {"data": "{}"}).status_code, 403)
        self.assertEqual(Authenticator.objects.count(), 2)

    def test_link_tokens_stay_off_our_admin_pages(self) -> None:
        invite = Invite.objects.create(team=self.team, email="dana@example.org")
        address = TeamAlertAddress.objects.create(team=self.team, email="noc@example.org")
        for url, token in (
            ("/admin/accounts/invite/", invite.token),
            (f"/admin/accounts/invite/{invite.pk}/change/", invite.token),
            ("/admin/alerts/teamalertaddress/", address.token),
            (f"/admin/alerts/teamalertaddress/{address.pk}/change/", address.token),
        ):
            r = self.admin.get(url)
            self.assertEqual(r.status_code, 200, url)
            self.assertNotIn(token, r.content.decode(), url)
