"""The Django admin's own sign-in page checked passwords with no limit on tries: a script could
guess a staff password (by username, or by email through allauth's backend) for as long as it
liked. Staff now sign in through allauth's sign-in (rate limited, by code) like everyone else,
and /admin/login/ checks no password at all."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD = "correct horse battery staple"


@override_settings(CACHES=LOCMEM)
class AdminSignInTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.root = User.objects.create_user("root", "root@example.org", PASSWORD)
        self.root.is_staff = self.root.is_superuser = True
        self.root.save()

    def test_the_admin_sign_in_page_takes_no_password_guesses(self) -> None:
        client = Client()
        for i in range(30):
            client.post("/admin/login/", {"username": "root", "password": f"guess{i}"})
        for username in ("root", "root@example.org"):
            r = client.post("/admin/login/", {"username": username, "password": PASSWORD})
            self.assertNotIn("_auth_user_id", client.session)
            # Sent to the rate-limited sign-in, and back to the admin afterwards.
            self.assertEqual(r.status_code, 302)
            self.assertTrue(r["Location"].startswith("/accounts/login/?next="), r["Location"])

    def test_staff_signed_in_reach_the_admin_and_others_do_not(self) -> None:
        client = Client()
        client.force_login(self.root)
        self.assertEqual(client.get("/admin/").status_code, 200)
        r = client.get("/admin/login/?next=/admin/")
        self.assertEqual((r.status_code, r["Location"]), (302, "/admin/"))
        client.force_login(self.alice)
        self.assertNotEqual(client.get("/admin/").status_code, 200)
        self.assertEqual(client.get("/admin/login/").status_code, 403)
