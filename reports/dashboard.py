"""Figures for the reports dashboard of one address (server-side, no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, Max, OuterRef, Value, When
from django.utils import timezone

from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import (
    MIN_DAYS,
    MIN_REPORTERS,
    Readiness,
    SeenPolicy,
    enforce_change,
    own_policy,
    seen_policy,
    self_hosted_readiness,
)
from mailsec.ordering import CodePointOrder, by_name
from reports.explain import ResultType, defined_type, explain
from reports.join import ABOUT_POLICY_HOST, CheckSight, sight
from reports.models import (
    OTHER_FIGURES,
    FailureDetail,
    PolicyResult,
    RawReport,
    ReportAddress,
    TlsReport,
    reported_until,
)
from reports.parse import a_labels
from reports.sums import SessionSum

CHART_HEIGHT = 120
BAR_WIDTH = 14


@dataclass
class Day:
    day: date
    successful: int
    failed: int

    @property
    def total(self) -> int:
        return self.successful + self.failed

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.total if self.total else None


@dataclass
class Bar:
    """One day of the chart: a successful bar with the failed part stacked on top of it."""

    x: int
    ok_y: float
    ok_h: float
    fail_y: float
    fail_h: float
    day: Day


@dataclass
class Summary:
    days: list[Day]
    bars: list[Bar]
    chart_width: int
    successful: int
    failed: int
    by_organisation: list[dict[str, Any]]
    # (explanation, failed sessions, what our latest check of the domain saw)
    by_result_type: list[tuple[ResultType, int, CheckSight]]
    by_receiver: list[dict[str, Any]]
    recent_reports: list[TlsReport]
    # How many rows by_receiver and recent_reports would have uncut (they show the first 50):
    # by_receiver's rows are (MX, IP, result type), several to one MX and IP pair.
    receivers_total: int = 0
    reports_total: int = 0
    # Reports of days before the period: in none of its figures or lists, so where those say
    # none the page says these are older, not that there are none (s46e).
    older_reports: int = 0
    raw_counts: dict[str, int] = field(default_factory=dict)
    unparsed: list[RawReport] = field(default_factory=list)
    # (result type, sessions) listed in failure details of policies whose summary counts no
    # failed session: in no table or total, shown apart with why.
    listed_not_counted: list[tuple[str, int]] = field(default_factory=list)

    @property
    def by_type_overlaps(self) -> bool:
        """The by-type column adds up to more than the failed total: RFC 8460 §4 lets
        failure types overlap (one session counted under several), and the page says so."""
        return sum(n for _, n, _ in self.by_result_type) > self.failed

    @property
    def failure_rate(self) -> float | None:
        total = self.successful + self.failed
        return self.failed / total if total else None

    @property
    def failure_percent(self) -> float | None:
        rate = self.failure_rate
        return None if rate is None else 100 * rate

    @property
    def failure_percent_text(self) -> str:
        return percent_text(self.failed, self.successful + self.failed)


def percent_text(failed: float | Fraction, total: int, places: int = 2) -> str:
    """`failed` of `total` sessions in percent, to two decimals as the dashboard shows rates
    (`places` of them for more: an alert's rate that two would show as its threshold,
    reports.alerts._percents); "" without sessions. A rate that rounds to 0.00 while some
    failed says < 0.01 %, and one that rounds to 100.00 while some succeeded says > 99.99 %:
    neither "nothing failed" nor "nothing got through" may be shown when it is not so.

    Rounded half up on the exact quotient, as a person rounds the figure worked out from the
    counts beside it: 1 of 800 (0.125 %) is 0.13 %, not the 0.12 % that formatting the float
    (half to even on its binary value) shows. A `failed` that is not a count (the share of
    sessions an alert rule weighs, a threshold) is taken at its exact value too."""
    if total <= 0:
        return ""
    # Units of the last decimal shown, in integers or exact fractions: right for any count
    # (sums may pass 2^53). Hundredths of a percent with two places.
    one = 10**places
    exact = failed if isinstance(failed, int) else Fraction(failed)
    units, rest = divmod(100 * one * exact, total)
    units = int(units)
    if 2 * rest >= total:
        units += 1
    if failed and units == 0:
        return f"< 0.{'0' * (places - 1)}1 %"
    if failed < total and units >= 100 * one:
        return f"> 99.{'9' * places} %"
    return f"{units // one}.{units % one:0{places}d} %"


def _bars(days: list[Day]) -> list[Bar]:
    peak = max((d.total for d in days), default=0) or 1
    bars = []
    for i, d in enumerate(days):
        ok_h = CHART_HEIGHT * d.successful / peak
        fail_h = CHART_HEIGHT * d.failed / peak
        if d.failed and fail_h < 2:
            fail_h = 2  # a few failures among millions must still be visible
            # ... inside the chart: on the busiest day the bars already fill it, and the
            # failed part stacked on top would be drawn above the top edge, out of sight.
            ok_h = min(ok_h, CHART_HEIGHT - fail_h)
        bars.append(
            Bar(
                x=i * (BAR_WIDTH + 2),
                ok_y=CHART_HEIGHT - ok_h,
                ok_h=ok_h,
                fail_y=CHART_HEIGHT - ok_h - fail_h,
                fail_h=fail_h,
                day=d,
            )
        )
    return bars


def summarise(address: ReportAddress, days: int = 30) -> Summary:
    today = timezone.now().date()
    since = today - timedelta(days=days - 1)
    listed = TlsReport.objects.filter(address=address, day__gte=since)
    # Reports about another domain (a shared _smtp._tls record) are listed, with their
    # warning, but are not this domain's sessions: no totals, chart, or breakdowns. Nor are
    # the days after today (a sender's clock ahead): the chart ends today, and the
    # breakdowns must add up to its totals.
    reports = listed.filter(counted=True, day__lte=today)
    per_day = {
        row["day"]: row
        for row in reports.values("day").annotate(
            ok=SessionSum("total_successful"), failed=SessionSum("total_failed")
        )
    }
    day_rows = []
    for n in range(days):
        d = since + timedelta(days=n)
        row = per_day.get(d, {})
        day_rows.append(Day(d, row.get("ok") or 0, row.get("failed") or 0))

    listed_details = FailureDetail.objects.filter(
        report__address=address,
        report__day__gte=since,
        report__day__lte=today,
        report__counted=True,
    )
    # The tables count the failures the summaries count: a policy whose summary says
    # total-failure-session-count 0 failed no session, whatever its details list (senders
    # list every type or MX with counts the summary does not carry), so its details would
    # make the by-type table add up to more than the failed total. They are shown apart
    # (listed_not_counted), as the alerts leave them out (reports.alerts.failed_rows).
    details = listed_details.filter(policy__failed__gt=0)
    listed_not_counted = [
        (defined_type(t) or t, n)
        for t, n in listed_details.filter(policy__failed=0, failed_session_count__gt=0)
        .values_list("result_type")
        .annotate(n=SessionSum("failed_session_count"))
        .order_by("-n", "result_type")
    ]
    # A defined type in odd letters (Certificate-Expired) is that type: one row with the
    # sessions of every spelling, in each table (the CSV keeps each sender's spelling).
    hosts: dict[str, list[str]] = {}
    for result_type, host in (
        details.exclude(receiving_mx_hostname="")
        .values_list("result_type", "receiving_mx_hostname")
        .distinct()
        .order_by()[:1000]
    ):
        hosts.setdefault(defined_type(result_type) or result_type, []).append(host)
    domain = address.domain
    last_run = domain.last_run if domain is not None else None
    # A failure of the policy host of a name below the domain (shop.example.com shares the
    # address) is a row of its own, explained and joined as that name's.
    own = {a_labels(address.domain_name), ""}
    per_type: dict[tuple[str, str], int] = {}
    # The end of the latest date range each row's type was reported in: a check made before
    # it may predate the failures (join.sight says so rather than "fixed since").
    until: dict[tuple[str, str], datetime] = {}
    spellings: dict[str, set[str]] = {}
    for row in (
        details.values("result_type", "policy__policy_type", "policy__policy_domain")
        .annotate(sessions=SessionSum("failed_session_count"), until=Max(reported_until()))
        .order_by()
    ):
        other = row["policy__policy_domain"]
        # A tlsa policy's domain is an MX host (RFC 8460 §1.1), not a policy domain.
        if (
            other in own
            or row["policy__policy_type"] not in ("sts", "no-policy-found")
            or defined_type(row["result_type"]) not in ABOUT_POLICY_HOST
        ):
            other = ""
        kind = defined_type(row["result_type"]) or row["result_type"]
        spellings.setdefault(kind, set()).add(row["result_type"])
        per_type[(kind, other)] = per_type.get((kind, other), 0) + row["sessions"]
        until[(kind, other)] = max(until.get((kind, other), row["until"]), row["until"])
    # Shown as the sender wrote it when all wrote it alike (explained as the type it most
    # likely is), else by its name in RFC 8460 §4.3.
    shown = {
        kind: next(iter(names)) if len(names) == 1 else kind for kind, names in spellings.items()
    }
    by_type = [
        (
            explain(shown[kind]).about(other or address.domain_name),
            sessions,
            sight(
                shown[kind],
                hosts.get(kind, []),
                last_run,
                other_policy=other,
                domain=address.domain_name,
                reported_until=until[(kind, other)],
                local=True,  # a page: in the reader's zone (s43m)
            ),
        )
        for (kind, other), sessions in sorted(
            per_type.items(), key=lambda item: (-item[1], item[0])
        )
    ]
    # Grouped in the query by the type each spelling is (the spellings are those just read),
    # so the 50 rows are the busiest (MX, IP, type) and receivers_total counts the same rows.
    odd = {kind: sorted(names - {kind}) for kind, names in spellings.items() if names - {kind}}
    as_type: Any = F("result_type")
    if odd:
        as_type = Case(
            *(When(result_type__in=names, then=Value(kind)) for kind, names in sorted(odd.items())),
            default=F("result_type"),
            output_field=CharField(),
        )
    receivers = details.values("receiving_mx_hostname", "receiving_ip", kind=as_type)
    # Ties by MX host, IP and type: left to the grouping, PostgreSQL's order differed from
    # SQLite's, and so did which rows of a tie made the 50 (s26d). The host names ordered as
    # organisation names are, IP and type by code point: not by the database's collation,
    # which put "MX2" before "mx1" on SQLite and after it under a language collation (s28y).
    busiest = receivers.annotate(sessions=SessionSum("failed_session_count")).order_by(
        "-sessions",
        *by_name("receiving_mx_hostname"),
        CodePointOrder(F("receiving_ip")),
        # By its alias: the type is a grouped expression with parameters, and PostgreSQL
        # cannot match it again inside a COLLATE (column must appear in the GROUP BY). The
        # types are lower-case ASCII names, which every collation orders alike.
        "kind",
    )
    by_receiver = [
        {
            "receiving_mx_hostname": row["receiving_mx_hostname"],
            "receiving_ip": row["receiving_ip"],
            "result_type": shown.get(row["kind"], row["kind"]),
            "sessions": row["sessions"],
        }
        for row in busiest[:50]
    ]
    by_org = list(
        reports.values("organization_name")
        .annotate(
            reports=Count("id"),
            ok=SessionSum("total_successful"),
            failed=SessionSum("total_failed"),
        )
        # Ties by name, as for receivers: not in whatever order the database grouped them,
        # and by name the same way on every database (s28n).
        .order_by("-failed", "-ok", *by_name("organization_name"))
    )
    for row in by_org:
        total = (row["ok"] or 0) + (row["failed"] or 0)
        row["failure_rate"] = row["failed"] / total if total else None
        # As a percentage, as the page's summary line and the weekly email show it.
        row["failure_percent"] = 100 * row["failure_rate"] if total else None
        row["failure_percent_text"] = percent_text(row["failed"] or 0, total)
    raws = RawReport.objects.filter(address=address)
    recent = list(
        listed.annotate(
            superseded=Exists(
                RawReport.objects.filter(report=OuterRef("pk"), parse_status=RawReport.SUPERSEDED)
            ),
            # A copy saying other figures kept as a resend (two unsigned copies: the one
            # stored first is counted): marked as a copy set aside is (task s48e). By the
            # reason's ending: it begins by quoting the sender's report-id (review s48r3).
            other_figures=Exists(
                RawReport.objects.filter(
                    report=OuterRef("pk"),
                    parse_status=RawReport.DUPLICATE,
                    error__endswith=OTHER_FIGURES,
                )
            ),
        )
        # A total order: a sender's several reports of a day (and two submitters' reports
        # with one name and report-id) came in the database's order, another on PostgreSQL
        # than on SQLite, and the 50 shown were another choice of them (s27x).
        # The names ordered the same way on every database, not by its collation (s28n).
        .order_by("-day", *by_name("organization_name"), CodePointOrder(F("report_id")), "id")[:50]
    )
    for report in recent:
        # Listed with its counts but in no figure until its day comes: the list says why.
        report.future = report.day > today  # type: ignore[attr-defined]
    return Summary(
        days=day_rows,
        bars=_bars(day_rows),
        chart_width=days * (BAR_WIDTH + 2),
        successful=sum(d.successful for d in day_rows),
        failed=sum(d.failed for d in day_rows),
        by_organisation=by_org,
        by_result_type=by_type,
        by_receiver=by_receiver,
        recent_reports=recent,
        # The page says so when these are cut, and that the CSV has them all. Counted every
        # time: the page's queries do not grow with the data.
        receivers_total=receivers.order_by().distinct().count(),
        reports_total=listed.count(),
        older_reports=TlsReport.objects.filter(address=address, day__lt=since).count(),
        raw_counts=dict(raws.values_list("parse_status").annotate(n=Count("id")).order_by()),
        unparsed=list(
            raws.filter(parse_status__in=[RawReport.REJECTED, RawReport.ERROR]).defer("body")[:20]
        ),
        listed_not_counted=_merged(listed_not_counted),
    )


def _merged(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """(type, sessions) rows with each type's spellings added into one, busiest first."""
    sessions: dict[str, int] = {}
    for kind, n in rows:
        sessions[kind] = sessions.get(kind, 0) + (n or 0)
    return sorted(sessions.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class ReadinessCard:
    """Is it safe to switch the domain's MTA-STS policy from testing to enforce? For a policy
    we host, the hosting page answers and switches (`hosted`: the card links there); for one
    the domain serves itself, the judgement from its reports and latest check, and, once
    ready, the exact change for the owner to make (we cannot publish it)."""

    hosted: bool
    readiness: Readiness | None = None
    seen: SeenPolicy | None = None
    change: str = ""
    min_days: int = MIN_DAYS
    min_reporters: int = MIN_REPORTERS

    @property
    def mx_failing(self) -> list[str]:
        """MX hosts a sender reported a failure at, or the latest check saw fail."""
        per_mx = self.readiness.per_mx if self.readiness else []
        return [e.mx for e in per_mx if e.failed_sessions or e.check == "fail"]

    @property
    def mx_untested(self) -> list[str]:
        """MX hosts the latest check saw but could not show valid, and nobody reported a
        failure at: neither a pass nor a failure. A host that takes no mail (no address, or a
        521 greeting: readiness's "no-mail") is not one: nothing is sent there to protect."""
        if self.readiness is None or self.seen is None:
            return []
        failing = set(self.mx_failing)
        return [
            e.mx
            for e in self.readiness.per_mx
            if e.mx in self.seen.mx and e.check not in ("pass", "no-mail") and e.mx not in failing
        ]


def readiness_card(address: ReportAddress, now: datetime) -> ReadinessCard | None:
    """The dashboard's enforce-readiness card, for a verified domain whose latest check saw
    an MTA-STS policy in mode testing (or could not read the policy while the latest TLS
    report says senders applied one in testing); None otherwise (enforce, none, no MTA-STS)."""
    domain = address.domain
    if domain is None or not domain.is_verified:
        return None
    hosted = HostedPolicy.objects.filter(domain=domain, state=HostedPolicy.State.ACTIVE).first()
    if hosted is not None:
        # Ours: the hosting page judges it and switches the mode itself.
        return ReadinessCard(hosted=True) if hosted.mode == HostedPolicy.Mode.TESTING else None
    seen = seen_policy(domain.last_run)
    if seen is None:
        return None
    if seen.mode is None:
        # The check could not read the policy: neither testing nor not. What senders
        # applied last says whether the question is still open.
        if not _reported_in_testing(address):
            return None
    elif seen.mode != "testing":
        return None
    readiness = self_hosted_readiness(domain, seen, now)
    change = enforce_change(domain.name, seen) if readiness.ready else ""
    return ReadinessCard(hosted=False, readiness=readiness, seen=seen, change=change)


def _reported_in_testing(address: ReportAddress) -> bool:
    """Senders applied the domain's own policy (a subdomain's says nothing of it) in mode
    testing on the latest day of its counted TLS reports with an MTA-STS result: in most of
    that day's sessions, or as many as in any other mode. One report may quote two versions
    of the policy (RFC 8460 §4.4: an entry per policy applied; senders that cached the
    earlier one apply it until its max_age runs out, RFC 8461 §5.1), and several senders
    report the same day: the mode most sessions were under is what senders apply. A tie
    leaves the question the card answers open (task s48g: the latest report's entry the
    database returned first decided, in no fixed order)."""
    results = PolicyResult.objects.filter(
        own_policy(address.domain_name),
        report__address=address,
        report__counted=True,
        # Not a report of a day still to come: it is no report yet (summarise).
        report__day__lte=timezone.now().date(),
        policy_type="sts",
    )
    latest = results.aggregate(day=Max("report__day"))["day"]
    if latest is None:
        return False
    sessions: dict[bool, int] = {}
    for lines, successful, failed in results.filter(report__day=latest).values_list(
        "policy_strings", "successful", "failed"
    ):
        mode = _mode(lines)
        if mode is None:
            # No policy quoted (a sender that could not fetch it): no mode either way (s48r6:
            # counted as another mode's, its sessions outvoted the testing ones).
            continue
        testing = mode == "testing"
        sessions[testing] = sessions.get(testing, 0) + successful + failed
    return True in sessions and sessions[True] >= sessions.get(False, 0)


def _mode(lines: list[str] | None) -> str | None:
    """The mode a policy string gives (RFC 8461 §3.2: any WSP may follow the colon), lower
    case; None without a mode line."""
    for line in lines or []:
        key, colon, value = "".join(str(line).split()).lower().partition(":")
        if colon and key == "mode":
            return value
    return None
