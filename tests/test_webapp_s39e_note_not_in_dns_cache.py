"""Task s39e, item 2: Domain.note_not_in_dns (what the bulk add keeps of its NXDOMAIN answers)
made the team's domain list's cached version new once per domain noted (pagecache.changed
in a loop): thirty typos in one add deleted the team's key thirty times, and thirty times
again when the transaction committed. Once per batch is enough; each domain's own page still
gets its own version made new."""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import override_settings

from mailsec.domains import pagecache
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@override_settings(CACHES=LOCMEM)
class NoteNotInDnsCacheTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.domains = [
            Domain.objects.create(team=self.team, name=f"typo-{i}.example.org") for i in range(30)
        ]
        self.theirs = Domain.objects.create(team=self.charlies_team, name="typo.example.net")

    def deleted_keys(self, domains: list[Domain]) -> list[list[str]]:
        """Each call's keys to cache.delete_many while `domains` are noted and committed."""
        calls: list[list[str]] = []
        real = cache.delete_many

        def spy(keys: list[str]) -> None:
            calls.append(list(keys))
            real(keys)

        with (
            mock.patch.object(pagecache.cache, "delete_many", spy),
            self.captureOnCommitCallbacks(execute=True),
        ):
            Domain.note_not_in_dns(domains)
        return calls

    def test_it_makes_the_teams_list_new_once_per_batch(self) -> None:
        calls = self.deleted_keys([*self.domains, self.theirs])
        for team in (self.team, self.charlies_team):
            key = f"page-version:team:{team.pk}"
            # Once now and once when committed, whatever the number of domains.
            self.assertEqual(sum(key in keys for keys in calls), 2, calls)
        for domain in [*self.domains, self.theirs]:
            key = f"page-version:domain:{domain.pk}"
            self.assertEqual(sum(key in keys for keys in calls), 2, key)
        self.assertTrue(all(Domain.objects.get(pk=d.pk).not_in_dns for d in self.domains))

    def test_a_cached_list_is_made_again_after_the_note(self) -> None:
        self.assertEqual(pagecache.cached("team", self.team.pk, "list", 60, lambda: "old"), "old")
        self.deleted_keys(self.domains)
        value = pagecache.cached("team", self.team.pk, "list", 60, lambda: "new")
        self.assertEqual(value, "new")
        for domain in self.domains:
            self.assertIsNone(cache.get(f"page-version:domain:{domain.pk}"))

    def test_an_empty_batch_changes_nothing(self) -> None:
        self.assertEqual(self.deleted_keys([]), [])
