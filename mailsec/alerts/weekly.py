"""The weekly summary: one plain-language email per person, on Mondays, about each verified
domain they get emails for: its score and the week's trend, what is still open, and what
senders' TLS reports said over the week. Reports come daily and rarely need action at once,
so this is where most people read them; a week with nothing wrong says so in one line.

Each person gets at most one per week (a constraint on the Monday of the week), sent from
ALERT_DIGEST_HOUR on Monday in their own time zone (Profile.time_zone, as the daily digest) or,
after a beat outage, at the next run in that week; its week is their local week. It is on
unless turned off on the alerts page or by its own unsubscribe link ("unsubscribe from all"
turns it off too); "No emails" on every domain leaves nothing to summarise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Max, Min, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber

from checks.findings import Mechanism
from checks.scoring import Coverage
from mailsec.alerts.emails import domain_names
from mailsec.alerts.models import (
    AlertDefault,
    AlertRecipient,
    AlertSetting,
    Change,
    Notification,
)
from mailsec.alerts.rules import points_lost
from mailsec.domains.models import CheckRun, Domain, name_sort_key
from reports.alerts import failed_rows
from reports.dashboard import percent_text
from reports.explain import explain
from reports.models import FailureDetail, TlsReport, sender_key
from reports.sums import SessionSum

WEEK = timedelta(days=7)
# How far back a summary's news goes at most when the previous one was long before (the
# summary was off for months): a beat outage over a whole week's Monday stays covered.
NEWS_AT_MOST = 2 * WEEK
TOP_FAILURES = 3
NAMED = 5  # domains named in the opening for each reason; more are counted
OPEN_SHOWN = 10  # open problems listed per domain
# A trouble of a hosted policy whose telling is not kept (HostingEvent rows deleted).
HOSTING_TROUBLE = "The hosted policy needs attention: its hosting page says what to fix."


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of the week `now` falls in, in `now`'s own zone (the reader's: due,
    make)."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday, time(), tzinfo=now.tzinfo)


@dataclass
class DomainWeek:
    domain: Domain
    open_changes: list[Change] = field(default_factory=list)
    successful: int = 0
    failed: int = 0
    reporters: int = 0
    # (result type, failed sessions, what it means in words)
    top_failures: list[tuple[str, int, str]] = field(default_factory=list)
    url: str = ""  # the domain page
    reports_url: str = ""  # its TLS reports dashboard, "" without a report address
    # Where its score lost its points, as the domain page lists them next to the score
    # (rules.points_lost): a score alone does not say what to fix.
    points_lost: list[str] = field(default_factory=list)
    # Of its open problems, those confirmed in the week before the summary: news for the
    # subject (an open problem told weeks ago is not).
    new_problems: int = 0
    # Trouble with its hosted MTA-STS policy still going on (HostedPolicy.troubles), in the
    # words of the latest event that told of each; hosting_news when one was told this week.
    hosting_trouble: list[str] = field(default_factory=list)
    hosting_news: bool = False
    # It could not be checked (could_not_be_checked) and that happened in the summary's
    # window: news for the subject.
    unchecked_news: bool = False
    # Reports of days before the summary's (report_days) that arrived in its window, after
    # any earlier summary was made: no summary counted them (s36m). Their number, sessions,
    # first and last days, and the start of the window they arrived in.
    late_reports: int = 0
    late_successful: int = 0
    late_failed: int = 0
    late_first: date | None = None
    late_last: date | None = None
    late_since: datetime | None = None

    @property
    def late_sessions(self) -> int:
        return self.late_successful + self.late_failed

    @property
    def late_failure_percent_text(self) -> str:
        """The late reports' failure rate as the dashboard writes rates (percent_text)."""
        return percent_text(self.late_failed, self.late_sessions)

    @property
    def trend(self) -> int | None:
        d = self.domain
        if d.last_score is None or d.week_ago_score is None:
            return None
        return d.last_score - d.week_ago_score

    @property
    def no_trend(self) -> str:
        """Why there is no "since last week" beside the score, briefly, from the reason the
        row keeps (Domain.last_worst["no_trend"], models.no_trend; the list says it too,
        listing.no_trend_words). Nothing for the first week (no check a week before), as the
        list's cell says nothing: every domain of a new team would say it."""
        if self.trend is not None:
            return ""
        kept = (self.domain.last_worst or {}).get("no_trend") or {}
        if kept.get("why") == "rubric":
            return "no trend: the score's rubric changed since a week before"
        if kept.get("why") == "not_checked":
            then = [m for m in Mechanism if str(m) in (kept.get("then") or [])]
            if not then:
                return "no trend: everything was checked a week before"
            return f"no trend: {Coverage(0, 1, tuple(then)).missing_words} a week before"
        if kept.get("why") == "no_score":
            if kept.get("did_not_exist"):
                return "no trend: no score a week before, the domain did not exist in DNS then"
            return "no trend: no score a week before, nothing could be scored then"
        return ""

    @property
    def sessions(self) -> int:
        return self.successful + self.failed

    @property
    def failure_percent_text(self) -> str:
        """The week's failure rate as the dashboard writes it (reports.dashboard.percent_text,
        rounded half up on the exact counts: 1 of 800 is 0.13 %), not the float rounded half
        to even (0.12 %), which the template filter `percent` wrote before s40g."""
        return percent_text(self.failed, self.sessions)

    @property
    def loses_points(self) -> bool:
        """Its score lost points: lines to show, or a score under 100 kept without the run's
        detail that would say where."""
        score = self.domain.last_score
        return bool(self.points_lost) or (score is not None and score < 100)

    @property
    def score_dropped(self) -> bool:
        return self.trend is not None and self.trend < 0

    @property
    def no_score(self) -> str:
        """Why there is no score to judge the domain by, as its Score line says it: the name
        does not exist ("does_not_exist"), it has not been checked yet ("not_checked"; its
        first check could not complete: "first_failed") or its last check could make none of
        the scored checks ("none_checked"); "" with a score, or for a null MX with nothing
        else to score (it receives no mail: nothing to fix). Such a domain is not "fine"."""
        d = self.domain
        kept = d.last_worst or {}
        if d.receives_no_mail or d.last_score is not None:
            return ""
        if kept.get("does_not_exist"):
            return "does_not_exist"
        if kept.get("none_checked"):
            return "none_checked"
        if d.last_run_id is None:
            return "first_failed" if d.last_failed_at is not None else "not_checked"
        return ""

    @property
    def score_held_over(self) -> bool:
        """Its latest check could not complete (Domain.last_failed_at, cleared when a newer
        run finishes): the score shown is from the last check that did, maybe days before."""
        d = self.domain
        return (
            d.last_score is not None
            and d.last_failed_at is not None
            and (d.last_checked_at is not None and d.last_failed_at > d.last_checked_at)
        )

    @property
    def could_not_be_checked(self) -> datetime | None:
        """When its latest check could not be made, if it could not: a check that could not
        complete, after an older one that did (score_held_over) or as its first
        ("first_failed"), or one that completed and could make none of the scored checks
        ("none_checked"). We could not look; nothing says the domain is at fault."""
        d = self.domain
        if self.score_held_over or self.no_score == "first_failed":
            return d.last_failed_at
        if self.no_score == "none_checked":
            return d.last_checked_at
        return None

    @property
    def quiet(self) -> bool:
        """Nothing to act on: no points lost, no open change, no failed session reported and
        no trouble with its hosted policy."""
        return (
            not self.loses_points
            and not self.open_changes
            and not self.failed
            and not self.hosting_trouble
        )


