"""Task s36n, item 2: after a checks release, a run whose lookup of the MTA-STS or TLS-RPT
record the last check found did not answer (SERVFAIL, a timeout) did not become the
reference (85df4429, s36b Z03), so that a record gone at the release is still compared. While
the lookups kept failing, the reference stayed on the old release, and every later run was
read as a release's first: only release_facts raised, so any other regression (a certificate
broken after the release) waited, for days if the lookups failed for days.

The bound chosen: none is needed. What the hold kept was the record's fact, not the whole
old run: the release's run becomes the reference at once (as every release's first run did
before s36b, docs/webapp.md: "it becomes the reference"), keeping the old record finding in
place of the lookup that did not answer (rules.keep_unanswered_records), for as many runs as
the lookups fail. A later run that finds the record gone from an answering lookup is told
(compared by the DNS answers, as gone_from_dns compares a release's run: the new checks may
judge the same record otherwise); every other regression is compared from the next run on."""

from __future__ import annotations

from typing import Any

import tests.test_alerts_s36b_blind as blind
from mailsec.alerts.models import AlertState


class ReleaseReferenceTestCase(blind.S36bBlindSequencesTestCase):
    """The s36b player, its sequences not played again here."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def told(self, steps: list[list[Any]]) -> list[tuple[str, str, str]]:
        return sorted((to, kind, subject) for to, kind, subject, _ in self.play({"steps": steps}))

    def test_a_regression_after_a_release_is_told_while_a_record_lookup_keeps_failing(
        self,
    ) -> None:
        steps = [
            ["run", "old-good", "s"],
            ["run", "rpt-servfail", "s"],  # the release's first check
            ["run", "rpt-servfail", "s"],
            ["run", "rpt-servfail", "s"],
            ["run", "bad-rpt-servfail", "s"],  # mx1's certificate now expired
            ["run", "bad-rpt-servfail", "c"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [(to, kind) for to, kind, _ in told], [("alice", "alert"), ("bob", "alert")]
        )
        self.assertIn("mx1.a.test", told[0][2])
        # The reference is the new release's, holding the TLS-RPT record the old one found.
        baseline = AlertState.objects.get().baseline_snapshot()
        assert baseline is not None
        self.assertEqual(baseline.checks_release, self.release_of("rpt-servfail"))
        self.assertEqual((baseline.first("TLSRPT-01") or {}).get("status"), "pass")

    def test_a_record_found_gone_after_the_lookups_came_back_is_told(self) -> None:
        """Z03 stretched: the lookups fail at the release and for two more checks; then the
        record is found gone: told once a re-check agrees."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "rpt-servfail", "s"],
            ["run", "rpt-servfail", "s"],
            ["run", "rpt-servfail", "s"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt", "c"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [(to, kind) for to, kind, _ in told], [("alice", "alert"), ("bob", "alert")]
        )
        self.assertIn("TLS-RPT record", told[0][2])

    def test_a_record_still_there_when_the_lookups_come_back_is_no_news(self) -> None:
        """Control: the record answers again, as it was: nothing, whatever the new checks make
        of it, and the run that found it is the reference."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "rpt-servfail", "s"],
            ["run", "rpt-servfail", "s"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
        ]
        self.assertEqual(self.told(steps), [])
        baseline = AlertState.objects.get().baseline_snapshot()
        assert baseline is not None
        self.assertNotIn("kept", baseline.first("TLSRPT-01") or {})

    def test_the_new_checks_alone_still_raise_nothing(self) -> None:
        """Control: a certificate the new checks alone fail at the release's first check, with
        the record lookup failing too, is the release's (as s36b's control without SERVFAIL)."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "bad-rpt-servfail", "s"],
            ["run", "bad-rpt-servfail", "c"],
            ["run", "bad-rpt-servfail", "s"],
            ["run", "bad", "s"],
        ]
        self.assertEqual(self.told(steps), [])

    def release_of(self, world: str) -> str | None:
        return blind.WORLDS[world].get("release", blind.scoring.CHECKS_RELEASE)
