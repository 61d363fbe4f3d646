"""Every signed-in page at MSP scale: as many SQL queries for a team of 300 domains as for a
team of 10, for a domain with two years of history as for one with a week, and never every
run of a history read into Python to draw a chart.

The data is shaped like production's: runs carry a real engine report (bench/'s f01 lab
report: its findings, mechanisms and score_detail), runs are spaced as the scheduler and
CheckRun.thin leave them (every 6 hours, or hourly, for the last 90 days; one a day before),
domains have open and recovered changes, report addresses and TLS reports.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.accounts.models import Invite, Membership, Profile, Team
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.domains.models import CheckRun, Domain, worst_of
from mailsec.domains.views import HISTORY_DAYS, History
from mailsec.scoring.chart import MAX_POINTS, build_chart
from reports.models import ReportAddress, TlsReport
from reports.parse import parse_report
from tests.conftest import ROOT, BaseTestCase

F01 = json.loads((ROOT / "bench" / "web_f01_report.json").read_text())
SAMPLE_REPORT = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())


def report_shapes() -> list[dict[str, Any]]:
    """The f01 report, and copies where one mechanism went wrong (its verdict and the score
    follow), as bench/web_bench.py varies it."""
    base = {k: F01[k] for k in ("findings", "mechanisms", "score", "score_detail")}
    shapes = [base]
    for mech, check_id, status, score in (
        ("spf", "SPF-30", "warn", 88),
        ("dmarc", "DMARC-10", "fail", 64),
    ):
        shape = copy.deepcopy(base)
        shape["findings"].append(
            {
                "id": check_id,
                "status": status,
                "mechanism": mech,
                "summary": f"Something about {mech} went {status}.",
                "subject": F01["domain"],
                "evidence": {"note": "generated"},
                "fix": "",
            }
        )
        shape["mechanisms"] = {**shape["mechanisms"], mech: status}
        shape["score"] = score
        shapes.append(shape)
    return shapes


SHAPES = report_shapes()


def run(domain: Domain, when: Any, shape: int = 0, lean: bool = False, **kw: Any) -> CheckRun:
    """A finished run (unsaved) of one of SHAPES; `lean` keeps only a few findings (history
    runs nobody opens: the chart reads their mechanisms and score_detail, never findings)."""
    s = SHAPES[shape]
    findings = s["findings"][:3] + s["findings"][-1:] if lean else s["findings"]
    fields = {
        "status": CheckRun.Status.DONE,
        "created": when,
        "started": when,
        "finished": when + timedelta(seconds=2),
        "score": s["score"],
        "score_version": 1,
        "mechanisms": s["mechanisms"],
        "findings": findings,
        "score_detail": s["score_detail"],
        "worst": worst_of(s["findings"]) or {},
        "duration_ms": 1800,
        **kw,
    }
    return CheckRun(domain=domain, **fields)


def set_last_runs(domains: list[Domain]) -> None:
    for d in domains:
        last = d.runs.filter(status=CheckRun.Status.DONE).order_by("-created").first()
        if last is not None:
            Domain.objects.filter(pk=d.pk).update(**Domain.last_run_fields(last))


def tls_report(address: ReportAddress, day: Any, org: str) -> TlsReport:
    sample = copy.deepcopy(SAMPLE_REPORT)
    sample["organization-name"] = org
    sample["report-id"] = f"{day}_{org}_{address.domain_name}"
    sample["date-range"] = {
        "start-datetime": f"{day}T00:00:00Z",
        "end-datetime": f"{day}T23:59:59Z",
    }
    sample["policies"][0]["policy"]["policy-domain"] = address.domain_name
    return TlsReport.objects.store(address, parse_report(json.dumps(sample).encode()))


@dataclass(eq=False)  # hashable, by identity
class Msp:
    """A team and what it holds: `user` owns it; `busy` is a domain with a long history."""

    user: User
    team: Team
    domains: list[Domain]
    busy: Domain
    address: ReportAddress


def make_msp(label: str, n_domains: int, history_days: int, members: int) -> Msp:
    """A team of `n_domains` verified domains, each with a few runs (a week apart, the last
    one today), an open and a recovered change, a report address and a few TLS reports; one
    of them (`busy`) with `history_days` of runs: hourly for the last 90 days, daily before."""
    user = User.objects.create_user(label, f"{label}@msp.example")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    for i in range(members):
        member = User.objects.create_user(f"{label}-m{i}", f"m{i}@{label}.example")
        Membership.objects.create(team=team, user=member, role=Membership.Role.MEMBER)
        Invite.objects.create(team=team, email=f"i{i}@{label}.example", invited_by=user)
    now = timezone.now()
    domains = Domain.objects.bulk_create(
        Domain(team=team, name=f"d{i:04d}.{label}.example", verified_at=now - timedelta(days=800))
        for i in range(n_domains)
    )
    runs = []
    for i, d in enumerate(domains):
        for days_ago, shape in ((15, 0), (8, (i + 1) % 3), (1, 0), (0, i % 3)):
            runs.append(run(d, now - timedelta(days=days_ago, minutes=i), shape, lean=days_ago > 0))
    CheckRun.objects.bulk_create(runs, batch_size=200)
    busy = domains[0]
    history = []
    hour = 0
    while hour < history_days * 24:
        when = now - timedelta(hours=hour + 1)
        if hour < 90 * 24 or hour % 24 == 0:
            # Something changes now and then, and stays a while.
            history.append(run(busy, when, (hour // 200) % 3, lean=True))
        hour += 1
    CheckRun.objects.bulk_create(history, batch_size=500)
    # What set_last_runs reads back, each domain's latest finished run, taken from the runs
    # just made (all finished, no two of a domain at the same time): 310 queries fewer.
    latest: dict[int, CheckRun] = {}
    for r in runs + history:
        assert r.pk is not None  # bulk_create gave it its id
        if r.domain_id not in latest or r.created > latest[r.domain_id].created:
            latest[r.domain_id] = r
    for d in domains:
        Domain.objects.filter(pk=d.pk).update(**Domain.last_run_fields(latest[d.pk]))
    changes = []
    for d in domains:
        for state in (Change.State.CONFIRMED, Change.State.RECOVERED):
            changes.append(
                Change(
                    domain=d,
                    kind="mechanism",
                    key=f"dmarc:DMARC-10:{d.name}:{state}",
                    subject=d.name,
                    mechanism="dmarc",
                    check_id="DMARC-10",
                    before="pass",
                    after="fail",
                    summary=f"DMARC of {d.name} fails.",
                    state=state,
                )
            )
    Change.objects.bulk_create(changes)
    AlertSetting.objects.bulk_create(
        AlertSetting(user=user, domain=d, mode=AlertSetting.Mode.DIGEST) for d in domains[::3]
    )
    Notification.objects.bulk_create(
        Notification(
            user=user,
            domain=d,
            kind=Notification.Kind.ALERT,
            status=Notification.Status.FAILED,
            error="550 mailbox unavailable",
        )
        for d in domains[:10]
    )
    addresses = [ReportAddress.for_domain(d) for d in domains]
    today = now.date()
    for address in addresses[:5]:
        tls_report(address, today - timedelta(days=1), "Sender A")
    busy_address = addresses[0]
    for n in range(2, min(history_days, 60)):
        for org in ("Sender A", "Sender B"):
            tls_report(busy_address, today - timedelta(days=n), org)
    domains = list(team.domains.order_by("name"))
    return Msp(user, team, domains, domains[0], busy_address)


@dataclass
class Fetched:
    sql: str
    rows: int
    size: int  # characters of every value of every row, as text


@contextmanager
def fetched_rows() -> Iterator[list[Fetched]]:
    """What each SELECT returned: each query runs a second time on a bare cursor (past the
    wrappers) and its rows are counted and measured."""
    seen: list[Fetched] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not many and sql.lstrip().upper().startswith("SELECT"):
            cursor = connection.create_cursor()
            try:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            finally:
                cursor.close()
            size = sum(len(str(v)) for row in rows for v in row)
            seen.append(Fetched(sql, len(rows), size))
        return result

    with connection.execute_wrapper(wrapper):
        yield seen


@dataclass
class Visit:
    queries: list[str]
    fetched: list[Fetched]

    def rows_of(self, table: str) -> list[Fetched]:
        return [f for f in self.fetched if f'FROM "{table}"' in f.sql]


def visit(client: Client, url: str, *, cold: bool, htmx: bool = False, rows: bool = False) -> Visit:
    """One GET of `url`, made from scratch (`cold`: no cached page or part of one) or as it
    comes after a first visit; with `rows`, what each query returned is measured too."""
    headers = {"HX-Request": "true"} if htmx else {}
    if cold:
        cache.clear()
        client.get("/account/")  # the session reaches the cache again
    else:
        client.get(url, headers=headers)
    # Measuring runs each query twice: only when asked.
    measuring = fetched_rows() if rows else nullcontext([])
    with CaptureQueriesContext(connection) as ctx, measuring as fetched:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return Visit([q["sql"] for q in ctx.captured_queries], fetched)


@pytest.mark.usefixtures("unanswered_lookups_end_soon")
class PageQueriesTestCase(BaseTestCase):
    """Each page as many queries for a team of 300 domains (30 members, 60 days of TLS
    reports, a busy domain with two years of runs, hourly for the last 90 days) as for a team
    of 10 (2 members, a week of everything): a query per row would show as a difference."""

    small: Msp
    big: Msp

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.small = make_msp("small", 10, 7, 2)
        cls.big = make_msp("big", 300, 730, 30)

    def client_of(self, msp: Msp) -> Client:
        client = Client()
        client.force_login(msp.user)
        return client

    def assert_same_queries(self, urls: dict[Msp, list[str]], htmx: bool = False) -> None:
        counts: dict[tuple[str, bool], list[int]] = {}
        for msp in (self.small, self.big):
            client = self.client_of(msp)
            for i, url in enumerate(urls[msp]):
                for cold in (True, False):
                    found = visit(client, url, cold=cold, htmx=htmx)
                    counts.setdefault((urls[self.small][i], cold), []).append(len(found.queries))
        for (url, cold), (small, big) in counts.items():
            with self.subTest(url=url, cold=cold):
                self.assertEqual(small, big)

    def per_team(self, *paths: str) -> dict[Msp, list[str]]:
        """`paths` for each team, {domain}, {run}, {previous}, {address} and {report} filled
        in with its busy domain's."""
        urls = {}
        for msp in (self.small, self.big):
            last = msp.busy.last_run
            report = TlsReport.objects.filter(address=msp.address).first()
            names = {
                "domain": msp.busy.code,
                "run": last.code,
                "previous": last.previous().code,
                "address": msp.address.token,
                "report": report.public_id,
            }
            urls[msp] = [p.format(**names) for p in paths]
        return urls

    def test_the_domain_list(self) -> None:
        # The last page of the big team is its 6th; the small team's list has one page.
        self.assert_same_queries(self.per_team("/domains/", "/domains/?page=2", "/domains/?page=6"))

    def test_the_domain_page_and_its_parts(self) -> None:
        self.assert_same_queries(
            self.per_team(
                "/domains/{domain}/",
                "/domains/{domain}/?run={previous}",
                "/domains/{domain}/compare/",
                "/domains/{domain}/compare/?from={previous}&to={run}",
                "/hosting/{domain}/",
            )
        )

    def test_the_progress_of_a_check(self) -> None:
        urls = {}
        for msp in (self.small, self.big):
            active = CheckRun.objects.create(
                domain=msp.busy, status=CheckRun.Status.RUNNING, mechanisms={"mx": "pass"}
            )
            urls[msp] = [f"/domains/{msp.busy.code}/runs/{active.code}/progress/"]
        self.assert_same_queries(urls, htmx=True)

    def test_the_alerts_page(self) -> None:
        self.assert_same_queries(self.per_team("/alerts/"))

    def test_the_tls_reports_pages(self) -> None:
        self.assert_same_queries(
            self.per_team(
                "/tlsrpt/{address}/dashboard/",
                "/tlsrpt/{address}/reports/{report}/",
                "/tlsrpt/{address}/export.csv",
            )
        )

    def test_the_team_and_account_pages(self) -> None:
        self.assert_same_queries(self.per_team("/team/", "/account/"))

    def test_the_chart_never_reads_every_run_of_a_long_history(self) -> None:
        busy = self.big.busy
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
        self.assertGreater(busy.runs.filter(created__gte=since).count(), 2000)  # hourly
        client = self.client_of(self.big)
        for url in (f"/domains/{busy.code}/", f"/domains/{busy.code}/?run={busy.last_run.code}"):
            found = visit(client, url, cold=True, rows=True)
            runs = found.rows_of("domains_checkrun")
            # The chart's points, the runs where something changed (a few in this history),
            # the compare menu's 30 and the run shown: not the 2,000 runs of the 90 days.
            self.assertLessEqual(sum(f.rows for f in runs), 2 * MAX_POINTS, url)
            # Of each run its scores and verdicts, not its findings (only the shown run's).
            self.assertLess(sum(f.size for f in runs), 150_000, url)

    def test_the_alerts_page_reads_of_each_domain_what_it_shows(self) -> None:
        found = visit(self.client_of(self.big), "/alerts/", cold=True, rows=True)
        # One page of 50 domains, never the team's 300 (the page is paged for MSPs): of the
        # 300, only ids and names, sorted in Python as the domain list sorts them (s31w).
        whole = [f for f in found.rows_of("domains_domain") if f.rows >= 300]
        self.assertLessEqual(len(whole), 1)
        self.assertFalse([f for f in whole if f.size / f.rows > 40], whole)
        domains = [f for f in found.rows_of("domains_domain") if f.rows == 50]
        self.assertEqual(len(domains), 1)
        # Its name, code and whether it is verified; not the list's summary of its last
        # check (worst finding, scores), which the page does not show.
        self.assertLess(domains[0].size / 50, 150)

    def test_unsubscribing_from_every_domain(self) -> None:
        from mailsec.alerts.emails import ALL_DOMAINS, unsubscribe_token

        counts = []
        for msp in (self.small, self.big):
            url = f"/alerts/unsubscribe/{unsubscribe_token(msp.user, None, ALL_DOMAINS)}/"
            with CaptureQueriesContext(connection) as ctx:
                self.assertContains(Client().post(url), "Unsubscribed")
            counts.append(len(ctx.captured_queries))
            modes = AlertSetting.objects.filter(user=msp.user).values_list("mode", flat=True)
            self.assertEqual(list(modes), [AlertSetting.Mode.OFF] * len(msp.domains))
        # One more INSERT at most: SQLite takes 999 parameters a query, a few hundred rows.
        self.assertLessEqual(counts[1], counts[0] + 1)


