"""The alerts page at MSP scale: one mode for every domain of a team, the mode for domains
added to it later, and the domain list's counts and filter."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertDefault, AlertSetting, Change, recipients
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts import send_digests_tomorrow

Mode = AlertSetting.Mode


def texts(r: object) -> str:
    return " ".join(r.content.decode().replace("&#x27;", "'").split())  # type: ignore[attr-defined]


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
    ALERT_DIGEST_HOUR=0,
)
class BulkSettingsTestCase(BaseTestCase):
    def setUp(self) -> None:
        now = timezone.now()
        self.a = Domain.objects.create(team=self.team, name="a.test", verified_at=now)
        self.b = Domain.objects.create(team=self.team, name="b.test", verified_at=now)
        # The page lists unverified domains with their own setting: the bulk form sets it too.
        self.c = Domain.objects.create(team=self.team, name="c.test")
        self.theirs = Domain.objects.create(team=self.charlies_team, name="x.test")
        self.all_url = reverse("alerts:set_all", args=[self.team.code])
        self.later_url = reverse("alerts:set_default", args=[self.team.code])

    def modes(self, user: User) -> list[str]:
        return [AlertSetting.mode_for(user, d) for d in (self.a, self.b, self.c)]

    def test_it_sets_every_domain_of_the_team_for_this_user_only(self) -> None:
        AlertSetting.set_mode(self.alice, self.a, Mode.DIGEST)  # already so: no change
        AlertSetting.set_mode(self.alice, self.b, Mode.OFF)
        AlertSetting.set_mode(self.bob, self.a, Mode.OFF)
        AlertSetting.set_mode(self.charlie, self.theirs, Mode.IMMEDIATE)
        self.client.force_login(self.alice)
        r = self.client.post(self.all_url, {"mode": "digest"}, follow=True)
        self.assertRedirects(r, reverse("alerts:settings"))
        self.assertIn(
            f"Every domain of {self.team.name}: daily digest (2 domains changed).", texts(r)
        )
        self.assertEqual(self.modes(self.alice), [Mode.DIGEST] * 3)
        # Teammates keep theirs; another team's domains are untouched, and get no row of hers.
        self.assertEqual(self.modes(self.bob), [Mode.OFF, Mode.IMMEDIATE, Mode.IMMEDIATE])
        self.assertEqual(AlertSetting.mode_for(self.charlie, self.theirs), Mode.IMMEDIATE)
        self.assertFalse(AlertSetting.objects.filter(user=self.alice, domain=self.theirs).exists())
        # Idempotent.
        r = self.client.post(self.all_url, {"mode": "digest"}, follow=True)
        self.assertIn("daily digest (nothing to change, every one was so already)", texts(r))
        self.assertEqual(AlertSetting.objects.filter(user=self.alice).count(), 3)

    def test_the_bulk_form_reaches_the_daily_digest(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(self.all_url, {"mode": "digest"})
        Change.objects.create(
            domain=self.a,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        # Confirmed now, after today's digest hour: tomorrow's digest tells it.
        self.assertEqual(send_digests_tomorrow(), 1)
        self.assertNotIn(self.alice, recipients(self.a, Mode.IMMEDIATE))
        self.assertIn(self.bob, recipients(self.a, Mode.IMMEDIATE))

    def test_it_takes_as_many_queries_for_300_domains_as_for_3(self) -> None:
        def team_of(n: int) -> tuple[User, Team]:
            user = User.objects.create_user(f"msp{n}", f"msp{n}@example.org")
            team = Team.create_for(user)
            Profile.objects.create(user=user, current_team=team)
            Domain.objects.bulk_create(
                Domain(team=team, name=f"d{i}.msp{n}.test") for i in range(n)
            )
            # Some chosen already, most not: both kinds of row are written.
            for d in Domain.objects.filter(team=team).order_by("name")[:2]:
                AlertSetting.set_mode(user, d, Mode.OFF)
            return user, team

        def post(user: User, team: Team) -> None:
            client = Client()
            client.force_login(user)
            r = client.post(reverse("alerts:set_all", args=[team.code]), {"mode": "digest"})
            self.assertEqual(r.status_code, 302)

        small, big = team_of(3), team_of(300)
        with CaptureQueriesContext(connection) as ctx:
            post(*small)
        with self.assertNumQueries(len(ctx.captured_queries)):
            post(*big)
        for user, team in (small, big):
            modes = AlertSetting.objects.filter(user=user, domain__team=team).values_list(
                "mode", flat=True
            )
            self.assertEqual(set(modes), {Mode.DIGEST})
            self.assertEqual(len(modes), team.domains.count())

    def test_the_later_default_applies_to_a_domain_added_after(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.later_url, {"mode": "digest"}, follow=True)
        self.assertIn(f"Domains added to {self.team.name} from now on: daily digest.", texts(r))
        self.assertContains(r, '<option value="digest" selected>Daily digest</option>')
        # The domains already there keep what they had.
        self.assertEqual(self.modes(self.alice), [Mode.IMMEDIATE] * 3)
        later = Domain.objects.create(team=self.team, name="d.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.default_mode(self.alice, self.team), Mode.DIGEST)
        self.assertEqual(AlertSetting.mode_for(self.alice, later), Mode.DIGEST)
        self.assertEqual(AlertSetting.mode_for(self.bob, later), Mode.IMMEDIATE)
        self.assertNotIn(self.alice, recipients(later, Mode.IMMEDIATE))
        self.assertIn(self.bob, recipients(later, Mode.IMMEDIATE))
        # Only this team's: a domain added to another team of hers is emailed at once.
        Membership.objects.create(team=self.charlies_team, user=self.alice)
        elsewhere = Domain.objects.create(team=self.charlies_team, name="y.test")
        self.assertEqual(AlertSetting.mode_for(self.alice, elsewhere), Mode.IMMEDIATE)
        # The daily digest tells of the new domain's problems.
        Change.objects.create(
            domain=later,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        # Confirmed now, after today's digest hour: tomorrow's digest tells it.
        self.assertEqual(send_digests_tomorrow(), 1)
        # Changing the default again leaves that domain as it was added.
        self.client.post(self.later_url, {"mode": "off"})
        self.assertEqual(AlertSetting.mode_for(self.alice, later), Mode.DIGEST)
        self.assertEqual(self.modes(self.alice), [Mode.IMMEDIATE] * 3)
        newest = Domain.objects.create(team=self.team, name="e.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.mode_for(self.alice, newest), Mode.OFF)

    def test_unsubscribing_from_all_still_wins(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(self.later_url, {"mode": "digest"})
        Client().post(unsubscribe_url(self.alice, None).removeprefix("https://mailsec.example"))
        later = Domain.objects.create(team=self.team, name="d.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.mode_for(self.alice, later), Mode.OFF)
        self.assertEqual(recipients(later, Mode.DIGEST), [])
        Change.objects.create(
            domain=later,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        # Not even tomorrow's digest, the one that would tell a change confirmed now.
        self.assertEqual(send_digests_tomorrow(), 0)
        # A default chosen after unsubscribing does not undo it either; the page says so.
        r = self.client.post(self.later_url, {"mode": "immediate"}, follow=True)
        self.assertIn("domains added later send you none, whatever this says", texts(r))
        newest = Domain.objects.create(team=self.team, name="e.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.mode_for(self.alice, newest), Mode.OFF)
        self.assertNotIn(self.alice, recipients(newest, Mode.IMMEDIATE))
        # Choosing every domain's mode on the page is speaking again, for those domains.
        self.client.post(self.all_url, {"mode": "immediate"})
        self.assertIn(self.alice, recipients(newest, Mode.IMMEDIATE))

    def test_it_needs_the_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        for url in (self.all_url, self.later_url):
            self.assertEqual(client.post(url, {"mode": "off"}).status_code, 403)
        self.assertFalse(AlertSetting.objects.exists())
        self.assertFalse(AlertDefault.objects.exists())

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        for url in (self.all_url, self.later_url):
            self.assertEqual(self.client.post(url, {"mode": "off"}).status_code, 404)
        self.assertFalse(AlertSetting.objects.exists())
        self.assertFalse(AlertDefault.objects.exists())
        r = self.client.get(reverse("alerts:settings"))
        self.assertNotContains(r, str(self.team.code))
        self.assertNotContains(r, "a.test")

    def test_it_refuses_a_mode_not_offered(self) -> None:
        self.client.force_login(self.alice)
        for url in (self.all_url, self.later_url):
            r = self.client.post(url, {"mode": "weekly"}, follow=True)
            self.assertContains(r, "Choose one of the offered options.")
        self.assertFalse(AlertSetting.objects.exists())
        self.assertFalse(AlertDefault.objects.exists())

    def test_the_page_counts_the_modes_and_filters_the_list(self) -> None:
        AlertSetting.set_mode(self.alice, self.a, Mode.DIGEST)
        AlertSetting.set_mode(self.alice, self.b, Mode.DIGEST)
        AlertSetting.set_mode(self.bob, self.c, Mode.DIGEST)  # bob's: not counted for alice
        self.client.force_login(self.alice)
        url = reverse("alerts:settings")
        page = strip_tags(texts(self.client.get(url)))
        self.assertIn("3 domains: 2 in the daily digest, 1 emailed at once.", page)
        r = self.client.get(url, {"mode": "immediate"})
        self.assertIn("1 of 3 domains", texts(r))
        self.assertContains(r, f'id="alerts-{self.c.code}"')
        self.assertNotContains(r, f'id="alerts-{self.a.code}"')
        # Saving a row of a filtered list comes back to it.
        self.assertContains(r, 'name="next" value="/alerts/?mode=immediate"')
        r = self.client.get(url, {"q": "B.TE"})
        self.assertContains(r, f'id="alerts-{self.b.code}"')
        self.assertNotContains(r, f'id="alerts-{self.a.code}"')
        r = self.client.get(url, {"q": "zzz"})
        self.assertContains(r, "No domain matches.")
        # A mode not offered filters nothing.
        r = self.client.get(url, {"mode": "weekly"})
        for d in (self.a, self.b, self.c):
            self.assertContains(r, f'id="alerts-{d.code}"')

    def test_the_filter_finds_an_idn_by_the_name_shown(self) -> None:
        idn = Domain.objects.create(team=self.team, name="xn--bcher-kva.test")
        self.client.force_login(self.alice)
        r = self.client.get(reverse("alerts:settings"), {"q": "BÜCHER"})
        self.assertContains(r, f'id="alerts-{idn.code}"')
        self.assertNotContains(r, f'id="alerts-{self.a.code}"')
