"""Blind round s33h: hosted MTA-STS kept in step with the MX over time, and the alerts over the
same histories. Written down (and committed) with what RFC 8461 (§3.3 the id and caching, §5
policy application, §8.3 removal, §10 max_age), docs/hosting.md and docs/webapp.md (Alerts)
say must happen, before any of it was run.

Hosting (CASES): provider migrations (Google Workspace to Microsoft 365 with an overlap week),
a third MX added and removed the same day, an MX renamed by case only, MX answers failing
(SERVFAIL, timeout, NXDOMAIN, no records) mid-history, which must never drop an mx: line,
max_age raised and lowered, testing → enforce → none → deleted, Stop hosting then Keep
hosting, three name servers in turn, a flap held back by timeouts, who hears what with a
one-click unsubscribe. Played with the s32g/s32h harness (MX answers from a wire DNS server
through the engine's resolver, the body senders get, ids never reused, our policy zone,
events, emails, the pages) and, beyond it:

* `unsubscribe`: a member follows the one-click unsubscribe link for example.org (RFC 8058,
  the real view) before the step;
* every step of every case also checks RFC 8461 §3.3's rule as served: the policy id changes
  exactly when the body senders get changes (a new id with the same body makes senders fetch
  for nothing; the same id with another body leaves them on the old policy).

Alerts (SEQUENCES, the s32h alerts player: engine-shaped runs through AlertState.observe, the
re-check and send tasks, a world's "release" the checks release that made the run): flapping
probes (fail, error, fail, pass) against a confirmed regression, a recovery told once, a
migration's overlap week and a self-hosted policy lagging behind it, per-domain settings and
the one-click unsubscribe, the checks-release guard (the first run of a new CHECKS_RELEASE is
the reference).

Times of CASES are offsets from T0 = 1 Dec 2026, 12:00 UTC; default max_age 604800, mode
testing.

Results. The 24 histories and 11 sequences were committed in a33e092 before any ran, with 3
rows planted wrong, which failed as they should and are corrected (named in the round's
report, not here). Of the other 32, 31 held as written: every mx: line kept through SERVFAIL,
timeouts, NXDOMAIN and an empty answer (due removals waiting for an answer, mx-failing told
once after a day and never while winding down), removal a max_age after the departure under
the max_age then served, strict copies outliving a lowered max_age and a switch to none, Keep
hosting, three name servers in turn and timeouts holding back mx-stable, the one-click
unsubscribe, the id changing exactly when the served body did at every step of every case;
in the alerts, flapping probes with no false alarm, one alert and one recovery, a migration
raising nothing, per-domain settings and unsubscribe, the checks-release guard. One was the
product: the_id_changes_exactly_when_the_body_does (the hosting page listed a departed host
typed under extra patterns as leaving the policy on a date, while its event said it stays;
its `corrected` note says why the row now reads the page; tests/test_hosting_s33h.py fails
without the fix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client

import tests.test_alerts_s32h_blind as s32ha
from mailsec.alerts.emails import unsubscribe_url
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s26_blind as s26
from tests import test_hosting_s32g_blind as s32g

served = s26.served
MX1, MX2, MX3 = "mx1.example.org", "mx2.example.org", "mx3.example.org"
G1, G2 = "aspmx.l.google.com", "alt1.aspmx.l.google.com"
MS = "example-org.mail.protection.outlook.com"


def d(*hosts: str) -> list[str]:
    """MX exchanges as the zone has them (absolute names)."""
    return [f"{h}." for h in hosts]


# fmt: off
CASES: list[dict[str, Any]] = [
    {
        "id": "google_to_microsoft_with_an_overlap_week",
        "zone": True,
        "why": "Enforce on Google's two MX; Microsoft's MX added beside them for a week (added "
               "at once with a new id: a sender refetches before it meets the new host, §5); "
               "Google's removed from DNS at 9d: both stay listed for max_age from then "
               "(17 Dec 2026, 12:00, §8.3: senders may hold the MX answer and the policy), one "
               "email for both, then both go with one new id, not a minute early.",
        "steps": [
            {"at": "0", "dns": d(G1, G2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", [G2, G1]), "id": "new", "zone": "new",
                        "emails": 0}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [G2, G1]), "id": "new", "zone": "new",
                        "events": ["mode"], "emails": 0}},
            {"at": "2d", "dns": d(G1, G2, MS), "do": "sync", "reason": "Microsoft beside",
             "expect": {"served": served("enforce", [G2, G1, MS]), "id": "new", "zone": "new",
                        "events": ["mx-added"], "emails": 1, "pending": []}},
            {"at": "9d", "dns": d(MS), "do": "sync", "reason": "Google out of DNS",
             "expect": {"served": served("enforce", [G2, G1, MS]), "id": "same",
                        "zone": "none", "emails": 1, "says": ["17 Dec 2026, 12:00"],
                        "pending": [G2, G1]}},
            {"at": "16d-5m", "do": "sync", "reason": "five minutes early: still listed",
             "expect": {"served": served("enforce", [G2, G1, MS]), "id": "same",
                        "zone": "none", "events": [], "emails": 0, "pending": [G2, G1]}},
            {"at": "16d+5m", "do": "sync", "reason": "max_age over: both removed, new id",
             "expect": {"served": served("enforce", [MS]), "id": "new", "zone": "new",
                        "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "third_mx_added_and_removed_the_same_day",
        "zone": True,
        "why": "mx3 added at 1d (new id, told), removed from DNS six hours later: one round "
               "trip, told as it happens; it stays listed for max_age from its departure "
               "(9 Dec 2026, 18:00), then leaves with a new id.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new"}},
            {"at": "1d", "dns": d(MX1, MX2, MX3), "do": "sync", "reason": "mx3 added",
             "expect": {"served": served("testing", [MX1, MX2, MX3]), "id": "new",
                        "zone": "new", "events": ["mx-added"], "emails": 1}},
            {"at": "1d+6h", "dns": d(MX1, MX2), "do": "sync", "reason": "mx3 gone again",
             "expect": {"served": served("testing", [MX1, MX2, MX3]), "id": "same",
                        "zone": "none", "events": ["mx-leaving"], "emails": 1,
                        "says": ["9 Dec 2026, 18:00"], "pending": [MX3]}},
            {"at": "8d+6h-5m", "do": "sync", "reason": "not yet",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0,
                        "pending": [MX3]}},
            {"at": "8d+6h+5m", "do": "sync", "reason": "removed",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "mx_renamed_by_case_only_under_enforce",
        "zone": True,
        "why": "DNS names compare case-insensitively: the MX in capitals is the same host (no "
               "event, no id); mx2 leaving, then back in capitals, is back (told), and "
               "nothing is removed a week later.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "new", "zone": "new"}},
            {"at": "1d", "dns": ["MX1.EXAMPLE.ORG.", "Mx2.Example.Org."], "do": "sync",
             "reason": "capitals",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": [], "emails": 0, "pending": []}},
            {"at": "2d", "dns": ["MX1.EXAMPLE.ORG."], "do": "sync", "reason": "mx2 leaving",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": ["mx-leaving"], "emails": 1, "says": ["10 Dec 2026, 12:00"],
                        "pending": [MX2]}},
            {"at": "3d", "dns": ["mx1.example.org.", "MX2.EXAMPLE.ORG."], "do": "sync",
             "reason": "back in capitals",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": ["mx-back"], "emails": 1, "pending": []}},
            {"at": "10d+5m", "do": "sync", "reason": "nothing removed",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
        ],
    },
    {
        "id": "case_only_rename_with_a_plain_txt",
        "why": "A plain TXT owner: the MX in capitals changes neither body nor id, so no "
               "record to publish is told.",
        "steps": [
            {"at": "0", "dns": d(MX1), "do": "enable", "reason": "start",
             "expect": {"id": "new"}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "in place",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d", "dns": ["MX1.EXAMPLE.ORG."], "do": "sync", "reason": "capitals",
             "expect": {"served": served("testing", [MX1]), "id": "same", "events": [],
                        "emails": 0}},
        ],
    },
    {
        "id": "a_day_of_servfail_across_a_due_removal_with_max_age_one_day",
        "zone": True,
        "why": "max_age lowered to a day (the week copies long gone when mx2 leaves at 8d: "
               "due 10 Dec 2026, 12:00). SERVFAIL from 8d+12h: the due removal waits for an "
               "answer; after 24 hours of failures the team is told once (mx-failing, with "
               "the SERVFAIL); the first answer ends it and removes mx2 in one email.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "5m", "do": "settings", "form": {"max_age": 86400}, "reason": "a day",
             "expect": {"served": served("testing", [MX1, MX2], 86400), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "8d", "dns": d(MX1), "do": "sync", "reason": "mx2 leaving",
             "expect": {"id": "same", "events": ["mx-leaving"], "emails": 1,
                        "says": ["10 Dec 2026, 12:00"], "pending": [MX2]}},
            {"at": "8d+12h", "dns": "servfail", "do": "sync", "reason": "failing",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0,
                        "pending": [MX2]}},
            {"at": "9d+5m", "do": "sync", "reason": "due, failing: stays",
             "expect": {"served": served("testing", [MX1, MX2], 86400), "id": "same",
                        "zone": "none", "events": [], "emails": 0, "pending": [MX2]}},
            {"at": "9d+12h+5m", "do": "sync", "reason": "a day of failures: told once",
             "expect": {"served": served("testing", [MX1, MX2], 86400), "id": "same",
                        "zone": "none", "events": ["mx-failing"], "emails": 1,
                        "says": ["SERVFAIL"], "pending": [MX2]}},
            {"at": "9d+18h", "do": "sync", "reason": "not again",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "10d+1h", "dns": d(MX1), "do": "sync", "reason": "answers: removed",
             "expect": {"served": served("testing", [MX1], 86400), "id": "new", "zone": "new",
                        "events": ["mx-answering", "mx-removed"], "emails": 1,
                        "pending": []}},
        ],
    },
    {
        "id": "nxdomain_while_a_removal_falls_due",
        "zone": True,
        "why": "NXDOMAIN is no usable answer: told once, the last good policy stays, and the "
               "removal due meanwhile waits; the MX back is told once with mx2's removal in "
               "the same email, new id.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": d(MX1), "do": "sync", "reason": "mx2 leaving",
             "expect": {"events": ["mx-leaving"], "emails": 1, "says": ["9 Dec 2026, 12:00"],
                        "pending": [MX2]}},
            {"at": "8d-1h", "dns": "nxdomain", "do": "sync", "reason": "NXDOMAIN: told",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": ["mx-unusable"], "emails": 1, "pending": [MX2]}},
            {"at": "8d+5m", "do": "sync", "reason": "due during NXDOMAIN: stays",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": [], "emails": 0, "pending": [MX2]}},
            {"at": "8d+1h", "dns": d(MX1), "do": "sync", "reason": "back: removed",
             "expect": {"served": served("testing", [MX1]), "id": "new", "zone": "new",
                        "events": ["mx-recovered", "mx-removed"], "emails": 1,
                        "pending": []}},
        ],
    },
    {
        "id": "a_new_mx_seen_only_after_two_hours_of_timeouts",
        "zone": True,
        "why": "Timeouts tell and change nothing; the new MX is added with a new id at the "
               "first answer. Failures of two hours are not a day: no mx-failing and no "
               "mx-answering.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": "timeout", "do": "sync", "reason": "timeout",
             "expect": {"served": served("testing", [MX1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "1d+1h", "do": "sync", "reason": "timeout",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "1d+2h", "dns": d(MX1, MX2), "do": "sync", "reason": "answer: added",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mx-added"], "emails": 1}},
        ],
    },
    {
        "id": "a_day_of_timeouts_then_the_move_answers",
        "zone": True,
        "why": "Enforce; the MX lookups time out from 1d (the 12-hour mark tells nothing: 288 "
               "syncs in a row make the day); at 2d+5m told once (mx-failing, TIMEOUT). The "
               "first answer has moved to mx2: one email with the lookups answering again, "
               "mx2 added (new id) and mx1 leaving (10 Dec 2026, 18:00).",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": "timeout", "do": "sync", "reason": "timeout",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+12h", "do": "sync", "reason": "half a day: nothing",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "2d+5m", "do": "sync", "reason": "a day: told once",
             "expect": {"served": served("enforce", [MX1]), "id": "same", "zone": "none",
                        "events": ["mx-failing"], "emails": 1, "says": ["TIMEOUT"]}},
            {"at": "2d+6h", "dns": d(MX2), "do": "sync", "reason": "answers, moved",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mx-answering", "mx-added", "mx-leaving"], "emails": 1,
                        "says": ["10 Dec 2026, 18:00"], "pending": [MX1]}},
        ],
    },
    {
        "id": "max_age_raised_to_thirty_days_then_a_host_leaves",
        "zone": True,
        "why": "max_age raised to 30 days (new id: §3.3, the body changed): mx2 leaving at 1d "
               "stays listed for that max_age (1 Jan 2027, 12:00), not a week; then removed "
               "with a new id.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "settings", "form": {"max_age": 2592000}, "reason": "30 days",
             "expect": {"served": served("testing", [MX1, MX2], 2592000), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "1d", "dns": d(MX1), "do": "sync", "reason": "mx2 leaving",
             "expect": {"id": "same", "zone": "none", "events": ["mx-leaving"], "emails": 1,
                        "says": ["1 Jan 2027, 12:00"], "pending": [MX2]}},
            {"at": "8d+5m", "do": "sync", "reason": "a week on: still listed",
             "expect": {"served": served("testing", [MX1, MX2], 2592000), "id": "same",
                        "zone": "none", "events": [], "emails": 0, "pending": [MX2]}},
            {"at": "31d+5m", "do": "sync", "reason": "30 days on: removed",
             "expect": {"served": served("testing", [MX1], 2592000), "id": "new",
                        "zone": "new", "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "max_age_lowered_under_enforce_then_stop",
        "zone": True,
        "why": "Enforce with a week; max_age lowered to a day at 1d (new id); Stop at 2d: mode "
               "none is served until the week-long enforce copy fetched before 1d expires "
               "(9 Dec 2026, 12:00, §5.1 and §10), not a day from the stop; then released.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [MX1]), "id": "new", "zone": "new"}},
            {"at": "1d", "do": "settings", "form": {"max_age": 86400}, "reason": "a day",
             "expect": {"served": served("enforce", [MX1], 86400), "id": "new", "zone": "new",
                        "events": ["settings"], "emails": 0}},
            {"at": "2d", "do": "disable", "reason": "stop",
             "expect": {"served": served("none", [MX1], 86400), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["9 Dec 2026, 12:00"]}},
            {"at": "8d-5m", "do": "sync", "reason": "not yet",
             "expect": {"served": served("none", [MX1], 86400), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "8d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"],
                        "emails": 1}},
        ],
    },
    {
        "id": "stop_during_the_overlap_week_then_keep_hosting",
        "zone": True,
        "why": "Enforce; mx2 added, then mx1 out of DNS (listed until 10 Dec 2026, 12:00); Stop "
               "at 3d (none until 11 Dec 2026, 12:00), Keep hosting at 4d: enforce again with "
               "both hosts and a new id, every member told; mx1 still leaves on time, and "
               "nothing is released.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": d(MX1, MX2), "do": "sync", "reason": "mx2 added",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mx-added"], "emails": 1}},
            {"at": "2d", "dns": d(MX2), "do": "sync", "reason": "mx1 leaving",
             "expect": {"id": "same", "events": ["mx-leaving"], "emails": 1,
                        "says": ["10 Dec 2026, 12:00"], "pending": [MX1]}},
            {"at": "3d", "do": "disable", "reason": "stop",
             "expect": {"served": served("none", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["11 Dec 2026, 12:00"]}},
            {"at": "4d", "do": "enable", "reason": "keep hosting",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "new", "zone": "new",
                        "emails": 1, "pending": [MX1]}},
            {"at": "9d+5m", "do": "sync", "reason": "mx1 removed on time",
             "expect": {"served": served("enforce", [MX2]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
            {"at": "10d+5m", "do": "sync", "reason": "no release comes",
             "expect": {"served": served("enforce", [MX2]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
        ],
    },
    {
        "id": "testing_enforce_none_then_deleted",
        "zone": True,
        "why": "Enforce at 1d, none at 3d (new id), the domain deleted at 4d: mode none is "
               "already served, so no new id; it stays served until the enforce copy "
               "fetched before 3d expires (11 Dec 2026, 12:00, §8.3), no page left; then "
               "released (404, our TXT withdrawn; a detached policy goes with its events).",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", [MX1]), "id": "new", "zone": "new"}},
            {"at": "1d", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [MX1]), "id": "new", "zone": "new",
                        "events": ["mode"], "emails": 0}},
            {"at": "3d", "do": "set_mode", "mode": "none", "reason": "none",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "events": ["mode"], "emails": 0}},
            {"at": "4d", "do": "delete", "reason": "deleted",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "emails": 1, "message_says": ["11 Dec 2026, 12:00"],
                        "pages": {"alice": 404, "bob": 404}}},
            {"at": "10d-5m", "do": "sync", "reason": "not yet",
             "expect": {"served": served("none", [MX1]), "zone": "none", "emails": 0}},
            {"at": "10d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "the_id_changes_exactly_when_the_body_does",
        "zone": True,
        "why": "§3.3: the id names the policy text. The same mode again, a live MX typed "
               "again under extra, and a sync with no change leave body and id alone; a "
               "max_age change and its undoing each give a new id (never an old one back). "
               "mx1, typed under extra, leaving the MX stays listed and is told so; nothing "
               "is removed later.",
        "corrected": "expected no pending removal for mx1 after it left; the product keeps one "
                     "on purpose (should the owner take the pattern out, it still waits for "
                     "max_age), which is internal: what the owner reads is. The leaving event "
                     "says it stays in the policy (held), but the hosting page listed it "
                     "under 'Leaving the policy ... after 12 Dec 2026': the product, fixed "
                     "(HostedPolicy.leaving_times, tests/test_hosting_s33h.py fails without "
                     "it); the row now reads the page, not the internal field.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "testing", "reason": "same mode",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "emails": 0}},
            {"at": "2h", "do": "settings", "form": {"extra": MX1}, "reason": "mx1 typed",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "emails": 0}},
            {"at": "1d", "do": "sync", "reason": "no change",
             "expect": {"id": "same", "zone": "none", "events": [], "emails": 0}},
            {"at": "2d", "do": "settings", "form": {"max_age": 1209600}, "reason": "14 days",
             "expect": {"served": served("testing", [MX1, MX2], 1209600), "id": "new",
                        "zone": "new", "events": ["settings"], "emails": 0}},
            {"at": "3d", "do": "settings", "form": {"max_age": 604800}, "reason": "back",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["settings"], "emails": 0}},
            {"at": "4d", "dns": d(MX2), "do": "sync", "reason": "mx1 left, typed: stays",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "emails": 1, "says": ["stays in the policy"],
                        "page_not_says": ["Leaving the policy"]}},
            {"at": "30d", "do": "sync", "reason": "nothing removed",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
        ],
    },
    {
        "id": "three_name_servers_in_turn",
        "zone": True,
        "why": "Three name servers answer mx1+mx2, mx1, mx1+mx3 in turn. The first changes "
               "are told as they happen (mx3 added at once, new id); the second return "
               "within 12 hours is one mx-flapping email naming the 3 answers; later flips "
               "recorded only; once mx1+mx2 held 12 hours, mx-stable with mx3's removal "
               "time from its last departure (8 Dec 2026, 12:30); then mx3 removed.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new"}},
            {"at": "5m", "dns": d(MX1), "do": "sync", "reason": "B: mx2 leaving",
             "expect": {"id": "same", "zone": "none", "events": ["mx-leaving"], "emails": 1,
                        "pending": [MX2]}},
            {"at": "10m", "dns": d(MX1, MX3), "do": "sync", "reason": "C: mx3 added",
             "expect": {"served": served("testing", [MX1, MX2, MX3]), "id": "new",
                        "zone": "new", "events": ["mx-added"], "emails": 1,
                        "pending": [MX2]}},
            {"at": "15m", "dns": d(MX1, MX2), "do": "sync", "reason": "A back: told",
             "expect": {"id": "same", "zone": "none", "events": ["mx-back", "mx-leaving"],
                        "emails": 1, "pending": [MX3]}},
            {"at": "20m", "dns": d(MX1), "do": "sync", "reason": "B again: flapping",
             "expect": {"id": "same", "zone": "none", "events": ["mx-flapping", "mx-leaving"],
                        "emails": 1, "says": ["3 different answers"],
                        "pending": [MX2, MX3]}},
            {"at": "25m", "dns": d(MX1, MX3), "do": "sync", "reason": "C: recorded only",
             "expect": {"id": "same", "zone": "none", "events": ["mx-back"], "emails": 0,
                        "pending": [MX2]}},
            {"at": "30m", "dns": d(MX1, MX2), "do": "sync", "reason": "A: recorded only",
             "expect": {"id": "same", "zone": "none", "events": ["mx-back", "mx-leaving"],
                        "emails": 0, "pending": [MX3], "page_says": ["out of sync"]}},
            {"at": "6h", "do": "sync", "reason": "holding",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "12h+35m", "do": "sync", "reason": "held 12 hours: stable",
             "expect": {"served": served("testing", [MX1, MX2, MX3]), "id": "same",
                        "zone": "none", "events": ["mx-stable"], "emails": 1,
                        "says": ["8 Dec 2026, 12:30"], "pending": [MX3]}},
            {"at": "7d+40m", "do": "sync", "reason": "mx3 removed",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "timeouts_hold_back_the_stable_email",
        "zone": True,
        "why": "A flap (mx1+mx2 / mx1), then 12 hours and more of timeouts: no mx-stable "
               "while lookups fail; the 12 hours count from the first answer after them "
               "(13h), so mx-stable comes at 25h, with mx2's removal time from its last "
               "departure (8 Dec 2026, 12:15).",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "5m", "dns": d(MX1), "do": "sync", "reason": "leaving: told",
             "expect": {"events": ["mx-leaving"], "emails": 1}},
            {"at": "10m", "dns": d(MX1, MX2), "do": "sync", "reason": "back: told",
             "expect": {"events": ["mx-back"], "emails": 1}},
            {"at": "15m", "dns": d(MX1), "do": "sync", "reason": "flapping",
             "expect": {"id": "same", "events": ["mx-flapping", "mx-leaving"], "emails": 1,
                        "pending": [MX2]}},
            {"at": "20m", "dns": "timeout", "do": "sync", "reason": "timeout",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "12h+20m", "do": "sync", "reason": "still timing out: no stable",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "13h", "dns": d(MX1), "do": "sync", "reason": "answers: the clock starts",
             "expect": {"id": "same", "events": [], "emails": 0, "pending": [MX2]}},
            {"at": "24h+55m", "do": "sync", "reason": "not 12 hours of answers yet",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "25h+5m", "do": "sync", "reason": "stable",
             "expect": {"served": served("testing", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": ["mx-stable"], "emails": 1, "says": ["8 Dec 2026, 12:15"],
                        "pending": [MX2]}},
        ],
    },
    {
        "id": "release_comes_while_mx_lookups_fail",
        "zone": True,
        "why": "Stop at 1h (none until 8 Dec 2026, 13:00); SERVFAIL from 1d on: while hosting "
               "winds down a day of failures is not told; the release does not wait for an "
               "answer (it needs none: mode none is served).",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "disable", "reason": "stop",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["8 Dec 2026, 13:00"]}},
            {"at": "1d", "dns": "servfail", "do": "sync", "reason": "failing",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "3d", "do": "sync", "reason": "two days: winding down, not told",
             "expect": {"served": served("none", [MX1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "7d+2h", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"],
                        "emails": 1}},
        ],
    },
    {
        "id": "who_hears_after_a_one_click_unsubscribe",
        "zone": True,
        "why": "bob follows the one-click unsubscribe for example.org (RFC 8058): hosting "
               "notices stop for him, alice still hears; choosing 'at once' again on the "
               "Alerts page brings them back.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new", "emails": 0}},
            {"at": "1h", "unsubscribe": "bob", "dns": d(MX1, MX2), "do": "sync",
             "reason": "new MX",
             "expect": {"events": ["mx-added"], "emails": 1,
                        "emails_to": {"bob": 0, "alice": 1}}},
            {"at": "1d", "dns": d(MX1), "do": "sync", "reason": "leaving",
             "expect": {"events": ["mx-leaving"], "emails": 1,
                        "emails_to": {"bob": 0, "alice": 1}}},
            {"at": "2d", "alert_mode": {"bob": "immediate"}, "dns": d(MX1, MX2, MX3),
             "do": "sync", "reason": "back on",
             "expect": {"emails": 1, "emails_to": {"bob": 1, "alice": 1}}},
        ],
    },
    {
        "id": "a_new_mx_while_winding_down",
        "zone": True,
        "why": "Stop under enforce at 1d (none until 9 Dec 2026, 12:00); an MX added at 2d is "
               "still followed (the none text lists it, a new id, told) and the release "
               "date does not move.",
        "steps": [
            {"at": "0", "dns": d(MX1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "do": "disable", "reason": "stop",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "events": ["disabling"], "emails": 1, "says": ["9 Dec 2026, 12:00"]}},
            {"at": "2d", "dns": d(MX1, MX2), "do": "sync", "reason": "added to the none text",
             "expect": {"served": served("none", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mx-added"], "emails": 1}},
            {"at": "8d-5m", "do": "sync", "reason": "not yet",
             "expect": {"served": served("none", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "8d+5m", "do": "sync", "reason": "released",
             "expect": {"served": "404", "zone": "withdrawn", "events": ["released"],
                        "emails": 1}},
        ],
    },
    {
        "id": "google_records_deleted_before_microsofts_are_added",
        "zone": True,
        "why": "Enforce on Google; the admin deletes the MX records first (no MX, no address: "
               "nobody receives the mail) and adds Microsoft's half an hour later. The "
               "empty answer is told once and changes nothing; the answer back is told "
               "with Microsoft added (new id) and Google leaving (9 Dec 2026, 12:30), one "
               "email.",
        "steps": [
            {"at": "0", "dns": d(G1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [G1]), "id": "new", "zone": "new"}},
            {"at": "1d", "dns": "nodata", "do": "sync", "reason": "no MX: told",
             "expect": {"served": served("enforce", [G1]), "id": "same", "zone": "none",
                        "events": ["mx-unusable"], "emails": 1, "pending": []}},
            {"at": "1d+30m", "dns": d(MS), "do": "sync", "reason": "Microsoft",
             "expect": {"served": served("enforce", [G1, MS]), "id": "new", "zone": "new",
                        "events": ["mx-recovered", "mx-added", "mx-leaving"], "emails": 1,
                        "says": ["9 Dec 2026, 12:30"], "pending": [G1]}},
            {"at": "8d+35m", "do": "sync", "reason": "Google removed",
             "expect": {"served": served("enforce", [MS]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "max_age_change_with_a_plain_txt",
        "why": "A plain TXT owner raises max_age: the body changes, so a new id, and the one "
               "email gives the exact record to publish; once published nothing more.",
        "steps": [
            {"at": "0", "dns": d(MX1), "do": "enable", "reason": "start",
             "expect": {"id": "new"}},
            {"at": "5m", "sts": "current", "do": "sync", "reason": "in place",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d", "do": "settings", "form": {"max_age": 1209600}, "reason": "14 days",
             "expect": {"served": served("testing", [MX1], 1209600), "id": "new",
                        "events": ["settings", "record"], "emails": 1,
                        "email_says": ['_mta-sts.example.org TXT "v=STSv1; id={id};"']}},
            {"at": "1d+5m", "do": "sync", "reason": "stale, told already",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+10m", "sts": "current", "do": "sync", "reason": "published",
             "expect": {"id": "same", "events": [], "emails": 0}},
        ],
    },
    {
        "id": "microsoft_added_during_a_servfail_morning",
        "zone": True,
        "why": "Enforce on Google; SERVFAIL for a few hours while the admin adds Microsoft: "
               "nothing changes or is told until an answer; then Microsoft is added at "
               "once with a new id (no mx-answering: failures of hours are no day).",
        "steps": [
            {"at": "0", "dns": d(G1, G2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": "servfail", "do": "sync", "reason": "failing",
             "expect": {"served": served("enforce", [G2, G1]), "id": "same", "zone": "none",
                        "events": [], "emails": 0}},
            {"at": "1d+4h", "do": "sync", "reason": "still failing",
             "expect": {"id": "same", "events": [], "emails": 0}},
            {"at": "1d+5h", "dns": d(G1, G2, MS), "do": "sync", "reason": "answers",
             "expect": {"served": served("enforce", [G2, G1, MS]), "id": "new", "zone": "new",
                        "events": ["mx-added"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "moved_to_microsoft_and_back_within_the_week",
        "zone": True,
        "why": "Enforce on Google; moved to Microsoft at 1d (added, Google leaving: one "
               "email), moved back at 3d (Google back, its removal cancelled; Microsoft "
               "leaving until 11 Dec 2026, 12:00): told as it happens; Google is never "
               "removed, Microsoft is at its time with a new id.",
        "steps": [
            {"at": "0", "dns": d(G1), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": d(MS), "do": "sync", "reason": "to Microsoft",
             "expect": {"served": served("enforce", [G1, MS]), "id": "new", "zone": "new",
                        "events": ["mx-added", "mx-leaving"], "emails": 1, "pending": [G1]}},
            {"at": "3d", "dns": d(G1), "do": "sync", "reason": "back to Google",
             "expect": {"served": served("enforce", [G1, MS]), "id": "same", "zone": "none",
                        "events": ["mx-back", "mx-leaving"], "emails": 1,
                        "says": ["11 Dec 2026, 12:00"], "pending": [MS]}},
            {"at": "8d+5m", "do": "sync", "reason": "Google's old due time: nothing",
             "expect": {"served": served("enforce", [G1, MS]), "id": "same", "zone": "none",
                        "events": [], "emails": 0, "pending": [MS]}},
            {"at": "10d+5m", "do": "sync", "reason": "Microsoft removed",
             "expect": {"served": served("enforce", [G1]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "enforce_while_a_departure_is_pending",
        "zone": True,
        "why": "mx2 leaves at 1d (until 9 Dec 2026, 12:00); enforce at 2d changes the body "
               "(new id) and keeps mx2 listed: senders holding either copy still deliver "
               "there; mx2 removed at its time, not a max_age from the mode change.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1d", "dns": d(MX1), "do": "sync", "reason": "mx2 leaving",
             "expect": {"events": ["mx-leaving"], "emails": 1, "says": ["9 Dec 2026, 12:00"],
                        "pending": [MX2]}},
            {"at": "2d", "do": "set_mode", "mode": "enforce", "reason": "enforce",
             "expect": {"served": served("enforce", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mode"], "emails": 0, "pending": [MX2]}},
            {"at": "8d+5m", "do": "sync", "reason": "mx2 removed",
             "expect": {"served": served("enforce", [MX1]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
    {
        "id": "a_host_leaves_under_mode_none",
        "zone": True,
        "why": "Mode none (from testing at 1h: senders drop the testing copy at the new id); "
               "mx2 leaves at 1d and is removed a max_age later (9 Dec 2026, 12:00) with a new "
               "id, as under any mode: the none text follows the MX too.",
        "steps": [
            {"at": "0", "dns": d(MX1, MX2), "sts": "cname", "do": "enable", "reason": "start",
             "expect": {"id": "new", "zone": "new"}},
            {"at": "1h", "do": "set_mode", "mode": "none", "reason": "none",
             "expect": {"served": served("none", [MX1, MX2]), "id": "new", "zone": "new",
                        "events": ["mode"], "emails": 0}},
            {"at": "1d", "dns": d(MX1), "do": "sync", "reason": "mx2 leaving",
             "expect": {"served": served("none", [MX1, MX2]), "id": "same", "zone": "none",
                        "events": ["mx-leaving"], "emails": 1, "says": ["9 Dec 2026, 12:00"],
                        "pending": [MX2]}},
            {"at": "8d+5m", "do": "sync", "reason": "removed",
             "expect": {"served": served("none", [MX1]), "id": "new", "zone": "new",
                        "events": ["mx-removed"], "emails": 1, "pending": []}},
        ],
    },
]
# fmt: on


class S33hHistories(s32g.S32gHistories):
    """s32g's player (s32h's with delete/add/verify), with the one-click unsubscribe and the
    id-follows-the-body check on every step."""

    def play_step26(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        if "unsubscribe" in step:
            who = getattr(self, step["unsubscribe"])
            r = Client().post(unsubscribe_url(who, self.domain), {"List-Unsubscribe": "One-Click"})
            assert r.status_code in (200, 302), f"{where}: unsubscribe {r.status_code}"
        before = self.policy()
        status, body = self.served()
        super().play_step26(step, state, ids, where)
        after = self.policy()
        status_after, body_after = self.served()
        if before is None or after is None or status != 200 or status_after != 200:
            return
        body_changed = body != body_after
        id_changed = before.policy_id != after.policy_id
        assert body_changed == id_changed, (
            f"{where}: body {'changed' if body_changed else 'same'} but id "
            f"{'changed' if id_changed else 'same'}"
        )


s12.add_round_tests(S33hHistories, CASES, earlier=s32g.S32gHistories)


# --- alerts over the same histories ---------------------------------------------------------

OLD = s32ha.OLD  # a checks release before the current one
BOTH = {"mx1": {"v4": "good"}, "mx2": {"v4": "good"}}

WORLDS: dict[str, Any] = {
    "good": {},
    "bad": {"mx": {"mx1": {"v4": "expired"}}},
    "timeout": {"mx": {"mx1": {"v4": "timeout"}}},
    "refused": {"mx": {"mx1": {"v4": "refused"}}},
    # A migration seen by the domain check: the new provider's mx2 beside mx1, both listed;
    # mx1 gone from the MX, still listed while it leaves; the policy listing mx2 only.
    "both": {"mx": BOTH, "patterns": ["mx1", "mx2"]},
    "moved": {"mx": {"mx2": {"v4": "good"}}, "patterns": ["mx1", "mx2"]},
    "moved-done": {"mx": {"mx2": {"v4": "good"}}, "patterns": ["mx2"]},
    # A self-hosted enforce policy left behind: mx2 in the MX, not in the policy.
    "uncovered": {"mx": BOTH, "patterns": ["mx1"]},
    "both-mx2-bad": {"mx": {"mx1": {"v4": "good"}, "mx2": {"v4": "expired"}},
                     "patterns": ["mx1", "mx2"]},
    "old-good": {"release": OLD},
}  # fmt: skip

BOTH_ALERT = [["alice", "alert", []], ["bob", "alert", []]]
BOTH_FIXED = [["alice", "fixed", ["fixed"]], ["bob", "fixed", ["fixed"]]]

SEQUENCES: list[dict[str, Any]] = [
    {
        "id": "Z01",
        "title": "mx1 flaps: expired on a check, the re-check times out, expired on the next "
        "check, good on its re-check; good after",
        "why": "nothing on one run's word and a timeout confirms nothing: the re-check that "
        "could look disagrees, so no alarm",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
            ["run", "good", "s"],
        ],
        "emails": [],
    },
    {
        "id": "Z02",
        "title": "mx1 expired on a check, the re-check times out, expired on the next check "
        "and on its re-check, and on the next",
        "why": "a regression confirmed by a re-check that could look: told once",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
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
        "id": "Z03",
        "title": "mx1's expiry told; renewed on a check whose re-check times out, renewed "
        "on the next whose re-check sees it expired, then renewed on a check and its "
        "re-check",
        "why": "a fix is told once, only when a re-check that could look agrees",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "Z04",
        "title": "mx1 refuses connections on a check, good on its re-check; refuses again, "
        "the re-check times out, good on the next check and its re-check",
        "why": "a refused connection is a failure, but unconfirmed it is no alert",
        "steps": [
            ["run", "good", "s"],
            ["run", "refused", "s"],
            ["run", "good", "c"],
            ["run", "refused", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [],
    },
    {
        "id": "Z05",
        "title": "mx1's expiry told; renewed (confirmed); good on four more checks and re-checks",
        "why": "the recovery email once",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "Z06",
        "title": "a hosted migration as the check sees it: mx2 added beside mx1 (both "
        "listed), mx1 gone from the MX while still listed, then the policy lists mx2 alone",
        "why": "every MX stays covered and valid at every step: no regression, nothing told",
        "steps": [
            ["run", "good", "s"],
            ["run", "both", "s"],
            ["run", "both", "c"],
            ["run", "moved", "s"],
            ["run", "moved", "c"],
            ["run", "moved-done", "s"],
            ["run", "moved-done", "c"],
        ],
        "emails": [],
    },
    {
        "id": "Z07",
        "title": "a self-hosted enforce policy left behind: mx2 joins the MX without being "
        "listed (a check and its re-check), then the policy lists it",
        "why": "the MX set leaving the MTA-STS policy is told once confirmed, and its fix "
        "once confirmed",
        "steps": [
            ["run", "good", "s"],
            ["run", "uncovered", "s"],
            ["run", "uncovered", "c"],
            ["run", "both", "s"],
            ["run", "both", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "Z08",
        "title": "alice has a.test on 'No emails', bob unsubscribed from a.test by its "
        "one-click link; a.test's mx1 expires (confirmed), then b.test's; a.test renewed",
        "why": "per-domain settings and the unsubscribe honoured: a.test told to nobody (so "
        "its fix neither), b.test to both",
        "steps": [
            ["mode", "alice", "a.test", "off"],
            ["unsubscribe", "bob", "a.test"],
            ["run", "good", "s"],
            ["run", "good", "s", "b.test"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s", "b.test"],
            ["run", "bad", "c", "b.test"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.b.test"]],
            ["bob", "alert", [], ["mx1.b.test"]],
        ],
    },
    {
        "id": "Z09",
        "title": "mx1's expiry told to alice and bob; bob unsubscribes from a.test by the "
        "alert's one-click link; renewed (confirmed)",
        "why": "after the unsubscribe bob gets nothing about a.test, its fix included",
        "steps": [
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["unsubscribe", "bob", "a.test"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, ["alice", "fixed", ["fixed"]]],
    },
    {
        "id": "Z10",
        "title": "a deploy: the old release passed; the new release's first check (and its "
        "re-check) see mx1 refuse connections; then good twice; then mx1 expired on a check "
        "and its re-check",
        "why": "the first run of a new release is the reference: nothing told of it, its "
        "later pass fixes nothing anyone was told; a regression after it is told as ever",
        "steps": [
            ["run", "old-good", "s"],
            ["run", "old-good", "s"],
            ["run", "refused", "s"],
            ["run", "refused", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "Z11",
        "title": "in the overlap week the new provider's mx2 serves an expired certificate "
        "(a check and its re-check)",
        "why": "a listed MX failing is a regression whatever the migration: told once, naming mx2",
        "steps": [
            ["run", "good", "s"],
            ["run", "both", "s"],
            ["run", "both", "c"],
            ["run", "both-mx2-bad", "s"],
            ["run", "both-mx2-bad", "c"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx2.a.test"]],
            ["bob", "alert", [], ["mx2.a.test"]],
        ],
    },
]

DATA = {"worlds": WORLDS, "sequences": SEQUENCES}


class S33hBlindSequencesTestCase(s32ha.S32hBlindSequencesTestCase):
    """s32h's alerts player with this round's worlds and sequences."""

    DATA = DATA


def test_the_round_has_what_the_brief_asks() -> None:
    assert 30 <= len(CASES) + len(SEQUENCES) <= 40
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert len({s["id"] for s in SEQUENCES}) == len(SEQUENCES)
    assert all(
        w in WORLDS for s in SEQUENCES for st in s["steps"] if st[0] == "run" for w in st[1:2]
    )
    assert timedelta(0) == s12.offset("0")
