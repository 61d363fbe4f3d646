"""Review s38i of s38d's fix (468eb58a): a suspicion that an untested re-check dismissed, when
that re-check became the reference, is followed by the next run (_seen_again_unraised). A
certificate's expiry threshold needs no such following: expiring_certificates raises every
threshold from the run alone, whatever the reference could check. One it did not raise is a
threshold the certificate has passed since; followed anyway, the owner was told "expires in 20
days, within the 21-day warning threshold" days later, beside the 7-day warning it had then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tests.test_alerts_s38d_blind as s38d
from mailsec.alerts.models import Change

WORLDS = {
    **s38d.WORLDS,
    "old-ends-22dec": {"release": s38d.OLD, "mx": {"mx1": {"v4": s38d.ENDS_22DEC}}},
}


class UntestedReferenceThresholdTestCase(s38d.S38dBlindSequencesTestCase):
    """The round's player, on a sequence of its own."""

    DATA = {"worlds": WORLDS, "sequences": []}
    test_the_blind_sequences = None  # type: ignore[assignment]

    def told(self, steps: list[list[Any]]) -> list[tuple[str, str, str, datetime]]:
        return self.play({"steps": steps})

    def test_a_passed_threshold_whose_re_check_was_untested_is_not_told_late(self) -> None:
        steps = [
            ["at", "2026-11-30T06:00:00+00:00"],
            ["run", "old-ends-22dec", "s"],  # 22 days left: no threshold; the reference
            ["run", "old-ends-22dec", "s"],
            ["at", "2026-12-01T12:00:00+00:00"],
            ["run", "old-ends-22dec", "s"],  # 20 days left: the 21-day mark, suspected
            ["run", "timeout", "c"],  # the new release's first run, its re-check: untested
            ["at", "2026-12-16T12:00:00+00:00"],
            ["run", "ends-22dec", "s"],  # 5 days left: the 7-day mark
            ["run", "ends-22dec", "c"],
            ["run", "ends-22dec", "s"],
        ]
        got = self.told(steps)
        self.assertEqual(sorted((to, kind) for to, kind, _, _ in got),
                         [("alice", "alert"), ("bob", "alert")])  # fmt: skip
        for body in self.bodies:
            self.assertIn("7-day", body)
            self.assertNotIn("21-day", body)
            self.assertNotIn("20 days", body)
        confirmed = Change.objects.filter(state=Change.State.CONFIRMED)
        self.assertEqual([key.rsplit("|", 1)[1] for key in confirmed.values_list("key", flat=True)],
                         ["7"])  # fmt: skip
