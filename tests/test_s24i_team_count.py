"""s24i: the header's cached team count is dropped when a person joins or leaves a team, so
the team switcher appears or disappears on their next page, not up to a minute later."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from mailsec.accounts.models import Invite, Membership
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SWITCHER = 'class="nav-team"'


@override_settings(CACHES=LOCMEM)
class TeamCountTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_the_switcher_appears_at_once_after_accepting_an_invitation(self) -> None:
        invite = Invite.objects.create(
            team=self.team, email="charlie@example.org", invited_by=self.alice
        )
        self.client.force_login(self.charlie)
        # A page seen first: the header's count of his teams (one, no switcher) is cached.
        self.assertNotContains(self.client.get(reverse("domains:index")), SWITCHER)
        r = self.client.post(reverse("accounts:invite", args=[invite.token]))
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        self.assertEqual(self.charlie.memberships.count(), 2)
        self.assertContains(self.client.get(reverse("domains:index")), SWITCHER)

    def test_the_switcher_goes_at_once_after_leaving_a_team(self) -> None:
        Membership.objects.create(
            team=self.charlies_team, user=self.bob, role=Membership.Role.MEMBER
        )
        self.client.force_login(self.bob)
        # Cached: two teams, the switcher shows.
        self.assertContains(self.client.get(reverse("domains:index")), SWITCHER)
        own = self.team.memberships.get(user=self.bob)
        r = self.client.post(reverse("accounts:member_remove", args=[own.code]))
        self.assertRedirects(r, reverse("accounts:team"), fetch_redirect_response=False)
        self.assertEqual(self.bob.memberships.count(), 1)
        self.assertNotContains(self.client.get(reverse("domains:index")), SWITCHER)
