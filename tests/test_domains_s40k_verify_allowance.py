"""A domain's Verify allowance is one counter, whichever button spends it (task s40k,
review s40r).

Verify (views.verify) and Verify all (views.verify_domains) both count a name's lookups
against VERIFY_DOMAIN_LIMIT; Verify all built the counter's name by hand
(f"domains:verify:{pk}"), copying the prefix _over_limit adds, so a change to either would
have let a name be looked up twice as often. One function names the counter (views._counter),
and one the allowance (views._verify_allowance): with the counter's names moved elsewhere,
the two buttons still spend and read the same allowance.
"""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from mailsec.domains import views
from mailsec.domains.models import Domain
from mailsec.freecheck import ratelimit
from tests.conftest import BaseTestCase
from tests.test_domains import stub_dns

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LIMIT = views.VERIFY_DOMAIN_LIMIT[0]
# Early in every limit's fixed window, whatever the test's pace: no window ends mid-test.
NOW = 1_800_000_000.0 + 1


@override_settings(CACHES=LOCMEM)
class OneVerifyAllowanceTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate limits' counters
        self.domain = Domain.objects.create(team=self.team, name="missing.example")
        self.client.force_login(self.alice)
        # Wherever the counters live, Verify and Verify all must agree on them.
        moved = mock.patch.object(views, "_counter", lambda key: f"moved:{key}")
        moved.start()
        self.addCleanup(moved.stop)
        frozen = mock.patch.object(ratelimit, "wall_time", lambda: NOW)
        frozen.start()
        self.addCleanup(frozen.stop)

    def press(self, url: str, data: dict[str, str] | None = None, follow: bool = True) -> object:
        with stub_dns({}), mock.patch("mailsec.domains.tasks.enqueue_run"):
            return self.client.post(url, data or {}, follow=follow)

    def verify(self, follow: bool = True) -> object:
        return self.press(reverse("domains:verify", args=[self.domain.code]), follow=follow)

    def verify_all(self) -> object:
        return self.press(reverse("domains:verify_all"), {"team": str(self.team.code)})

    def test_verify_all_reads_the_allowance_verify_spent(self) -> None:
        for _ in range(LIMIT):
            self.verify(follow=False)
        self.assertContains(self.verify(), views.VERIFY_REFUSED["domain"])
        self.assertContains(self.verify_all(), NOT_LOOKED_UP_DOMAIN)

    def test_verify_reads_the_allowance_verify_all_spent(self) -> None:
        for _ in range(LIMIT - 1):
            self.verify(follow=False)
        r = self.verify_all()  # the name's last lookup of the minute
        self.assertNotContains(r, NOT_LOOKED_UP_DOMAIN)
        self.assertContains(self.verify(), views.VERIFY_REFUSED["domain"])


NOT_LOOKED_UP_DOMAIN = views.NOT_LOOKED_UP["domain"]
