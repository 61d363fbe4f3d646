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
from django.db.models import Count, Q

from checks.findings import Mechanism
from checks.scoring import Coverage
from mailsec.alerts.models import AlertRecipient, AlertSetting, Change, Notification
from mailsec.alerts.rules import points_lost
from mailsec.domains.models import CheckRun, Domain
from reports.alerts import failed_rows
from reports.explain import explain
from reports.models import FailureDetail, TlsReport
from reports.sums import SessionSum

WEEK = timedelta(days=7)
TOP_FAILURES = 3
NAMED = 5  # domains named in the opening for each reason; more are counted


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
    def failure_percent(self) -> float | None:
        return 100 * self.failed / self.sessions if self.sessions else None

    @property
    def loses_points(self) -> bool:
        """Its score lost points: lines to show, or a score under 100 kept without the run's
        detail that would say where."""
        score = self.domain.last_score
        return bool(self.points_lost) or (score is not None and score < 100)

    @property
    def quiet(self) -> bool:
        """Nothing to act on: no points lost, no open change and no failed session reported."""
        return not self.loses_points and not self.open_changes and not self.failed


def _names(weeks: list[DomainWeek]) -> str:
    """ "a.example", "a.example and b.example", "a, b, c, d, e and 2 more"."""
    names = [w.domain.display_name for w in weeks]
    if len(names) > NAMED:
        return f"{', '.join(names[:NAMED])} and {len(names) - NAMED} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def attention(weeks: list[DomainWeek]) -> str:
    """What needs attention, for the summary's opening: which domains lose points, have open
    problems, had failed sessions ("2 domains lose points: a.example and b.example."); ""
    when none does, and the summary says nothing needs fixing. Each reason is what the
    domain's own lines below show (Points lost, Open problems, TLS reports)."""
    sentences = []
    for which, one, many in (
        ([w for w in weeks if w.loses_points], "loses points", "lose points"),
        ([w for w in weeks if w.open_changes], "has open problems", "have open problems"),
        (
            [w for w in weeks if w.failed],
            "had failed TLS sessions last week",
            "had failed TLS sessions last week",
        ),
    ):
        if len(which) == 1:
            sentences.append(f"{_names(which)} {one}.")
        elif which:
            sentences.append(f"{len(which)} domains {many}: {_names(which)}.")
    return " ".join(sentences)


def domains_for(user: User) -> list[Domain]:
    """The verified domains of the person's teams that they get emails for (not "No emails")."""
    domains = list(
        Domain.objects.filter(team__memberships__user=user, verified_at__isnull=False)
        .distinct()
        .order_by("name")
    )
    modes = AlertSetting.modes_for(user, domains)  # the per-team defaults included
    return [d for d in domains if modes[d.pk] != AlertSetting.Mode.OFF]


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


def last_week(now: datetime) -> tuple[date, date]:
    """The TLS reports' days the summary made at `now` (in its reader's zone) tells of: the
    days of the reader's last week, Monday to Sunday. Report days are UTC days (RFC 8460), so
    where Monday's hour comes before Sunday has ended in UTC (east of UTC+7 at 07:00), no
    report of that Sunday can exist yet: the week is then the last seven UTC days that have
    ended, Sunday to Saturday, and the email says those dates."""
    monday = week_start(now).date() - WEEK
    ended = now.astimezone(UTC).date() - timedelta(days=1)
    last = min(monday + timedelta(days=6), ended)
    return last - timedelta(days=6), last


def summarise(user: User, now: datetime) -> list[DomainWeek]:
    """Per domain the person gets emails for: the score and open problems as they are now,
    and the TLS reports of last week (last_week: whole UTC days, Monday to Sunday of the
    reader's week)."""
    first, last = last_week(now.astimezone(reader_zone(user)))
    weeks = []
    for domain in domains_for(user):
        week = DomainWeek(domain)
        if domain.last_score is not None and domain.last_run_id is not None:
            last_run = CheckRun.objects.filter(pk=domain.last_run_id).values_list(
                "score_detail", "findings"
            )
            for detail, findings in last_run:
                week.points_lost = points_lost(detail, findings or [])
        week.open_changes = list(
            domain.changes.filter(state=Change.State.CONFIRMED).order_by("created")[:10]
        )
        # Reports about another domain sharing the address are shown on the dashboard but
        # counted nowhere (TlsReport.counted); the week is the reports' own UTC days.
        reports = TlsReport.objects.filter(
            address__domain=domain, counted=True, day__gte=first, day__lte=last
        )
        totals = reports.aggregate(
            ok=SessionSum("total_successful"),
            bad=SessionSum("total_failed"),
            reporters=Count(
                "submitter", distinct=True, filter=Q(total_successful__gt=0) | Q(total_failed__gt=0)
            ),
        )
        week.successful, week.failed = totals["ok"] or 0, totals["bad"] or 0
        week.reporters = totals["reporters"] or 0
        if week.failed:
            # Only details that tell of failed sessions (failed_rows, as the alerts and the
            # dashboard): a policy whose summary counts none failed none, whatever its
            # details list (RPT-11), and a type listed with 0 sessions is no failure.
            top = (
                failed_rows(FailureDetail.objects.filter(report__in=reports))
                .values("result_type")
                .annotate(sessions=SessionSum("failed_session_count"))
                .order_by("-sessions", "result_type")[:TOP_FAILURES]
            )
            week.top_failures = [
                (row["result_type"], row["sessions"], explain(row["result_type"]).meaning)
                for row in top
            ]
        weeks.append(week)
    return weeks


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
