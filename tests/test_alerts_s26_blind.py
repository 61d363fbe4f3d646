"""Round s26a blind sequences (below, written and committed before any was run): what rounds
s17, s23a, s24a and s25a covered least. "Could not check" three times before a failure; a
problem that flaps against its re-checks (a fix told only when a re-check agrees); a release
whose first check also finds a real regression; a score drop made by a new score version
alone; members with alerts off and a team address at once, or on the digest; a domain
removed inside a digest's window, or after a digest told its problem; a reader moving east
or west between digests; a problem confirmed, fixed and back within one digest's window; a
TLS-report sender whose failures are exactly its usual rate plus the threshold; no weekly
summary for someone with every domain on "No emails"; a re-check that confirms one record
gone while another lookup SERVFAILs; a certificate's 21-day mark told at once to members and
in a team address's digest.

The player is s25a's (tests/test_alerts_s25a_blind.py), with one world key of its own:
"score" (the run's score, as a new score version's weights would make it; the findings are
the same). Emails are [to, kind, subject words, optional body words] as s25a's.

First run (expectations committed in 37bc209 before it): 12 of 15 as written. W03 was the
product: a TLS-RPT record removed at a release's first check was never told (that run raised
nothing and became the reference); fixed in b4ef75d, tests/test_alerts_s26.py fails without
it. W12 (the digest counts 2 entries, the certificate and the score, not 1) and W13 (the
harness has no summary of the week before, so the first hourly run sends it, as documented
after an outage) were expectations about the harness, corrected with why in their entries.
Three planted wrong expectations (W05 with bob told too, W09's digests both at 07:00, W11
with a failure-rate alert) all failed, and were removed."""

from __future__ import annotations

from typing import Any
from unittest import mock

import tests.test_alerts_s17_blind as s17
import tests.test_alerts_s25a_blind as s25a

SENDER = "Sender Example Mail Ltd."
CERT = "expires:2026-12-31T06:00:00+00:00"

WORLDS: dict[str, Any] = {
    "good": {},
    "bad": {"mx": {"mx1": {"v4": "expired"}}},
    "timeout": {"mx": {"mx1": {"v4": "timeout"}}},
    "no-rpt": {"rpt": "gone"},
    "bad-no-rpt": {"mx": {"mx1": {"v4": "expired"}}, "rpt": "gone"},
    "no-rpt-sts-servfail": {"rpt": "gone", "sts": "error"},
    "old-good": {"version": -1},
    # The same findings as "good", scored 60 by the new version's weights.
    "new-weights": {"score": 60},
    "new-weights-no-rpt": {"score": 40, "rpt": "gone"},
    "cert": {"mx": {"mx1": {"v4": CERT}}},
}

