"""Round s24a blind sequences (tests/data/alerts/s24a.json, written before any was run): what
rounds s17 and s23a left out. A re-check that could not check, or was lost; one MX of three
failing, then another; a new score version between a suspicion and its re-check, or finding
what the old checks did not; a finding reworded; an MX renamed with its problem; a domain
removed and added again; control lost while a told problem stays; a teammate and a viewer
joining; team-wide and per-domain modes; a team address with a muted domain; digests in
UTC+14, UTC-11 and UTC; TLS-report failure types quiet for 7 report days and back, a late
report, two bad days and two senders of one day.

The player is s17's (tests/test_alerts_s17_blind.py) with s23a's probe states, and these
steps of its own: "zone" (a person's time zone), "join" (a new teammate, member or viewer),
"remove_domain"/"add_domain", "team_mode" (one mode for every domain of the team),
"address"/"mute" (a team's extra address, and an alert's unsubscribe of one domain for it),
"report_on" (a TLS report for a day some days back, from a named sender; for a removed
domain, to the address its team keeps). A world may say
"reword": its findings' sentences are worded differently, the facts the same. Emails are
[to, kind, words in the subject] and, optionally, words of the text body; TLS-report
subjects are kind "report" (a failure-rate one too) and their closing "fixed"."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User

import tests.test_alerts_s17_blind as s17
import tests.test_alerts_s23a_blind as s23a
from mailsec.accounts.models import Membership, Profile
from mailsec.alerts.models import AlertSetting, TeamAlertAddress
from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.models import ReportAddress, TlsReport
from reports.parse import parse_report
from tests.test_reports_alerts import report as tls_report

DATA = json.loads((Path(__file__).parent / "data" / "alerts" / "s24a.json").read_text())


def kind_of(subject: str) -> str:
    """s17's kinds, with every TLS-report subject as "report" (a failure rate's too) and
    their closing ("no <type> reported after", "calm again") as "fixed"."""
    if subject.startswith("[mailsec] Daily digest"):
        return "digest"
    closing = ("no longer reported", "reported after", "calm again", "back to the usual")
    if ": fixed: " in subject or any(w in subject for w in closing):
        return "fixed"
    if any(w in subject for w in ("TLS failures", "not in RFC 8460", "of TLS sessions failed")):
        return "report"
    return "alert"


class S24aBlindSequencesTestCase(s17.BlindSequencesTestCase):
    """s17's player (and its settings, inherited) with s23a's probe states and this round's
    steps."""

    DATA = DATA
    probe = staticmethod(s23a.probe_of)
    mode_finding = True
    kind_of = staticmethod(kind_of)

    def step(self, step: list[Any]) -> None:
        what, *args = step
        if what == "zone":
            Profile.objects.filter(user=self.users[args[0]]).update(time_zone=args[1])
        elif what == "join":
            name, role = args
            user = User.objects.create_user(name, f"{name}@example.org")
            Profile.objects.create(user=user, current_team=self.team)
            Membership.objects.create(team=self.team, user=user, role=role)
            self.users[name] = user
        elif what == "remove_domain":
            self.domains.pop(args[0]).delete()
        elif what == "add_domain":
            self.domains[args[0]] = Domain.objects.create(
                team=self.team, name=args[0], verified_at=self.clock
            )
        elif what == "team_mode":
            AlertSetting.set_mode_for_team(self.users[args[0]], self.team, args[1])
        elif what == "address":
            TeamAlertAddress.objects.create(
                team=self.team, email=args[0], mode=args[1], confirmed_at=self.clock
            )
        elif what == "mute":
            address = TeamAlertAddress.objects.get(team=self.team, email=args[0])
            address.muted_domains.add(self.domains[args[1]])
        elif what == "report_on":
            # [domain, types, failed, days back, sender]
            domain, types, failed, back, org = args
            day = (self.clock - timedelta(days=back)).date().isoformat()
            raw = tls_report(day, failed=failed, types=tuple(types), mx=f"mx1.{domain}", org=org)
            body = raw.replace(b"example.com", domain.encode())
            if domain in self.domains:
                address = ReportAddress.for_domain(self.domains[domain])
            else:  # removed: its address is kept for the team, with no domain
                address = ReportAddress.objects.get(team=self.team, domain=None, domain_name=domain)
            report = TlsReport.objects.store(address, parse_report(body))
            # Stored at the sequence's moment, not the machine's: whether a report came before
            # the domain's verification (reports.alerts) compares the two, and verified_at is
            # the sequence's clock (U19, U20 failed once the real day passed START + 1 day).
            TlsReport.objects.filter(pk=report.pk).update(created=self.clock)
            report.created = self.clock
            evaluate_report(report)
        else:
            super().step(step)
            return
        self.send_pending()

    def compare(self, seq: dict[str, Any], got: list[tuple[str, str, str, datetime]]) -> str:
        # s17's comparison reads [to, kind, subject words]; the body's words are read here.
        emails = [e[:3] for e in seq["emails"]]
        problem = super().compare({**seq, "emails": emails}, got)
        if problem:
            return problem
        for to, kind, _, *body in seq["emails"]:
            if not body:
                continue
            words = body[0]
            if not any(
                g[:2] == (to, kind) and all(w in text for w in words)
                for g, text in zip(got, self.bodies, strict=True)
            ):
                return f"no {to} {kind} whose text says {words}"
        return ""
