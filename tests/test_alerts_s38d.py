"""Blind round s38d's product defect (tests/test_alerts_s38d_blind.py, D01): a problem whose
re-check could not test it, when that re-check became the reference (a checks release's first
run does at once), was never told: the checks after it compared with a reference that could not
check the host, and 'an address the last confirmed state could not check raises nothing when
it fails'. Docs: the next check that sees it again suspects it again, and its own re-check
decides. The same happened without a release, on a domain whose other MX host could not be
checked all along (the re-check's errors were not new, so it became the reference)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tests.test_alerts_s38d_blind as s38d
from mailsec.alerts.models import SEEN_AGAIN, Change


def _mx(**hosts: str) -> dict[str, Any]:
    return {h: {"v4": state} for h, state in hosts.items()}


BOTH = ["mx1", "mx2"]
WORLDS = {
    **s38d.WORLDS,
    # mx2, the backup, times out on every check (a host that never answers us).
    "backup-down": {"mx": _mx(mx1="good", mx2="timeout"), "patterns": BOTH},
    "backup-down-bad": {"mx": _mx(mx1="expired", mx2="timeout"), "patterns": BOTH},
    "both-down": {"mx": _mx(mx1="timeout", mx2="timeout"), "patterns": BOTH},
}


class UntestedReferenceTestCase(s38d.S38dBlindSequencesTestCase):
    """The round's player, on sequences of its own."""

    DATA = {"worlds": WORLDS, "sequences": []}
    test_the_blind_sequences = None  # type: ignore[assignment]

    def told(self, steps: list[list[Any]]) -> list[tuple[str, str, str, datetime]]:
        return self.play({"steps": steps})

    def test_a_problem_whose_re_check_was_a_release_s_first_run_and_timed_out_is_told(
        self,
    ) -> None:
        steps = [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "timeout", "c"],  # the new release's first run: it becomes the reference
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
        ]
        got = self.told(steps)
        self.assertEqual(sorted((to, kind) for to, kind, _, _ in got),
                         [("alice", "alert"), ("bob", "alert")])  # fmt: skip
        self.assertTrue(all("mx1.a.test" in subject for _, _, subject, _ in got), got)
        # Suspected again as seen after an untested re-check, keeping its first sighting.
        again = Change.objects.filter(note=SEEN_AGAIN, state=Change.State.CONFIRMED)
        self.assertTrue(again.exists())

    def test_a_problem_whose_re_check_could_not_look_beside_a_backup_never_checked_is_told(
        self,
    ) -> None:
        """No release: mx2 never answers, so the re-check's errors are not new and it becomes
        the reference; mx1's expiry, seen again by the next pair, is told once."""
        steps = [
            ["run", "backup-down", "s"],
            ["run", "backup-down", "s"],
            ["run", "backup-down-bad", "s"],
            ["run", "both-down", "c"],
            ["run", "backup-down-bad", "s"],
            ["run", "backup-down-bad", "c"],
            ["run", "backup-down-bad", "s"],
        ]
        got = self.told(steps)
        self.assertEqual(sorted((to, kind) for to, kind, _, _ in got),
                         [("alice", "alert"), ("bob", "alert")])  # fmt: skip
        self.assertTrue(all("mx1.a.test" in subject for _, _, subject, _ in got), got)

    def test_a_flap_whose_re_check_became_the_reference_stays_quiet(self) -> None:
        """The control: seen again, then fixed at its own re-check: nothing, ever."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ]
        self.assertEqual(self.told(steps), [])

    def test_a_problem_not_seen_again_after_an_untested_reference_is_nothing(self) -> None:
        """The control: the run after the untested re-check sees it fine: a first sighting
        later is its own, told only once its own re-check agrees."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
        ]
        self.assertEqual(self.told(steps), [])