SEQUENCES: list[dict[str, Any]] = [
    {
        "id": "W01",
        "title": "mx1 times out on three scheduled checks in a row, then its certificate is "
        "expired; the re-check times out; the next check and its re-check see it expired",
        "why": "could not check raises and confirms nothing: the expiry is told once, only "
        "after a re-check that could look agreed",
        "steps": [
            ["run", "good", "s"],
            ["run", "timeout", "s"],
            ["run", "timeout", "s"],
            ["run", "timeout", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": [["alice", "alert", [], ["mx1.a.test"]], ["bob", "alert", [], ["mx1.a.test"]]],
    },
    {
        "id": "W02",
        "title": "mx1's expired certificate told; then it flaps: good on a check, expired on "
        "its re-check, expired, good, expired on the re-check; at last good twice",
        "why": "a fix is told only when a re-check agrees: one 'fixed', at the end; the "
        "problem is never told again (it never closed)",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "good", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [
            ["alice", "alert", []],
            ["bob", "alert", []],
            ["alice", "fixed", ["fixed"]],
            ["bob", "fixed", ["fixed"]],
        ],
    },
    {
        "id": "W03",
        "title": "a release (new score version) whose first check finds the TLS-RPT record "
        "gone, as do its re-check and the checks after",
        "why": "a record gone is a regression whatever the score version: the new version's "
        "first check raises nothing the new checks merely see differently, but a record "
        "removed must be told (once), not taken as the new normal untold",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt", "c"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt", "c"],
            ["run", "no-rpt", "s"],
        ],
        "emails": [["alice", "alert", ["TLS-RPT record"]], ["bob", "alert", ["TLS-RPT record"]]],
    },
    {
        "id": "W04",
        "title": "a release whose weights score the same findings 60 instead of 100 (checks "
        "and re-checks for an hour); later, under it, the TLS-RPT record goes (40)",
        "why": "a score drop made by a scoring change is no regression (scores of different "
        "versions are not comparable): nothing; the record gone under the new version is "
        "told once",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "new-weights", "s"],
            ["run", "new-weights", "c"],
            ["run", "new-weights", "s"],
            ["run", "new-weights", "c"],
            ["run", "new-weights", "s"],
            ["run", "new-weights-no-rpt", "s"],
            ["run", "new-weights-no-rpt", "c"],
        ],
        "emails": [["alice", "alert", ["TLS-RPT record"]], ["bob", "alert", ["TLS-RPT record"]]],
    },
    {
        "id": "W05",
        "title": "alice and bob have a.test's alerts off; tickets@msp.example gets the team's "
        "alerts at once; mx1's certificate expires, then is renewed",
        "why": "the team address hears the problem and its fix; the members nothing",
        "steps": [
            ["address", "tickets@msp.example", "immediate"],
            ["mode", "alice", "a.test", "off"],
            ["mode", "bob", "a.test", "off"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [
            ["tickets", "alert", ["a.test"], ["mx1.a.test"]],
            ["tickets", "fixed", ["fixed"]],
        ],
    },
    {
        "id": "W06",
        "title": "alice and bob have a.test's alerts off; tickets@ gets the team's daily "
        "digest; a problem confirmed at 06:33; alice turns a.test's alerts on at 07:40; "
        "fixed at 12:22",
        "why": "the digest at 07:00 tells the problem, the next day's its fix; alice was never "
        "told of it, so she hears no fix",
        "steps": [
            ["address", "tickets@msp.example", "digest"],
            ["mode", "alice", "a.test", "off"],
            ["mode", "bob", "a.test", "off"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["mode", "alice", "a.test", "immediate"],
            ["at", "2026-12-01T12:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["digest_hourly", 24],
        ],
        "emails": [
            ["tickets", "digest", ["Daily digest"], ["New problems", "mx1.a.test"]],
            ["tickets", "digest", ["Daily digest"], ["Fixed", "mx1.a.test"]],
        ],
        "digest_hours": [7, 7],
    },
    {
        "id": "W07",
        "title": "alice and bob on the digest; a problem confirmed at 06:33; a.test removed at "
        "06:45, before the digest; added again the next day with the problem still there",
        "why": "the removed domain's problem was told to nobody: no digest about a domain that "
        "is gone, and the domain added again starts afresh (its first check is its baseline, "
        "nothing is news)",
        "steps": [
            ["mode", "alice", "a.test", "digest"],
            ["mode", "bob", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["at", "2026-12-01T06:45:00+00:00"],
            ["remove_domain", "a.test"],
            ["digest_hourly", 26],
            ["add_domain", "a.test"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 24],
        ],
        "emails": [],
    },
    {
        "id": "W08",
        "title": "alice and bob on the digest; a problem told in the 07:00 digest; a.test "
        "removed at 10:00, added again at 12:00 (both back on the digest), still broken; "
        "fixed at 03:00 the next day",
        "why": "a problem told before the removal is not forgotten: its fix is in each one's "
        "next digest, once; nothing is told again as new",
        "steps": [
            ["mode", "alice", "a.test", "digest"],
            ["mode", "bob", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["at", "2026-12-01T10:00:00+00:00"],
            ["remove_domain", "a.test"],
            ["at", "2026-12-01T12:00:00+00:00"],
            ["add_domain", "a.test"],
            ["mode", "alice", "a.test", "digest"],
            ["mode", "bob", "a.test", "digest"],
            ["run", "bad", "s"],
            ["at", "2026-12-02T03:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["digest_hourly", 6],
        ],
        "emails": [
            ["alice", "digest", ["Daily digest"], ["New problems"]],
            ["bob", "digest", ["Daily digest"], ["New problems"]],
            ["alice", "digest", ["Daily digest"], ["Fixed"]],
            ["bob", "digest", ["Daily digest"], ["Fixed"]],
        ],
        "digest_hours": [7, 7, 7, 7],
    },
    {
        "id": "W09",
        "title": "alice (UTC) on the digest, bob at once: a problem at 06:33, alice's digest "
        "at 07:00; she moves to Asia/Tokyo at 07:33; the TLS-RPT record goes at 10:22",
        "why": "moving east: her next local day's digest is at 07:00 Tokyo, 22:00 UTC the same "
        "UTC day, and tells the TLS-RPT record only (the first problem was told)",
        "steps": [
            ["mode", "alice", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["zone", "alice", "Asia/Tokyo"],
            ["at", "2026-12-01T10:00:00+00:00"],
            ["run", "bad-no-rpt", "s"],
            ["run", "bad-no-rpt", "c"],
            ["digest_hourly", 14],
        ],
        "emails": [
            ["bob", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", ["TLS-RPT record"]],
            ["alice", "digest", ["Daily digest"], ["mx1.a.test"]],
            ["alice", "digest", ["Daily digest"], ["TLS-RPT"]],
        ],
        "digest_hours": [7, 22],
    },
    {
        "id": "W10",
        "title": "alice (Asia/Tokyo) on the digest, bob at once: a problem at 06:33 UTC, in her "
        "digest of 2 Dec at 22:00 UTC; she moves to America/New_York at 22:33; the TLS-RPT "
        "record goes at 23:22",
        "why": "docs: moving west after the day's digest sends no second one that day, and "
        "the next local day may pass without one (2 Dec had hers already): the next, 3 Dec "
        "07:00 New York (12:00 UTC), tells all since",
        "steps": [
            ["zone", "alice", "Asia/Tokyo"],
            ["mode", "alice", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 16],
            ["zone", "alice", "America/New_York"],
            ["at", "2026-12-01T23:00:00+00:00"],
            ["run", "bad-no-rpt", "s"],
            ["run", "bad-no-rpt", "c"],
            ["digest_hourly", 40],
        ],
        "emails": [
            ["bob", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", ["TLS-RPT record"]],
            ["alice", "digest", ["Daily digest"], ["mx1.a.test"]],
            ["alice", "digest", ["Daily digest"], ["TLS-RPT"]],
        ],
        "digest_hours": [12, 22],
    },
    {
        "id": "W11",
        "title": "TLS reports: one sender fails exactly 5.0% of its sessions (validation-failure) "
        "for 15 days, then a day at 10.0%",
        "why": "the type is new once (one report alert each); 5.0% is not above the threshold; "
        "the 10% day is the usual 5% plus exactly 5.0%: not above either, no rate alert "
        "(and the type never stops: no closing)",
        "steps": [
            ["run", "good", "s"],
            [
                "repeat",
                15,
                [
                    ["digest_hourly", 24],
                    ["report_n", "a.test", ["validation-failure"], 950, 50, 1, SENDER],
                ],
            ],
            ["digest_hourly", 24],
            ["report_n", "a.test", ["validation-failure"], 900, 100, 1, SENDER],
        ],
        "emails": [
            ["alice", "report", ["validation-failure"]],
            ["bob", "report", ["validation-failure"]],
        ],
    },
    {
        "id": "W12",
        "title": "alice on the digest, bob at once: a problem confirmed at 08:33, fixed at "
        "12:22, back at 16:22 (confirmed)",
        "why": "bob: alert, fixed, alert; alice's next digest tells the problem once, as new "
        "(the first spell was confirmed and fixed within its window: nothing to do)",
        "steps": [
            ["mode", "alice", "a.test", "digest"],
            ["at", "2026-12-01T08:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["at", "2026-12-01T12:00:00+00:00"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["at", "2026-12-01T16:00:00+00:00"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 16],
        ],
        "emails": [
            ["bob", "alert", []],
            ["bob", "fixed", ["fixed"]],
            ["bob", "alert", []],
            ["alice", "digest", ["Daily digest", "2 changes"], ["New problems", "mx1.a.test"]],
        ],
        "digest_hours": [7],
        "blind_emails": "alice's digest was expected to say '1 change'",
        "corrected": "the harness's expired certificate under enforce is 2 entries, the "
        "certificate (its consequences under it) and the score drop, as bob's alerts say "
        "('(+1 more)'): the digest counts those 2 of the second spell, once, the first spell "
        "left out as expected",
    },
    {
        "id": "W13",
        "title": "weekly summaries: alice has both domains on 'No emails', bob the default; "
        "hourly runs from Sun 6 Dec 12:00 UTC",
        "why": "'No emails' on every domain leaves nothing to summarise: bob's summary only, "
        "at 07:00 UTC on Monday",
        "steps": [
            ["at", "2026-12-06T12:00:00+00:00"],
            ["joined", "2026-09-01T00:00:00+00:00"],
            ["mode", "alice", "a.test", "off"],
            ["mode", "alice", "b.test", "off"],
            ["run", "good", "s"],
            ["weekly_hourly", 24],
        ],
        "emails": [["bob", "weekly", []], ["bob", "weekly", []]],
        "weekly_hours": [7, 13],
        "blind_emails": "one weekly summary, bob's at 07:00 on Monday",
        "corrected": "the harness has no summary of the week before (30 Nov): its hour has "
        "passed and bob had an account, so the first hourly run (Sun 13:00) sends it, as after "
        "a beat outage (docs: 'at the next hourly run of their week'; s25a V13 met the same); "
        "then Monday 07:00 his new week's. alice gets none, as expected",
    },
    {
        "id": "W14",
        "title": "the TLS-RPT record goes; its re-check still finds it gone while the MTA-STS "
        "record lookup SERVFAILs; later both fine, twice",
        "why": "a SERVFAIL on another record decides nothing about it, and does not stop the "
        "re-check confirming what it could see: told once, its fix once",
        "steps": [
            ["run", "good", "s"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt-sts-servfail", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [
            ["alice", "alert", ["TLS-RPT record"]],
            ["bob", "alert", ["TLS-RPT record"]],
            ["alice", "fixed", ["fixed"]],
            ["bob", "fixed", ["fixed"]],
        ],
    },
    {
        "id": "W15",
        "title": "tickets@ gets the team's daily digest, alice and bob alerts at once; mx1's "
        "90-day certificate (ends 31 Dec) crosses 21 days left on 10 Dec at 06:11",
        "why": "the 21-day notice is told to each once: at once to the members, in the "
        "07:00 digest to the address",
        "steps": [
            ["address", "tickets@msp.example", "digest"],
            ["run", "cert", "s"],
            ["at", "2026-12-10T06:00:00+00:00"],
            ["run", "cert", "s"],
            ["run", "cert", "c"],
            ["digest_hourly", 26],
        ],
        "emails": [
            ["alice", "alert", ["expires"]],
            ["bob", "alert", ["expires"]],
            ["tickets", "digest", ["Daily digest"], ["mx1.a.test"]],
        ],
        "digest_hours": [7],
    },
]

DATA = {"worlds": WORLDS, "sequences": SEQUENCES}


def _scored(result_for: Any) -> Any:
    """s17's result_for, with a world's "score" as the run's score."""

    def wrapper(domain: str, world: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = result_for(domain, world, *args, **kwargs)
        if "score" in world:
            result["score"] = world["score"]
        return result

    return wrapper


class S26aBlindSequencesTestCase(s25a.S25aBlindSequencesTestCase):
    """s25a's player with this round's worlds and sequences."""

    DATA = DATA

    def step(self, step: list[Any]) -> None:
        if step[0] == "run":
            with mock.patch.object(s17, "result_for", _scored(s17.result_for)):
                super().step(step)
            return
        super().step(step)

    # s25a's own tests of its defects are s25a's: not played again here.
    test_a_fix_told_after_the_domain_came_back_is_not_carried_again = None  # type: ignore[assignment]
    test_a_problem_raised_anew_after_coming_back_is_not_carried_later = None  # type: ignore[assignment]
