from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from mailsec.accounts.models import Invite, Membership, Profile, Team
from tests.conftest import BaseTestCase

# A private cache, so rate-limit counters don't leak between tests or test runs.
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def code_in(message: mail.EmailMessage) -> str:
    match = re.search(r"^\s*(\d{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


@override_settings(CACHES=LOCMEM)
class SignupTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_it_signs_up_by_code_and_gets_a_team(self) -> None:
        r = self.client.post("/accounts/signup/", {"email": "dana@example.org"})
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        self.assertEqual(len(mail.outbox), 1)
        # No links to click in the mail: a scanner that fetches links signs nobody in.
        self.assertNotIn("http", mail.outbox[0].body.split("Thanks")[0])
        r = self.client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        dana = User.objects.get(email="dana@example.org")
        self.assertFalse(dana.has_usable_password())
        team = Profile.objects.get(user=dana).current_team
        self.assertEqual(team.role_of(dana), "owner")
        self.assertEqual(self.client.get("/domains/").status_code, 200)

    def test_it_sends_a_login_code_when_signing_up_with_an_existing_address(self) -> None:
        EmailAddress.objects.create(
            user=self.alice, email="alice@example.org", verified=True, primary=True
        )
        r = self.client.post("/accounts/signup/", {"email": "alice@example.org"})
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        self.assertEqual(User.objects.filter(email__iexact="alice@example.org").count(), 1)
        self.assertEqual(len(mail.outbox), 1)
        r = self.client.post("/accounts/code/", {"code": "000000"})
        self.assertEqual(r.status_code, 200)  # a wrong code: the same page again, same URL
        r = self.client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_signing_up_tells_nobody_whether_the_address_has_an_account(self) -> None:
        """Same redirect, same page (the CSRF token aside) for a new and a known address."""
        EmailAddress.objects.create(
            user=self.alice, email="alice@example.org", verified=True, primary=True
        )
        pages = []
        for email in ("alice@example.org", "alicia@example.org"):
            client = Client()
            r = client.post("/accounts/signup/", {"email": email})
            self.assertEqual((r.status_code, r["Location"]), (302, "/accounts/code/"))
            page = client.get(r["Location"]).content.decode()
            page = re.sub(r'value="[^"]{40,}"', 'value="csrf"', page)  # the CSRF tokens
            page = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": "csrf"', page)
            pages.append(page.replace(email, "EMAIL"))
        self.assertIn("Enter the code we emailed you", pages[0])
        self.assertIn("sent a code to <strong>EMAIL</strong>", pages[0])
        self.assertNotIn('class="message', pages[0])
        self.assertEqual(pages[0], pages[1])

    def test_the_code_page_without_a_sign_up_sends_to_sign_in(self) -> None:
        r = self.client.get("/accounts/code/")
        self.assertRedirects(r, "/accounts/login/", fetch_redirect_response=False)

    def test_it_logs_in_by_code(self) -> None:
        EmailAddress.objects.create(
            user=self.bob, email="bob@example.org", verified=True, primary=True
        )
        r = self.client.post("/accounts/login/code/", {"email": "bob@example.org"})
        self.assertRedirects(r, "/accounts/login/code/confirm/", fetch_redirect_response=False)
        r = self.client.post("/accounts/login/code/confirm/", {"code": "000000"})
        self.assertNotIn("_auth_user_id", self.client.session)
        r = self.client.post("/accounts/login/code/confirm/", {"code": code_in(mail.outbox[0])})
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.bob.pk)

    def test_it_rate_limits_login_codes(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        for _ in range(3):  # the limit is 3 a minute per address
            Client().post("/accounts/login/code/", {"email": "bob@example.org"})
        r = Client().post("/accounts/login/code/", {"email": "bob@example.org"})
        self.assertContains(r, "Too many")
        self.assertEqual(len(mail.outbox), 3)

    def test_signing_up_with_a_known_address_counts_against_its_code_limit(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        responses = []
        for _ in range(5):
            responses.append(Client().post("/accounts/signup/", {"email": "bob@example.org"}))
        self.assertRedirects(responses[0], "/accounts/code/", fetch_redirect_response=False)
        # The next ones within 10 s get 429, as a new address's do (allauth sends one code
        # mail per address per 10 s): all 302 told that the address has an account.
        self.assertEqual([r.status_code for r in responses[1:]], [429] * 4)
        self.assertEqual(len(mail.outbox), 1)
        # They still count against the address's 3 codes a minute, as for sign-in codes.
        r = Client().post("/accounts/login/code/", {"email": "bob@example.org"})
        self.assertContains(r, "Too many")

    def test_per_ip_limits_see_the_client_behind_our_proxy(self) -> None:
        # Behind Caddy every request comes from 127.0.0.1: the limit must be per client.
        def signup(n: int, client_ip: str) -> int:
            return (
                Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_ip)
                .post("/accounts/signup/", {"email": f"new{n}@example.org"})
                .status_code
            )

        for n in range(10):  # "signup": 10 a minute per IP
            self.assertEqual(signup(n, "198.51.100.1"), 302)
        self.assertEqual(signup(10, "198.51.100.1"), 429)
        self.assertEqual(signup(11, "198.51.100.2"), 302)  # another client is not blocked

    def test_logout_requires_post(self) -> None:
        self.client.force_login(self.alice)
        self.client.get("/accounts/logout/")
        self.assertIn("_auth_user_id", self.client.session)


class AccountPagesTestCase(BaseTestCase):
    def test_it_shows_the_account_page(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get("/account/")
        self.assertContains(r, "bob@example.org")
        self.assertContains(r, "alice@example.org&#x27;s team")

    def test_it_requires_login(self) -> None:
        for url in ("/account/", "/team/", "/domains/"):
            r = self.client.get(url)
            self.assertEqual(r.status_code, 302)
            self.assertIn("/accounts/login/", r["Location"])

    def test_it_shows_the_team_page(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/team/")
        self.assertContains(r, "bob@example.org")
        self.assertContains(r, "Send invitation")

    def test_members_do_not_see_the_invite_form(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get("/team/")
        self.assertNotContains(r, "Send invitation")

    def test_it_switches_team(self) -> None:
        Membership.objects.create(team=self.charlies_team, user=self.bob)
        self.client.force_login(self.bob)
        r = self.client.post(f"/team/{self.charlies_team.code}/switch/")
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(Profile.objects.get(user=self.bob).current_team, self.charlies_team)

    def test_switch_team_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.post(f"/team/{self.team.code}/switch/")
        self.assertEqual(r.status_code, 404)

    def test_it_gives_a_team_to_users_without_one(self) -> None:
        dana = User.objects.create_user("dana", "dana@example.org")
        self.client.force_login(dana)
        self.assertEqual(self.client.get("/domains/").status_code, 200)
        self.assertTrue(Team.objects.filter(memberships__user=dana, memberships__role="owner"))


class InviteTestCase(BaseTestCase):
    def test_owner_invites_by_email(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/team/invite/", {"email": "dana@example.org"})
        self.assertRedirects(r, "/team/", fetch_redirect_response=False)
        invite = Invite.objects.get(email="dana@example.org")
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertIn(f"/invite/{invite.token}/", message.body)
        self.assertIn(f"/invite/{invite.token}/", message.alternatives[0][0])

    def test_an_address_too_long_for_smtp_is_a_form_error(self) -> None:
        self.client.force_login(self.alice)
        long = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
        r = self.client.post("/team/invite/", {"email": long}, follow=True)
        self.assertContains(r, "is not an email address we can send to", status_code=400)
        self.assertFalse(Invite.objects.exists())

    def test_members_cannot_invite(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post("/team/invite/", {"email": "dana@example.org"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Invite.objects.exists())

    def test_the_link_alone_accepts_nothing(self) -> None:
        invite = self.team.invite("charlie@example.org", self.alice)
        self.client.force_login(self.charlie)
        r = self.client.get(f"/invite/{invite.token}/")
        self.assertContains(r, "Join the team")
        self.assertIsNone(self.team.role_of(self.charlie))
        r = self.client.post(f"/invite/{invite.token}/")
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(self.team.role_of(self.charlie), "member")
        invite.refresh_from_db()
        self.assertIsNotNone(invite.accepted_at)

    def test_accept_invite_checks_ownership(self) -> None:
        # Only the invited address can accept: bob can't use charlie's link.
        invite = self.charlies_team.invite("dana@example.org", self.charlie)
        self.client.force_login(self.bob)
        r = self.client.post(f"/invite/{invite.token}/")
        self.assertEqual(r.status_code, 404)
        self.assertIsNone(self.charlies_team.role_of(self.bob))

    def test_used_invites_are_refused(self) -> None:
        invite = self.team.invite("charlie@example.org", self.alice)
        invite.accept(self.charlie)
        r = self.client.get(f"/invite/{invite.token}/")
        self.assertEqual(r.status_code, 404)

    def test_it_revokes_an_invite(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        self.client.force_login(self.alice)
        self.client.post(f"/team/invites/{invite.token}/revoke/")
        self.assertFalse(Invite.objects.exists())

    def test_revoke_invite_checks_ownership(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        for user in (self.bob, self.charlie):
            self.client.force_login(user)
            r = self.client.post(f"/team/invites/{invite.token}/revoke/")
            self.assertEqual(r.status_code, 404)
        self.assertTrue(Invite.objects.exists())

    def test_owner_removes_a_member(self) -> None:
        m = Membership.objects.get(team=self.team, user=self.bob)
        self.client.force_login(self.alice)
        self.client.post(f"/team/members/{m.code}/remove/")
        self.assertIsNone(self.team.role_of(self.bob))

    def test_remove_member_checks_ownership(self) -> None:
        m = Membership.objects.get(team=self.team, user=self.bob)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(f"/team/members/{m.code}/remove/").status_code, 404)
        owner = Membership.objects.get(team=self.team, user=self.alice)
        self.client.force_login(self.bob)
        self.client.post(f"/team/members/{owner.code}/remove/")
        self.assertEqual(self.team.role_of(self.alice), "owner")
        self.assertEqual(self.team.role_of(self.bob), "member")

    def test_it_requires_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get("/team/invite/").status_code, 405)
