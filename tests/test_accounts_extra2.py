"""Accounts on realistic sequences: invites followed through sign-up and sign-in, accepted
twice or after removal, sent twice; people leaving and accounts deleted."""

from __future__ import annotations

import re
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from mailsec.accounts.models import Invite, Membership, Profile, Team
from tests.conftest import BaseTestCase

# A private cache, so rate-limit counters don't leak between tests or test runs.
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def code_in(message: mail.EmailMessage) -> str:
    match = re.search(r"^\s*(\d{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


@override_settings(CACHES=LOCMEM)
class InviteJourneyTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_it_comes_back_to_the_invite_after_signing_up(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        path = f"/invite/{invite.token}/"
        self.assertContains(self.client.get(path), f"/accounts/signup/?next={path}")
        r = self.client.post("/accounts/signup/", {"email": "dana@example.org", "next": path})
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        r = self.client.post("/accounts/code/", {"code": code_in(mail.outbox[-1])})
        self.assertRedirects(r, path, fetch_redirect_response=False)
        r = self.client.post(path)
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        dana = User.objects.get(email="dana@example.org")
        self.assertEqual(self.team.role_of(dana), "member")

    def test_it_comes_back_to_the_invite_after_signing_in_by_code(self) -> None:
        EmailAddress.objects.create(
            user=self.charlie, email="charlie@example.org", verified=True, primary=True
        )
        invite = self.team.invite("charlie@example.org", self.alice)
        path = f"/invite/{invite.token}/"
        r = self.client.post(
            "/accounts/login/code/", {"email": "charlie@example.org", "next": path}
        )
        self.assertEqual(r.status_code, 302)
        r = self.client.post(r["Location"], {"code": code_in(mail.outbox[-1])})
        self.assertRedirects(r, path, fetch_redirect_response=False)


class AcceptTwiceTestCase(BaseTestCase):
    def test_a_double_clicked_join_lands_in_the_team(self) -> None:
        # The browser shows the answer to the second click: it must not say that joining failed.
        invite = self.team.invite("charlie@example.org", self.alice)
        self.client.force_login(self.charlie)
        first = self.client.post(f"/invite/{invite.token}/")
        self.assertRedirects(first, "/domains/", fetch_redirect_response=False)
        second = self.client.post(f"/invite/{invite.token}/", follow=True)
        self.assertRedirects(second, "/domains/")
        self.assertContains(second, "You are in alice@example.org&#x27;s team.")
        self.assertNotContains(second, "can't be used")
        self.assertEqual(self.team.role_of(self.charlie), "member")

    def test_the_link_followed_again_later_goes_to_the_team(self) -> None:
        invite = self.team.invite("charlie@example.org", self.alice)
        invite.accept(self.charlie)
        Profile.objects.filter(user=self.charlie).update(current_team=self.charlies_team)
        self.client.force_login(self.charlie)
        r = self.client.get(f"/invite/{invite.token}/")
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(Profile.objects.get(user=self.charlie).current_team, self.team)

    def test_a_removed_member_cannot_rejoin_with_the_used_link(self) -> None:
        invite = self.team.invite("charlie@example.org", self.alice)
        invite.accept(self.charlie)
        Membership.objects.filter(team=self.team, user=self.charlie).delete()
        self.client.force_login(self.charlie)
        for method in (self.client.get, self.client.post):
            r = method(f"/invite/{invite.token}/")
            self.assertEqual(r.status_code, 404)
            self.assertContains(r, "can't be used", status_code=404)
        self.assertIsNone(self.team.role_of(self.charlie))
        self.assertEqual(Profile.objects.get(user=self.charlie).current_team, self.team)

    def test_a_used_link_tells_an_outsider_nothing_new(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        dana = User.objects.create_user("dana", "dana@example.org")
        invite.accept(dana)
        self.client.force_login(self.charlie)
        r = self.client.post(f"/invite/{invite.token}/")
        self.assertEqual(r.status_code, 404)
        self.assertIsNone(self.team.role_of(self.charlie))


class InviteAgainTestCase(BaseTestCase):
    def links(self) -> list[str]:
        return [re.findall(r"/invite/[^/\s]+/", m.body)[0] for m in mail.outbox]

    def test_a_second_send_keeps_the_first_mails_link_working(self) -> None:
        # A double-clicked "Send invitation", or sending again because the first mail went to
        # the spam folder: the person may open either mail.
        self.client.force_login(self.alice)
        self.client.post("/team/invite/", {"email": "dana@example.org"})
        self.client.post("/team/invite/", {"email": " Dana@Example.org "})
        first, second = self.links()
        self.assertEqual(first, second)
        self.assertEqual(Invite.objects.count(), 1)
        dana = User.objects.create_user("dana", "dana@example.org")
        self.client.force_login(dana)
        self.assertContains(self.client.get(first), "Join the team")

    def test_sending_again_gives_a_new_week(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        Invite.objects.filter(pk=invite.pk).update(created=timezone.now() - timedelta(days=6))
        again = self.team.invite("dana@example.org", self.alice)
        self.assertEqual(again.token, invite.token)
        # Valid for a week from now, under the link already sent.
        self.assertGreater(Invite.objects.get().created, timezone.now() - timedelta(minutes=1))

    def test_an_expired_invite_is_replaced_by_a_new_link(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        Invite.objects.filter(pk=invite.pk).update(created=timezone.now() - timedelta(days=8))
        again = self.team.invite("dana@example.org", self.alice)
        self.assertNotEqual(again.token, invite.token)
        self.assertEqual(list(Invite.objects.values_list("token", flat=True)), [again.token])

    def test_a_withdrawn_invite_sent_again_is_a_new_link(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        self.client.force_login(self.alice)
        self.client.post(f"/team/invites/{invite.token}/revoke/")
        again = self.team.invite("dana@example.org", self.alice)
        self.assertNotEqual(again.token, invite.token)


class AccountDeletedTestCase(BaseTestCase):
    def test_the_longest_standing_member_takes_over_a_team_whose_owner_is_deleted(self) -> None:
        dana = User.objects.create_user("dana", "dana@example.org")
        Membership.objects.create(team=self.team, user=dana)  # after bob
        self.alice.delete()
        self.assertEqual(self.team.role_of(self.bob), "owner")
        self.assertEqual(self.team.role_of(dana), "member")
        # Without an owner nobody could ever invite or remove anyone again.
        self.client.force_login(self.bob)
        r = self.client.post("/team/invite/", {"email": "erin@example.org"})
        self.assertRedirects(r, "/team/", fetch_redirect_response=False)
        self.assertTrue(Invite.objects.filter(email="erin@example.org").exists())

    def test_a_team_left_empty_goes_with_its_domains(self) -> None:
        from mailsec.domains.models import Domain

        domain = Domain.objects.create(
            team=self.charlies_team,
            name="charlie.example",
            verified_at=timezone.now(),
            next_check_at=timezone.now(),
        )
        self.charlie.delete()
        # Not checked, hosted or reported for anyone any more: nobody is left to see it.
        self.assertFalse(Team.objects.filter(pk=self.charlies_team.pk).exists())
        self.assertFalse(Domain.objects.filter(pk=domain.pk).exists())

    def test_a_deleted_member_leaves_the_team_as_it_was(self) -> None:
        self.bob.delete()
        self.assertEqual(
            list(self.team.memberships.values_list("user__username", "role")),
            [("alice", "owner")],
        )

    def test_it_settles_every_team_of_a_bulk_deletion(self) -> None:
        User.objects.filter(username__in=["alice", "charlie"]).delete()
        self.assertEqual(self.team.role_of(self.bob), "owner")
        self.assertFalse(Team.objects.filter(pk=self.charlies_team.pk).exists())


class InviteLimitTestCase(BaseTestCase):
    def test_it_limits_invitation_mails(self) -> None:
        # Any signed-up person owns a team: without a limit the invite form sends our mail to
        # any address, as often as a script posts it.
        self.client.force_login(self.charlie)
        for n in range(30):
            self.client.post("/team/invite/", {"email": f"someone{n}@example.net"})
        r = self.client.post("/team/invite/", {"email": "one-more@example.net"}, follow=True)
        self.assertContains(r, "You have sent many invitations")
        self.assertEqual(len(mail.outbox), 30)
        self.assertFalse(Invite.objects.filter(email="one-more@example.net").exists())

    def test_it_limits_mails_to_one_address(self) -> None:
        self.client.force_login(self.alice)
        for _ in range(4):
            r = self.client.post("/team/invite/", {"email": "dana@example.org"}, follow=True)
        self.assertContains(r, "already been sent to dana@example.org")
        self.assertEqual(len(mail.outbox), 3)
        # Another address still goes out.
        self.client.post("/team/invite/", {"email": "erin@example.org"})
        self.assertEqual(len(mail.outbox), 4)


@override_settings(CACHES=LOCMEM)
class RemovedMemberTestCase(BaseTestCase):
    """bob, removed by alice, keeps his session and his tabs open on the team's pages."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        from mailsec.domains.models import CheckRun, Domain
        from reports.models import ReportAddress

        self.domain = Domain.objects.create(
            team=self.team, name="acme.test", verified_at=timezone.now()
        )
        self.run = CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            score=80,
            score_version=1,
            mechanisms={"mx": "pass"},
            findings=[{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"}],
            finished=timezone.now(),
        )
        self.domain.set_last_run(self.run)
        self.address = ReportAddress.for_domain(self.domain)

    def urls(self) -> list[tuple[str, str]]:
        d, t = self.domain.code, self.address.token
        return [
            ("get", f"/domains/{d}/"),
            ("get", f"/domains/{d}/?run={self.run.code}"),
            ("get", f"/domains/{d}/compare/"),
            ("get", f"/domains/{d}/runs/{self.run.code}/progress/"),
            ("post", f"/domains/{d}/check/"),
            ("post", f"/domains/{d}/verify/"),
            ("post", f"/domains/{d}/selectors/"),
            ("post", f"/domains/{d}/remove/"),
            ("post", f"/alerts/{d}/"),
            ("get", f"/hosting/{d}/"),
            ("post", f"/hosting/{d}/enable/"),
            ("get", f"/tlsrpt/{t}/dashboard/"),
            ("get", f"/tlsrpt/{t}/export.csv"),
        ]

    def test_a_removed_member_reaches_nothing_of_the_team(self) -> None:
        self.client.force_login(self.bob)
        # Seen while still in the team: the domain page and the list are in the cache now.
        for url in (f"/domains/{self.domain.code}/", "/domains/", "/alerts/"):
            self.assertContains(self.client.get(url), "acme.test")
        Membership.objects.filter(team=self.team, user=self.bob).delete()
        for method, url in self.urls():
            r = getattr(self.client, method)(url, {"mode": "off"} if method == "post" else {})
            self.assertEqual(r.status_code, 404, url)
        for url in ("/domains/", "/alerts/", "/team/", "/account/"):
            r = self.client.get(url)
            self.assertEqual(r.status_code, 200, url)
            self.assertNotContains(r, "acme.test", msg_prefix=url)
            self.assertNotContains(r, str(self.domain.code), msg_prefix=url)
        self.assertTrue(type(self.domain).objects.filter(pk=self.domain.pk).exists())

    def test_charlie_reaches_nothing_of_the_team(self) -> None:
        self.client.force_login(self.charlie)
        for method, url in self.urls():
            r = getattr(self.client, method)(url, {"mode": "off"} if method == "post" else {})
            self.assertEqual(r.status_code, 404, url)
        self.assertTrue(type(self.domain).objects.filter(pk=self.domain.pk).exists())


class DoubleClickTestCase(BaseTestCase):
    """The browser shows the answer to the second click of a double-clicked button."""

    def test_a_double_clicked_remove_says_the_person_is_gone(self) -> None:
        m = Membership.objects.get(team=self.team, user=self.bob)
        self.client.force_login(self.alice)
        self.client.post(f"/team/members/{m.code}/remove/")
        r = self.client.post(f"/team/members/{m.code}/remove/", follow=True)
        self.assertRedirects(r, "/team/")
        self.assertContains(r, "is no longer in the team")
        self.assertIsNone(self.team.role_of(self.bob))

    def test_a_double_clicked_leave_says_you_left(self) -> None:
        m = Membership.objects.get(team=self.team, user=self.bob)
        self.client.force_login(self.bob)
        self.client.post(f"/team/members/{m.code}/remove/")
        r = self.client.post(f"/team/members/{m.code}/remove/", follow=True)
        self.assertRedirects(r, "/team/")
        self.assertContains(r, "is no longer in the team")

    def test_a_double_clicked_withdraw_says_it_is_withdrawn(self) -> None:
        invite = self.team.invite("dana@example.org", self.alice)
        self.client.force_login(self.alice)
        self.client.post(f"/team/invites/{invite.token}/revoke/")
        r = self.client.post(f"/team/invites/{invite.token}/revoke/", follow=True)
        self.assertRedirects(r, "/team/")
        self.assertContains(r, "That invitation is no longer open.")

    def test_withdrawing_an_invite_accepted_meanwhile_says_so(self) -> None:
        invite = self.team.invite("charlie@example.org", self.alice)
        invite.accept(self.charlie)
        self.client.force_login(self.alice)
        r = self.client.post(f"/team/invites/{invite.token}/revoke/", follow=True)
        self.assertContains(r, "That invitation is no longer open.")
        self.assertEqual(self.team.role_of(self.charlie), "member")

    def test_others_codes_are_still_not_found(self) -> None:
        m = Membership.objects.get(team=self.team, user=self.bob)
        invite = self.team.invite("dana@example.org", self.alice)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(f"/team/members/{m.code}/remove/").status_code, 404)
        r = self.client.post(f"/team/invites/{invite.token}/revoke/")
        self.assertEqual(r.status_code, 404)
        # bob, a member, may not withdraw the owner's invitations either.
        self.client.force_login(self.bob)
        r = self.client.post(f"/team/invites/{invite.token}/revoke/")
        self.assertEqual(r.status_code, 404)
        self.assertTrue(Invite.objects.filter(pk=invite.pk).exists())


@override_settings(CACHES=LOCMEM)
class WrongAccountTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_signed_in_as_someone_else_it_signs_out_back_to_the_invite(self) -> None:
        # bob opens, in the browser where he is signed in, the invitation charlie sent to his
        # other address: he signs out from the page, then signs in as the invited address
        # without losing the link.
        invite = self.charlies_team.invite("bob@work.example", self.charlie)
        path = f"/invite/{invite.token}/"
        self.client.force_login(self.bob)
        page = self.client.get(path)
        self.assertContains(page, "You are signed in as bob@example.org.")
        self.assertNotContains(page, "Join the team")
        form = re.search(
            r'<form method="post" action="/accounts/logout/">.*?</form>',
            page.content.decode(),
            re.S,
        )
        assert form, "no sign-out form"
        self.assertIn(f'name="next" value="{path}"', form.group(0))
        r = self.client.post("/accounts/logout/", {"next": path})
        self.assertRedirects(r, path, fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertContains(self.client.get(path), f"/accounts/login/?next={path}")
        self.assertIsNone(self.charlies_team.role_of(self.bob))