def _names(weeks: list[DomainWeek]) -> str:
    """ "a.example", "a.example and b.example", "a, b, c, d, e and 2 more"."""
    return domain_names([w.domain for w in weeks], NAMED)


def _said(reasons: list[tuple[list[DomainWeek], str, str]]) -> list[str]:
    """One phrase per reason some domain has, from its (domains, one, many) templates, which
    name the domains as {names} and count them as {count}."""
    said = []
    for which, one, many in reasons:
        if which:
            words = one if len(which) == 1 else many
            said.append(words.format(names=_names(which), count=len(which)))
    return said


def attention(weeks: list[DomainWeek], days: str = "last week") -> str:
    """The summary's opening after its dates: which domains lose points, have open problems,
    had failed sessions, have trouble with their hosted policy ("2 domains lose points:
    a.example and b.example."), each reason what the domain's own lines below show (Points
    lost, Open problems, TLS reports, Hosted MTA-STS); then which have no score and why, as
    their Score line says, and which could not be checked at their latest check (the score
    shown is older, as the line under it says). "Nothing needs fixing." only when no domain
    has any of these; with no problem but some domains without a (current) score, that is
    said of the others alone. `days`: the report days in words ("last week", else "in those
    days": the dates said before it)."""
    problems = _said(
        [
            (
                [w for w in weeks if w.loses_points],
                "{names} loses points.",
                "{count} domains lose points: {names}.",
            ),
            (
                [w for w in weeks if w.open_changes],
                "{names} has open problems.",
                "{count} domains have open problems: {names}.",
            ),
            (
                [w for w in weeks if w.failed],
                "{names} had failed TLS sessions " + days + ".",
                "{count} domains had failed TLS sessions " + days + ": {names}.",
            ),
            (
                [w for w in weeks if w.hosting_trouble],
                "{names} has trouble with its hosted MTA-STS policy.",
                "{count} domains have trouble with their hosted MTA-STS policy: {names}.",
            ),
        ]
    )
    unknown = _said(
        [
            (
                [w for w in weeks if w.no_score == "does_not_exist"],
                "{names} does not exist in DNS (NXDOMAIN).",
                "{count} domains do not exist in DNS (NXDOMAIN): {names}.",
            ),
            (
                [w for w in weeks if w.no_score == "none_checked"],
                "{names} could not be checked at its last check (lookups timed out or failed).",
                "{count} domains could not be checked at their last checks (lookups timed out "
                "or failed): {names}.",
            ),
            (
                [w for w in weeks if w.no_score == "not_checked"],
                "{names} has not been checked yet.",
                "{count} domains have not been checked yet: {names}.",
            ),
            (
                [w for w in weeks if w.no_score == "first_failed"],
                "{names} has not been checked yet: its first check could not complete.",
                "{count} domains have not been checked yet, their first checks could not "
                "complete: {names}.",
            ),
            (
                [w for w in weeks if w.score_held_over],
                "{names} could not be checked at its latest check; the score shown is from "
                "an earlier one.",
                "{count} domains could not be checked at their latest checks; the scores "
                "shown are from earlier ones: {names}.",
            ),
        ]
    )
    if problems or not unknown:
        return " ".join(problems + unknown) or "Nothing needs fixing."
    others = len([w for w in weeks if not w.no_score and not w.score_held_over])
    if others:
        unknown.append(
            "Nothing needs fixing on the other domain."
            if others == 1
            else f"Nothing needs fixing on the other {others} domains."
        )
    return " ".join(unknown)


