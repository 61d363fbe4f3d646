"""Review s41r2 of 7a7182ba (AlertState._cause_gone): that change rests on an expired MX
certificate reading as gone when the re-check found the host refusing connections. For a
suspected change that only delays it; for a confirmed one it told the owner the certificate
was fixed: mx1's expiry told, then mx1 refused every connection, and two runs later both
recipients got "fixed: The certificate of mx1.a.test [192.0.2.1] expired ..." for a
certificate no run had seen since (checklist §0: could not check is no verdict; docs/webapp.md:
a fix is told when a re-check sees it fixed). A host that no run reached says nothing about its
certificate; a renewed one, or the host gone from the MX records, is the fix. (The told
expiry is SMTP-10's finding; a certificate's threshold, cert-expiry, is read the same way.)"""

from __future__ import annotations

from typing import Any

import tests.test_alerts_s41h_blind as blind
from mailsec.alerts.models import Change

TOLD = [["run", "good", "s"], ["run", "good", "s"], ["run", "bad", "s"], ["run", "bad", "c"]]
REFUSED = [["run", "refused", "s"], ["run", "refused", "c"]]


class CertificateUnseenTestCase(blind.S41hBlindSequencesTestCase):
    """The blind round's player, one history a test."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def _kinds(self, steps: list[list[Any]]) -> list[tuple[str, str, str]]:
        got = self.play({"id": "R", "title": "s41r2", "steps": steps, "emails": []})
        return [(to, kind, subject) for to, kind, subject, _ in got]

    def test_s41r2_a_refusing_host_does_not_fix_its_expired_certificate(self) -> None:
        got = self._kinds([*TOLD, *REFUSED, *REFUSED, *REFUSED])
        assert not [g for g in got if g[1] == "fixed"], got
        expiry = Change.objects.get(key="finding:SMTP-10|mx1.a.test")
        self.assertEqual(expiry.state, Change.State.CONFIRMED)

    def test_s41r2_a_renewed_certificate_is_still_told_fixed(self) -> None:
        got = self._kinds([*TOLD, *REFUSED, ["run", "good", "s"], ["run", "good", "c"]])
        fixed = [g for g in got if g[1] == "fixed"]
        self.assertEqual(len(fixed), 2, got)
        self.assertTrue(all("mx1.a.test" in subject for _, _, subject in fixed), got)


class RollUpNewReasonEveryTimeTestCase(blind.S41hBlindSequencesTestCase):
    """Review s41r2 of 7a7182ba: with "gone" allowing untested problems beside it, a roll-up
    whose reason changes at every re-check (mx1 presenting its expired certificate to the
    scheduled checks and refusing the re-checks: a node of a pair refusing) was dismissed
    as down "for a new reason" at every re-check and suspected anew, twelve runs with
    STARTTLS failing in each and "STARTTLS on the MX hosts ... now failing" never told (before
    7a7182ba the first re-check confirmed it). Found down for a new reason at a second re-check
    in a row, it is confirmed: three runs have seen it down."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def test_s41r2_a_roll_up_down_at_every_run_is_told(self) -> None:
        steps = [["run", "good", "s"], ["run", "good", "s"]]
        for _ in range(6):
            steps += [["run", "bad", "s"], ["run", "refused", "c"]]
        self.play({"id": "R", "title": "s41r2", "steps": steps, "emails": []})
        self.assertTrue(
            Change.objects.filter(key="mechanism:smtp", state=Change.State.CONFIRMED).exists(),
            list(Change.objects.values_list("key", "state", "note")),
        )
        # Told once: one open roll-up, not one per cycle.
        self.assertEqual(
            Change.objects.filter(key="mechanism:smtp").exclude(state="dismissed").count(), 1
        )
