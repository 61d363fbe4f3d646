"""s34x item 4: a domain with a score whose latest check could not complete read in the
weekly summary as its last good check, with nothing said: the score may be days old. Its
block now says when the latest check failed and what date the score is from."""

from __future__ import annotations

from datetime import timedelta

from mailsec.domains.models import Domain
from tests.test_alerts_s34w import MONDAY_9, WeeklyTestCase

LINE = (
    "Its latest check could not complete (30 Nov 2026, 04:00 UTC); "
    "the score is from its check of Fri 27 Nov."
)


class LatestCheckFailedTestCase(WeeklyTestCase):
    def scored(self, name: str, failed_hours_ago: float | None) -> Domain:
        domain = self.clean(name)
        failed_at = (
            None if failed_hours_ago is None else MONDAY_9 - timedelta(hours=failed_hours_ago)
        )
        Domain.objects.filter(pk=domain.pk).update(
            last_checked_at=MONDAY_9 - timedelta(days=3, hours=2), last_failed_at=failed_at
        )
        return domain

    def test_it_says_the_score_is_from_an_older_check(self) -> None:
        self.scored("late.example", failed_hours_ago=5)
        _, body, html = self.send()
        self.assertIn(f"Score: 100/100 {LINE}", body)
        self.assertIn(f"<li>{LINE}</li>", html)

    def test_a_latest_check_that_completed_says_nothing_more(self) -> None:
        self.scored("fine.example", failed_hours_ago=None)
        _, body, html = self.send()
        self.assertNotIn("could not complete", body)
        self.assertNotIn("could not complete", html)