def subject(weeks: list[DomainWeek]) -> str:
    """The subject after "Your week: ": what changed or broke this week (problems confirmed
    in it, scores that dropped since last week, failed TLS sessions in last week's reports,
    trouble with a hosted policy told in it, a latest check made in it that could not be made:
    "could not be checked", no alarm word, since we could not look), so that a subject that says something is worth
    opening; otherwise calm, however many points the domains lose week after week (most lose
    some: DNSSEC not signed), which the body says. A subject that always asks for a look is
    one people learn to ignore (product lessons, alerts without fatigue)."""
    news = _said(
        [
            (
                [w for w in weeks if w.new_problems],
                "new problems on {names}",
                "new problems on {count} domains",
            ),
            (
                [w for w in weeks if w.score_dropped],
                "score dropped on {names}",
                "scores dropped on {count} domains",
            ),
            (
                [w for w in weeks if w.failed],
                "failed TLS sessions on {names}",
                "failed TLS sessions on {count} domains",
            ),
            (
                [w for w in weeks if w.hosting_news],
                "hosted MTA-STS trouble on {names}",
                "hosted MTA-STS trouble on {count} domains",
            ),
            (
                [w for w in weeks if w.unchecked_news],
                "{names} could not be checked",
                "{count} domains could not be checked",
            ),
        ]
    )
    if news:
        return "; ".join(news)
    count = f"{len(weeks)} domain{'' if len(weeks) == 1 else 's'}"
    if all(w.quiet and not w.no_score and not w.score_held_over for w in weeks):
        return f"{count}, nothing to fix"
    return f"{count}, nothing new"


