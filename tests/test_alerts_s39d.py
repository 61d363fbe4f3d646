"""Defects found by blind round s39d (tests/test_alerts_s39d_blind.py), each test written
before its fix and seen failing."""

from __future__ import annotations

from typing import Any

from django.core import mail

import tests.test_alerts_s39d_blind as blind
from mailsec.alerts.models import Change

ENDS_9DEC = "cert:2026-12-09T06:30:00+00:00"  # 8 days left on 1 Dec, 7 at 2 Dec 06:30


class S39dDefectsTestCase(blind.S39dBlindSequencesTestCase):
    """The blind round's player, one history a test."""

    test_the_blind_sequences = None  # type: ignore[assignment]

    def _play(self, steps: list[list[Any]]) -> list[tuple[str, str, str]]:
        mail.outbox.clear()
        worlds = {**self.DATA["worlds"], "ends-9dec": {"mx": {"mx1": {"v4": ENDS_9DEC}}}}
        self.DATA = {**self.DATA, "worlds": worlds}
        return [g[:3] for g in self.play({"steps": steps})]

    def _cert_changes(self) -> list[tuple[str, str]]:
        return [
            (c.before, c.state)
            for c in Change.objects.filter(kind="cert-expiry").order_by("created", "pk")
        ]

    def test_a_threshold_passed_before_the_confirming_check_is_not_told_late(self) -> None:
        # H04: the 21-day mark suspected on 1 Dec (8 days left), its re-check lost; the next
        # check, on 2 Dec, sees the same certificate past its 7-day mark. The 21-day warning
        # is passed: not told late ("expires in 8 days, 21-day warning" at 6.9 days left).
        # The 7-day one is suspected; its re-check sees the certificate renewed: nothing.
        got = self._play(
            [
                ["run", "ends-9dec", "s"],
                ["run", "ends-9dec", "s"],
                ["at", "2026-12-02T08:00:00+00:00"],
                ["run", "ends-9dec", "s"],
                ["run", "good", "c"],
                ["run", "good", "s"],
                ["run", "good", "c"],
            ]
        )
        self.assertEqual(got, [])
        self.assertEqual(self._cert_changes(), [("21", "dismissed"), ("7", "dismissed")])

    def test_the_threshold_reached_is_confirmed_by_the_next_check_as_before(self) -> None:
        # Control: the same suspicion, re-check lost, confirmed by the next check while the
        # certificate is still within the 21-day mark only (9 days later than above: 1 Dec
        # 06:22 with 20 days left, the next check 1 Dec 18:00).
        self.DATA = {
            **self.DATA,
            "worlds": {
                **self.DATA["worlds"],
                "ends-21dec": {"mx": {"mx1": {"v4": "cert:2026-12-21T06:30:00+00:00"}}},
            },
        }
        got = [
            g[:2]
            for g in self.play(
                {
                    "steps": [
                        ["run", "ends-21dec", "s"],
                        ["run", "ends-21dec", "s"],
                        ["at", "2026-12-01T18:00:00+00:00"],
                        ["run", "ends-21dec", "s"],
                    ]
                }
            )
        ]
        self.assertEqual(sorted(got), [("alice", "alert"), ("bob", "alert")])
        self.assertEqual(self._cert_changes(), [("21", "confirmed")])

    def test_a_roll_up_whose_cause_is_gone_at_the_re_check_is_not_told_on_its_word(
        self,
    ) -> None:
        # H05: a check sees mx1's certificate expired (STARTTLS failing, the score down);
        # before the re-check it is replaced by a certificate with 5 days left. The re-check
        # finds STARTTLS warning and the score still down, for a reason no earlier check saw:
        # that is not confirmed on the re-check's word. The next check agrees: one email
        # each, with the 7-day warning in it.
        self.DATA = {
            **self.DATA,
            "worlds": {
                **self.DATA["worlds"],
                "ends-6dec": {"mx": {"mx1": {"v4": "cert:2026-12-06T06:30:00+00:00"}}},
            },
        }
        steps = [["run", "good", "s"], ["run", "good", "s"], ["run", "bad", "s"]]
        steps += [["run", "ends-6dec", "c"], ["run", "ends-6dec", "s"], ["run", "ends-6dec", "c"]]
        got = self.play({"steps": steps})
        self.assertEqual(sorted(g[:2] for g in got), [("alice", "alert"), ("bob", "alert")])
        self.assertTrue(all(g[3].strftime("%H:%M") == "06:55" for g in got), got)
        self.assertTrue(all("within the 7-day warning threshold" in b for b in self.bodies))
        # The subject leads with the cause, the certificate and its host, not the mechanism
        # verdict it rolls up into (docs/webapp.md).
        for g in got:
            self.assertIn("mx1", g[2].split("(+")[0], g[2])
            self.assertIn("certificate", g[2].split("(+")[0], g[2])
            self.assertNotIn("STARTTLS", g[2], g[2])
        told = Change.objects.filter(state="confirmed").values_list("kind", "after")
        self.assertEqual(
            sorted(told),
            [("cert-expiry", "2026-12-06T06:30:37+00:00"), ("mechanism", "warn"), ("score", "90")],
        )

    def test_a_roll_up_beside_a_cause_that_holds_is_confirmed_with_it_as_before(self) -> None:
        # Control: the check sees mx1 expired and the TLS-RPT record gone; the re-check sees
        # mx1 renewed and the record still gone: the record's removal and the score's drop
        # it causes are confirmed together by the re-check, one email.
        self.DATA = {
            **self.DATA,
            "worlds": {
                **self.DATA["worlds"],
                "bad-no-rpt": {"mx": {"mx1": {"v4": "expired"}}, "rpt": "gone"},
                "no-rpt": {"rpt": "gone"},
            },
        }
        steps = [["run", "good", "s"], ["run", "good", "s"], ["run", "bad-no-rpt", "s"]]
        steps += [["run", "no-rpt", "c"]]
        got = self.play({"steps": steps})
        self.assertEqual(sorted(g[:2] for g in got), [("alice", "alert"), ("bob", "alert")])
        self.assertTrue(all("TLS-RPT" in g[2] for g in got), got)