def make_history(domain: Domain, count: int, step: timedelta, shape_of: Any) -> None:
    """`count` finished runs `step` apart, the last a minute ago; `shape_of(i)` gives the
    fields of the i-th (oldest first) that differ from an unremarkable run."""
    last = timezone.now() - timedelta(minutes=1)
    base = {
        "status": CheckRun.Status.DONE,
        "score": 90,
        "score_version": 1,
        "mechanisms": {"mx": "pass", "smtp": "pass", "mta-sts": "pass", "spf": "pass"},
        "score_detail": {"not_checked": [], "partial": False},
        "findings": [],
    }
    CheckRun.objects.bulk_create(
        CheckRun(domain=domain, created=last - step * (count - 1 - i), **{**base, **shape_of(i)})
        for i in range(count)
    )


PARTIAL = {
    "score": 70,
    "mechanisms": {"mx": "pass", "smtp": "error", "mta-sts": "pass", "spf": "pass"},
    "score_detail": {"not_checked": ["smtp"], "partial": True},
}

# Histories whose charts must come out as if every run had been read.
HISTORIES: dict[str, tuple[int, timedelta, Any]] = {
    "hourly, a verdict changing now and then": (
        2000,
        timedelta(hours=1),
        lambda i: (
            {"mechanisms": {"mx": "pass", "spf": "warn"}, "score": 80} if (i // 170) % 2 else {}
        ),
    ),
    "an MX answering 421 now and then": (
        360,
        timedelta(hours=6),
        lambda i: PARTIAL if i % 7 in (2, 3) or i % 11 == 0 else {},
    ),
    "the rubric changed": (
        400,
        timedelta(hours=5),
        lambda i: {"score_version": 2, "score": 85} if i > 230 else {},
    ),
    "runs stored before not_checked": (
        300,
        timedelta(hours=7),
        lambda i: {
            "score_detail": {},
            "score_version": None if i < 50 else 1,
            "mechanisms": {"mx": "pass", "smtp": "error"} if i % 40 == 5 else {"mx": "pass"},
        },
    ),
    "a mechanism first seen as could-not-check": (
        500,
        timedelta(hours=4),
        lambda i: (
            {"mechanisms": {"mx": "pass", "dane": "error" if i < 300 else "pass"}}
            if i >= 120
            else {"mechanisms": {"mx": "pass"}}
        ),
    ),
    "the score moving alone, runs with no score": (
        600,
        timedelta(hours=3),
        lambda i: {"score": None} if i % 97 == 3 else {"score": 90 - (i // 120)},
    ),
    "a short history": (40, timedelta(hours=6), lambda i: PARTIAL if i % 9 == 4 else {}),
    "a history just over the limit": (
        MAX_POINTS + 1,
        timedelta(hours=6),
        lambda i: {"score": 60} if i == 75 else {},
    ),
}


class ChartTestCase(BaseTestCase):
    def test_the_chart_is_drawn_as_from_every_run(self) -> None:
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
        for label, (count, step, shape_of) in HISTORIES.items():
            domain = Domain.objects.create(
                team=self.team, name=f"h{len(label)}-{count}.example", verified_at=since
            )
            make_history(domain, count, step, shape_of)
            every = list(
                domain.runs.filter(created__gte=since, status=CheckRun.Status.DONE).order_by(
                    "created", "pk"
                )
            )
            with self.subTest(label):
                chart = History(domain).chart
                self.assertEqual(chart, build_chart(every))
                self.assertTrue(chart.points)

    def test_runs_stored_before_not_checked_cost_no_query_each(self) -> None:
        """A run whose score_detail has no not_checked (stored before it was kept): the
        chart falls back to its error verdicts, and reads no score_detail run by run."""
        counts = []
        for count in (20, 140):
            domain = Domain.objects.create(
                team=self.team, name=f"legacy{count}.example", verified_at=timezone.now()
            )
            make_history(domain, count, timedelta(hours=6), lambda i: {"score_detail": {}})
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(len(History(domain).chart.points), count)
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])
