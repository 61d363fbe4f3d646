"""The signed-in header of an MSP: Alerts in the navigation, the current team named for
people in more than one (a link to where teams are switched), and a row's Save on the alerts
page coming back to that row rather than to the top of the page."""

from __future__ import annotations

import html
import re

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.models import AlertSetting
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)


def nav_of(r: object) -> str:
    found = NAV.search(r.content.decode())  # type: ignore[attr-defined]
    assert found is not None
    return found.group(1)


def current_links(r: object) -> list[str]:
    """The text of the navigation's links marked as the current page."""
    return re.findall(r'aria-current="page">([^<]*)<', nav_of(r))


class AlertsInTheNavTestCase(BaseTestCase):
    def test_signed_in_pages_link_to_alerts_marked_current_on_it(self) -> None:
        self.client.force_login(self.alice)
        for url, current in (
            ("/alerts/", ["Alerts"]),
            ("/alerts/?page=2", ["Alerts"]),
            ("/domains/", ["Domains"]),
            ("/team/", ["Team"]),
            ("/account/", ["Account"]),
        ):
            r = self.client.get(url)
            with self.subTest(url=url):
                self.assertIn(f'href="{reverse("alerts:settings")}"', nav_of(r))
                self.assertEqual(current_links(r), current)

    def test_signed_out_pages_do_not(self) -> None:
        nav = nav_of(self.client.get("/"))
        self.assertNotIn("Alerts", nav)
        self.assertIn("Sign in", nav)


class CurrentTeamInTheHeaderTestCase(BaseTestCase):
    def setUp(self) -> None:
        # bob is in alice's team and, from now on, in charlie's too.
        Membership.objects.create(team=self.charlies_team, user=self.bob)
        self.domain = Domain.objects.create(team=self.team, name="example.org")
        self.switch_url = reverse("accounts:account") + "#teams-title"

    def team_link(self, r: object) -> str | None:
        # The switcher (s32w): the name opens the person's teams, and its last link the
        # Account page's list.
        found = re.search(r'<summary class="nav-team">(.*?)</summary>', nav_of(r), re.S)
        if found is None:
            return None
        self.assertIn(f'<a href="{self.switch_url}">', nav_of(r))
        return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))

    def test_someone_in_two_teams_sees_the_current_one_on_every_page(self) -> None:
        self.client.force_login(self.bob)
        # The team's own pages load the team; the domain page does not (its content is cached).
        for url in (
            "/domains/",
            "/alerts/",
            "/team/",
            "/account/",
            f"/domains/{self.domain.code}/",
        ):
            with self.subTest(url=url):
                self.assertEqual(
                    self.team_link(self.client.get(url)),
                    f"Current team: {self.team.name} (switch teams)",
                )
        self.client.post(reverse("accounts:switch_team", args=[self.charlies_team.code]))
        for url in ("/domains/", f"/domains/{self.domain.code}/"):
            with self.subTest(url=url, after="switch"):
                link = self.team_link(self.client.get(url))
                self.assertEqual(link, f"Current team: {self.charlies_team.name} (switch teams)")

    def test_someone_in_one_team_sees_none(self) -> None:
        self.client.force_login(self.alice)
        for url in ("/domains/", "/alerts/", f"/domains/{self.domain.code}/"):
            with self.subTest(url=url):
                self.assertIsNone(self.team_link(self.client.get(url)))
        self.client.logout()
        self.assertIsNone(self.team_link(self.client.get("/")))

    def test_the_name_is_escaped(self) -> None:
        Team.objects.filter(pk=self.team.pk).update(name='<b>"Acme" & co</b>')
        self.client.force_login(self.bob)
        nav = nav_of(self.client.get("/domains/"))
        self.assertIn("&lt;b&gt;&quot;Acme&quot; &amp; co&lt;/b&gt;", nav)
        self.assertNotIn("<b>", nav)

    def test_no_query_more_where_the_page_loaded_the_team(self) -> None:
        """As many queries for bob (two teams) as for alice (one) on a page that loads the
        team; the domain page, which does not, reads the current team for bob alone."""

        def queries(user: User, url: str) -> int:
            client = Client()
            client.force_login(user)
            client.get(url)  # the session and the count of teams reach the cache
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(client.get(url).status_code, 200)
            return len(ctx.captured_queries)

        # bob's twin in alice's team alone (an owner's team page reads more: the invites).
        dave = User.objects.create_user("dave", "dave@example.org")
        Membership.objects.create(team=self.team, user=dave)
        Profile.objects.create(user=dave, current_team=self.team)
        for url in ("/domains/", "/alerts/", "/team/", "/account/"):
            with self.subTest(url=url):
                self.assertEqual(queries(self.bob, url), queries(dave, url))
        page = f"/domains/{self.domain.code}/"
        self.assertEqual(queries(dave, page), 2)  # the user and the ownership check
        self.assertEqual(queries(self.bob, page), 3)  # and the current team


class SaveComesBackToTheRowTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domains = Domain.objects.bulk_create(
            Domain(team=self.team, name=f"d{i:04d}.test") for i in range(60)
        )
        self.client.force_login(self.alice)

    def save(self, domain: Domain, **data: str) -> str:
        r = self.client.post(
            reverse("alerts:set_mode", args=[domain.code]), {"mode": "digest", **data}
        )
        self.assertEqual(r.status_code, 302)
        return r["Location"]

    def test_the_return_url_ends_at_the_rows_id(self) -> None:
        domain = self.domains[55]  # on page 2
        location = self.save(domain, next="/alerts/?page=2")
        self.assertEqual(location, f"/alerts/?page=2#alerts-{domain.code}")
        self.assertEqual(AlertSetting.mode_for(self.alice, domain), AlertSetting.Mode.DIGEST)
        # The page it comes back to has a row of that id.
        page = self.client.get(location.split("#")[0]).content.decode()
        self.assertIn(f'<tr id="alerts-{domain.code}">', page)

    def test_the_first_page_too(self) -> None:
        domain = self.domains[40]
        self.assertEqual(self.save(domain), f"/alerts/#alerts-{domain.code}")

    def test_a_posted_fragment_is_not_taken(self) -> None:
        domain = self.domains[55]
        for next_url in ("/alerts/?page=2#x", "/alerts/?page=2#alerts-other", "//evil.example#x"):
            with self.subTest(next=next_url):
                location = self.save(domain, next=next_url)
                self.assertTrue(location.endswith(f"#alerts-{domain.code}"), location)
                self.assertEqual(location.count("#"), 1)
                self.assertTrue(location.startswith("/alerts/"), location)
