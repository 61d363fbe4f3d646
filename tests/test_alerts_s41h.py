"""Alerts, found by blind round s41h (tests/test_alerts_s41h_blind.py, S16): a re-check that
finds a suspected roll-up still down for another reason confirmed it on its own word.

mx1's certificate expired on a check (SMTP-10, STARTTLS now failing); at its re-check mx1
refused connections (SMTP-01): the expiry could not be seen ("gone at the re-check"), the
policy host's validation of mx1 could not be tested, and STARTTLS still failed, for the
refusal alone. docs/webapp.md: such a verdict "is not confirmed on the re-check's word: the
re-check suspects it anew, with the new reason, and the next check decides". It was
confirmed there ("STARTTLS on the MX hosts was good and now failing", with no cause) and the
refusal told a check later in a second email. s39d's rule (AlertState._cause_gone) asked
every problem raised beside it to be gone; one beside it that the re-check could not test
kept the roll-up confirmed.
"""

from __future__ import annotations

from typing import Any

import tests.test_alerts_s41h_blind as blind
from mailsec.alerts.models import Change

REFUSED_AT_RECHECK: dict[str, Any] = {
    "id": "T1",
    "title": "expired, re-check refused, then refused (check, re-check)",
    "steps": [
        ["run", "good", "s"],
        ["run", "good", "s"],
        ["run", "bad", "s"],
        ["run", "refused", "c"],
        ["run", "refused", "s"],
        ["run", "refused", "c"],
    ],
    "emails": [],
}


class RollUpOnANewReasonTestCase(blind.S41hBlindSequencesTestCase):
    """The blind round's player, one history a test. The round's own sweep runs in its file:
    not collected here (None, as s39d's and s38d's defect files), rather than an empty pass."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def test_s41h_a_roll_up_down_for_a_new_reason_is_told_with_it_once(self) -> None:
        got = self.play(REFUSED_AT_RECHECK)
        self.assertEqual(
            sorted((to, kind) for to, kind, _, _ in got),
            [
                ("alice", "alert"),
                ("bob", "alert"),
            ],
            got,
        )
        for _, _, subject, _ in got:
            self.assertIn("mx1.a.test", subject)
            self.assertIn("refused", subject)
        smtp = Change.objects.get(key="mechanism:smtp", state=Change.State.CONFIRMED)
        refusal = Change.objects.get(key="finding:SMTP-01|mx1.a.test")
        self.assertEqual(smtp.confirmed_run_id, refusal.confirmed_run_id)

    def test_s41h_a_cause_still_there_at_the_re_check_confirms_as_before(self) -> None:
        got = self.play(
            {**REFUSED_AT_RECHECK, "steps": [*REFUSED_AT_RECHECK["steps"][:3], ["run", "bad", "c"]]}
        )
        self.assertEqual(len(got), 2, got)
        self.assertTrue(all("mx1.a.test" in subject for _, _, subject, _ in got), got)
