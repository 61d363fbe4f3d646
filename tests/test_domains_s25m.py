"""s25m: Verify all (an MSP's unverified domains looked up with one press, each outcome said),
and the CSV export of a team without domains.

alice owns the base team (bob is a member, charlie an outsider). DNS answers come from a small
local server (tests.test_domains.stub_dns), through the engine's resolver as in production.
"""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from mailsec.accounts.models import Membership
from mailsec.domains import views
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_domains import stub_dns

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
URL = reverse("domains:verify_all")


@override_settings(CACHES=LOCMEM)
class VerifyAllTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate limits' counters
        self.good, self.wrong, self.missing = (
            Domain.objects.create(team=self.team, name=name)
            for name in ("good.example", "wrong.example", "missing.example")
        )
        self.done = Domain.objects.create(team=self.team, name="done.example")
        Domain.objects.filter(pk=self.done.pk).update(verified_at="2026-11-01T00:00Z")
        self.records = {
            self.good.challenge_name: [self.good.challenge_value],
            self.wrong.challenge_name: ["mailsec-verification=someone-elses"],
        }

    def press(self, who: object = None, **data: str) -> object:
        self.client.force_login(who or self.alice)
        with (
            stub_dns(self.records),
            mock.patch("mailsec.domains.tasks.enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            r = self.client.post(URL, data)
        r.enqueued = enqueue.call_count  # type: ignore[attr-defined]
        return r

    def test_the_list_of_those_not_verified_offers_it_to_whoever_may_verify(self) -> None:
        index = reverse("domains:index")
        unverified = index + "?status=unverified"
        for who in (self.alice, self.bob):
            self.client.force_login(who)
            # The list of every domain says how many are not verified, linking to their list.
            self.assertContains(self.client.get(index), 'href="?status=unverified">3 not verified')
            r = self.client.get(unverified)
            self.assertContains(r, f'action="{URL}"')
            self.assertContains(r, "Verify all 3 now")
            self.assertContains(r, f'name="team" value="{self.team.code}"')
            # The filter changed by htmx swaps the list alone: the button comes with it.
            r = self.client.get(unverified, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="domain-list")
            self.assertContains(r, "Verify all 3 now")
            self.assertContains(r, "csrfmiddlewaretoken")
        # Not with a text to find (it verifies every domain not verified, not only those).
        self.assertNotContains(self.client.get(unverified + "&q=good"), URL)
        Membership.objects.filter(user=self.bob).update(role=Membership.Role.VIEWER)
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(unverified), URL)
        # Nothing waiting, no button.
        Domain.objects.filter(team=self.team).update(verified_at="2026-11-01T00:00Z")
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(unverified), URL)

    def test_one_press_verifies_what_it_can_and_says_why_not_for_the_rest(self) -> None:
        r = self.press(team=str(self.team.code))
        self.assertContains(r, "Verified 1 of 3 domains not verified before.")
        self.assertContains(r, "2 are still not verified")
        self.assertContains(r, "Their first checks are queued.")
        self.assertContains(r, "not the expected value")
        self.assertContains(r, f"No TXT record found at {self.missing.challenge_name} yet.")
        for d in (self.good, self.wrong, self.missing):
            d.refresh_from_db()
            assert d.verify_checked_at is not None  # each looked up and recorded
        assert self.good.is_verified and not self.wrong.is_verified
        assert not self.missing.is_verified
        assert "not the expected value" in self.wrong.verify_error
        # The verified one's first check, as a single Verify starts it.
        assert CheckRun.objects.filter(domain=self.good).count() == 1
        assert r.enqueued == 1  # type: ignore[attr-defined]

    def test_a_member_may_a_viewer_may_not(self) -> None:
        r = self.press(self.bob)
        self.assertContains(r, "Verified 1 of 3")
        cache.clear()
        Domain.objects.filter(pk=self.good.pk).update(verified_at=None)
        Membership.objects.filter(user=self.bob).update(role=Membership.Role.VIEWER)
        r = self.press(self.bob)
        assert r.status_code == 403  # type: ignore[attr-defined]
        self.good.refresh_from_db()
        assert not self.good.is_verified

    def test_an_outsider_verifies_only_their_own_team(self) -> None:
        # charlie's current team is his own: alice's team code changes nothing of hers.
        r = self.press(self.charlie, team=str(self.team.code))
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        r = self.press(self.charlie)
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        self.good.refresh_from_db()
        assert not self.good.is_verified and self.good.verify_checked_at is None

    def test_a_switch_of_team_in_another_tab_looks_nothing_up(self) -> None:
        r = self.press(team=str(self.charlies_team.code))
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        page = self.client.get(reverse("domains:index"))
        self.assertContains(page, "Your current team changed since this page was loaded")
        self.good.refresh_from_db()
        assert self.good.verify_checked_at is None

    def test_a_team_presses_once_a_minute(self) -> None:
        self.press()
        Domain.objects.filter(pk=self.good.pk).update(verified_at=None)
        r = self.press()
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("domains:index")), "less than a minute ago")
        self.good.refresh_from_db()
        assert not self.good.is_verified

    def test_a_name_pressed_many_times_is_not_looked_up_again(self) -> None:
        # Verify pressed for good.example up to its allowance: Verify all respects it.
        for _ in range(views.VERIFY_DOMAIN_LIMIT[0]):
            views._over_limit(f"verify:{self.good.pk}", *views.VERIFY_DOMAIN_LIMIT)
        r = self.press()
        self.assertContains(r, "Verified 0 of 3")
        self.assertContains(r, "Verify was pressed for it many times in the last minute")
        self.good.refresh_from_db()
        assert not self.good.is_verified and self.good.verify_checked_at is None

    def test_lookups_past_the_budget_are_not_started(self) -> None:
        with mock.patch.object(views, "VERIFY_ALL_BUDGET", 0):
            r = self.press()
        self.assertContains(r, "Verified 0 of 3")
        self.assertContains(r, "the other lookups took all the time a press has", count=3)
        assert not Domain.objects.filter(verify_checked_at__isnull=False).exists()

    def test_a_lookup_that_crashes_loses_only_its_own_answer(self) -> None:
        from checks.dns import DnsClient

        real = DnsClient.txt

        async def txt(client: DnsClient, name: str) -> object:
            if name == self.wrong.challenge_name:
                raise RuntimeError("a bug")
            return await real(client, name)

        with mock.patch.object(DnsClient, "txt", txt), self.assertLogs(views.log, "ERROR"):
            r = self.press()
        self.assertContains(r, "Verified 1 of 3")
        self.assertContains(r, "the lookup failed on our side")
        self.wrong.refresh_from_db()
        assert self.wrong.verify_checked_at is None

    def test_more_than_a_press_takes_are_left_for_the_next(self) -> None:
        with mock.patch.object(views, "VERIFY_ALL_MAX", 2):
            r = self.press()
        self.assertContains(r, "of 2 domains not verified before")
        self.assertContains(r, "1 more domain not verified was not looked at by this press")
        # The one left out is the least recently looked at now: the next press takes it.
        left = Domain.objects.filter(team=self.team, verified_at=None, verify_checked_at=None)
        assert list(left) == [self.missing]

    def test_nothing_to_verify(self) -> None:
        Domain.objects.filter(team=self.team).update(verified_at="2026-11-01T00:00Z")
        r = self.press()
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("domains:index")), "is verified already")


class EmptyExportTestCase(BaseTestCase):
    def test_a_team_without_domains_gets_no_export_link(self) -> None:
        self.client.force_login(self.charlie)
        for page in (reverse("domains:index"), reverse("domains:add_many")):
            self.assertNotContains(self.client.get(page), reverse("domains:export_csv"))
        # The URL still answers: the header row alone (a script's scheduled fetch).
        r = self.client.get(reverse("domains:export_csv"))
        lines = b"".join(r.streaming_content).decode("utf-8-sig").splitlines()
        assert len(lines) == 1 and lines[0].startswith("domain,domain_ascii,verified,")
        Domain.objects.create(team=self.charlies_team, name="example.com")
        for page in (reverse("domains:index"), reverse("domains:add_many")):
            self.assertContains(self.client.get(page), reverse("domains:export_csv"))
