"""Round s38d blind sequences (below, written and committed before any was run): what the
seven earlier alert rounds (s17, s23a, s24a, s25a, s26a, s32h, s36b) left out. A checks release
between a problem's sightings (the old release sees it, the new release's first run is its
re-check and cannot test it, or sees it gone; a record gone whose re-check under the new
release SERVFAILs; a fix whose re-check under the new release times out); a certificate
crossing its 21-day, 7-day mark or its end while every check times out; a domain unverified
between a check and its re-check (confirmed meanwhile, then still there or fixed once verified
again), and removed and added again between a fix and its re-check; teammates with different
settings (digest, at once, off) over two days; one person with one domain at once and another
on the digest; a switch from the digest to at once between a fix and its re-check; a team
address on the digest beside a member at once; a teammate leaving while their alert waits in
the queue, before their digest, or after being told (the fix to the others only; back and
told a relapse as anyone); an MX host added and removed within one re-check window (outside
the policy, or inside it with an expired certificate); a domain moved to another team (that
team proves control) with a told problem open, with a suspicion waiting, and before a digest.

Written from docs/webapp.md (Alerts, When a domain changes hands) and the brief's rule: an
alert on a regression needs a confirmed re-probe, "could not check" is never a failure, no
false alarms, no repeats.

The player is s36b's (tests/test_alerts_s36b_blind.py) with one step of its own: "move"
(charlie's team adds the domain and proves control at a real DNS server on loopback that
publishes charlie's challenge value only, so the domain leaves alice's team's monitoring;
charlie's row is "<name>@charlie" for later runs; the "control lost" emails are of kind
"lost"), and one key: "absent_in" lists [to, kind, words] that no email of that reader and
kind may contain (s36b's "absent" reads all of a reader's emails). Rows with "planted" are
deliberately wrong and must keep failing.

Results (expectations committed in 45b3dda8 before any ran): 21 of the 22 held as written.
D01 was a product defect, kept as written and fixed with a failing-first test in
tests/test_alerts_s38d.py (468eb58a): the old release's check saw mx1 expired, its re-check
was the new release's first run and timed out, and that run became the reference at once, so
the checks after it (comparing with a reference that could not check mx1) never raised it
again; the suspicion dismissed as untested is now followed by the next run. Held as written:
a fix re-checked by a timeout under the new release (D02), a flap across the release (D03), a
record gone whose re-check SERVFAILed (D04), the 21-day, 7-day mark and the end crossed during
timeouts told once each, and no earlier threshold (D05-D07), the unverified and removed
domains (D08-D10), the mixed settings and digests (D11-D14), the teammates leaving (D15-D17),
the MX hosts of one re-check window (D18, D19), the domain moved to charlie's team (D20-D22).
The three planted rows failed as wrong expectations (Q01: nothing told; Q02: charlie not
alerted at his first checks; Q03: one warning each, not two) and stay planted, asserted to
keep failing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core import mail

import tests.test_alerts_s32h_blind as s32h
import tests.test_alerts_s36b_blind as s36b
from mailsec.domains.models import Domain
from tests.test_domains import stub_dns

OLD = s32h.OLD  # a checks release before the current one
ENDS_22DEC = s36b.ENDS_22DEC  # a 90-day certificate on mx1 ending 22 Dec 06:30 UTC
ENDS_9DEC = "cert:2026-12-09T06:30:00+00:00"
ENDS_2DEC = s36b.ENDS_2DEC  # 2 Dec 12:00 UTC


def _mx(**hosts: str) -> dict[str, Any]:
    return {h: {"v4": state} for h, state in hosts.items()}


WORLDS: dict[str, Any] = {
    "good": {},
    "bad": {"mx": _mx(mx1="expired")},
    "timeout": {"mx": _mx(mx1="timeout")},
    "no-rpt": {"rpt": "gone"},
    "rpt-servfail": {"rpt": "error"},
    "bad-no-rpt": {"mx": _mx(mx1="expired"), "rpt": "gone"},
    "old-good": {"release": OLD},
    "old-bad": {"release": OLD, "mx": _mx(mx1="expired")},
    "old-no-rpt": {"release": OLD, "rpt": "gone"},
    "ends-22dec": {"mx": _mx(mx1=ENDS_22DEC)},
    "ends-9dec": {"mx": _mx(mx1=ENDS_9DEC)},
    "ends-2dec": {"mx": _mx(mx1=ENDS_2DEC)},
    # mx2 added to the MX records; the enforced policy names mx1 alone.
    "mx2-uncovered": {"mx": _mx(mx1="good", mx2="good")},
    # The policy names mx1 and mx2; the MX records mx1 alone, then mx2 too with an expired
    # certificate.
    "pat2": {"patterns": ["mx1", "mx2"]},
    "mx2-expired-named": {"mx": _mx(mx1="good", mx2="expired"), "patterns": ["mx1", "mx2"]},
}

BOTH_ALERT = [["alice", "alert", []], ["bob", "alert", []]]
BOTH_FIXED = [["alice", "fixed", ["fixed"]], ["bob", "fixed", ["fixed"]]]
BOTH_RPT = [["alice", "alert", ["TLS-RPT record"]], ["bob", "alert", ["TLS-RPT record"]]]
BOTH_LOST = [["alice", "lost", ["no longer verified"]], ["bob", "lost", ["no longer verified"]]]
TOLD = [["run", "good", "s"], ["run", "bad", "s"], ["run", "bad", "c"]]

SEQUENCES: list[dict[str, Any]] = [
    # --- a checks release between sightings -----------------------------------------------
    {
        "id": "D01",
        "title": "the old release's check finds mx1's certificate expired; the new release's "
        "first run is its re-check and times out on mx1; the next checks find it expired",
        "why": "a real expiry is not lost because the release's first run could not look: "
        "'could not check' decides nothing, and the pair after it tells it, once",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", [], ["mx1.a.test"]],
        ],
    },
    {
        "id": "D02",
        "title": "mx1's expiry told under the old release; the old release's last check sees "
        "it renewed; the new release's first run, the fix's re-check, times out; then good",
        "why": "a fix is told once a re-check that could look agrees, release or not: one "
        "'fixed' each, after the alert",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "old-bad", "c"],
            ["run", "old-good", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "D03",
        "title": "the old release's check sees mx1 expired; the new release's first run (its "
        "re-check) sees it fine; later the certificate really expires (check and re-check)",
        "why": "the flap is nothing; the later expiry against the new reference is told once",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-bad", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "D04",
        "title": "the old release's check finds the TLS-RPT record gone; the new release's "
        "first run (its re-check) SERVFAILs on it; the next check and its re-check find it gone",
        "why": "a record gone is a fact of the DNS whatever the release; a SERVFAIL decides "
        "nothing: told once, by the later pair",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "old-no-rpt", "s"],
            ["run", "rpt-servfail", "c"],
            ["run", "no-rpt", "s"],
            ["run", "no-rpt", "c"],
            ["run", "no-rpt", "s"],
        ],
        "emails": BOTH_RPT,
    },
    # --- certificate thresholds crossed while nothing could be checked ------------------------
    {
        "id": "D05",
        "title": "mx1's certificate ends 22 Dec 06:30; every check and re-check times out "
        "across its 21-day mark (1 Dec 06:30); then mx1 answers again, 20 days left",
        "why": "the threshold crossed unseen is told once mx1 can be looked at again and a "
        "re-check agrees; the timeouts tell nothing; never twice",
        "steps": [
            ["at", "2026-11-30T06:00:00+00:00"],
            ["run", "ends-22dec", "s"],
            ["run", "ends-22dec", "s"],
            ["at", "2026-12-01T06:00:00+00:00"],
            ["run", "timeout", "s"],
            ["run", "timeout", "c"],
            ["run", "timeout", "s"],
            ["run", "timeout", "c"],
            ["run", "ends-22dec", "s"],
            ["run", "ends-22dec", "c"],
            ["run", "ends-22dec", "s"],
            ["run", "ends-22dec", "c"],
        ],
        "emails": [
            ["alice", "alert", ["expires", "21-day"], ["mx1.a.test"]],
            ["bob", "alert", ["expires", "21-day"], ["mx1.a.test"]],
        ],
    },
    {
        "id": "D06",
        "title": "mx1's certificate ends 9 Dec 06:30 (8 days left at the first check); checks "
        "time out on 2 Dec; on 3 Dec mx1 answers again, 6 days left",
        "why": "the 7-day mark crossed during the timeouts is told once; the 21-day mark was "
        "behind the first check (its reference): not told",
        "steps": [
            ["run", "ends-9dec", "s"],
            ["run", "ends-9dec", "s"],
            ["at", "2026-12-02T06:00:00+00:00"],
            ["run", "timeout", "s"],
            ["run", "timeout", "c"],
            ["at", "2026-12-03T06:00:00+00:00"],
            ["run", "ends-9dec", "s"],
            ["run", "ends-9dec", "c"],
        ],
        "emails": [
            ["alice", "alert", ["expires", "7-day"]],
            ["bob", "alert", ["expires", "7-day"]],
        ],
        "absent": [["alice", ["21-day"]], ["bob", ["21-day"]]],
    },
    {
        "id": "D07",
        "title": "mx1's certificate ends 2 Dec 12:00 (1 day left at the first check); checks "
        "time out from 11:00 to past 12:00; then mx1 answers with that certificate, expired",
        "why": "the expiry that happened unseen is told once a re-check agrees; no 2-day "
        "warning (it was behind the first check)",
        "steps": [
            ["run", "ends-2dec", "s"],
            ["run", "ends-2dec", "s"],
            ["at", "2026-12-02T11:00:00+00:00"],
            ["run", "timeout", "s"],
            ["run", "timeout", "c"],
            ["run", "timeout", "s"],
            ["at", "2026-12-02T12:30:00+00:00"],
            ["run", "ends-2dec", "s"],
            ["run", "ends-2dec", "c"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.a.test", "expired"]],
            ["bob", "alert", [], ["mx1.a.test", "expired"]],
        ],
        "absent": [["alice", ["2-day"]], ["bob", ["2-day"]]],
    },
    # --- verified, unverified, removed between a check and its re-check ----------------------
    {
        "id": "D08",
        "title": "a check sees mx1 expired; a.test loses its verification; the re-check, "
        "under way, still sees it; verified again; the next check and re-check still see it",
        "why": "docs: a problem confirmed while not verified and still there once verified "
        "again is told then, once",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["verified", "a.test", False],
            ["run", "bad", "c"],
            ["verified", "a.test", True],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "D09",
        "title": "as D08, but mx1 is renewed before a.test is verified again; the checks after "
        "find it good",
        "why": "nobody was told of the problem, so nobody hears of a fix: no email",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["verified", "a.test", False],
            ["run", "bad", "c"],
            ["verified", "a.test", True],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [],
    },
    {
        "id": "D10",
        "title": "mx1's expiry told; a check sees it renewed; a.test is removed and added again "
        "before that fix's re-check; the re-added domain's first check and re-check see it good",
        "why": "docs: a told problem of a removed domain is carried to the domain added again, "
        "its fix told once a re-check agrees, to those told",
        "steps": [
            *TOLD,
            ["run", "good", "s"],
            ["remove_domain", "a.test"],
            ["add_domain", "a.test"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    # --- different settings, digest and at once ---------------------------------------------
    {
        "id": "D11",
        "title": "alice on the daily digest, bob at once, carol (joins) 'No emails': mx1 "
        "expires (confirmed 06:33); after alice's digest the TLS-RPT record goes (confirmed); "
        "the next day's digest",
        "why": "each as chosen: bob two alerts, alice two digests (each with its own news), "
        "carol nothing",
        "steps": [
            ["join", "carol", "member"],
            ["mode", "carol", "a.test", "off"],
            ["mode", "alice", "a.test", "digest"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["digest_hourly", 1],
            ["run", "bad-no-rpt", "s"],
            ["run", "bad-no-rpt", "c"],
            ["digest_hourly", 24],
        ],
        "emails": [
            ["bob", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", ["TLS-RPT record"]],
            ["alice", "digest", ["Daily digest"], ["mx1.a.test"]],
            ["alice", "digest", ["Daily digest"], ["TLS-RPT"]],
        ],
        "digest_hours": [7, 7],
        "absent": [["carol", ["a.test"]]],
    },
    {
        "id": "D12",
        "title": "alice gets a.test at once and b.test in the daily digest; bob both at once; "
        "mx1 expires on both (each confirmed before 07:00)",
        "why": "one person, both kinds: an alert about a.test and a digest about b.test, "
        "neither telling the other domain",
        "steps": [
            ["at", "2026-12-01T05:00:00+00:00"],
            ["mode", "alice", "b.test", "digest"],
            ["run", "good", "s"],
            ["run", "good", "s", "b.test"],
            ["run", "bad", "s"],
            ["run", "bad", "s", "b.test"],
            ["run", "bad", "c"],
            ["run", "bad", "c", "b.test"],
            ["digest_hourly", 2],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.a.test"]],
            ["alice", "digest", ["Daily digest"], ["mx1.b.test"]],
            ["bob", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", [], ["mx1.b.test"]],
        ],
        "digest_hours": [7],
        "absent_in": [["alice", "digest", ["mx1.a.test"]], ["alice", "alert", ["mx1.b.test"]]],
    },
    {
        "id": "D13",
        "title": "alice on the digest: mx1's expiry confirmed at 06:33; a check sees it renewed; "
        "alice switches a.test to 'at once'; the re-check confirms the fix; digests run",
        "why": "docs: leaving the digest emails at once what the digest owed (still open at the "
        "switch); she was told, so she hears the fix; no digest after",
        "steps": [
            ["mode", "alice", "a.test", "digest"],
            *TOLD,
            ["run", "good", "s"],
            ["mode", "alice", "a.test", "immediate"],
            ["run", "good", "c"],
            ["digest_hourly", 2],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "D14",
        "title": "tickets@ (team address) on the daily digest, alice at once, bob 'No emails': "
        "mx1 expires and is renewed (both confirmed) before 07:00",
        "why": "alice an alert and its fix; the digest leaves out what was confirmed and fixed "
        "within its period: tickets nothing; bob nothing",
        "steps": [
            ["address", "tickets@msp.example", "digest"],
            ["mode", "bob", "a.test", "off"],
            *TOLD,
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["digest_hourly", 2],
        ],
        "emails": [["alice", "alert", []], ["alice", "fixed", ["fixed"]]],
    },
    # --- a teammate leaving -------------------------------------------------------------------
    {
        "id": "D15",
        "title": "mx1's expiry is confirmed but the emails wait in the queue (mail server "
        "slow); bob leaves the team; the queue is sent; later fixed",
        "why": "an email that waits is checked again when it goes: a former member gets "
        "nothing; alice hears both",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["hold"],
            ["run", "bad", "c"],
            ["leave", "bob"],
            ["release"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [["alice", "alert", []], ["alice", "fixed", ["fixed"]]],
        "absent": [["bob", ["a.test"]]],
    },
    {
        "id": "D16",
        "title": "bob on the daily digest: mx1's expiry confirmed at 06:33; bob leaves at "
        "06:33, before his 07:00 digest",
        "why": "no digest to a former member; alice (at once) told",
        "steps": [
            ["mode", "bob", "a.test", "digest"],
            *TOLD,
            ["leave", "bob"],
            ["digest_hourly", 2],
        ],
        "emails": [["alice", "alert", []]],
        "absent": [["bob", ["a.test"]]],
    },
    {
        "id": "D17",
        "title": "mx1's expiry told to alice and bob; bob leaves; fixed (confirmed); bob is "
        "added back; mx1 expires again (confirmed)",
        "why": "the fix to alice alone (bob left); the relapse is a new problem told to the "
        "members then, bob included",
        "steps": [
            *TOLD,
            ["leave", "bob"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["rejoin", "bob"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": [*BOTH_ALERT, ["alice", "fixed", ["fixed"]], *BOTH_ALERT],
    },
    # --- MX hosts coming and going within a re-check window ----------------------------------
    {
        "id": "D18",
        "title": "a check sees mx2 added outside the enforced policy; the re-check sees mx2 "
        "gone again; the next check too",
        "why": "what a re-check does not repeat is told to nobody",
        "steps": [
            ["run", "good", "s"],
            ["run", "mx2-uncovered", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
        ],
        "emails": [],
    },
    {
        "id": "D19",
        "title": "the policy names mx1 and mx2; mx2 is added to the MX records with an expired "
        "certificate and gone at the re-check; added again later and kept (check, re-check)",
        "why": "the first appearance is nothing; the second, repeated by its re-check, is "
        "told once, naming mx2",
        "steps": [
            ["run", "pat2", "s"],
            ["run", "mx2-expired-named", "s"],
            ["run", "pat2", "c"],
            ["run", "pat2", "s"],
            ["run", "mx2-expired-named", "s"],
            ["run", "mx2-expired-named", "c"],
            ["run", "mx2-expired-named", "s"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx2.a.test"]],
            ["bob", "alert", [], ["mx2.a.test"]],
        ],
    },
    # --- a domain moved to another team -------------------------------------------------------
    {
        "id": "D20",
        "title": "mx1's expiry told to alice and bob; charlie's team proves control of a.test "
        "(alice's team loses it); charlie's a.test is checked (expired, re-check agrees), then "
        "renewed (check, re-check)",
        "why": "alice and bob hear that a.test left their monitoring, and nothing more; "
        "charlie's first check is his reference (nothing told), and he was never told of the "
        "problem, so hears no fix",
        "steps": [
            *TOLD,
            ["move", "a.test"],
            ["run", "bad", "s", "a.test@charlie"],
            ["run", "bad", "c", "a.test@charlie"],
            ["run", "good", "s", "a.test@charlie"],
            ["run", "good", "c", "a.test@charlie"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_LOST],
    },
    {
        "id": "D21",
        "title": "a check of alice's a.test sees mx1 expired; charlie's team proves control "
        "before the re-check, whose pending task runs after; charlie's a.test is checked "
        "(good), then mx1 expires for charlie (check, re-check)",
        "why": "nothing about the suspicion to alice and bob (not monitored any more), only "
        "that it left; charlie told of his own regression once",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["remember", "a.test"],
            ["move", "a.test"],
            ["confirm_remembered"],
            ["run", "good", "s", "a.test@charlie"],
            ["run", "bad", "s", "a.test@charlie"],
            ["run", "bad", "c", "a.test@charlie"],
        ],
        "emails": [*BOTH_LOST, ["charlie", "alert", [], ["mx1.a.test"]]],
    },
    {
        "id": "D22",
        "title": "bob on the daily digest; mx1's expiry confirmed at 06:33 (alice told at "
        "once); charlie's team proves control of a.test before bob's 07:00 digest",
        "why": "a digest tells only domains still the reader's and monitored: bob gets the "
        "'no longer verified' email, no digest",
        "steps": [
            ["mode", "bob", "a.test", "digest"],
            *TOLD,
            ["move", "a.test"],
            ["digest_hourly", 2],
        ],
        "emails": [["alice", "alert", []], *BOTH_LOST],
    },
    # --- planted: deliberately wrong, each must fail ------------------------------------------
    {
        "id": "Q01",
        "title": "(planted) D18: mx2 added outside the policy and gone at the re-check",
        "why": "planted wrong: expects the MX host outside the policy told",
        "planted": "what a re-check does not repeat is told to nobody (D18)",
        "steps": [
            ["run", "good", "s"],
            ["run", "mx2-uncovered", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "Q02",
        "title": "(planted) D20: charlie's first checks of the moved a.test see mx1 expired",
        "why": "planted wrong: expects charlie alerted at his domain's first checks",
        "planted": "a domain's first check is its reference (D20)",
        "steps": [
            *TOLD,
            ["move", "a.test"],
            ["run", "bad", "s", "a.test@charlie"],
            ["run", "bad", "c", "a.test@charlie"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_LOST, ["charlie", "alert", []]],
    },
    {
        "id": "Q03",
        "title": "(planted) D05: the 21-day mark crossed during timeouts",
        "why": "planted wrong: expects the warning told twice (once per pair after)",
        "planted": "no repeats: one warning per threshold (D05)",
        "steps": [
            ["at", "2026-11-30T06:00:00+00:00"],
            ["run", "ends-22dec", "s"],
            ["run", "ends-22dec", "s"],
            ["at", "2026-12-01T06:00:00+00:00"],
            ["run", "timeout", "s"],
            ["run", "timeout", "c"],
            ["run", "ends-22dec", "s"],
            ["run", "ends-22dec", "c"],
            ["run", "ends-22dec", "s"],
            ["run", "ends-22dec", "c"],
        ],
        "emails": [
            ["alice", "alert", ["expires"]],
            ["bob", "alert", ["expires"]],
            ["alice", "alert", ["expires"]],
            ["bob", "alert", ["expires"]],
        ],
    },
]

DATA = {"worlds": WORLDS, "sequences": SEQUENCES}


class S38dBlindSequencesTestCase(s36b.S36bBlindSequencesTestCase):
    """s36b's player with this round's worlds, the "move" step and "absent_in"."""

    DATA = DATA

    def step(self, step: list[Any]) -> None:
        what, *args = step
        if what != "move":
            super().step(step)
            return
        (name,) = args
        self.users["charlie"] = self.charlie
        theirs = Domain.objects.create(team=self.charlies_team, name=name)
        before = len(mail.outbox)
        # Charlie's team publishes its own value at the challenge name, alice's team's value
        # is gone from it: verifying contests alice's row, which loses control.
        with stub_dns({theirs.challenge_name: [theirs.challenge_value]}):
            assert theirs.verify(hints=False), theirs.verify_error
        for m in mail.outbox[before:]:
            (to,) = m.to
            self.sent.append((to.split("@")[0], "lost", m.subject, self.clock))
            self.bodies.append(" ".join(str(m.body).split()))
        self.domains[f"{name}@charlie"] = theirs
        self.send_pending()

    def compare(self, seq: dict[str, Any], got: list[tuple[str, str, str, datetime]]) -> str:
        problem = super().compare(seq, got)
        if seq.get("planted") or problem:
            return problem
        for to, kind, words in seq.get("absent_in", []):
            for (reader, sent_kind, subject, _), body in zip(got, self.bodies, strict=True):
                said = [w for w in words if (reader, sent_kind) == (to, kind) and w in body]
                if said or any((reader, sent_kind) == (to, kind) and w in subject for w in words):
                    return f"a {kind} to {to} says {words}: {subject!r}"
        return ""


def test_the_round_has_what_the_brief_asks() -> None:
    real = [s for s in SEQUENCES if not s.get("planted")]
    assert 20 <= len(real) <= 25 and len(SEQUENCES) == len(real) + 3
    assert len({s["id"] for s in SEQUENCES}) == len(SEQUENCES)
    assert all(
        w in WORLDS for s in SEQUENCES for st in s["steps"] if st[0] == "run" for w in st[1:2]
    )
