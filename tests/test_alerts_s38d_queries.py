"""Task s38d, part 1: a check run that raises many new suspicions costs the same number of
queries as one that raises a few (AlertState._observe reads every earlier sighting of them in
one query and writes the new suspicions in one INSERT), and says the same as before: each
suspicion a first sighting, or seen again after a re-check that could not test it (SEEN_AGAIN,
keeping the first sighting's time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

import tests.test_alerts_s17_blind as s17
from mailsec.alerts.models import SEEN_AGAIN, UNTESTED, AlertState, Change
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def world(hosts: int, state: str) -> dict[str, Any]:
    """`hosts` MX hosts, each in `state` (s17's probe states), all named by the policy."""
    names = [f"mx{i}" for i in range(1, hosts + 1)]
    return {"mx": {n: {"v4": state} for n in names}, "patterns": names}


@override_settings(ALERT_CONFIRM_DELAY=600, ALERT_SCORE_DROP=10)
class NewSuspicionsQueriesTestCase(BaseTestCase):
    def observe(self, domain: Domain, spec: dict[str, Any], kind: str, at: datetime) -> CheckRun:
        run = s17.store_run(domain, s17.result_for(domain.name, spec, at), kind, at)
        with self.captureOnCommitCallbacks(execute=False):
            AlertState.observe(run)
        return run

    def first_bad_run(self, name: str, hosts: int) -> tuple[Domain, CheckRun, int]:
        """A domain with `hosts` good MX hosts, then a run that finds every certificate
        expired; the number of queries that run's observe made."""
        domain = Domain.objects.create(team=self.team, name=name, verified_at=START)
        self.observe(domain, world(hosts, "good"), "scheduled", START)
        at = START + timedelta(minutes=11)
        run = s17.store_run(
            domain, s17.result_for(name, world(hosts, "expired"), at), "scheduled", at
        )
        with (
            CaptureQueriesContext(connection) as ctx,
            self.captureOnCommitCallbacks(execute=False),
        ):
            AlertState.observe(run)
        return domain, run, len(ctx.captured_queries)

    def test_many_new_suspicions_cost_the_queries_of_a_few(self) -> None:
        few_domain, _, few = self.first_bad_run("few.test", 2)
        many_domain, many_run, many = self.first_bad_run("many.test", 12)
        few_raised = Change.objects.filter(domain=few_domain, state=Change.State.SUSPECTED)
        many_raised = Change.objects.filter(domain=many_domain, state=Change.State.SUSPECTED)
        # The measure means something: the bigger run raised many more suspicions.
        self.assertGreaterEqual(many_raised.count(), few_raised.count() + 20)
        self.assertEqual(many, few, f"{few_raised.count()} suspicions: {few} queries; "
                         f"{many_raised.count()}: {many}")  # fmt: skip
        # Each one a first sighting of this run, as before.
        for change in many_raised:
            self.assertEqual(
                (change.first_seen_run_id, change.created), (many_run.pk, many_run.created)
            )
            self.assertEqual(change.note, "")
            self.assertTrue(change.code)
        self.assertEqual(many_raised.values("key").distinct().count(), many_raised.count())

    def test_many_seen_again_after_an_untested_re_check_cost_the_queries_of_a_few(self) -> None:
        """Every certificate expired, the re-check timing out on every host (each suspicion
        dismissed as untested), then a scheduled run seeing them all again: each is suspected
        again as SEEN_AGAIN with its first sighting's time, in as many queries for 12 hosts as
        for 2."""

        def seen_again(name: str, hosts: int) -> tuple[Domain, datetime, int]:
            domain, first, _ = self.first_bad_run(name, hosts)
            untested = self.observe(
                domain, world(hosts, "timeout"), "confirm", first.created + timedelta(minutes=11)
            )
            dismissed = Change.objects.filter(domain=domain, state=Change.State.DISMISSED)
            self.assertTrue(dismissed.exists())
            self.assertEqual(set(dismissed.values_list("note", flat=True)), {UNTESTED})
            at = untested.created + timedelta(minutes=11)
            again = s17.store_run(
                domain, s17.result_for(name, world(hosts, "expired"), at), "scheduled", at
            )
            with (
                CaptureQueriesContext(connection) as ctx,
                self.captureOnCommitCallbacks(execute=False),
            ):
                AlertState.observe(again)
            return domain, first.created, len(ctx.captured_queries)

        few_domain, _, few = seen_again("few.test", 2)
        many_domain, first_seen, many = seen_again("many.test", 12)
        self.assertEqual(many, few)
        untested = set(
            Change.objects.filter(
                domain=many_domain, state=Change.State.DISMISSED, note=UNTESTED
            ).values_list("key", flat=True)
        )
        again = Change.objects.filter(domain=many_domain, state=Change.State.SUSPECTED)
        self.assertEqual(set(again.values_list("key", flat=True)), untested)
        self.assertEqual(set(again.values_list("note", flat=True)), {SEEN_AGAIN})
        self.assertEqual(set(again.values_list("created", flat=True)), {first_seen})
