"""The viewer role (read-only): invitations with a role, the owner changing a teammate's role,
the owner staying the owner, and the pages a viewer gets without the buttons that change the
team. tests/test_access_sweep.py (ViewerTestCase) sweeps every URL as a viewer."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Invite, Membership
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Role = Membership.Role


@override_settings(CACHES=LOCMEM)
class ViewerCase(BaseTestCase):
    """bob is made a viewer of alice's team in the tests that need one."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.bobs = Membership.objects.get(team=self.team, user=self.bob)
        self.alices = Membership.objects.get(team=self.team, user=self.alice)

    def make_bob_a_viewer(self) -> None:
        Membership.objects.filter(pk=self.bobs.pk).update(role=Role.VIEWER)


class RolesTestCase(ViewerCase):
    def test_who_may_change_the_teams_things(self) -> None:
        self.assertTrue(self.team.can_edit(self.alice))
        self.assertTrue(self.team.can_edit(self.bob))
        self.assertFalse(self.team.can_edit(self.charlie))
        self.make_bob_a_viewer()
        self.assertFalse(self.team.can_edit(self.bob))
        self.assertEqual(Role.VIEWER.label, "Viewer (read-only)")

    def test_the_owner_makes_a_member_a_viewer_and_back(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("accounts:member_role", args=[self.bobs.code])
        r = self.client.post(url, {"role": "viewer"}, follow=True)
        self.assertContains(r, "bob@example.org is now a viewer (read-only).")
        self.assertEqual(self.team.role_of(self.bob), Role.VIEWER)
        self.client.post(url, {"role": "member"})
        self.assertEqual(self.team.role_of(self.bob), Role.MEMBER)

    def test_nobody_but_the_owner_changes_a_role(self) -> None:
        url = reverse("accounts:member_role", args=[self.bobs.code])
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(url, {"role": "viewer"}).status_code, 404)
        self.make_bob_a_viewer()
        self.assertEqual(self.client.post(url, {"role": "member"}).status_code, 404)
        self.assertEqual(self.team.role_of(self.bob), Role.VIEWER)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(url, {"role": "member"}).status_code, 404)
        self.assertEqual(self.team.role_of(self.bob), Role.VIEWER)

    def test_the_team_always_keeps_its_owner(self) -> None:
        self.client.force_login(self.alice)
        own = reverse("accounts:member_role", args=[self.alices.code])
        for role in ("viewer", "member"):
            r = self.client.post(own, {"role": role}, follow=True)
            self.assertContains(r, "The team&#x27;s owner stays its owner.")
        # Nobody is made an owner here either.
        bobs = reverse("accounts:member_role", args=[self.bobs.code])
        r = self.client.post(bobs, {"role": "owner"}, follow=True)
        self.assertContains(r, "Choose member or viewer (read-only).")
        self.assertEqual(self.team.role_of(self.alice), Role.OWNER)
        self.assertEqual(self.team.role_of(self.bob), Role.MEMBER)
        with self.assertRaises(ValueError):
            self.alices.set_role(Role.VIEWER)
        with self.assertRaises(ValueError):
            self.bobs.set_role(Role.OWNER)

    def test_a_deleted_owners_team_goes_to_a_member_before_a_viewer(self) -> None:
        # dana, a viewer, joined before bob the member: bob takes over all the same.
        dana = User.objects.create_user("dana", "dana@example.org")
        Membership.objects.create(team=self.team, user=dana, role=Role.VIEWER)
        Membership.objects.filter(user=dana).update(created=self.bobs.created - timedelta(days=1))
        self.alice.delete()
        self.assertEqual(self.team.role_of(self.bob), Role.OWNER)
        self.assertEqual(self.team.role_of(dana), Role.VIEWER)
        # With only a viewer left, the viewer: a team always has an owner.
        self.bob.delete()
        self.assertEqual(self.team.role_of(dana), Role.OWNER)


class InviteWithRoleTestCase(ViewerCase):
    def test_an_invited_viewer_joins_as_a_viewer(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("accounts:invite_create"), {"email": "charlie@example.org", "role": "viewer"}
        )
        self.assertEqual(r.status_code, 302)
        invite = Invite.objects.get(email="charlie@example.org")
        self.assertEqual(invite.role, Role.VIEWER)
        self.assertIn("as a viewer", mail.outbox[-1].body)
        self.client.force_login(self.charlie)
        page = self.client.get(reverse("accounts:invite", args=[invite.token]))
        self.assertContains(page, "as a viewer (read-only")
        self.client.post(reverse("accounts:invite", args=[invite.token]))
        self.assertEqual(self.team.role_of(self.charlie), Role.VIEWER)

    def test_an_invitation_without_a_role_makes_a_member(self) -> None:
        # Posted without the role (a page from before roles, a script): a member, as before.
        self.client.force_login(self.alice)
        self.client.post(reverse("accounts:invite_create"), {"email": "charlie@example.org"})
        invite = Invite.objects.get(email="charlie@example.org")
        self.assertEqual(invite.role, Role.MEMBER)
        invite.accept(self.charlie)
        self.assertEqual(self.team.role_of(self.charlie), Role.MEMBER)

    def test_a_viewer_invited_as_a_member_becomes_one_and_a_member_stays_one(self) -> None:
        Membership.objects.create(team=self.team, user=self.charlie, role=Role.VIEWER)
        self.team.invite("charlie@example.org", self.alice, Role.MEMBER).accept(self.charlie)
        self.assertEqual(self.team.role_of(self.charlie), Role.MEMBER)
        # Never the other way: a member (or the owner) invited as a viewer keeps their role.
        self.team.invite("charlie@example.org", self.alice, Role.VIEWER).accept(self.charlie)
        self.assertEqual(self.team.role_of(self.charlie), Role.MEMBER)
        self.team.invite("alice@example.org", self.alice, Role.VIEWER).accept(self.alice)
        self.assertEqual(self.team.role_of(self.alice), Role.OWNER)

    def test_sent_again_with_another_role_the_link_joins_with_the_last_one(self) -> None:
        first = self.team.invite("dana@example.org", self.alice, Role.MEMBER)
        again = self.team.invite("dana@example.org", self.alice, Role.VIEWER)
        self.assertEqual(first.token, again.token)
        self.assertEqual(Invite.objects.get(pk=first.pk).role, Role.VIEWER)

    def test_a_role_not_on_offer_is_refused(self) -> None:
        self.client.force_login(self.alice)
        for role in ("owner", "admin"):
            r = self.client.post(
                reverse("accounts:invite_create"), {"email": "dana@example.org", "role": role}
            )
            self.assertEqual(r.status_code, 400, role)
        self.assertFalse(Invite.objects.filter(email="dana@example.org").exists())


