"""The owner hands the team on: on Team, the owner makes a teammate (member or viewer) the
owner and becomes a member (accounts.views.hand_over, Team.hand_over). Asked first, done on
the answer; one owner always, two hand-overs at once included; the new owner is emailed."""

from __future__ import annotations

import threading
import time
import unittest
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.db import connection, connections
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.api.models import ApiKey
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Role = Membership.Role


def owners(team: Team) -> list[str]:
    return sorted(team.memberships.filter(role=Role.OWNER).values_list("user__username", flat=True))


@override_settings(CACHES=LOCMEM)
class HandOverTestCase(BaseTestCase):
    """alice owns the team, bob is its member; vera joins as a viewer where a test needs her."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.bobs = Membership.objects.get(team=self.team, user=self.bob)
        Team.objects.filter(pk=self.team.pk).update(name="Acme")
        self.team.refresh_from_db()

    def url(self, membership: Membership) -> str:
        return reverse("accounts:hand_over", args=[membership.code])

    def test_the_owner_is_asked_first_and_nothing_changes(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(reverse("accounts:team"))
        self.assertContains(r, f'action="{self.url(self.bobs)}"')
        r = self.client.post(self.url(self.bobs))
        self.assertContains(r, f"Make bob@example.org the owner of {self.team.name}?")
        self.assertContains(r, "You will become a member.")
        self.assertContains(r, 'name="confirm" value="yes"')
        self.assertEqual(owners(self.team), ["alice"])
        self.assertEqual(mail.outbox, [])

    def test_the_owner_hands_the_team_to_a_member(self) -> None:
        key, _ = ApiKey.create_for(self.team, "alice's dashboard", self.alice)
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(self.url(self.bobs), {"confirm": "yes"}, follow=True)
        self.assertContains(r, f"bob@example.org is now the owner of {self.team.name}.")
        self.assertContains(r, "You are a member.")
        self.assertEqual(owners(self.team), ["bob"])
        self.assertEqual(self.team.role_of(self.alice), Role.MEMBER)
        # Still in the team: the keys alice created keep working (mailsec.api.signals revokes
        # them only when her membership ends).
        key.refresh_from_db()
        self.assertIsNone(key.revoked_at)
        # The new owner is told, with who and why.
        self.assertEqual(len(mail.outbox), 1)
        sent = mail.outbox[0]
        self.assertEqual(sent.to, ["bob@example.org"])
        self.assertEqual(sent.subject, f"You now own {self.team.name} on mailsec")
        self.assertIn("alice@example.org, who owned the team", sent.body)
        self.assertIn("made you its owner; they are a member of it now", sent.body)
        self.assertNotIn("was deleted", sent.body)
        html = sent.alternatives[0][0]  # type: ignore[attr-defined]
        self.assertIn("made you its owner", html)

    def test_the_former_owner_can_no_longer_invite_and_the_new_one_can(self) -> None:
        self.assertTrue(self.team.hand_over(self.bobs, self.alice))
        self.client.force_login(self.alice)
        r = self.client.post(reverse("accounts:invite_create"), {"email": "d@example.org"})
        self.assertEqual(r.status_code, 404)
        r = self.client.get(reverse("accounts:team"))
        self.assertNotContains(r, "Make owner")
        self.assertContains(r, 'alice@example.org <span class="muted">member (you)')
        # alice is still a member: she manages the domains, and may leave.
        self.assertTrue(self.team.can_edit(self.alice))
        self.client.force_login(self.bob)
        r = self.client.post(reverse("accounts:invite_create"), {"email": "d@example.org"})
        self.assertEqual(r.status_code, 302)
        alices = Membership.objects.get(team=self.team, user=self.alice)
        # And the new owner could hand it back.
        self.assertEqual(self.client.post(self.url(alices)).status_code, 200)

    def test_a_viewer_becomes_the_owner_and_is_told_they_were_one(self) -> None:
        vera = User.objects.create_user("vera", "vera@example.org")
        veras = Membership.objects.create(team=self.team, user=vera, role=Role.VIEWER)
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(self.url(veras), {"confirm": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(owners(self.team), ["vera"])
        self.assertEqual(self.team.role_of(self.alice), Role.MEMBER)
        self.assertEqual(self.team.role_of(self.bob), Role.MEMBER)
        self.assertIn("Until now you could only look at the team", mail.outbox[0].body)

    def test_nobody_but_the_owner_may_hand_the_team_over(self) -> None:
        alices = Membership.objects.get(team=self.team, user=self.alice)
        vera = User.objects.create_user("vera", "vera@example.org")
        veras = Membership.objects.create(team=self.team, user=vera, role=Role.VIEWER)
        Profile.objects.create(user=vera, current_team=self.team)
        for who, target in ((self.bob, veras), (self.bob, self.bobs), (vera, self.bobs)):
            self.client.force_login(who)
            with self.subTest(who=who.username, target=target.user.username):
                r = self.client.post(self.url(target), {"confirm": "yes"})
                self.assertEqual(r.status_code, 404)
                r = self.client.post(self.url(alices), {"confirm": "yes"})
                self.assertEqual(r.status_code, 404)
        self.assertEqual(owners(self.team), ["alice"])
        self.assertEqual(mail.outbox, [])

    def test_not_to_someone_outside_the_team(self) -> None:
        self.client.force_login(self.alice)
        charlies = Membership.objects.get(team=self.charlies_team, user=self.charlie)
        r = self.client.post(self.url(charlies), {"confirm": "yes"})
        self.assertEqual(r.status_code, 404)
        self.assertEqual(owners(self.team), ["alice"])
        self.assertEqual(owners(self.charlies_team), ["charlie"])
        # Nor by the model: a membership of another team changes nothing.
        self.assertIsNone(self.team.hand_over(charlies, self.alice))
        self.assertEqual(owners(self.team), ["alice"])
        self.assertEqual(owners(self.charlies_team), ["charlie"])

    def test_not_to_the_owner_themselves(self) -> None:
        alices = Membership.objects.get(team=self.team, user=self.alice)
        self.client.force_login(self.alice)
        r = self.client.post(self.url(alices), {"confirm": "yes"}, follow=True)
        self.assertContains(r, "alice@example.org is the team&#x27;s owner already.")
        self.assertIsNone(self.team.hand_over(alices, self.alice))
        self.assertEqual(owners(self.team), ["alice"])

    def test_two_hand_overs_leave_exactly_one_owner(self) -> None:
        # A double click, or two tabs: each request read alice as the owner; the second
        # hand-over runs after the first, when she owns nothing.
        dana = User.objects.create_user("dana", "dana@example.org")
        danas = Membership.objects.create(team=self.team, user=dana, role=Role.MEMBER)
        self.assertEqual(self.team.hand_over(self.bobs, self.alice), Role.MEMBER)
        self.assertIsNone(self.team.hand_over(danas, self.alice))
        self.assertEqual(owners(self.team), ["bob"])
        self.assertEqual(self.team.role_of(dana), Role.MEMBER)

    def test_the_second_request_of_a_double_click_says_nothing_was_done(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch.object(Team, "is_owner", return_value=True):
            # The first request's check passed before the second hand-over ran.
            self.team.hand_over(self.bobs, self.alice)
            r = self.client.post(self.url(self.bobs), {"confirm": "yes"}, follow=True)
        self.assertContains(r, "bob@example.org is the team&#x27;s owner already.")
        dana = User.objects.create_user("dana", "dana@example.org")
        danas = Membership.objects.create(team=self.team, user=dana, role=Role.MEMBER)
        with mock.patch.object(Team, "is_owner", return_value=True):
            r = self.client.post(self.url(danas), {"confirm": "yes"}, follow=True)
        self.assertContains(r, "The team changed meanwhile: nothing was done.")
        self.assertEqual(owners(self.team), ["bob"])

    def test_a_role_change_read_before_a_hand_over_leaves_the_owner(self) -> None:
        # set_member_role read bob as a member; the hand-over commits; then it writes.
        read_before = Membership.objects.get(pk=self.bobs.pk)
        self.team.hand_over(self.bobs, self.alice)
        self.assertFalse(read_before.set_role(Role.VIEWER))
        self.assertEqual(read_before.role, Role.OWNER)
        self.assertEqual(owners(self.team), ["bob"])

    def test_a_removal_read_before_a_hand_over_leaves_the_owner(self) -> None:
        self.client.force_login(self.alice)
        read_before = Membership.objects.get(pk=self.bobs.pk)
        handed = Membership.objects.get(pk=self.bobs.pk)
        with mock.patch("mailsec.accounts.views.get_membership_or_404") as found:
            # The view's read, then the hand-over in another request, then the removal.
            def read_then_hand_over(*args: Any) -> Membership:
                self.team.hand_over(handed, self.alice)
                return read_before

            found.side_effect = read_then_hand_over
            with mock.patch.object(Team, "is_owner", return_value=True):
                r = self.client.post(reverse("accounts:member_remove", args=[self.bobs.code]))
        self.assertEqual(r.status_code, 302)
        self.assertEqual(owners(self.team), ["bob"])


@unittest.skipUnless(connection.vendor == "postgresql", "row locks: PostgreSQL only")
class ConcurrentHandOverTestCase(TransactionTestCase):
    """Two hand-overs of one team at once, in two connections: one wins, the other finds
    its owner gone and does nothing."""

    def test_two_at_once_leave_exactly_one_owner(self) -> None:
        alice = User.objects.create_user("alice", "alice@example.org")
        team = Team.create_for(alice)
        targets = [
            Membership.objects.create(team=team, user=User.objects.create_user(n), role="member")
            for n in ("bob", "dana")
        ]
        save = Membership.save

        def slow_save(self: Membership, *args: Any, **kwargs: Any) -> None:
            time.sleep(0.3)  # between reading the roles and writing them: the race's window
            save(self, *args, **kwargs)

        results: list[str | None] = []

        def hand_over(to: Membership) -> None:
            try:
                results.append(Team.objects.get(pk=team.pk).hand_over(to, alice))
            finally:
                connections.close_all()

        with mock.patch.object(Membership, "save", slow_save):
            threads = [threading.Thread(target=hand_over, args=(t,)) for t in targets]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(sorted(results, key=str), [None, "member"])
        self.assertEqual(len(owners(team)), 1)
        self.assertEqual(team.role_of(alice), Role.MEMBER)