def domains_for(user: User) -> list[Domain]:
    """The verified domains of the person's teams that they get emails for (not "No emails"),
    in the domain list's order (name_sort_key: client2 before client10; s41f)."""
    domains = sorted(
        Domain.objects.filter(team__memberships__user=user, verified_at__isnull=False)
        .distinct()
        .order_by(),
        key=lambda d: (name_sort_key(d.name), d.pk),  # one name in two teams: added first
    )
    modes = AlertSetting.modes_for(user, domains)  # the per-team defaults included
    return [d for d in domains if modes[d.pk] != AlertSetting.Mode.OFF]


def covers_any(user: User) -> bool:
    """Whether domains_for(user) has a domain, in at most three queries that read no domain's
    row (the alerts page asks it, for a person of an MSP's thousand domains): a verified domain
    of theirs whose own row is not "No emails", or, but after unsubscribe-from-all, one with no
    row whose team's default for the person is not "No emails"."""
    mine = Domain.objects.filter(team__memberships__user=user, verified_at__isnull=False)
    off = AlertSetting.Mode.OFF
    rows = AlertSetting.objects.filter(user=user, domain__in=mine).exclude(mode=off)
    if rows.exists():
        return True
    if AlertRecipient.objects.filter(user=user, unsubscribed_all=True).exists():
        return False
    silent = AlertDefault.objects.filter(user=user, mode=off).values("team_id")
    return mine.exclude(alert_settings__user=user).exclude(team_id__in=silent).exists()


def summary_wanted(user: User) -> str:
    """Why the person should not get a weekly summary now ("" when they should)."""
    recipient = AlertRecipient.objects.filter(user=user).first()
    if recipient is not None and not recipient.weekly_summary:
        return "the weekly summary was turned off"
    if not user.is_active or not user.email:
        return "the person has no active address"
    if not domains_for(user):
        return "no verified domain the person gets emails for"
    return ""


def report_days(since: datetime, now: datetime) -> tuple[date, date]:
    """The TLS reports' days a summary whose window is `since` to `now` tells of: the whole
    UTC days that ended in it (report days are UTC days, RFC 8460 §4.1), so that one
    summary's days start where the previous one's ended, as its news does (news_since): a
    summary after a missed week tells both weeks (at most NEWS_AT_MOST), a late one the days
    up to its sending, and the next one none of those again (s35x: they were the reader's
    calendar week, whatever the window). On time each Monday that is the seven days before,
    Monday to Sunday (east of UTC+7 at 07:00, where that Sunday has not ended in UTC yet,
    Sunday to Saturday), as before. A window in which no whole day ended (two summaries
    within a day, after a change of zone) tells the last day that did, again."""
    first = since.astimezone(UTC).date()
    last = now.astimezone(UTC).date() - timedelta(days=1)
    return min(first, last), last


def period(first: date, last: date) -> str:
    """The report days in words before their dates: "last week" for seven, else how many."""
    days = (last - first).days + 1
    return "last week" if days == 7 else f"over {days} day{'' if days == 1 else 's'}"


def news_since(user: User, now: datetime) -> datetime:
    """Where the news of the person's summary made at `now` begins: where their previous
    summary's ended (its covers_until, when it was made), so that news is told once and none
    falls between two summaries when one went late after a beat outage (s35w: a window of
    the week before each overlapped the late one's, and the one after a late one left a gap);
    a week back with none before. Only a summary that was told (sent) or was not to be
    (skipped) counts, as for the daily digest (Notification._digest_since): one given up after
    failed sends told nothing. Never more than NEWS_AT_MOST back (the summary was off for
    months)."""
    previous = (
        Notification.objects.filter(
            user=user,
            kind=Notification.Kind.WEEKLY,
            covers_until__lt=now,
            status__in=[Notification.Status.SENT, Notification.Status.SKIPPED],
        )
        .order_by("-covers_until")
        .values_list("covers_until", flat=True)
        .first()
    )
    return max(previous or now - WEEK, now - NEWS_AT_MOST)


