"""Round s39d blind histories (below, written and committed before any was run): what the
eight earlier alert rounds (s17, s23a, s24a, s25a, s26a, s32h, s36b, s38d) left out. A check
flapping pass / could-not-check / fail across runs (nothing held at any re-check; two
sightings around untested re-checks and a scheduled timeout between them); the MX set replaced
between a suspicion and its re-check; a certificate renewed between its suspicion and the
re-check (at the 7-day mark; an expired one renewed with a certificate that is itself close to
its end); a domain deleted while its confirmed alert waits unsent, then added again; a domain
moved to another team while its confirmed alert waits unsent; "unsubscribe from all" and a
digest default for domains added later; another team holding the same name unverified; TLS
reports on the UTC day's boundary (a reader in Los Angeles, a day still to come, a day too
old, a day's rate made of reports arriving either side of midnight); a failure type seen
before under another policy-domain, or on another domain of the team; a burst of 60 reports;
a member who left before the report's problem ended; a type that pauses for three days; the
harness's clock going backwards between a suspicion and its re-check, and after a digest; a
worker retried (the re-check task twice, the run observed twice, the send task twice; a
report evaluated twice and delivered twice).

Written from docs/webapp.md (Alerts), docs/reports.md (6. Alerts) and the brief: an alert on
a regression needs a confirmed re-probe, "could not check" is never a failure, no false
alarms, repeats suppressed.

The player is s38d's (tests/test_alerts_s38d_blind.py: s36b's with "move" and "absent_in")
with these steps of its own: "back" (the clock goes back some minutes: a worker whose clock is
behind), "unsubscribe_all" (the person's one-click link of "every domain"), "default" (the
person's mode for domains added to the team later), "claim_unverified" (charlie's team adds the
name and never proves control), "report_about" (a report at a domain's address whose policy
is about another domain), "deliver" (a report through the intake: its raw bytes, the parse task and the alert task),
"reevaluate" (every stored report's alert task run again),
"reobserve" (the domain's latest run observed again, as a retried check task would), "resend"
(every notification's send task run again, as a redelivered task would). Rows with "planted"
are deliberately wrong and must keep failing.

Results (expectations committed in 3116bd2b before any ran): 19 of the 21 held as written
(H21's harness step changed in 25845a15 to deliver its report through the intake, emails
unchanged). Two were product defects, kept as written and fixed with failing-first tests in
tests/test_alerts_s39d.py: H04 (a 21-day warning suspected at 8 days left, its re-check lost,
was confirmed a day later at 6.9 days left, "expires in 8 days", and told fixed at the
renewal), fixed in b43f9651 (rules.threshold_passed); H05 (the re-check confirmed STARTTLS's
warning and the score on its own word, for a certificate it saw first, and the 7-day warning
came in a second email), fixed in 5eebea44 (AlertState._cause_gone): one email each now; its
subject led with STARTTLS rather than the certificate until the lead ordered a certificate's
threshold before the mechanism it rolls up into (CHANGE_ORDER, as docs/webapp.md says). The three planted rows failed as wrong expectations (N01: the flap told nothing; N02:
one email each, not two; N03: the report of a day to come told nothing) and stay planted,
asserted to keep failing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.core import mail
from django.test import Client

import tests.test_alerts_s36b_blind as s36b
import tests.test_alerts_s38d_blind as s38d
from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertSetting, AlertState, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from reports.alerts import evaluate_report
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import parse_report
from reports.tasks import alert_on_report, parse_raw_report
from tests.test_reports_alerts import report as tls_report

SENDER = s36b.SENDER
ENDS_9DEC = s38d.ENDS_9DEC  # 9 Dec 06:30 UTC: 7 days left at 2 Dec 06:30
ENDS_6DEC = "cert:2026-12-06T06:30:00+00:00"  # about 5 days left on 1 Dec


def _mx(**hosts: str) -> dict[str, Any]:
    return {h: {"v4": state} for h, state in hosts.items()}


WORLDS: dict[str, Any] = {
    "good": {},
    "bad": {"mx": _mx(mx1="expired")},
    "timeout": {"mx": _mx(mx1="timeout")},
    "ends-9dec": {"mx": _mx(mx1=ENDS_9DEC)},
    "ends-6dec": {"mx": _mx(mx1=ENDS_6DEC)},
    # The enforced policy names mx1 and mx2; the MX records mx1 alone (good or expired), or
    # mx2 alone (good): the MX host replaced.
    "pat2": {"patterns": ["mx1", "mx2"]},
    "pat2-bad": {"mx": _mx(mx1="expired"), "patterns": ["mx1", "mx2"]},
    "pat2-mx2": {"mx": _mx(mx2="good"), "patterns": ["mx1", "mx2"]},
}

BOTH_ALERT = [["alice", "alert", []], ["bob", "alert", []]]
BOTH_FIXED = [["alice", "fixed", ["fixed"]], ["bob", "fixed", ["fixed"]]]
BOTH_LOST = s38d.BOTH_LOST
CE = ["certificate-expired"]


def _both_report(*words: str) -> list[list[Any]]:
    return [["alice", "report", list(words)], ["bob", "report", list(words)]]


def _burst(back: int, first: int) -> list[list[Any]]:
    """60 reports of one day from 60 senders, each with 2 certificate-expired sessions of
    10,000-odd (distinct report ids: the counts differ)."""
    return [
        ["report_n", "a.test", CE, 10_000 + i, 2, back, f"Sender {first + i} Mail"]
        for i in range(60)
    ]


def _clean_days(first: date, days: int, org: str = SENDER) -> list[list[Any]]:
    """One clean report a day (1,000 sessions, no failure), each arriving the next morning."""
    steps: list[list[Any]] = []
    for k in range(days):
        day = first + timedelta(days=k)
        steps.append(["at", f"{day + timedelta(days=1)}T06:00:00+00:00"])
        steps.append(["report_n", "a.test", [], 1000, 0, day.isoformat(), org])
    return steps


TOLD_PAIR = [["run", "good", "s"], ["run", "good", "s"], ["run", "bad", "s"], ["run", "bad", "c"]]

SEQUENCES: list[dict[str, Any]] = [
    # --- flapping across pass, could not check and fail -----------------------------------
    {
        "id": "H01",
        "title": "mx1 flaps: good, expired, timeout (re-check), good, expired, good (re-check), "
        "timeout, good",
        "why": "no re-check ever saw the failure again and no two checks in a row saw it: "
        "nothing is told (no false alarm); the timeouts decide nothing",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
            ["run", "timeout", "s"],
            ["run", "good", "s"],
        ],
        "emails": [],
    },
    {
        "id": "H02",
        "title": "mx1 expired on a check; its re-check times out; the next scheduled check "
        "times out; the one after sees it expired and its re-check times out; then expired "
        "(check, re-check); renewed (check, re-check)",
        "why": "the two checks that saw it, with only untested re-checks and a timeout between, "
        "confirm it: told once, never again while it lasts; its fix told once",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "timeout", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [
            ["alice", "alert", [], ["mx1.a.test"]],
            ["bob", "alert", [], ["mx1.a.test"]],
            *BOTH_FIXED,
        ],
    },
    # --- the MX set or the certificate changes before the re-check --------------------------
    {
        "id": "H03",
        "title": "the policy names mx1 and mx2; a check sees mx1's certificate expired; before "
        "its re-check the MX records are changed to mx2 alone (good); checks go on so",
        "why": "what the re-check does not repeat is told to nobody: mx1 no longer receives "
        "mail, mx2 is fine",
        "steps": [
            ["run", "pat2", "s"],
            ["run", "pat2", "s"],
            ["run", "pat2-bad", "s"],
            ["run", "pat2-mx2", "c"],
            ["run", "pat2-mx2", "s"],
            ["run", "pat2-mx2", "c"],
        ],
        "emails": [],
    },
    {
        "id": "H04",
        "title": "mx1's certificate ends 9 Dec 06:30; on 2 Dec 08:00 a check sees 7 days left; "
        "before its re-check it is renewed (a certificate good for months); checks go on so",
        "why": "the renewal came before the re-check: the 7-day warning is not confirmed and "
        "told to nobody; the 21-day mark was behind the first check (its reference)",
        "steps": [
            ["run", "ends-9dec", "s"],
            ["run", "ends-9dec", "s"],
            ["at", "2026-12-02T08:00:00+00:00"],
            ["run", "ends-9dec", "s"],
            ["run", "good", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [],
    },
    {
        "id": "H05",
        "title": "a check sees mx1's certificate expired; before its re-check it is replaced by "
        "a 90-day certificate with 5 days left (ends 6 Dec 06:30); checks go on with it",
        "why": "the expiry is not confirmed (the re-check saw another, valid certificate); the "
        "new certificate's 7-day mark is a real warning, told once after a re-check agrees, "
        "as 'expires', not as expired",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "ends-6dec", "c"],
            ["run", "ends-6dec", "s"],
            ["run", "ends-6dec", "c"],
            ["run", "ends-6dec", "s"],
        ],
        "emails": [["alice", "alert", ["expires"]], ["bob", "alert", ["expires"]]],
    },
    # --- the domain leaves while its confirmed alert waits ----------------------------------
    {
        "id": "H06",
        "title": "mx1's expiry confirmed, its emails still waiting; a.test is removed from the "
        "team before they go; added again (and verified), still expired (checks and a "
        "re-check), then renewed (check, re-check)",
        "why": "an alert still waiting goes with the domain, unsent; nobody was told, so the "
        "name added again starts afresh (its first check is the reference) and no fix is told",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["hold"],
            ["run", "bad", "c"],
            ["remove_domain", "a.test"],
            ["release"],
            ["add_domain", "a.test"],
            ["run", "bad", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [],
    },
    {
        "id": "H07",
        "title": "mx1's expiry confirmed, its emails still waiting; charlie's team proves "
        "control of a.test before they go",
        "why": "the domain left alice's team's monitoring (its alerts stop): alice and bob get "
        "the 'no longer verified' email, not the waiting alert",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["hold"],
            ["run", "bad", "c"],
            ["move", "a.test"],
            ["release"],
        ],
        "emails": BOTH_LOST,
    },
    # --- recipients' preferences and another team ---------------------------------------------
    {
        "id": "H08",
        "title": "alice unsubscribes from all (her one-click link); c.test is added later; "
        "c.test's mx1 expires (check, re-check)",
        "why": "'unsubscribe from all' covers domains added later: only bob is told",
        "steps": [
            ["unsubscribe_all", "alice"],
            ["add_domain", "c.test"],
            ["run", "good", "s", "c.test"],
            ["run", "good", "s", "c.test"],
            ["run", "bad", "s", "c.test"],
            ["run", "bad", "c", "c.test"],
        ],
        "emails": [["bob", "alert", ["c.test"]]],
    },
    {
        "id": "H09",
        "title": "alice's mode for domains added later is the daily digest; c.test is added; "
        "its mx1 expires (confirmed 06:44); the hourly digest task runs to 08:44",
        "why": "the domain added later starts in the digest for alice (one digest at 07:00, "
        "naming c.test's host), at once for bob; a.test (added before) stays at once for "
        "both but has nothing",
        "steps": [
            ["default", "alice", "digest"],
            ["add_domain", "c.test"],
            ["run", "good", "s", "c.test"],
            ["run", "good", "s", "c.test"],
            ["run", "bad", "s", "c.test"],
            ["run", "bad", "c", "c.test"],
            ["digest_hourly", 2],
        ],
        "emails": [
            ["bob", "alert", ["c.test"]],
            ["alice", "digest", ["Daily digest"], ["mx1.c.test"]],
        ],
        "digest_hours": [7],
    },
    {
        "id": "H10",
        "title": "charlie's team adds a.test too and never proves control; alice's a.test's "
        "mx1 expires (check, re-check); a TLS report for a.test shows certificate-expired",
        "why": "only the team that verified the name hears of it; charlie's unverified row is "
        "monitored for nobody",
        "steps": [
            ["claim_unverified", "a.test"],
            *TOLD_PAIR,
            ["report_n", "a.test", CE, 1000, 10, 1, SENDER],
        ],
        "emails": [*BOTH_ALERT, *_both_report("certificate-expired")],
        "absent": [["charlie", ["a.test"]]],
    },
    # --- TLS reports and the UTC day --------------------------------------------------------
    {
        "id": "H11",
        "title": "alice lives in Los Angeles (still 1 Dec there); at 2 Dec 00:05 UTC a report "
        "of 1 Dec shows certificate-expired; then a report of 3 Dec (a day still to come) "
        "shows starttls-not-supported; then one of 23 Nov (9 days old) validation-failure",
        "why": "the report day is the UTC day, in the subject for everyone; a day still to come "
        "and a day older than the 7 days open nothing",
        "steps": [
            ["at", "2026-12-02T00:05:00+00:00"],
            ["zone", "alice", "America/Los_Angeles"],
            ["report_n", "a.test", CE, 1000, 10, "2026-12-01", SENDER],
            ["report_n", "a.test", ["starttls-not-supported"], 1000, 10, "2026-12-03", SENDER],
            ["report_n", "a.test", ["validation-failure"], 1000, 10, "2026-11-23", SENDER],
        ],
        "emails": _both_report("certificate-expired", "2026-12-01"),
    },
    {
        "id": "H12",
        "title": "one sender's report of 1 Dec (3% failed, certificate-expired) arrives at "
        "23:50 UTC that day; another sender's report of 1 Dec (10% failed, the same type) "
        "arrives at 00:10 UTC on 2 Dec",
        "why": "the first is a new type (one alert each); the second makes 1 Dec's rate 6.5%, "
        "above 5%: a failure-rate alert for 1 Dec each, although it arrived on 2 Dec",
        "steps": [
            ["at", "2026-12-01T23:50:00+00:00"],
            ["report_n", "a.test", CE, 970, 30, "2026-12-01", SENDER],
            ["at", "2026-12-02T00:10:00+00:00"],
            ["report_n", "a.test", CE, 900, 100, "2026-12-01", "Other Sender Ltd."],
        ],
        "emails": [
            *_both_report("certificate-expired", "2026-12-01"),
            *_both_report("of TLS sessions failed", "2026-12-01"),
        ],
    },
    {
        "id": "H13",
        "title": "a report at a.test's address about another domain (policy-domain other.test) "
        "shows certificate-expired; later the same day a report about a.test shows it",
        "why": "a report about another domain counts in none of a.test's figures: the type is "
        "new for a.test when its own report shows it, told once",
        "steps": [
            ["report_about", "a.test", "other.test", CE, 1000, 10, 1, SENDER],
            ["report_n", "a.test", CE, 1001, 10, 1, "Other Sender Ltd."],
        ],
        "emails": _both_report("certificate-expired", "a.test"),
    },
    {
        "id": "H14",
        "title": "b.test's reports show certificate-expired (told); the next report, a.test's, "
        "shows certificate-expired too",
        "why": "a failure type is new per domain: a.test's is told as well, each in its own "
        "email naming its domain",
        "steps": [
            ["report_n", "b.test", CE, 1000, 10, 1, SENDER],
            ["report_n", "a.test", CE, 1002, 10, 1, SENDER],
        ],
        "emails": [
            *_both_report("certificate-expired", "b.test"),
            *_both_report("certificate-expired", "a.test"),
        ],
    },
    {
        "id": "H15",
        "title": "a burst: 60 senders' reports of one day each show 2 certificate-expired "
        "sessions; the next day 60 more",
        "why": "one new type, one alert each, whatever the number of reports; the rate stays "
        "far under 5%; the next day's reports are the same open change: nothing more",
        "steps": [
            *_burst(1, 0),
            ["at", "2026-12-02T06:00:00+00:00"],
            *_burst(1, 100),
        ],
        "emails": _both_report("certificate-expired"),
    },
    {
        "id": "H16",
        "title": "a report of 30 Nov shows certificate-expired (alice and bob told); bob leaves "
        "the team; clean reports for 1-8 Dec",
        "why": "the type absent for 7 report days closes the change: its end is told to alice "
        "only (bob is no member any more)",
        "steps": [
            ["report_n", "a.test", CE, 1000, 10, "2026-11-30", SENDER],
            ["leave", "bob"],
            *_clean_days(date(2026, 12, 1), 8),
        ],
        "emails": [
            *_both_report("certificate-expired"),
            ["alice", "fixed", ["certificate-expired"]],
        ],
    },
    {
        "id": "H17",
        "title": "a report of 30 Nov shows certificate-expired; clean reports for 1-3 Dec; "
        "the report of 4 Dec shows it again",
        "why": "three clean days do not close the change: the type back is no new alert "
        "(repeats suppressed), and nothing was told fixed",
        "steps": [
            ["report_n", "a.test", CE, 1000, 10, "2026-11-30", SENDER],
            *_clean_days(date(2026, 12, 1), 3),
            ["at", "2026-12-05T06:00:00+00:00"],
            ["report_n", "a.test", CE, 1000, 10, "2026-12-04", SENDER],
        ],
        "emails": _both_report("certificate-expired"),
    },
    # --- the clock goes backwards -------------------------------------------------------------
    {
        "id": "H18",
        "title": "a check sees mx1 expired; the clock goes back 30 minutes; the re-check and "
        "the checks after it see it expired; renewed (check, re-check)",
        "why": "a clock going backwards neither loses a real problem nor tells it twice: one "
        "alert each, and one fix each",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["back", 30],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["run", "good", "s"],
            ["run", "good", "c"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "H19",
        "title": "bob on the daily digest; mx1's expiry confirmed 06:44; his digest goes at "
        "07:44; the clock goes back an hour and the hourly task runs twice more",
        "why": "one digest a local day: the hour coming round again sends no second one",
        "steps": [
            ["mode", "bob", "a.test", "digest"],
            *TOLD_PAIR,
            ["digest_hourly", 1],
            ["back", 60],
            ["digest_hourly", 2],
        ],
        "emails": [["alice", "alert", []], ["bob", "digest", ["Daily digest"]]],
        "digest_hours": [7],
    },
    # --- a worker retried ------------------------------------------------------------------------
    {
        "id": "H20",
        "title": "mx1 expired on a check; its re-check task runs twice (a redelivered task); "
        "the re-check's run is observed twice and every send task runs again; renewed: the "
        "check and the re-check each observed twice, the send tasks run again",
        "why": "idempotent: one alert and one fix each, no duplicate email",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["reobserve", "a.test"],
            ["remember", "a.test"],
            ["confirm_remembered"],
            ["confirm_remembered"],
            ["run", "bad", "c"],
            ["reobserve", "a.test"],
            ["resend"],
            ["run", "good", "s"],
            ["reobserve", "a.test"],
            ["run", "good", "c"],
            ["reobserve", "a.test"],
            ["resend"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_FIXED],
    },
    {
        "id": "H21",
        "title": "a report shows certificate-expired; its alert task runs again; the same "
        "report (same sender, same report-id) is delivered a second time; the send tasks run "
        "again",
        "why": "one report, told once: no duplicate email",
        "steps": [
            ["deliver", "a.test", CE, 1000, 10, 1, SENDER, None],
            ["reevaluate"],
            ["deliver", "a.test", CE, 1000, 10, 1, SENDER, 2],
            ["resend"],
        ],
        "emails": _both_report("certificate-expired"),
    },
    # --- planted: deliberately wrong, each must fail ----------------------------------------
    {
        "id": "N01",
        "title": "(planted) H01's flap",
        "why": "planted wrong: expects the flap told",
        "planted": "no false alarms: nothing held at a re-check (H01)",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "timeout", "c"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "good", "c"],
        ],
        "emails": BOTH_ALERT,
    },
    {
        "id": "N02",
        "title": "(planted) H20's retried worker",
        "why": "planted wrong: expects each alert twice",
        "planted": "idempotent tasks: no duplicate email (H20)",
        "steps": [
            ["run", "good", "s"],
            ["run", "good", "s"],
            ["run", "bad", "s"],
            ["run", "bad", "c"],
            ["reobserve", "a.test"],
            ["resend"],
        ],
        "emails": [*BOTH_ALERT, *BOTH_ALERT],
    },
    {
        "id": "N03",
        "title": "(planted) H11's report of a day still to come",
        "why": "planted wrong: expects a report of 3 Dec, read at 2 Dec 00:05 UTC, told",
        "planted": "a report of a day still to come opens nothing (H11)",
        "steps": [
            ["at", "2026-12-02T00:05:00+00:00"],
            ["report_n", "a.test", ["starttls-not-supported"], 1000, 10, "2026-12-03", SENDER],
        ],
        "emails": _both_report("starttls-not-supported"),
    },
]

DATA = {"worlds": WORLDS, "sequences": SEQUENCES}


class S39dBlindSequencesTestCase(s38d.S38dBlindSequencesTestCase):
    """s38d's player with this round's worlds and steps."""

    DATA = DATA

    def step(self, step: list[Any]) -> None:
        what, *args = step
        if what == "back":
            self.clock -= timedelta(minutes=args[0])
        elif what == "unsubscribe_all":
            url = unsubscribe_url(self.users[args[0]], None)
            response = Client().post(url, {"List-Unsubscribe": "One-Click"})
            assert response.status_code in (200, 302), response.status_code
        elif what == "default":
            AlertSetting.set_default(self.users[args[0]], self.team, args[1])
        elif what == "claim_unverified":
            self.users["charlie"] = self.charlie
            Domain.objects.create(team=self.charlies_team, name=args[0])
        elif what == "report_about":
            # [address's domain, policy domain, types, successful, failed, days back, sender]
            name, other, types, ok, failed, back, org = args
            day = (self.clock - timedelta(days=back)).date().isoformat()
            raw = tls_report(
                day, ok=ok, failed=failed, types=tuple(types), mx=f"mx1.{other}", org=org
            )
            body = raw.replace(b"example.com", other.encode())
            address = ReportAddress.for_domain(self.domains[name])
            stored = TlsReport.objects.store(address, parse_report(body))
            TlsReport.objects.filter(pk=stored.pk).update(created=self.clock)
            stored.created = self.clock
            evaluate_report(stored)
        elif what == "deliver":
            # As report_n, through the intake: the raw bytes stored, the parse task, then the
            # alert task of each report it stored. The last argument re-indents the JSON (the
            # same report sent again in other bytes).
            name, types, ok, failed, back, org, indent = args
            day = (self.clock - timedelta(days=back)).date().isoformat()
            raw = tls_report(
                day, ok=ok, failed=failed, types=tuple(types), mx=f"mx1.{name}", org=org
            )
            body = raw.replace(b"example.com", name.encode())
            if indent is not None:
                body = json.dumps(json.loads(body), indent=indent).encode()
            address = ReportAddress.for_domain(self.domains[name])
            stored, _ = RawReport.store(address, body, source=RawReport.HTTPS)
            with self.captureOnCommitCallbacks(execute=False):
                parse_raw_report.apply(args=[stored.pk])
            fresh = TlsReport.objects.filter(alerts_evaluated_at__isnull=True)
            fresh.update(created=self.clock)
            for pk in fresh.values_list("pk", flat=True):
                alert_on_report.apply(args=[pk])
        elif what == "reevaluate":
            for pk in TlsReport.objects.values_list("pk", flat=True):
                alert_on_report.apply(args=[pk])
        elif what == "reobserve":
            run = CheckRun.objects.filter(domain=self.domains[args[0]]).latest("created", "pk")
            with self.captureOnCommitCallbacks(execute=False):
                AlertState.observe(run)
        elif what == "resend":
            for code in Notification.objects.values_list("code", flat=True):
                before = len(mail.outbox)
                send_notification.apply(args=[str(code)])
                for m in mail.outbox[before:]:
                    (to,) = m.to
                    self.sent.append(
                        (to.split("@")[0], self.kind_of(m.subject), m.subject, self.clock)
                    )
                    self.bodies.append(" ".join(str(m.body).split()))
        else:
            super().step(step)
            return
        self.send_pending()


def test_the_round_has_what_the_brief_asks() -> None:
    real = [s for s in SEQUENCES if not s.get("planted")]
    assert 20 <= len(real) <= 25 and len(SEQUENCES) == len(real) + 3
    assert len({s["id"] for s in SEQUENCES}) == len(SEQUENCES)
    assert all(
        w in WORLDS for s in SEQUENCES for st in s["steps"] if st[0] == "run" for w in st[1:2]
    )
