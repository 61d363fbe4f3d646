"""The DKIM selectors field took as many selectors as fit in 500 characters: 250 one-letter
ones, each looked up at every check, all at once (checks.dkim.get_keys gathers them), so one
form post turned every check of the domain into 259 concurrent DNS queries, sent wherever the
domain's NS records point. A domain signs with a handful of selectors; the form takes
MAX_SELECTORS."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from mailsec.domains.forms import MAX_SELECTORS
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@override_settings(CACHES=LOCMEM)
class SelectorCountTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/selectors/"
        self.client.force_login(self.bob)

    def selectors_after_posting(self, typed: str) -> list[str]:
        self.client.post(self.url, {"selectors": typed})
        self.domain.refresh_from_db()
        return self.domain.selectors()

    def test_a_flood_of_selectors_is_refused(self) -> None:
        letters = " ".join(f"{a}{b}" for a in "abcdefghij" for b in "abcdefghijklm")
        r = self.client.post(self.url, {"selectors": letters}, follow=True)
        self.assertEqual(self.domain.selectors(), [])
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.selectors(), [])
        # The form comes back with what was typed and the reason beside it (400).
        self.assertContains(r, f"at most {MAX_SELECTORS}", status_code=400)

    def test_as_many_as_the_cap_are_kept(self) -> None:
        typed = ", ".join(f"s{i}" for i in range(MAX_SELECTORS))
        self.assertEqual(
            self.selectors_after_posting(typed), [f"s{i}" for i in range(MAX_SELECTORS)]
        )
        # Repeats, or the same selector typed as its record name, count once.
        typed += " s0 s1._domainkey s1._domainkey.example.com"
        self.assertEqual(len(self.selectors_after_posting(typed)), MAX_SELECTORS)
