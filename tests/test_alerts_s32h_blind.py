"""Round s32h blind sequences (below, written and committed before any was run): the alert
pipeline as an admin or an MSP lives it. A timeout against a real failure (a refused
connection), a 421 all day, a problem that its re-checks never confirm, repeats suppressed,
the recovery email and a relapse, a new checks release at deploy (checks.scoring.
CHECKS_RELEASE, docs/scoring.md "Changes": no false "new failure" or "fixed", a record gone
still told, a renewed certificate still told fixed, a suspicion whose re-check runs the new
release), score drops within one release and across one (and at the threshold's edge),
per-domain alert settings, a teammate leaving, and teammates against outsiders (another
team's domain is told to that team only).

The player is s26a's (tests/test_alerts_s26_blind.py), with one world key of its own:
"release" (the checks release the run was made by; the current one unless given). Emails are
[to, kind, subject words, optional body words] as s25a's.

Results. X01-X18 were committed in ccc9e21 before any ran, with one planted wrong
expectation (X04 with a third alert to alice), which failed as it should and was corrected in
ff54b63; Y01-Y05 were committed there before they ran. Of the 23, 22 held as written: the
timeout against a refused connection, a 421 all morning, flaps the re-checks never confirm,
repeats, recovery and relapse, every checks-release sequence (no 'new failure' or 'fixed' for
what only the checks changed, a record gone still told, a renewed certificate still told
fixed, a suspicion re-checked under the new release confirmed, an open problem carried across
the deploy and its fix told), score drops within a release, across one (not compared) and at
the threshold's edge (9 below: nothing, 10: told), per-domain settings, another team's domain
and alert address, a member leaving, a digest's own period. Y03 (a further score drop) was my
expectation: the product tells a fall of ALERT_SCORE_DROP below the level already told as a new
change ('from 80 to 65'), which docs/webapp.md did not say; kept, the docs now say so, and the
entry is corrected with why. No product defect was found in the alerts."""

from __future__ import annotations

from typing import Any
from unittest import mock

import tests.test_alerts_s17_blind as s17
import tests.test_alerts_s26_blind as s26a

OLD = "2026-11-30"  # a release before the current one

WORLDS: dict[str, Any] = {
    "good": {},
    "bad": {"mx": {"mx1": {"v4": "expired"}}},
    "timeout": {"mx": {"mx1": {"v4": "timeout"}}},
    "refused": {"mx": {"mx1": {"v4": "refused"}}},
    "421": {"mx": {"mx1": {"v4": "421"}}},
    "no-rpt": {"rpt": "gone"},
    "old-good": {"release": OLD},
    "old-bad": {"release": OLD, "mx": {"mx1": {"v4": "expired"}}},
    # The same findings, scored as given (a score that moved with no finding behind it that
    # alerts of its own: what the score-drop rule alone sees).
    "s100": {"score": 100},
    "s91": {"score": 91},
    "s90": {"score": 90},
    "s80": {"score": 80},
    "s70": {"score": 70},
    "s65": {"score": 65},
    "s55": {"score": 55},
    "old-s100": {"release": OLD, "score": 100},
}

BOTH_ALERT = [["alice", "alert", []], ["bob", "alert", []]]
BOTH_FIXED = [["alice", "fixed", ["fixed"]], ["bob", "fixed", ["fixed"]]]