class TemplatesTestCase(ViewerCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(team=self.team, name="acme.test", verified_at=now)
        run = CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            score=80,
            score_version=1,
            mechanisms={"mx": "pass"},
            findings=[{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "ok"}],
            finished=now,
        )
        self.domain.set_last_run(run)

    def test_the_team_page_offers_roles_to_the_owner_only(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(reverse("accounts:team"))
        self.assertContains(r, reverse("accounts:member_role", args=[self.bobs.code]))
        self.assertNotContains(r, reverse("accounts:member_role", args=[self.alices.code]))
        self.assertContains(r, 'name="role" value="viewer"')
        self.client.force_login(self.bob)
        r = self.client.get(reverse("accounts:team"))
        self.assertNotContains(r, "accounts:member_role")
        self.assertNotContains(r, "/role/")
        self.assertNotContains(r, "read-only access")
        self.make_bob_a_viewer()
        r = self.client.get(reverse("accounts:team"))
        self.assertContains(r, "viewer (read-only) (you)")
        self.assertContains(r, "You have read-only access to this team.")
        # Leaving stays theirs.
        self.assertContains(r, reverse("accounts:member_remove", args=[self.bobs.code]))

    def test_the_domain_page_of_a_viewer_has_no_buttons_whoever_saw_it_first(self) -> None:
        # The page's content is cached per domain: a member's visit must not serve its forms
        # to a viewer, nor a viewer's visit hide them from a member.
        url = reverse("domains:details", args=[self.domain.code])
        check = reverse("domains:check", args=[self.domain.code])
        remove = reverse("domains:remove", args=[self.domain.code])
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(url), check)
        self.make_bob_a_viewer()
        self.client.force_login(self.bob)
        for _ in range(2):
            r = self.client.get(url)
            self.assertContains(r, "acme.test")
            self.assertContains(r, "You have read-only access to this team.")
            for action in (check, remove, reverse("domains:selectors", args=[self.domain.code])):
                self.assertNotContains(r, action)
        cache.clear()
        self.client.get(url)  # the viewer's first now
        self.client.force_login(self.alice)
        r = self.client.get(url)
        self.assertContains(r, check)
        self.assertContains(r, remove)
        self.assertNotContains(r, "read-only access")

    def test_an_unverified_domain_shows_a_viewer_no_verify_button(self) -> None:
        other = Domain.objects.create(team=self.team, name="other.test")
        self.make_bob_a_viewer()
        self.client.force_login(self.bob)
        r = self.client.get(reverse("domains:details", args=[other.code]))
        self.assertContains(r, other.challenge_value)
        self.assertNotContains(r, reverse("domains:verify", args=[other.code]))

    def test_the_domain_list_and_bulk_page_of_a_viewer_add_nothing(self) -> None:
        self.make_bob_a_viewer()
        self.client.force_login(self.bob)
        r = self.client.get(reverse("domains:index"))
        self.assertContains(r, "acme.test")
        self.assertContains(r, "You have read-only access to this team.")
        self.assertNotContains(r, reverse("domains:add") + '"')
        self.assertNotContains(r, 'action="' + reverse("domains:add_many"))
        self.assertContains(r, reverse("domains:export_csv"))
        r = self.client.get(reverse("domains:add_many"))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'action="' + reverse("domains:add_many"))
        r = self.client.post(reverse("domains:add"), {"name": "new.example"})
        self.assertContains(r, "read-only access to this team", status_code=403)
        self.assertFalse(Domain.objects.filter(name="new.example").exists())

    def test_the_hosting_page_of_a_viewer_has_no_buttons(self) -> None:
        self.make_bob_a_viewer()
        self.client.force_login(self.bob)
        r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, reverse("hosting:enable", args=[self.domain.code]))
        self.assertContains(r, "You have read-only access to this team.")

    def test_a_viewer_keeps_their_own_alert_settings(self) -> None:
        self.make_bob_a_viewer()
        self.client.force_login(self.bob)
        r = self.client.get(reverse("alerts:settings"))
        self.assertContains(r, reverse("alerts:set_mode", args=[self.domain.code]))
        r = self.client.post(reverse("alerts:set_mode", args=[self.domain.code]), {"mode": "off"})
        self.assertEqual(r.status_code, 302)