def summarise(user: User, now: datetime) -> list[DomainWeek]:
    """Per domain the person gets emails for: the score and open problems as they are now,
    the trouble with its hosted policy, and the TLS reports of the window's days
    (report_days); the news (for the subject) is what happened after news_since and up to
    `now`, when the summary was made (a send retried later tells what came meanwhile next
    week). A few queries for all of them, however many (an MSP has hundreds): each reads
    every domain at once, and only the rows it shows."""
    return summarise_days(user, now)[0]


def summarise_days(user: User, now: datetime) -> tuple[list[DomainWeek], date, date]:
    """summarise, and the first and last of the report days it counted (report_days), which
    the email says: found with the window, no query of their own."""
    weeks = {domain.pk: DomainWeek(domain) for domain in domains_for(user)}
    if not weeks:
        first, last = report_days(now - WEEK, now)
        return [], first, last
    since = news_since(user, now)
    first, last = report_days(since, now)
    for week in weeks.values():
        when = week.could_not_be_checked
        week.unchecked_news = when is not None and since < when <= now
    scored = {
        w.domain.last_run_id: w
        for w in weeks.values()
        if w.domain.last_score is not None and w.domain.last_run_id is not None
    }
    last_runs = CheckRun.objects.filter(pk__in=scored).values_list("pk", "score_detail", "findings")
    for run_id, detail, findings in last_runs:
        scored[run_id].points_lost = points_lost(detail, findings or [])
    _add_changes(weeks, since, now)
    _add_reports(weeks, first, last, now)
    _add_late_reports(weeks, first, since, now)
    _add_hosting(weeks, since, now)
    return list(weeks.values()), first, last


def _add_changes(weeks: dict[int, DomainWeek], since: datetime, now: datetime) -> None:
    """The open problems of each domain, the first OPEN_SHOWN, and how many were confirmed
    after `since` up to `now`. One query, which reads the rows shown alone (s35w: every open
    problem was read to show ten a domain); the count is the database's, over all of them."""
    in_window = Q(confirmed_at__gt=since, confirmed_at__lte=now)
    changes = (
        Change.objects.filter(domain_id__in=weeks, state=Change.State.CONFIRMED)
        .annotate(
            place=Window(
                RowNumber(), partition_by=[F("domain_id")], order_by=[F("created"), F("pk")]
            ),
            new_in_window=Window(
                Sum(Case(When(in_window, then=Value(1)), default=Value(0))),
                partition_by=[F("domain_id")],
            ),
        )
        .filter(place__lte=OPEN_SHOWN)
        .only("domain_id", "summary", "created", "confirmed_at")
        .order_by("created", "pk")
    )
    for change in changes:
        week = weeks[change.domain_id]
        week.open_changes.append(change)
        week.new_problems = change.new_in_window


