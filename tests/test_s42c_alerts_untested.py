"""Task s42c: what a re-check could not test decides nothing (docs/webapp.md, Alerts: "Could not
check ... never raises, confirms or clears anything"; "A re-check that could not test a
suspected problem decides nothing").

1. A roll-up (a mechanism's verdict, the score) whose re-check finds it still down while every
   problem raised beside it came back untested was confirmed on the re-check's word, with no
   cause: "STARTTLS ... now failing" told alone, what holds it down (another host, seen first
   by the re-check) told in a second email a check later. It is decided as "could not check"
   is: not confirmed there; suspected anew with the reason the re-check saw, or, seen again
   after an untested re-check, confirmed with what the two checks saw.
2. rules.evaluate read an MX host that no address of answered (it refused the connection, or
   did not answer while another host did) as "gone" for what an earlier run saw on it: a
   suspected expired certificate was dismissed "gone at the re-check", and never told when
   the host refused every re-check. Such a host neither confirms nor clears anything but its
   own reachability (SMTP-01, a failure of its own).

Runs are engine-shaped (the blind rounds' player, tests/test_alerts_s17_blind.py: the SMTP and
MTA-STS validation findings made by checks.starttls and checks.mtasts, the verdicts and score
by checks.scoring)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from checks import scoring
from mailsec.alerts import rules
from mailsec.alerts.models import UNTESTED, Change
from tests import test_alerts_s17_blind as s17
from tests import test_alerts_s41h_blind as blind

ENDS_SOON = "expires:2026-12-10T06:30:00+00:00"  # about 9 days left on 1 Dec: the 21-day mark


def _two(mx1: str, mx2: str = "good") -> dict[str, Any]:
    """mx1 and mx2 (one IPv4 address each), both named by the enforced policy."""
    return {"mx": {"mx1": {"v4": mx1}, "mx2": {"v4": mx2}}, "patterns": ["mx1", "mx2"]}


WORLDS: dict[str, Any] = {
    **blind.WORLDS,
    "two-good": _two("good"),
    "two-mx1-expired": _two("expired"),
    # mx1 greets with 421 (could not check it); mx2's certificate expired since.
    "mx1-421-mx2-expired": _two("421", "expired"),
    "two-mx1-timeout": _two("timeout"),
    "two-mx1-refused": _two("refused"),
    "ends-soon": {"mx": {"mx1": {"v4": ENDS_SOON}}},
    "only-mx2": {"mx": {"mx2": {"v4": "good"}}, "patterns": ["mx2"]},
}
BASE = [["run", "good", "s"], ["run", "good", "s"]]
BASE_TWO = [["run", "two-good", "s"], ["run", "two-good", "s"]]


def snapshot(world: str, minutes: int = 0) -> rules.Snapshot:
    result = s17.result_for("a.test", WORLDS[world], s17.START + timedelta(minutes=minutes))
    return rules.Snapshot(
        mechanisms=result["mechanisms"],
        findings=result["findings"],
        score=result["score"],
        taken_at=s17.START + timedelta(minutes=minutes),
        score_version=scoring.SCORE_VERSION,
        not_checked=rules.not_checked_of(result["score_detail"]),
    )


def verdict(kind: str, key: str, before: str, world: str) -> rules.Verdict:
    return rules.evaluate(kind, key, before, snapshot(world, 11), 10)[0]


# --- 2. rules.evaluate: a host no address of answered ------------------------------------------


def test_s42c_a_refusing_host_neither_confirms_nor_clears_its_expired_certificate() -> None:
    key = "finding:SMTP-10|mx1.a.test"
    assert verdict("finding", key, "pass", "refused") == rules.Verdict.UNKNOWN


def test_s42c_a_host_silent_while_another_answers_clears_nothing_of_its_own() -> None:
    # mx2 answered, so mx1's silence is SMTP-01's warning, not an error: still nothing was
    # asked of mx1.
    key = "finding:SMTP-10|mx1.a.test"
    assert verdict("finding", key, "pass", "two-mx1-timeout") == rules.Verdict.UNKNOWN
    assert verdict("finding", key, "pass", "two-mx1-refused") == rules.Verdict.UNKNOWN


def test_s42c_a_refusing_host_clears_no_certificate_threshold() -> None:
    seen = snapshot("ends-soon")
    (expiry,) = rules.expiring_certificates(seen)
    assert expiry.subject == "mx1.a.test"
    assert verdict("cert-expiry", expiry.key, expiry.before, "refused") == rules.Verdict.UNKNOWN


def test_s42c_what_an_answering_host_shows_still_decides() -> None:
    # Controls: mx1 answering with a valid certificate is the fix; mx1 gone from the MX
    # records (only mx2 left, nothing names mx1) too; mx1 still expired holds; the refusal
    # itself is a failure that holds.
    key = "finding:SMTP-10|mx1.a.test"
    assert verdict("finding", key, "pass", "good") == rules.Verdict.CLEAR
    assert verdict("finding", key, "pass", "only-mx2") == rules.Verdict.CLEAR
    assert verdict("finding", key, "pass", "bad") == rules.Verdict.HOLDS
    assert verdict("finding", "finding:SMTP-01|mx1.a.test", "pass", "refused") == (
        rules.Verdict.HOLDS
    )
    (expiry,) = rules.expiring_certificates(snapshot("ends-soon"))
    assert verdict("cert-expiry", expiry.key, expiry.before, "good") == rules.Verdict.CLEAR


# --- the alert histories ----------------------------------------------------------------------


class UntestedReCheckTestCase(blind.S41hBlindSequencesTestCase):
    """The blind round's player, one history a test."""

    test_the_blind_sequences = None  # type: ignore[assignment]
    DATA = {**blind.DATA, "worlds": WORLDS}

    def _play(self, steps: list[list[Any]]) -> list[tuple[str, str, str]]:
        return [g[:3] for g in self.play({"steps": steps})]

    def _states(self) -> list[tuple[str, str, str]]:
        return list(Change.objects.order_by("pk").values_list("key", "state", "note"))

    def test_s42c_a_roll_up_whose_causes_all_went_untested_is_not_confirmed_alone(self) -> None:
        # 1. mx1's certificate expired on a check (STARTTLS and MTA-STS now failing). At the
        # re-check mx1 greets with 421 (its expiry and its validation untested) and mx2's
        # certificate has expired since: STARTTLS still fails, for mx2 alone, which no check
        # saw before. Not confirmed on the re-check's word with no cause (before: "STARTTLS
        # ... now failing" at the re-check, mx2 a check later in a second email); the next
        # check sees it again and tells it with its cause, one email each.
        steps = [*BASE_TWO, ["run", "two-mx1-expired", "s"], ["run", "mx1-421-mx2-expired", "c"]]
        got = self._play(steps)
        self.assertEqual(got, [], self._states())
        smtp = Change.objects.filter(key="mechanism:smtp").order_by("pk")
        self.assertEqual(smtp[0].state, Change.State.DISMISSED, self._states())
        self.assertEqual(smtp[0].note, UNTESTED)
        self.assertFalse(Change.objects.filter(state=Change.State.CONFIRMED).exists())

    def test_s42c_the_roll_up_is_told_with_its_new_cause_by_the_next_check(self) -> None:
        steps = [
            *BASE_TWO,
            ["run", "two-mx1-expired", "s"],
            ["run", "mx1-421-mx2-expired", "c"],
            ["run", "mx1-421-mx2-expired", "s"],
            ["run", "mx1-421-mx2-expired", "c"],
        ]
        got = self._play(steps)
        self.assertEqual(sorted(g[:2] for g in got), [("alice", "alert"), ("bob", "alert")])
        for _, _, subject in got:
            self.assertIn("mx2.a.test", subject)
        smtp = Change.objects.get(key="mechanism:smtp", state=Change.State.CONFIRMED)
        mx2 = Change.objects.get(key="finding:SMTP-10|mx2.a.test")
        self.assertEqual(smtp.confirmed_run_id, mx2.confirmed_run_id)

    def test_s42c_an_expiry_whose_host_refuses_its_re_check_is_untested_not_gone(self) -> None:
        # 2. The re-check found mx1 refusing connections: its certificate was not seen, which
        # is no sign it was replaced.
        self._play([*BASE, ["run", "bad", "s"], ["run", "refused", "c"]])
        expiry = Change.objects.get(key="finding:SMTP-10|mx1.a.test")
        self.assertEqual((expiry.state, expiry.note), (Change.State.DISMISSED, UNTESTED))
        self.assertFalse(Change.objects.filter(state=Change.State.CONFIRMED).exists())

    def test_s42c_seen_expired_by_two_checks_whose_re_checks_were_refused_is_told(self) -> None:
        # mx1 (a node of a pair behind one address) presents its expired certificate to the
        # scheduled checks and refuses the re-checks. Before, the certificate read as gone at
        # every re-check and was never told, while "STARTTLS ... now failing" was, with no
        # cause. Two checks saw it, each re-check unable to test it: told once, with the
        # certificate first.
        steps = [*BASE]
        for _ in range(3):
            steps += [["run", "bad", "s"], ["run", "refused", "c"]]
        got = self._play(steps)
        self.assertEqual(sorted(g[:2] for g in got), [("alice", "alert"), ("bob", "alert")])
        for _, _, subject in got:
            self.assertIn("mx1.a.test", subject.split("(+")[0])
            self.assertIn("certificate", subject.split("(+")[0])
        expiry = Change.objects.get(key="finding:SMTP-10|mx1.a.test", state=Change.State.CONFIRMED)
        smtp = Change.objects.get(key="mechanism:smtp", state=Change.State.CONFIRMED)
        self.assertEqual(smtp.confirmed_run_id, expiry.confirmed_run_id)
