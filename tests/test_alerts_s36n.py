"""Task s36n, item 1: a daily digest tells a problem that was fixed and came back within its
period as it is now, once (s36b Z19, 5feca68d), and now also says that it was fixed and when
it came back ("It was fixed at 1 Dec 09:22 and back at 1 Dec 12:22 (UTC)."), in the text
and the HTML, in the reader's zone. Not a second entry: the fix that did not hold is still
not under "Fixed" (nor does the line say "Fixed": Z19's row holds that no "Fixed" is said)."""

from __future__ import annotations

from typing import Any

from django.core import mail

import tests.test_alerts_s36b_blind as blind
from mailsec.accounts.models import Profile

DIGEST = [["mode", "alice", "a.test", "digest"], ["mode", "bob", "a.test", "off"]]
TOLD = [["run", "good", "s"], ["run", "bad", "s"], ["run", "bad", "c"], ["digest_hourly", 1]]
FIXED_9 = [["at", "2026-12-01T09:00:00+00:00"], ["run", "good", "s"], ["run", "good", "c"]]
BACK_12 = [["at", "2026-12-01T12:00:00+00:00"], ["run", "bad", "s"], ["run", "bad", "c"]]
LINE = "It was fixed at 1 Dec 09:22 and back at 1 Dec 12:22 (UTC)."


class DigestFlapTestCase(blind.S36bBlindSequencesTestCase):
    """The s36b player, its sequences not played again here."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def told(self, steps: list[list[Any]]) -> list[tuple[str, str]]:
        return [(to, kind) for to, kind, _, _ in self.play({"steps": steps})]

    def html(self) -> str:
        return str(mail.outbox[-1].alternatives[0][0])

    def test_a_problem_told_fixed_and_back_says_when(self) -> None:
        """Z19's history: told in one digest, fixed at 09:22 (confirmed), back at 12:22
        (confirmed): the next digest lists it once, as new, saying it was fixed and back."""
        steps = [*DIGEST, *TOLD, *FIXED_9, *BACK_12, ["digest_hourly", 20]]
        self.assertEqual(self.told(steps), [("alice", "digest")] * 2)
        second = self.bodies[-1]
        self.assertNotIn("Fixed:", second)
        self.assertEqual(second.count("The certificate of mx1.a.test"), 1, second)
        # The certificate and the score drop, each an entry of its own, each came back.
        self.assertEqual(second.count(LINE), 2, second)
        self.assertEqual(self.html().count(LINE), 2)
        self.assertNotIn(LINE, self.bodies[0])

    def test_a_problem_first_told_after_it_came_back_says_it_too(self) -> None:
        """Confirmed, fixed and back within one period, told nowhere before: one entry, as
        new, saying it was fixed once already."""
        steps = [
            *DIGEST,
            ["run", "good", "s"],
            ["at", "2026-12-01T07:30:00+00:00"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            *FIXED_9,
            *BACK_12,
            ["digest_hourly", 20],
        ]
        self.assertEqual(self.told(steps), [("alice", "digest")])
        self.assertEqual(self.bodies[-1].count("The certificate of mx1.a.test"), 1)
        self.assertIn(LINE, self.bodies[-1])

    def test_two_fixes_that_did_not_hold_are_both_said(self) -> None:
        steps = [
            *DIGEST,
            *TOLD,
            *FIXED_9,
            ["at", "2026-12-01T10:00:00+00:00"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["at", "2026-12-01T11:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            *BACK_12,
            ["digest_hourly", 20],
        ]
        self.assertEqual(self.told(steps), [("alice", "digest")] * 2)
        self.assertIn(
            "It was fixed at 1 Dec 09:22 and back at 1 Dec 10:22, then fixed at 1 Dec 11:22 "
            "and back at 1 Dec 12:22 (UTC).",
            self.bodies[-1],
        )

    def test_it_says_the_times_in_the_readers_zone(self) -> None:
        Profile.objects.update_or_create(
            user=self.alice, defaults={"time_zone": "Europe/Berlin", "current_team": self.team}
        )
        steps = [*DIGEST, *TOLD, *FIXED_9, *BACK_12, ["digest_hourly", 20]]
        self.told(steps)
        self.assertIn(
            "It was fixed at 1 Dec 10:22 and back at 1 Dec 13:22 (Europe/Berlin).", self.bodies[-1]
        )

    def test_a_fix_told_in_an_earlier_digest_is_not_said_again(self) -> None:
        """Control: the fix was under "Fixed" in the digest after it; back after that digest,
        the next one tells the problem as new, with no line about that earlier fix."""
        steps = [
            *DIGEST,
            *TOLD,
            *FIXED_9,
            ["digest_hourly", 22],
            ["at", "2026-12-02T12:00:00+00:00"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 20],
        ]
        self.assertEqual(self.told(steps), [("alice", "digest")] * 3)
        self.assertIn("Fixed", self.bodies[1])
        self.assertIn("The certificate of mx1.a.test", self.bodies[-1])
        self.assertNotIn("back at", self.bodies[-1])
        self.assertNotIn("back at", self.html())

    def test_a_fix_that_held_is_told_as_before(self) -> None:
        """Control: told, fixed, not back: "Fixed", with no line about coming back."""
        steps = [*DIGEST, *TOLD, *FIXED_9, ["digest_hourly", 22]]
        self.told(steps)
        self.assertIn("Fixed", self.bodies[-1])
        self.assertNotIn("back at", self.bodies[-1])
