"""Round s36b's product defects, each on its own (found by the blind sequences of
tests/test_alerts_s36b_blind.py, Z01, Z03 and Z05): the first check of a new checks release
took as the new normal, untold, what was a fact of the DNS or of time rather than of the
checks."""

from __future__ import annotations

from typing import Any

import tests.test_alerts_s36b_blind as blind
from mailsec.alerts.models import Change


class ReleaseFactsTestCase(blind.S36bBlindSequencesTestCase):
    """The blind round's player, its sequences not played again here."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def told(self, steps: list[list[Any]]) -> list[tuple[str, str, str]]:
        return sorted((to, kind, subject) for to, kind, subject, _ in self.play({"steps": steps}))

    def test_it_tells_a_certificate_that_expired_just_before_the_release_check(self) -> None:
        """The same certificate, valid at the old release's last check, past its notAfter at
        the new release's first: time passed, the checks did not make it. Told once a re-check
        agrees (Z01); the renewal is its fix."""
        steps = [
            ["run", "old-ends-2dec", "s"],
            ["at", "2026-12-02T13:00:00+00:00"],
            ["run", "ends-2dec", "s"],
            ["run", "ends-2dec", "c"],
            ["run", "ends-2dec", "s"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [(to, kind) for to, kind, _ in told], [("alice", "alert"), ("bob", "alert")]
        )
        self.assertIn("mx1.a.test", told[0][2])
        self.assertIn("expired", told[0][2])

    def test_a_certificate_the_new_checks_alone_fail_is_still_not_told(self) -> None:
        """Control: a certificate the old release saw valid and whose notAfter has not passed,
        failed by the new release's checks, is the checks' doing: nothing (s32h X06 keeps the
        other side: a different, long-expired certificate at the deploy)."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
        ]
        self.assertEqual(self.told(steps), [])

    def test_a_record_gone_at_the_release_is_told_after_a_re_check_that_could_not_look(
        self,
    ) -> None:
        """Z03: the release's first check finds the TLS-RPT record gone, its re-check
        SERVFAILs on it. That run must not become the reference with the record's state
        unknown, or the record's absence is never compared again."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "no-rpt", "s"],
            ["run", "rpt-servfail", "c"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt", "c"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [(to, kind) for to, kind, _ in told], [("alice", "alert"), ("bob", "alert")]
        )
        self.assertIn("TLS-RPT record", told[0][2])

    def test_an_mx_host_added_outside_the_policy_at_the_release_is_told(self) -> None:
        """Z05: the MX records changed in the DNS at the release's first check, adding a host
        the enforced policy does not name: the MX set left the policy, told once."""
        steps = [
            ["run", "old-good", "s"],
            ["run", "mx2-uncovered", "s"],
            ["run", "mx2-uncovered", "c"],
            ["run", "mx2-uncovered", "s"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [(to, kind) for to, kind, _ in told], [("alice", "alert"), ("bob", "alert")]
        )
        self.assertTrue(
            Change.objects.filter(key__startswith="mx-coverage:", state="confirmed").exists()
        )

    def test_a_digest_does_not_call_fixed_a_problem_that_is_back(self) -> None:
        """Z19: told in one digest, fixed and back (each confirmed) before the next: the next
        digest told it under "New problems" and, below, under "Fixed", the same certificate in
        the same words, untrue by the time it is read. Only the problem as it is now is told."""
        steps = [
            ["mode", "alice", "a.test", "digest"],
            ["mode", "bob", "a.test", "off"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["at", "2026-12-01T09:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["at", "2026-12-01T12:00:00+00:00"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 20],
        ]
        told = self.told(steps)
        self.assertEqual([(to, kind) for to, kind, _ in told], [("alice", "digest")] * 2)
        second = self.bodies[-1]
        self.assertIn("New problems", second)
        self.assertIn("mx1.a.test", second)
        self.assertNotIn("Fixed", second)

    def test_a_digest_still_tells_a_fix_that_held(self) -> None:
        """Control: told, then fixed (confirmed) and not back: the next digest says Fixed."""
        steps = [
            ["mode", "alice", "a.test", "digest"],
            ["mode", "bob", "a.test", "off"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["at", "2026-12-01T09:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["digest_hourly", 23],
        ]
        self.told(steps)
        self.assertIn("Fixed", self.bodies[-1])

    def test_a_problem_each_check_sees_is_told_when_every_re_check_cannot_look(self) -> None:
        """Z36: expired on every scheduled check, each re-check timing out (a server refusing
        a second connection so soon). Each timeout dismissed the suspicion and the next check
        raised it anew, to be dismissed again: never told. The next check that sees it again,
        the confirmation delay after it was first seen, is the second run's word (as when the
        re-check is lost, s24a U02): told once, by another check."""
        steps = [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [(to, kind) for to, kind, _ in told], [("alice", "alert"), ("bob", "alert")]
        )
        self.assertIn("another check 22 minutes later", self.bodies[0])

    def test_a_problem_seen_once_between_timeouts_is_not_told(self) -> None:
        """Control: seen once, the re-check times out, the next check sees it fixed: nothing
        (one run's word); nor is a later sighting, after a clear check, confirmed by the old."""
        steps = [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
        ]
        self.assertEqual(self.told(steps), [])

    def test_an_expiry_warning_subject_says_expires(self) -> None:
        """Z31: the subject kept the first 40 and last 59 characters of a 101-character
        headline and cut out the very words 'expires in' for the policy host of a.test (for
        any longer name too): 'The certificate of mta-sts.a.test … 20 days (2026-12-22),
        within the 21-day warning threshold'. It now says '…, 21-day warning' (the cut keeps
        the last 59 characters: 'expires in' is among them); the email's text keeps the
        threshold's sentence whole."""
        steps = [
            ["run", "policy-22dec", "s"],
            ["at", "2026-12-01T06:30:00+00:00"],
            ["run", "policy-22dec", "s"],
            ["run", "policy-22dec", "c"],
        ]
        told = self.told(steps)
        self.assertEqual(
            [subject for _, _, subject in told],
            [
                "[mailsec] a.test: The certificate of mta-sts.a.test expires in 20 days "
                "(2026-12-22), 21-day warning"
            ]
            * 2,
        )
        self.assertIn("within the 21-day warning threshold", self.bodies[0])