def _add_reports(weeks: dict[int, DomainWeek], first: date, last: date, now: datetime) -> None:
    """The sessions of each domain's reports of the days first to last stored up to `now`
    (when the summary was made), and the types its failed ones failed with, the
    TOP_FAILURES most first. A report of those days stored after `now` is the next
    summary's late report (_add_late_reports), so a send retried later (a transient SMTP
    error) tells what its first try would have, and no report is counted by two summaries
    (s37c)."""
    # Reports about another domain sharing the address are shown on the dashboard but
    # counted nowhere (TlsReport.counted); the week is the reports' own UTC days.
    reports = TlsReport.objects.filter(
        address__domain_id__in=weeks,
        counted=True,
        day__gte=first,
        day__lte=last,
        created__lte=now,
    )
    # Per sender as well: the sending organisations are counted from the same rows, one
    # sender's reports about two domains under one report-id (stored under two keys,
    # reports.models.sender_key) as one.
    totals = (
        reports.values("address__domain_id", "submitter", "policy_domain")
        .annotate(ok=SessionSum("total_successful"), bad=SessionSum("total_failed"))
        .order_by()
    )
    senders: set[tuple[int, str]] = set()
    for row in totals:
        week = weeks[row["address__domain_id"]]
        ok, bad = row["ok"] or 0, row["bad"] or 0
        week.successful += ok
        week.failed += bad
        if ok or bad:
            senders.add(
                (row["address__domain_id"], sender_key(row["submitter"], row["policy_domain"]))
            )
    for pk, _ in senders:
        weeks[pk].reporters += 1
    failing = [pk for pk, week in weeks.items() if week.failed]
    if not failing:
        return
    # Only details that tell of failed sessions (failed_rows, as the alerts and the
    # dashboard): a policy whose summary counts none failed none, whatever its details list
    # (RPT-11), and a type listed with 0 sessions is no failure.
    top = (
        failed_rows(
            FailureDetail.objects.filter(report__in=reports, report__address__domain_id__in=failing)
        )
        .values("report__address__domain_id", "result_type")
        .annotate(sessions=SessionSum("failed_session_count"))
        .order_by("report__address__domain_id", "-sessions", "result_type")
    )
    for row in top:
        week = weeks[row["report__address__domain_id"]]
        if len(week.top_failures) < TOP_FAILURES:
            week.top_failures.append(
                (row["result_type"], row["sessions"], explain(row["result_type"]).meaning)
            )


def _add_late_reports(
    weeks: dict[int, DomainWeek], first: date, since: datetime, now: datetime
) -> None:
    """The reports of days before the summary's first that arrived after `since` (where the
    previous summary's window ended) up to `now`: the previous summary was made before they
    came and this one's days start after theirs, so no summary counted them (s36m: senders
    send a day's report within the next day, so Sunday's often came after Monday's summary
    and was told nowhere). One query for every domain. Not an import of history
    (ingest_files marks its reports evaluated in the instant it stores them): that is no
    report arriving late."""
    late = (
        TlsReport.objects.filter(
            address__domain_id__in=weeks,
            counted=True,
            day__lt=first,
            created__gt=since,
            created__lte=now,
        )
        .exclude(alerts_evaluated_at=F("created"))
        .values("address__domain_id")
        .annotate(
            n=Count("pk"),
            ok=SessionSum("total_successful"),
            bad=SessionSum("total_failed"),
            first_day=Min("day"),
            last_day=Max("day"),
        )
        .order_by()
    )
    for row in late:
        week = weeks[row["address__domain_id"]]
        week.late_reports = row["n"]
        week.late_successful, week.late_failed = row["ok"] or 0, row["bad"] or 0
        week.late_first, week.late_last = row["first_day"], row["last_day"]
        week.late_since = since


def _add_hosting(weeks: dict[int, DomainWeek], since: datetime, now: datetime) -> None:
    """The trouble still going on with each domain's hosted policy (HostedPolicy.troubles),
    each in the words of the latest event that told of it up to `now` (an alias and a null
    MX beside the MX records: the page's words for them now, as several hosts or none may be
    told apart), and whether that was told after `since`. The events read are those latest
    ones alone (s35w: every event of those kinds ever was read, to keep one each)."""
    from mailsec.hosting.models import HostedPolicy, HostingEvent, for_people

    policies = HostedPolicy.objects.filter(domain_id__in=weeks, state=HostedPolicy.State.ACTIVE)
    troubled: dict[int, tuple[HostedPolicy, list[str]]] = {}
    for policy in policies:
        if kinds := policy.troubles():
            troubled[policy.pk] = (policy, kinds)
    if not troubled:
        return
    events = (
        HostingEvent.objects.filter(
            policy_id__in=troubled,
            kind__in={kind for _, kinds in troubled.values() for kind in kinds},
            created__lte=now,
        )
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("policy_id"), F("kind")],
                order_by=[F("created").desc(), F("pk").desc()],
            )
        )
        .filter(place=1)
        .only("policy_id", "kind", "message", "created")
    )
    latest = {(event.policy_id, event.kind): event for event in events}
    for pk, (policy, kinds) in troubled.items():
        assert policy.domain_id is not None  # filtered by domain
        week = weeks[policy.domain_id]
        for kind in kinds:
            event = latest.get((pk, kind))
            if kind == "mx-alias":
                week.hosting_trouble += [for_people(m) for m in policy.alias_warnings()]
            elif kind == "mx-null-mixed":
                week.hosting_trouble.append(for_people(policy.null_beside_message()))
            elif event is not None:
                week.hosting_trouble.append(event.shown)
            else:
                week.hosting_trouble.append(HOSTING_TROUBLE)
            if event is not None and event.created > since:
                week.hosting_news = True


