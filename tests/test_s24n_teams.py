"""s24n: a new team of one's own (accounts:team_create), for an MSP's team per client.

A person got a team at sign-up and more only by being invited: the team page told an MSP to
sign up again with another address and invite themselves. Now anyone signed in creates one,
owns it and is switched to it; at most MAX_OWNED_TEAMS a person, and the same form sent twice
makes one team."""

from __future__ import annotations

import html
import re
import threading
import time
import unittest
from datetime import timedelta
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client, TransactionTestCase, override_settings
from django.urls import reverse

from mailsec.accounts.models import MAX_OWNED_TEAMS, Membership, Profile, Team
from mailsec.accounts.views import TOO_MANY_TEAMS
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
NEW = "/team/new/"


def words(r: HttpResponse) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", r.content.decode())).split())


def owners(team: Team) -> list[str]:
    return [m.user.username for m in team.memberships.filter(role=Membership.Role.OWNER)]


@override_settings(CACHES=LOCMEM)
class CreateTeamTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def create(self, user: User, name: str = "Acme client", **extra: Any) -> HttpResponse:
        self.client.force_login(user)
        return self.client.post(NEW, {"name": name}, **extra)

    def teams_of(self, user: User) -> list[str]:
        return sorted(m.team.name for m in user.memberships.select_related("team"))

    def test_the_url_is_team_new(self) -> None:
        self.assertEqual(reverse("accounts:team_create"), NEW)

    def test_it_shows_a_form(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(NEW)
        self.assertContains(r, f'action="{NEW}"')
        self.assertContains(r, 'name="name"')
        self.assertContains(r, "Create team")

    def test_it_creates_a_team_the_person_owns_and_makes_it_current(self) -> None:
        Domain.objects.create(team=self.team, name="acme.test")
        r = self.create(self.alice, "Client one")
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        team = Team.objects.get(name="Client one")
        self.assertEqual(owners(team), ["alice"])
        self.assertEqual(team.memberships.count(), 1)  # bob, her teammate elsewhere, is not in it
        self.assertEqual(Profile.objects.get(user=self.alice).current_team, team)
        # Her first team is as it was, and still hers.
        self.assertEqual(owners(self.team), ["alice"])
        self.assertEqual(self.teams_of(self.alice), ["Client one", "alice@example.org's team"])
        page = self.client.get(reverse("domains:index"))
        self.assertContains(page, "You created Client one. Add its domains, then invite people.")
        # The domain list is the new team's: empty, none of the first team's.
        self.assertNotContains(page, "acme.test")

    def test_it_is_the_new_teams_owner_who_invites(self) -> None:
        self.create(self.alice, "Client one")
        r = self.client.get(reverse("accounts:team"))
        self.assertContains(r, 'action="/team/invite/"')
        self.assertContains(r, "<h1>Client one</h1>", html=True)

    def test_it_refuses_a_name_the_rename_refuses_and_creates_nothing(self) -> None:
        before = Team.objects.count()
        refused = {
            "": "Enter a name for the team.",
            "   ": "Enter a name for the team.",
            "x" * 101: "Use at most 100 characters (this has 101).",
            "Client\none": "without control or invisible formatting characters",
            "Client \u202eeno": "without control or invisible formatting characters",
            "Client\u2028one": "without control or invisible formatting characters",
        }
        for name, error in refused.items():
            with self.subTest(name=name):
                r = self.create(self.alice, name)
                self.assertContains(r, error, status_code=400)
                self.assertContains(r, 'aria-invalid="true"', status_code=400)
        self.assertEqual(Team.objects.count(), before)
        self.assertEqual(Profile.objects.get(user=self.alice).current_team, self.team)

    def test_it_keeps_a_name_the_rename_keeps(self) -> None:
        # The zero-width joiner (emoji, Indic scripts) is allowed; the name is stripped.
        self.create(self.alice, "  Fam\u200dily  ")
        self.assertTrue(Team.objects.filter(name="Fam\u200dily").exists())
        self.create(self.alice, "x" * 100)
        self.assertTrue(Team.objects.filter(name="x" * 100).exists())

    def test_a_person_owns_at_most_max_owned_teams(self) -> None:
        for n in range(MAX_OWNED_TEAMS - 1):  # her sign-up team is the first
            Team.create_named(self.alice, f"Client {n}")
        self.assertEqual(
            self.alice.memberships.filter(role=Membership.Role.OWNER).count(), MAX_OWNED_TEAMS
        )
        before = Team.objects.count()
        current = Profile.objects.get(user=self.alice).current_team
        r = self.create(self.alice, "One too many")
        self.assertEqual(r.status_code, 400)
        self.assertIn(TOO_MANY_TEAMS, words(r))
        self.assertEqual(Team.objects.count(), before)
        self.assertEqual(Profile.objects.get(user=self.alice).current_team, current)
        # The page says so in place of its form.
        r = self.client.get(NEW)
        self.assertIn(TOO_MANY_TEAMS, words(r))
        self.assertNotContains(r, 'name="name"')
        # Teams she is only in do not count: bob, a member of hers, still creates his own.
        self.assertEqual(self.create(self.bob, "Bob's client").status_code, 302)

    def test_handing_a_team_over_makes_room_for_another(self) -> None:
        for n in range(MAX_OWNED_TEAMS - 1):
            Team.create_named(self.alice, f"Client {n}")
        self.assertEqual(self.create(self.alice, "One more").status_code, 400)
        self.team.hand_over(Membership.objects.get(team=self.team, user=self.bob), self.alice)
        self.assertEqual(self.create(self.alice, "One more").status_code, 302)
        self.assertEqual(owners(Team.objects.get(name="One more")), ["alice"])

    def test_someone_signed_out_is_sent_to_sign_in_and_nothing_is_created(self) -> None:
        before = Team.objects.count()
        for method in ("get", "post"):
            r = getattr(self.client, method)(NEW, {"name": "Client"})
            self.assertEqual(r.status_code, 302)
            self.assertTrue(r["Location"].startswith("/accounts/login/?next="), r["Location"])
        self.assertEqual(Team.objects.count(), before)

    def test_a_deactivated_account_creates_nothing(self) -> None:
        self.client.force_login(self.alice)
        User.objects.filter(pk=self.alice.pk).update(is_active=False)
        before = Team.objects.count()
        r = self.client.post(NEW, {"name": "Client"})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/?next="), r["Location"])
        self.assertEqual(Team.objects.count(), before)

    def test_it_checks_ownership(self) -> None:
        # An outsider's team is theirs alone: nobody of alice's team is in it, and nothing of
        # alice's team changes (charlie gets no way into it).
        self.create(self.charlie, "Charlie's client")
        team = Team.objects.get(name="Charlie's client")
        self.assertEqual([m.user.username for m in team.memberships.all()], ["charlie"])
        self.assertEqual(
            sorted(m.user.username for m in self.team.memberships.all()), ["alice", "bob"]
        )
        self.assertEqual(self.client.get(reverse("accounts:team")).status_code, 200)
        self.assertNotContains(self.client.get(reverse("accounts:team")), "alice@example.org")
        # Switching to alice's team stays a 404 for charlie.
        r = self.client.post(reverse("accounts:switch_team", args=[self.team.code]))
        self.assertEqual(r.status_code, 404)

    def test_a_viewer_of_the_current_team_creates_their_own(self) -> None:
        vera = User.objects.create_user("vera", "vera@example.org")
        Membership.objects.create(team=self.team, user=vera, role=Membership.Role.VIEWER)
        Profile.objects.create(user=vera, current_team=self.team)
        r = self.create(vera, "Vera's own")
        self.assertEqual(r.status_code, 302)
        team = Team.objects.get(name="Vera's own")
        self.assertEqual(owners(team), ["vera"])
        self.assertEqual(Profile.objects.get(user=vera).current_team, team)
        # Still a viewer of alice's team, nothing more.
        self.assertEqual(self.team.role_of(vera), Membership.Role.VIEWER)

    def test_the_team_switcher_lists_it_at_once(self) -> None:
        self.client.force_login(self.alice)
        # A page seen first: the header's count of her teams (one, no switcher) is cached.
        self.assertNotContains(self.client.get(reverse("domains:index")), 'class="nav-team"')
        self.client.post(NEW, {"name": "Client one"})
        page = self.client.get(reverse("domains:index"))
        # The header names the current team and leads to the switcher.
        self.assertContains(page, 'class="nav-team"')
        self.assertIn("Current team: Client one (switch teams)", words(page))
        account = self.client.get(reverse("accounts:account"))
        text = words(account)
        self.assertIn("Client one owner current", text)
        self.assertIn("alice@example.org's team owner Switch to this team", text)
        self.assertContains(account, reverse("accounts:switch_team", args=[self.team.code]))
        # And back: the first team is current again.
        self.client.post(reverse("accounts:switch_team", args=[self.team.code]))
        self.assertEqual(Profile.objects.get(user=self.alice).current_team, self.team)

    def test_the_pages_lead_to_it(self) -> None:
        self.client.force_login(self.alice)
        team_page = self.client.get(reverse("accounts:team"))
        self.assertContains(team_page, f'href="{NEW}"')
        self.assertNotIn("sign up with another address", words(team_page))
        self.assertNotIn("invite yourself", words(team_page))
        # The switcher (Account, where the header's team name leads): for everyone, a
        # viewer or member too.
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(reverse("accounts:account")), f'href="{NEW}"')

    def test_the_same_form_sent_twice_makes_one_team(self) -> None:
        first = self.create(self.alice, "Client one")
        second = self.client.post(NEW, {"name": "Client one"})
        self.assertEqual(first.status_code, 302)
        self.assertRedirects(second, reverse("domains:index"), fetch_redirect_response=False)
        self.assertEqual(Team.objects.filter(name="Client one").count(), 1)
        team = Team.objects.get(name="Client one")
        self.assertEqual(Profile.objects.get(user=self.alice).current_team, team)
        # The second answer says so, and that it is current.
        text = words(self.client.get(reverse("domains:index")))
        self.assertIn("You created Client one a moment ago: it is your current team.", text)
        self.assertEqual(text.count("You created Client one"), 2)

    def test_the_same_name_later_or_another_name_at_once_is_another_team(self) -> None:
        self.create(self.alice, "Client one")
        self.client.post(NEW, {"name": "Client two"})
        self.assertEqual(Team.objects.filter(name__startswith="Client ").count(), 2)
        team = Team.objects.get(name="Client one")
        Team.objects.filter(pk=team.pk).update(created=team.created - timedelta(minutes=2))
        self.client.post(NEW, {"name": "Client one"})
        self.assertEqual(Team.objects.filter(name="Client one").count(), 2)
        # Someone else's team of that name is no reason to refuse hers either.
        self.create(self.charlie, "Client two")
        self.assertEqual(Team.objects.filter(name="Client two").count(), 2)

    def test_a_double_submit_at_the_limit_is_the_team_just_made(self) -> None:
        for n in range(MAX_OWNED_TEAMS - 2):
            Team.create_named(self.alice, f"Client {n}")
        self.assertEqual(self.create(self.alice, "The last one").status_code, 302)
        r = self.client.post(NEW, {"name": "The last one"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Team.objects.filter(name="The last one").count(), 1)


@unittest.skipUnless(connection.vendor == "postgresql", "row locks: PostgreSQL only")
@override_settings(CACHES=LOCMEM)
class ConcurrentCreateTestCase(TransactionTestCase):
    """A double click: the two posts at once, in two connections, make one team."""

    def test_two_posts_at_once_make_one_team(self) -> None:
        alice = User.objects.create_user("alice", "alice@example.org")
        Profile.for_user(alice).team()
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def post() -> None:
            try:
                client = Client()
                client.force_login(alice)
                barrier.wait()
                statuses.append(client.post(NEW, {"name": "Client one"}).status_code)
            finally:
                connections.close_all()

        # The window between looking for the team and making it, widened.
        original = Team.objects.create

        def slow_create(**kwargs: Any) -> Team:
            time.sleep(0.3)
            return original(**kwargs)

        with mock.patch.object(Team.objects, "create", slow_create):
            threads = [threading.Thread(target=post) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(statuses, [302, 302])
        self.assertEqual(Team.objects.filter(name="Client one").count(), 1)