SEQUENCES: list[dict[str, Any]] = [
    {
        "id": "X01",
        "title": "mx1 times out on a check and its re-check and the next check; then it "
        "refuses connections on a check and its re-check; then good twice",
        "why": "a timeout is ours (could not check): nothing; a refused connection is the "
        "server's failure: told once a re-check agrees; its fix told once",
        "steps": [
            ["run", "good", "s"],
            ["run", "timeout", "s"],
            ["run", "timeout", "c"],
            ["run", "timeout", "s"],
            ["run", "refused", "s"],
            ["run", "refused", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", [], ["mx1.a.test"]],
            *BOTH_FIXED,
        ],
    },
    {
        "id": "X02",
        "title": "mx1 answers 421 too busy on every check and re-check for a morning",
        "why": "a 421 is 'could not check': nothing raised, nothing confirmed",
        "steps": [
            ["run", "good", "s"],
            ["repeat", 6, [["run", "421", "s"], ["run", "421", "c"]]],
            ["run", "good", "s"],
        ],
        "emails": [],
    },
    {
        "id": "X03",
        "title": "mx1 expired on scheduled checks, good on each re-check (three times)",
        "why": "nothing on one run's word: a suspicion the re-check does not repeat is no alert",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
        ],
        "emails": [],
    },
    {
        "id": "X04",
        "title": "mx1's certificate expires; told; eight more checks and a re-check see it "
        "the same",
        "why": "one email per confirmed change: the problem is not told again while it lasts",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["repeat", 8, [["run", "bad", "s"]]],
            ["run", "bad", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "X05",
        "title": "mx1 expired (told), renewed (confirmed), expired again (confirmed)",
        "why": "the recovery email when a re-check agrees; a relapse after a fix is a new "
        "confirmed change, told again",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED, *BOTH_ALERT],
    },
    {
        "id": "X06",
        "title": "a deploy: the old release's checks passed the domain, the new release's "
        "first check (and its re-check, and the next check) fail mx1; later it passes twice",
        "why": "the first run of a new checks release is the reference: no 'new failure' for "
        "what the checks now judge otherwise; its later pass fixes nothing anyone was told",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [],
    },
    {
        "id": "X07",
        "title": "mx1's expired certificate told under the old release; the first check of "
        "the new release sees it renewed, and its re-check agrees",
        "why": "docs/webapp.md: a finding the new checks still make, now passing (a renewed "
        "certificate), is followed as a fix as ever: the people told hear it",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "old-bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "X08",
        "title": "the first check of a new release finds the TLS-RPT record gone; its re-check "
        "agrees",
        "why": "a record the DNS no longer has is told whatever the release, after a re-check",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt", "c"],
            ["run", "no-rpt", "s"],
        ],
        "emails": [["alice", "alert", ["TLS-RPT record"]], ["bob", "alert", ["TLS-RPT record"]]],
    },
    {
        "id": "X09",
        "title": "mx1 expires under the old release (suspected); the re-check runs the new "
        "release and still sees it; fixed later",
        "why": "both releases' checks see the certificate: confirmed and told (as a new score "
        "version between a suspicion and its re-check, s24a U04), its fix told",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "X10",
        "title": "within one release the score falls from 100 to 80 (the same findings), "
        "confirmed by the re-check",
        "why": "a score 10 or more below the best comparable score of two weeks is told, once "
        "a re-check agrees",
        "steps": [
            ["run", "s100", "s"],
            ["run", "s100", "s"],
            ["run", "s80", "s"],
            ["run", "s80", "c"],
            ["run", "s80", "s"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "X11",
        "title": "the old release scored 100; the new release's first checks score 70; "
        "under it the score later falls to 55",
        "why": "scores of two releases are not compared (no drop told at the deploy); 55 is "
        "15 below the new release's best, 70: told",
        "steps": [
            ["run", "old-s100", "s"],
            ["run", "s70", "s"],
            ["run", "s70", "c"],
            ["run", "s70", "s"],
            ["run", "s55", "s"],
            ["run", "s55", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "X12",
        "title": "the score falls from 100 to 91 (confirmed), then to 90 (confirmed)",
        "why": "9 below the best is under ALERT_SCORE_DROP (10): nothing; 10 below is the "
        "threshold: told once",
        "steps": [
            ["run", "s100", "s"],
            ["run", "s91", "s"],
            ["run", "s91", "c"],
            ["run", "s90", "s"],
            ["run", "s90", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "X13",
        "title": "the score falls from 100 to 80 on a check; the re-check scores 100",
        "why": "a drop the re-check does not repeat is no alert",
        "steps": [
            ["run", "s100", "s"],
            ["run", "s80", "s"],
            ["run", "s100", "c"],
            ["run", "s100", "s"],
        ],
        "emails": [],
    },
    {
        "id": "X14",
        "title": "alice has a.test on 'No emails', bob a.test on the daily digest; a.test's mx1 "
        "expires at 06:33; b.test's at 07:55",
        "why": "per-domain settings: a.test told only in bob's 07:00 digest; b.test (default: "
        "at once) told to both at once",
        "steps": [
            ["mode", "alice", "a.test", "off"],
            ["mode", "bob", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "good", "s", "b.test"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["run", "bad", "s", "b.test"],
            ["run", "bad", "c", "b.test"],
        ],
        "emails": [
            ["bob", "digest", ["Daily digest"], ["mx1.a.test"]],
            ["alice", "alert", [], ["mx1.b.test"]],
            ["bob", "alert", [], ["mx1.b.test"]],
        ],
        "digest_hours": [7],
    },
    {
        "id": "X15",
        "title": "charlie's team monitors c.test; c.test's mx1 expires, then a.test's",
        "why": "each team hears of its own domains only: charlie of c.test, alice and bob of "
        "a.test",
        "steps": [
            ["team_domain", "charlie", "c.test"],
            ["run", "good", "s"],
            ["run", "good", "s", "c.test"],
            ["run", "bad", "s", "c.test"],
            ["run", "bad", "c", "c.test"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": [
            ["charlie", "alert", [], ["mx1.c.test"]],
            ["alice", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", [], ["mx1.a.test"]],
        ],
    },
    {
        "id": "X16",
        "title": "mx1's expiry told to alice and bob; bob leaves the team; fixed",
        "why": "emails go to members only: the fix is told to alice",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["leave", "bob"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, ["alice", "fixed", ["fixed"]]],
    },
    {
        "id": "X17",
        "title": "mx1's expiry told; a check sees it renewed but the re-check times out; "
        "then a check and its re-check see it renewed",
        "why": "a fix is told only when a re-check agrees, and a timeout agrees to nothing: "
        "one 'fixed', at the end",
        "steps": [
            ["run", "good", "s"],
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
        "id": "X18",
        "title": "alice on the daily digest, bob at once: mx1 expires (confirmed 06:33) and is "
        "renewed (confirmed 06:55), before alice's digest at 07:00",
        "why": "bob: alert and fixed; a digest leaves out a problem confirmed and fixed within "
        "its own period: alice gets nothing",
        "steps": [
            ["mode", "alice", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["digest_hourly", 2],
        ],
        "emails": [["bob", "alert", []], ["bob", "fixed", ["fixed"]]],
    },
]

# Second batch, committed before it ran.
SEQUENCES += [
    {
        "id": "Y01",
        "title": "alice has a.test on 'No emails'; mx1 expires (confirmed); she turns a.test "
        "back to 'at once'; mx1 renewed (confirmed)",
        "why": "a fix is told only to whoever was told of the problem: bob hears both, alice "
        "neither",
        "steps": [
            ["mode", "alice", "a.test", "off"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["mode", "alice", "a.test", "immediate"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [["bob", "alert", []], ["bob", "fixed", ["fixed"]]],
    },
    {
        "id": "Y02",
        "title": "the score falls from 100 to 80 (confirmed), then is back at 100 (confirmed)",
        "why": "a told score drop is a problem like another: its recovery told once a re-check "
        "agrees",
        "steps": [
            ["run", "s100", "s"],
            ["run", "s100", "s"],
            ["run", "s80", "s"],
            ["run", "s80", "c"],
            ["run", "s100", "s"],
            ["run", "s100", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "Y03",
        "title": "the score falls from 100 to 80 (confirmed), then further to 65 (confirmed)",
        "why": "a further fall of ALERT_SCORE_DROP below the level told is news: told from "
        "that level (80 to 65), once a re-check agrees",
        "steps": [
            ["run", "s100", "s"],
            ["run", "s80", "s"],
            ["run", "s80", "c"],
            ["run", "s65", "s"],
            ["run", "s65", "c"],
        ],
        "emails": [
            ["alice", "alert", ["from 100 to 80"]],
            ["bob", "alert", ["from 100 to 80"]],
            ["alice", "alert", ["from 80 to 65"]],
            ["bob", "alert", ["from 80 to 65"]],
        ],
        "blind_emails": "one alert each (the drop told once while it lasts)",
        "corrected": "docs/webapp.md said nothing of a further drop; the product tells one "
        "that falls ALERT_SCORE_DROP below the level told as a new change (from 80 to 65: "
        "the 80 told is closed, AlertState._close_score_change), so 'the score is bad' is "
        "not all the owner hears while it keeps sliding. That is a change confirmed by a "
        "re-check, not a repeat: kept, and docs/webapp.md now says so",
    },
    {
        "id": "Y04",
        "title": "charlie's team monitors c.test and has ops@charlie.example for alerts at "
        "once; a.test's mx1 expires, then c.test's",
        "why": "a team's extra address hears its own team's domains only",
        "steps": [
            ["team_domain", "charlie", "c.test"],
            ["address_in", "charlie", "ops@charlie.example", "immediate"],
            ["run", "good", "s"],
            ["run", "good", "s", "c.test"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s", "c.test"],
            ["run", "bad", "c", "c.test"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", [], ["mx1.a.test"]],
            ["charlie", "alert", [], ["mx1.c.test"]],
            ["ops", "alert", [], ["mx1.c.test"]],
        ],
    },
    {
        "id": "Y05",
        "title": "mx1's expiry told under the old release; the new release's first check and "
        "its re-check still see it; renewed later (confirmed)",
        "why": "a deploy neither tells an open problem again nor closes it: its fix is told as "
        "ever",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "old-bad", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
]

DATA = {"worlds": WORLDS, "sequences": SEQUENCES}


def _released(result_for: Any) -> Any:
    """s17's result_for, with a world's "release" as the checks release that made the run."""

    def wrapper(domain: str, world: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = result_for(domain, world, *args, **kwargs)
        if "release" in world:
            result["score_detail"] = {**result["score_detail"], "checks_release": world["release"]}
        return result

    return wrapper


class S32hBlindSequencesTestCase(s26a.S26aBlindSequencesTestCase):
    """s26a's player with this round's worlds and sequences."""

    DATA = DATA

    def step(self, step: list[Any]) -> None:
        if step[0] == "run":
            with mock.patch.object(s17, "result_for", _released(s17.result_for)):
                super().step(step)
            return
        super().step(step)

    # Earlier rounds' own tests of their defects are theirs: not played again here.
    test_a_fix_told_after_the_domain_came_back_is_not_carried_again = None  # type: ignore[assignment]
    test_a_problem_raised_anew_after_coming_back_is_not_carried_later = None  # type: ignore[assignment]


def test_the_round_has_what_the_brief_asks() -> None:
    assert 16 <= len(SEQUENCES) <= 24
    assert len({s["id"] for s in SEQUENCES}) == len(SEQUENCES)
    assert all(
        w in WORLDS for s in SEQUENCES for st in s["steps"] if st[0] == "run" for w in st[1:2]
    )