def reader_zone(user: User) -> tzinfo:
    """The zone the person's week is in: theirs (Profile.time_zone), UTC until chosen."""
    from mailsec.alerts.tasks import recipient_zone

    return recipient_zone(user)


def local_week_start(user: User, now: datetime) -> datetime:
    """Monday 00:00 of the person's current week, where they are."""
    return week_start(now.astimezone(reader_zone(user)))


def due(now: datetime) -> list[User]:
    """People whose summary for this week is due and not made yet: from ALERT_DIGEST_HOUR on
    Monday where they are (as their daily digest: s25n, it went at that hour UTC, in the
    middle of a Sunday night at UTC-10 and Monday afternoon in Asia), for people who had an
    account before their week began (a summary the day someone signs up would have nothing
    in it).

    Two queries however many people there are, and only the people it is due for read
    (s26a: every person with a verified domain was read every hour, the week's summary made
    or not): the zones people chose (a few hundred at most), each read here for its week and
    whether Monday's hour has passed there, then the people of those zones with no summary
    of that week."""
    from django.db.models import Exists, OuterRef

    from mailsec.accounts.models import Profile, zone
    from mailsec.alerts.tasks import digest_hour_of

    # Per week (its Monday where the person is), per start of that week (an instant, which
    # differs with the zone's offset): the zones whose Monday hour has passed. None stands for
    # people with no profile (UTC, as for an unknown name: accounts.models.zone).
    weeks: dict[date, dict[datetime, list[str | None]]] = {}
    for name in [*Profile.objects.values_list("time_zone", flat=True).distinct(), None]:
        tz = zone(name)
        start = week_start(now.astimezone(tz))
        # The hour as the daily digest reads it (a DST change at it: the first hour after).
        if now < digest_hour_of(start.date(), tz):
            continue
        weeks.setdefault(start.date(), {}).setdefault(start, []).append(name)
    if not weeks:
        return []
    wanted = Q()
    for monday, starts in weeks.items():
        made = Notification.objects.filter(
            user=OuterRef("pk"), kind=Notification.Kind.WEEKLY, digest_day=monday
        )
        joined_before = Q()
        for start, names in starts.items():
            zones = Q(profile__time_zone__in=[n for n in names if n is not None])
            if None in names:
                zones |= Q(profile__isnull=True)
            joined_before |= zones & Q(date_joined__lt=start)
        wanted |= joined_before & ~Exists(made)
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .exclude(alert_recipient__weekly_summary=False)
        .filter(wanted)
        .filter(
            pk__in=User.objects.filter(
                memberships__team__domains__verified_at__isnull=False
            ).values("pk")
        )
        .select_related("profile")
        .order_by("pk")
    )


def make(user: User, now: datetime) -> Notification | None:
    """This week's summary for `user`, to be sent; None when it exists already or is not
    wanted. Not wanted is recorded too (a skipped row), so the hourly runs of the rest of the
    week do not ask again."""
    reason = summary_wanted(user)
    try:
        with transaction.atomic():
            n = Notification.objects.create(
                user=user,
                kind=Notification.Kind.WEEKLY,
                to_address=user.email,
                digest_day=local_week_start(user, now).date(),
                covers_until=now,
                status=Notification.Status.SKIPPED if reason else Notification.Status.PENDING,
                error=reason,
            )
    except IntegrityError:
        return None  # another beat made it already
    return None if reason else n
