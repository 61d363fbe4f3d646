"""s25w: Verify all's limits (61d8149 review) and DKIM-08's byte count.

Verify all: a person over their own press limit no longer uses up their team's press of the
minute, and a name whose lookup a press never started (out of time) keeps its Verify allowance.
"""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from checks.dkim import parse_key_record
from mailsec.domains import views
from mailsec.domains.models import Domain
from mailsec.freecheck import ratelimit
from tests.conftest import BaseTestCase
from tests.test_domains import stub_dns

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
URL = reverse("domains:verify_all")


@override_settings(CACHES=LOCMEM)
class VerifyAllLimitsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate limits' counters
        self.good, self.missing = (
            Domain.objects.create(team=self.team, name=name)
            for name in ("good.example", "missing.example")
        )
        self.records = {self.good.challenge_name: [self.good.challenge_value]}

    def press(self, who: object) -> object:
        self.client.force_login(who)
        with (
            stub_dns(self.records),
            mock.patch("mailsec.domains.tasks.enqueue_run"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            return self.client.post(URL, {"team": str(self.team.code)})

    def allowance_used(self, domain: Domain) -> int:
        return ratelimit.used(f"domains:verify:{domain.pk}", views.VERIFY_DOMAIN_LIMIT[1])

    def test_a_person_over_their_own_limit_does_not_block_the_team(self) -> None:
        limit, period = views.VERIFY_ALL_USER_LIMIT
        for _ in range(limit):
            views._over_limit(f"verify-all:user:{self.alice.pk}", limit, period)
        r = self.press(self.alice)
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("domains:index")), "many times in the last 10")
        # alice's refused press left the team's press of the minute to bob.
        r = self.press(self.bob)
        self.assertContains(r, "Verified 1 of 2")
        self.good.refresh_from_db()
        assert self.good.is_verified

    def test_a_press_the_team_limit_refuses_costs_the_person_nothing(self) -> None:
        self.press(self.bob)
        Domain.objects.filter(pk=self.good.pk).update(verified_at=None)
        r = self.press(self.alice)
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        key = f"domains:verify-all:user:{self.alice.pk}"
        assert ratelimit.used(key, views.VERIFY_ALL_USER_LIMIT[1]) == 0

    def test_a_lookup_never_started_keeps_its_verify_allowance(self) -> None:
        with mock.patch.object(views, "VERIFY_ALL_BUDGET", 0):
            r = self.press(self.alice)
        self.assertContains(r, "the other lookups took all the time a press has", count=2)
        assert self.allowance_used(self.good) == 0
        assert self.allowance_used(self.missing) == 0

    def test_a_lookup_made_counts_against_its_verify_allowance(self) -> None:
        r = self.press(self.alice)
        self.assertContains(r, "Verified 1 of 2")
        assert self.allowance_used(self.good) == 1
        assert self.allowance_used(self.missing) == 1

    def test_a_name_over_its_allowance_is_still_not_looked_up(self) -> None:
        for _ in range(views.VERIFY_DOMAIN_LIMIT[0]):
            views._over_limit(f"verify:{self.good.pk}", *views.VERIFY_DOMAIN_LIMIT)
        r = self.press(self.alice)
        self.assertContains(r, "Verify was pressed for it many times in the last minute")
        self.good.refresh_from_db()
        assert not self.good.is_verified and self.good.verify_checked_at is None


def test_dkim08_says_one_byte_in_the_singular() -> None:
    (problem,) = parse_key_record("v=DKIM1; k=ed25519; p=AA==").problems
    assert problem.check_id == "DKIM-08"
    assert "this one is 1 byte." in problem.message
    (problem,) = parse_key_record("v=DKIM1; k=ed25519; p=AAA=").problems
    assert "this one is 2 bytes." in problem.message
