"""Round s41h blind histories: "no false alarms" on histories the earlier alert rounds (s17,
s23a, s24a, s25a, s26a, s32h, s36b, s38d, s39d) listed only in part, each with the emails it
must cause, written and committed before any was run.

Written from docs/webapp.md (Alerts: "Nothing is told on one run's word", "Could not check
... never raises, confirms or clears anything", "A re-check that could not test a suspected
problem decides nothing; the next check that sees the problem again ... suspects it again ...
unable to test it again, the two checks that saw it confirm it", "The changes one check
confirms are one email", the "control lost" email, a domain removed, "The first check after a
release with a new score version ... raises nothing", the score drop measured against "the
best comparable score") and the product rules of the brief: could not check is never fail; a
regression alert needs a confirmed re-probe. alice and bob (both emailed at once) are told;
charlie is of another team.

The player is s39d's (tests/test_alerts_s39d_blind.py) with one world key of its own:
"score_minus" (the stored score that many points lower for the same findings, as a harsher
rubric of a new score version would score them). Emails are [to, kind, subject words,
optional body words].

Results. First batch (S01-S11, with Q01-Q03 planted wrong; committed in fbab098b before any
ran): all 11 held as written, and the three planted rows failed (Q01: the untested re-probe
told nothing; Q02: one email each; Q03: the removed domain told nothing). Second batch
(S12-S17, with Q04 planted; committed in 85178cf5 before it ran): 5 of 6 held, Q04 failed
(an email per domain). S16 was a product defect, kept as written and fixed with a
failing-first test in tests/test_alerts_s41h.py (7a7182ba, AlertState._cause_gone): the
re-check that found mx1 refusing confirmed STARTTLS "now failing" on its own word, with no
cause, and the refusal was told in a second email a check later. The planted rows were then
removed. S11's harness key was checked against a control outside the file: the same 30
points lower under the same score version is told ("The score dropped from 100 to 70").
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import tests.test_alerts_s17_blind as s17
import tests.test_alerts_s38d_blind as s38d
import tests.test_alerts_s39d_blind as s39d


def _mx(**hosts: str) -> dict[str, Any]:
    return {h: {"v4": state} for h, state in hosts.items()}


WORLDS: dict[str, Any] = {
    "good": {},
    "bad": {"mx": _mx(mx1="expired")},
    "timeout": {"mx": _mx(mx1="timeout")},
    "refused": {"mx": _mx(mx1="refused")},
    # Two checks regress at once: mx1's certificate expired and the TLS-RPT record removed.
    "bad-and-rpt-gone": {"mx": _mx(mx1="expired"), "rpt": "gone"},
    # The rubric changed (score version + 1): the same facts.
    "new-good": {"version": 1},
    "new-bad": {"version": 1, "mx": _mx(mx1="expired")},
    # The rubric changed and scores the same facts 30 points lower.
    "new-good-harsher": {"version": 1, "score_minus": 30},
}

BOTH_ALERT = [["alice", "alert", [], ["mx1.a.test"]], ["bob", "alert", [], ["mx1.a.test"]]]
BOTH_FIXED = [["alice", "fixed", ["fixed"]], ["bob", "fixed", ["fixed"]]]
BOTH_LOST = s38d.BOTH_LOST
BASE = [["run", "good", "s"], ["run", "good", "s"]]

SEQUENCES: list[dict[str, Any]] = [
    {
        "id": "S01",
        "title": "pass, could not check (a scheduled check times out, then its next), pass",
        "why": "could not check is never fail and raises nothing: no email",
        "steps": [*BASE, ["run", "timeout", "s"], ["run", "timeout", "s"], ["run", "good", "s"]],
        "emails": [],
    },
    {
        "id": "S02",
        "title": "pass, then mx1 expired on a check, its re-probe times out; nothing more",
        "why": "a re-check that could not test it decides nothing: no alert yet",
        "steps": [*BASE, ["run", "bad", "s"], ["run", "timeout", "c"]],
        "emails": [],
    },
    {
        "id": "S03",
        "title": "S02, then the next scheduled check sees it expired again and its re-probe "
        "times out too",
        "why": "the two checks that saw it, with untested re-checks between, confirm it: one "
        "alert each",
        "steps": [
            *BASE,
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "S04",
        "title": "pass, mx1 expired on a check, its re-probe sees it expired; three more "
        "checks see it",
        "why": "confirmed by the re-probe: one alert each, never repeated while it lasts",
        "steps": [
            *BASE,
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "s"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "S05",
        "title": "pass, mx1 expired on a check, fixed before the re-probe (which passes), pass",
        "why": "not confirmed: nothing told, no 'fixed' either",
        "steps": [*BASE, ["run", "bad", "s"], ["run", "good", "c"], ["run", "good", "s"]],
        "emails": [],
    },
    {
        "id": "S06",
        "title": "one check sees mx1 expired and the TLS-RPT record removed; its re-probe "
        "sees both",
        "why": "the changes one check confirms are one email: one each, naming the host",
        "steps": [*BASE, ["run", "bad-and-rpt-gone", "s"], ["run", "bad-and-rpt-gone", "c"]],
        "emails": BOTH_ALERT,
    },
    {
        "id": "S07",
        "title": "mx1 expired on a check; before its re-probe charlie's team proves control of "
        "a.test; the re-probe (on alice's team's row) sees it expired",
        "why": "the domain left alice's team's monitoring: alice and bob get the 'no longer "
        "verified' email, no alert of the regression; charlie's team hears nothing of it",
        "steps": [*BASE, ["run", "bad", "s"], ["move", "a.test"], ["run", "bad", "c"]],
        "emails": BOTH_LOST,
    },
    {
        "id": "S08",
        "title": "charlie's team proves control of a.test; then alice's team's row sees mx1 "
        "expired on a check and on its re-probe",
        "why": "an unverified row is monitored for nobody: only the 'no longer verified' email",
        "steps": [*BASE, ["move", "a.test"], ["run", "bad", "s"], ["run", "bad", "c"]],
        "emails": BOTH_LOST,
    },
    {
        "id": "S09",
        "title": "mx1 expired on a check; a.test is removed from the team; its re-probe task "
        "runs afterwards",
        "why": "nothing to confirm for a domain that is gone: no email, no crash",
        "steps": [
            *BASE,
            ["run", "bad", "s"],
            ["remember", "a.test"],
            ["remove_domain", "a.test"],
            ["confirm_remembered"],
        ],
        "emails": [],
    },
    {
        "id": "S10",
        "title": "mx1 expired, confirmed and told under the old score version; the new score "
        "version's checks (check, re-check, check) still see it; renewed (check, re-check)",
        "why": "the rubric changing is no news: no second alert; the fix is told once",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "old-bad", "c"],
            ["run", "new-bad", "s"],
            ["run", "new-bad", "c"],
            ["run", "new-bad", "s"],
            ["run", "new-good", "s"],
            ["run", "new-good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "S11",
        "title": "the same facts scored 30 points lower by a new score version (check, "
        "re-check, check)",
        "why": "a score drop of the rubric alone is not comparable with the old score: no email",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "new-good-harsher", "s"],
            ["run", "new-good-harsher", "c"],
            ["run", "new-good-harsher", "s"],
        ],
        "emails": [],
    },
    # --- second batch (written after the first ran, before this ran) -------------------------
    {
        "id": "S12",
        "title": "mx1 expired, told; charlie's team proves control of a.test; alice's team "
        "proves control again; still expired (check, re-check); renewed (check, re-check)",
        "why": "a problem told before the lapse and still open is not told again; its fix is "
        "told as ever (docs: a domain whose verification lapsed)",
        "steps": [
            *BASE,
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["move", "a.test"],
            ["verified", "a.test", True],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_LOST, *BOTH_FIXED],
    },
    {
        "id": "S13",
        "title": "mx1 expired, told; renewed on a check whose re-probe times out; then renewed "
        "(check, re-check)",
        "why": "a fix is told only when a re-check agrees, and once: the untested re-check "
        "decides nothing",
        "steps": [
            *BASE,
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "S14",
        "title": "under the old score version mx1 is seen expired on a check; its re-probe is "
        "the new score version's first run and sees it expired too; checks go on so",
        "why": "a real regression seen by two checks, the rubric changing between them: told "
        "once (a release raises nothing of its own, but what the DNS changed is told)",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "new-bad", "c"],
            ["run", "new-bad", "s"],
            ["run", "new-bad", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "S15",
        "title": "a.test and b.test each see mx1 expired on the same round of checks, each "
        "confirmed by its re-probe",
        "why": "the changes one check confirms are one email: two domains' checks are two "
        "emails each, each naming its domain's host",
        "steps": [
            *BASE,
            ["run", "good", "s", "b.test"],
            ["run", "good", "s", "b.test"],
            ["run", "bad", "s"],
            ["run", "bad", "s", "b.test"],
            ["run", "bad", "c"],
            ["run", "bad", "c", "b.test"],
        ],
        "emails": [
            *BOTH_ALERT,
            ["alice", "alert", ["b.test"], ["mx1.b.test"]],
            ["bob", "alert", ["b.test"], ["mx1.b.test"]],
        ],
    },
    {
        "id": "S16",
        "title": "mx1 expired on a check; its re-probe finds mx1 refusing connections; the next "
        "check and its re-probe find it refusing",
        "why": "the re-probe saw it down for a new reason only: not confirmed on its word, "
        "suspected anew; the refusals (a failure, not could-not-check) are then told once",
        "steps": [
            *BASE,
            ["run", "bad", "s"],
            ["run", "refused", "c"],
            ["run", "refused", "s"],
            ["run", "refused", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "S17",
        "title": "mx1 expired, told under the old score version; the new version's first check "
        "sees it renewed, and so does its re-probe",
        "why": "a finding the new checks still make, now passing, is a fix as ever: told once",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "old-bad", "c"],
            ["run", "new-good", "s"],
            ["run", "new-good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
]

WORLDS["old-good"] = {"version": 0}
WORLDS["old-bad"] = {"version": 0, "mx": _mx(mx1="expired")}

DATA = {"worlds": WORLDS, "sequences": SEQUENCES}


def _harsher(result_for: Any) -> Any:
    def wrapper(domain: str, world: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = result_for(domain, world, *args, **kwargs)
        if world.get("score_minus") and result.get("score") is not None:
            result["score"] = max(0, result["score"] - world["score_minus"])
        return result

    return wrapper


class S41hBlindSequencesTestCase(s39d.S39dBlindSequencesTestCase):
    """s39d's player with this round's worlds and the "score_minus" world key."""

    DATA = DATA

    def step(self, step: list[Any]) -> None:
        if step[0] == "run":
            with mock.patch.object(s17, "result_for", _harsher(s17.result_for)):
                super().step(step)
            return
        super().step(step)


def test_s41h_the_round_has_what_the_brief_asks() -> None:
    real = [s for s in SEQUENCES if not s.get("planted")]
    assert len(real) == 17 and len(SEQUENCES) == len(real)
    assert len({s["id"] for s in SEQUENCES}) == len(SEQUENCES)
    assert all(
        w in WORLDS for s in SEQUENCES for st in s["steps"] if st[0] == "run" for w in st[1:2]
    )
