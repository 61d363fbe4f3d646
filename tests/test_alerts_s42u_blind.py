"""Blind round s42u: the mail an admin receives (tests/data/alerts_s42u_blind.json, written from
the docs before any was run). Each case plays a situation through the real alert pipeline:
engine-shaped check runs (tests/test_alerts_s17_blind.py's result_for: checks.starttls,
checks.mtasts and checks.scoring make the findings) stored and observed as the worker does
(AlertState.observe), the re-check's run, the send task, the hourly digest task, the weekly
summary task, the TLS-report parser and reports.alerts, the unsubscribe view through Django's
test client with no session; mail goes to Django's locmem backend (only the remote mailbox
cannot exist here). Then every mail is compared with the case's: to whom, how many, subject
and body words, headers, parts and links."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertSetting, Change, Notification, TeamAlertAddress
from mailsec.alerts.tasks import (
    confirm_change,
    observe_run,
    send_digests,
    send_notification,
    send_weekly_summaries,
)
from mailsec.domains.models import CheckRun, Domain
from reports.alerts import evaluate_report
from reports.models import ReportAddress, TlsReport
from reports.parse import parse_report
from tests.test_alerts_s17_blind import result_for
from tests.test_reports_alerts import report as tls_report

DATA = json.loads((Path(__file__).parent / "data" / "alerts_s42u_blind.json").read_text())
CASES = {c["id"]: c for c in DATA["cases"]}
SITE = DATA["site_root"]
FROM = DATA["from"]
START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # a Tuesday, UTC midnight
LONG_AGO = datetime(2026, 10, 1, tzinfo=UTC)

GOOD: dict[str, Any] = {}  # MTA-STS enforce, TLS-RPT published, mx1 good
RPT_GONE = {"rpt": "gone"}
BOTH_GONE = {"rpt": "gone", "sts": "gone"}

pytestmark = pytest.mark.django_db


class Mail:
    def __init__(self, message: EmailMultiAlternatives, step: int) -> None:
        self.m = message
        self.step = step
        (self.to,) = message.to
        self.to = self.to.lower()
        self.subject = str(message.subject)
        self.body = str(message.body)
        self.html = "".join(str(a[0]) for a in message.alternatives if a[1] == "text/html")
        self.parsed = message.message()

    def header(self, name: str) -> str:
        return str(self.parsed.get(name, ""))

    def unsubscribe(self) -> str:
        return self.header("List-Unsubscribe").strip("<>")


class Player:
    def __init__(self) -> None:
        self.clock = START
        self.step_no = 0
        self.mails: list[Mail] = []
        self.http: list[Any] = []
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        for key, p in DATA["people"].items():
            user = User.objects.create_user(key, p["email"], date_joined=LONG_AGO)
            EmailAddress.objects.create(user=user, email=p["email"], verified=True, primary=True)
            self.users[key] = user
            if p["role"] == "owner":
                self.teams[p["team"]] = Team.create_for(user)
                Team.objects.filter(pk=self.teams[p["team"]].pk).update(name=p["team"])
                self.teams[p["team"]].refresh_from_db()
                Profile.objects.create(user=user, current_team=self.teams[p["team"]])
        for key in ("mike", "rita"):
            Membership.objects.create(
                team=self.teams["Acme"], user=self.users[key], role=Membership.Role.MEMBER
            )
            Profile.objects.create(user=self.users[key], current_team=self.teams["Acme"])
        Profile.objects.create(user=self.users["nina"])
        names = {
            "Acme": DATA["domains"]["Acme"],
            "Other": DATA["domains"]["Other"],
            "MSP": [f"client{i}.s42u.test" for i in range(1, 31)],
        }
        self.domains = {
            name: Domain.objects.create(
                team=self.teams[team], name=name, verified_at=LONG_AGO, created=LONG_AGO
            )
            for team, listed in names.items()
            for name in listed
        }
        self.baselined: set[str] = set()

    # --- runs -----------------------------------------------------------------------------

    def run(self, name: str, world: dict[str, Any], kind: str, minutes: int = 11) -> None:
        self.clock += timedelta(minutes=minutes)
        domain = self.domains[name]
        result = result_for(name, world, self.clock)
        # As the check task stores a run: finish() writes it and the domain's last-run
        # summary (the score the weekly summary reads), then the alerts observe it.
        run = CheckRun.objects.create(
            domain=domain,
            kind="confirm" if kind == "c" else "scheduled",
            status=CheckRun.Status.RUNNING,
            created=self.clock,
        )
        assert run.finish(result)
        observe_run(run)

    def baseline(self, name: str, minutes: int = 11) -> None:
        if name not in self.baselined:
            self.run(name, GOOD, "s", minutes)
            self.run(name, GOOD, "s", minutes)
            self.baselined.add(name)

    def regression(self, name: str, world: dict[str, Any] = RPT_GONE) -> None:
        self.baseline(name)
        self.run(name, world, "s")
        self.run(name, world, "c")

    # --- mail -----------------------------------------------------------------------------

    def send_pending(self) -> None:
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        while mail.outbox:
            self.mails.append(Mail(mail.outbox.pop(0), self.step_no))

    def last_link(self, key: str) -> str:
        email = self.users[key].email.lower()
        return next(m for m in reversed(self.mails) if m.to == email).unsubscribe()

    def post(self, url: str) -> Any:
        path = url.removeprefix(SITE)
        response = Client(enforce_csrf_checks=True).post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        self.http.append(response)
        return response

    # --- steps ----------------------------------------------------------------------------

    def play(self, steps: list[list[str]]) -> None:
        with (
            mock.patch("django.utils.timezone.now", lambda: self.clock),
            mock.patch("mailsec.alerts.tasks.enqueue_send", lambda n: None),
        ):
            for self.step_no, step in enumerate(steps):
                self.step(*step)
                self.send_pending()

    def step(self, what: str, *args: str) -> None:
        if what == "regression":
            self.regression(args[0])
        elif what == "regression_again":
            self.regression(args[0], BOTH_GONE)
        elif what == "fix":
            self.run(args[0], GOOD, "s")
            self.run(args[0], GOOD, "c")
        elif what == "suspect":
            self.baseline(args[0])
            self.run(args[0], RPT_GONE, "s")
        elif what == "delete_domain":
            self.codes = [str(c.code) for c in Change.objects.filter(domain=self.domains[args[0]])]
            assert self.codes, "nothing suspected"
            self.domains[args[0]].delete()
        elif what == "recheck":
            self.clock += timedelta(minutes=11)
            for code in self.codes:
                confirm_change.apply(args=[code])
        elif what == "remove_member":
            Membership.objects.filter(user=self.users[args[0]]).delete()
        elif what == "add_member":
            Membership.objects.create(
                team=self.teams["Acme"], user=self.users[args[0]], role=Membership.Role.MEMBER
            )
        elif what == "mode":
            AlertSetting.set_mode(
                self.users[args[0]],
                self.domains[args[1]],
                args[2].replace("none", AlertSetting.Mode.OFF),
            )
        elif what == "digest_hour":
            day = self.clock.date() + timedelta(days=1 if self.clock.hour >= 7 else 0)
            self.clock = datetime(day.year, day.month, day.day, 7, 5, tzinfo=UTC)
            send_digests.apply()
        elif what == "msp_digest_all":
            for d in Domain.objects.filter(team=self.teams["MSP"]):
                AlertSetting.set_mode(self.users["msp"], d, AlertSetting.Mode.DIGEST)
        elif what == "msp_scored":
            for name in sorted(self.domains):
                if name.startswith("client"):
                    self.baseline(name, minutes=1)
        elif what in ("weekly_monday", "weekly_next_monday"):
            day = self.clock.date() + timedelta(days=(7 - self.clock.weekday()) % 7 or 7)
            self.clock = datetime(day.year, day.month, day.day, 7, 5, tzinfo=UTC)
            send_weekly_summaries.apply()
        elif what == "one_click_post":
            self.post(self.last_link(args[0]))
        elif what == "one_click_post_weekly":
            email = self.users[args[0]].email
            weekly = next(m for m in reversed(self.mails) if m.to == email)
            assert weekly.subject.startswith("Your week") or "week" in weekly.subject.lower()
            self.post(weekly.unsubscribe())
        elif what == "one_click_get":
            self.http.append(Client().get(self.last_link(args[0]).removeprefix(SITE)))
        elif what == "tampered_post":
            self.post(tampered(self.last_link(args[0]), args[1], self))
        elif what == "team_address":
            TeamAlertAddress.objects.create(
                team=self.teams[args[0]],
                email=args[1],
                mode=args[2],
                added_by=self.users["olga"],
                confirmed_at=self.clock,
            )
        elif what == "change_email":
            user = self.users[args[0]]
            new = EmailAddress.objects.create(user=user, email=args[1], verified=True)
            new.set_as_primary()
            user.refresh_from_db()
            assert user.email == args[1]
        elif what == "tls_report":
            name, kind, day = args
            self.clock = max(self.clock, datetime.fromisoformat(day).replace(tzinfo=UTC)) + (
                timedelta(days=1, hours=6)
            )
            address = ReportAddress.for_domain(self.domains[name])
            raw = tls_report(day, failed=30, types=(kind,), mx=f"mx1.{name}")
            stored = TlsReport.objects.store(
                address, parse_report(raw.replace(b"example.com", name.encode()))
            )
            evaluate_report(stored)
        elif what == "unsubscribe_all":
            self.post(unsubscribe_url(self.users[args[0]], None))
        elif what == "add_domain":
            self.domains[args[1]] = Domain.objects.create(
                team=self.teams[args[0]], name=args[1], verified_at=self.clock
            )
        else:
            raise AssertionError(f"unknown step {what}")


def tampered(url: str, how: str, player: Player) -> str:
    """The link with its token altered: one character of the signature flipped, or the
    payload naming another person (their AlertRecipient public id), the signature kept."""
    head, token = url.rstrip("/").rsplit("/", 1)
    if how == "flip_char":
        last = token[-1]
        token = token[:-1] + ("A" if last != "A" else "B")
    else:
        other = player.users[how.split(":", 1)[1]]
        payload, rest = token.split(":", 1)
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        from mailsec.alerts.models import AlertRecipient

        data["r"] = AlertRecipient.public_id_for(other)
        raw = json.dumps(data, separators=(",", ":")).encode()
        payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        token = f"{payload}:{rest}"
    return f"{head}/{token}/"


# --- the comparison -------------------------------------------------------------------------


def links(m: Mail) -> list[str]:
    text = re.findall(r"https?://[^\s<>\"')]+", m.body)
    hrefs = re.findall(r"href=\"([^\"]*)\"", m.html)
    return text + hrefs


def check_case(case: dict[str, Any], p: Player) -> list[str]:
    problems: list[str] = []
    since = case.get("after_step", 0)
    mails = [m for m in p.mails if m.step >= since]
    listing = "; ".join(f"{m.to} {m.subject!r}" for m in mails) or "nothing"
    for want in case.get("mails", []):
        got = [m for m in mails if m.to == want["to"]]
        if len(got) != want["count"]:
            problems.append(f"{want['to']}: {len(got)} mails, expected {want['count']} ({listing})")
            continue
        for words_key, where in (("subject", "subject"), ("body", "body"), ("text", "text")):
            for w in want.get(words_key, []):
                if not any(
                    w
                    in (
                        m.subject
                        if where == "subject"
                        else m.body
                        if where == "body"
                        else m.subject + "\n" + m.body
                    )
                    for m in got
                ):
                    problems.append(f"{want['to']}: no {where} with {w!r} ({listing})")
        for w in want.get("body_not", []):
            if any(w in m.body for m in got):
                problems.append(f"{want['to']}: body has {w!r}")
        order = want.get("body_order")
        if order:
            # Where each domain's own part begins: a line that starts with its name (a
            # digest's heading, a summary's block); an opening sentence naming several
            # domains is not their order.
            body = got[0].body
            found = [re.search(rf"^\W*{re.escape(n)}\b", body, re.M) for n in order]
            at = [f.start() if f else -1 for f in found]
            if -1 in at or at != sorted(at):
                problems.append(f"{want['to']}: body order {list(zip(order, at, strict=True))}")
    for who in case.get("none_to", []):
        got = [m for m in mails if m.to == who]
        if got:
            problems.append(f"{who} got {[m.subject for m in got]}")
    headers = case.get("headers")
    if headers:
        problems += check_headers(headers, mails)
    for who, want in case.get("headers_of", {}).items():
        problems += check_headers(want, [m for m in mails if m.to == who])
    parts = case.get("parts")
    if parts:
        for m in mails:
            if not m.body.strip() or m.m.content_subtype != "plain":
                problems.append(f"{m.to}: no text/plain part")
            bad = [u for u in links(m) if not u.startswith(parts["links_absolute_to"])]
            if bad:
                problems.append(f"{m.to}: links not absolute to the site: {bad}")
            if m.m.to[0] in {u.email for u in p.users.values()}:
                for w in parts["member_body"]:
                    if w not in m.body:
                        problems.append(f"{m.to}: member body lacks {w!r}")
    http = case.get("http")
    if http:
        codes = [r.status_code for r in p.http]
        if http.get("status_2xx") and not all(200 <= c < 300 for c in codes):
            problems.append(f"one-click answered {codes}")
        if "status" in http and codes != [http["status"]] * len(codes):
            problems.append(f"answered {codes}")
        if http.get("status_4xx") and not all(400 <= c < 500 for c in codes):
            problems.append(f"tampered link answered {codes}")
        if http.get("status_4xx_first") and not 400 <= codes[0] < 500:
            problems.append(f"tampered link answered {codes}")
        for w in http.get("page", []):
            page = p.http[0].content.decode().lower()
            if w.lower() not in page:
                problems.append(f"page lacks {w!r}")
    return problems


def check_headers(want: dict[str, Any], mails: list[Mail]) -> list[str]:
    problems = []
    if not mails:
        return ["no mail to check the headers of"]
    for m in mails:
        if want.get("message_id") and not re.fullmatch(
            r"<[^<>@\s]+@[^<>@\s]+>", m.header("Message-ID")
        ):
            problems.append(f"{m.to}: Message-ID {m.header('Message-ID')!r}")
        if want.get("date") and not m.header("Date"):
            problems.append(f"{m.to}: no Date")
        if "from" in want and m.header("From") != want["from"]:
            problems.append(f"{m.to}: From {m.header('From')!r}")
        if want.get("to_each_only_self") and (m.header("Cc") or len(m.m.to) != 1 or m.m.bcc):
            problems.append(f"{m.to}: more than one recipient")
        prefix = want.get("list_unsubscribe_https_prefix")
        if prefix and not m.header("List-Unsubscribe").startswith(prefix):
            problems.append(f"{m.to}: List-Unsubscribe {m.header('List-Unsubscribe')!r}")
        post = want.get("List-Unsubscribe-Post")
        if post and m.header("List-Unsubscribe-Post") != post:
            problems.append(f"{m.to}: List-Unsubscribe-Post {m.header('List-Unsubscribe-Post')!r}")
    if want.get("message_ids_distinct"):
        ids = [m.header("Message-ID") for m in mails]
        if len(set(ids)) != len(ids):
            problems.append(f"Message-IDs repeat: {ids}")
    if want.get("unsubscribe_distinct_per_person"):
        urls = {m.to: m.unsubscribe() for m in mails}
        if len(set(urls.values())) != len(urls):
            problems.append("one unsubscribe link for several people")
    return problems


@pytest.fixture(name="player")
def player_fixture(settings: Any) -> Iterator[Player]:
    settings.SITE_ROOT = SITE
    settings.DEFAULT_FROM_EMAIL = FROM
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_CONFIRM_DELAY = 600
    settings.ALERT_DIGEST_HOUR = 7
    mail.outbox = []
    with mock.patch("django.utils.timezone.now", lambda: START):
        p = Player()
    yield p


@pytest.mark.parametrize("case_id", list(CASES))
def test_s42u_blind_case(case_id: str, player: Player) -> None:
    case = CASES[case_id]
    player.play(case["steps"])
    problems = check_case(case, player)
    assert problems == [], f"{case_id} {case['situation']}\n  " + "\n  ".join(problems)


def test_s42u_round_shape() -> None:
    # The round's 20 cases; the three planted wrong rows (N01-N03) failed on the first run
    # and are gone.
    assert list(CASES) == [f"R{i:02d}" for i in range(1, 21)]
    assert parseaddr(FROM)[1] == "alerts@mailsec.example"
