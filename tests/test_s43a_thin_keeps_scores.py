"""Task s43a: thinning runs older than 90 days to one a day keeps the day's last run that made a
score, not a check that could not be made after it.

CheckRun.thin kept each old day's last run (and the domain's last finished one). When that last
run was a check that crashed or ended with no score because its lookups failed (our resolver
down at 18:00), the day's scored runs were deleted and the day kept only "could not check": the
team API's history (up to 365 days) lost that day's score, though the domain was checked fine
that day. A check that could not be made says nothing about the domain (docs/webapp.md, Checks
and history; product lessons: "could not test" is not "fail"), so the day keeps its last run
with a score, and its last run only when none made one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client
from django.utils import timezone

from mailsec.api.models import ApiKey
from mailsec.domains import tasks
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_s43a_history_blind import UNSCORED, stored_run

NAME = "thin.s43a.test"


class ThinKeepsScoresTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name=NAME, verified_at=timezone.now() - timedelta(days=400)
        )
        today = timezone.now().astimezone(UTC).date()
        self.days = [today - timedelta(days=d) for d in (102, 101, 100)]

    def at(self, day_index: int, hour: int) -> datetime:
        d = self.days[day_index]
        return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)

    def kept_on(self, day_index: int) -> list[CheckRun]:
        start = self.at(day_index, 0)
        return list(
            CheckRun.objects.filter(
                domain=self.domain, created__gte=start, created__lt=start + timedelta(days=1)
            )
        )

    def test_it_keeps_the_days_last_scored_run_over_a_later_failed_one(self) -> None:
        stored_run(self.domain, self.at(0, 6), score=80)
        scored = stored_run(self.domain, self.at(0, 12), score=85)
        stored_run(self.domain, self.at(0, 18), crashed=True)
        last = stored_run(self.domain, timezone.now() - timedelta(hours=1), score=90)
        self.domain.set_last_run(last)
        tasks.thin_runs()
        self.assertEqual([r.pk for r in self.kept_on(0)], [scored.pk])

    def test_a_run_with_no_score_does_not_displace_the_days_score(self) -> None:
        scored = stored_run(self.domain, self.at(1, 6), score=90)
        stored_run(self.domain, self.at(1, 18), errors=UNSCORED)
        last = stored_run(self.domain, timezone.now() - timedelta(hours=1), score=90)
        self.domain.set_last_run(last)
        tasks.thin_runs()
        self.assertEqual([r.pk for r in self.kept_on(1)], [scored.pk])

    def test_a_day_with_no_score_keeps_its_last_run(self) -> None:
        stored_run(self.domain, self.at(2, 6), errors=UNSCORED)
        crashed = stored_run(self.domain, self.at(2, 18), crashed=True)
        last = stored_run(self.domain, timezone.now() - timedelta(hours=1), score=90)
        self.domain.set_last_run(last)
        tasks.thin_runs()
        self.assertEqual([r.pk for r in self.kept_on(2)], [crashed.pk])

    def test_the_api_history_keeps_each_old_days_score(self) -> None:
        for i, score in enumerate((80, 85, 90)):
            stored_run(self.domain, self.at(i, 6), score=score)
            stored_run(self.domain, self.at(i, 12), errors=UNSCORED)
            stored_run(self.domain, self.at(i, 18), crashed=True)
        last = stored_run(self.domain, timezone.now() - timedelta(hours=1), score=95)
        self.domain.set_last_run(last)
        tasks.thin_runs()
        key = ApiKey.create_for(self.team, "s43a thin", None)[1]
        answer = Client().get(
            f"/api/v1/domains/{NAME}/history?days=365", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        self.assertEqual([r["score"] for r in answer.json()["runs"]], [80, 85, 90, 95])

    def test_the_domains_last_finished_run_is_still_kept(self) -> None:
        # Checks stopped long ago: the last scored run is the domain's, then no-score runs.
        good = stored_run(self.domain, self.at(2, 6), score=70)
        self.domain.set_last_run(good)
        stored_run(self.domain, self.at(2, 12), errors=UNSCORED)
        tasks.thin_runs()
        self.assertTrue(CheckRun.objects.filter(pk=good.pk).exists())
        self.assertEqual(Domain.objects.get(pk=self.domain.pk).last_run_id, good.pk)
        self.assertEqual(len(self.kept_on(2)), 1)
