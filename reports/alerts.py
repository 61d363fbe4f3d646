"""Alerts from TLS reports, through the alert pipeline of mailsec.alerts (Change → Notification).

Two events (issue 7), both about what senders saw, so they are confirmed as they arrive — the
report itself is the evidence; there is nothing for a re-probe of ours to confirm:

* a new failure type: a result type (RFC 8460 §4.3) in a report of the domain that no report
  of the previous QUIET_DAYS days carried;
* a day's failure rate above the threshold (TLSRPT_ALERT_FAILURE_RATE, with at least
  TLSRPT_ALERT_MIN_SESSIONS sessions that day, so one failure out of two is not an alarm),
  counting only the failures beyond what each reporting organisation usually sees: a sender
  whose failure rate is at or below its own rate of the previous BASELINE_DAYS ordinary days
  (days whose overall rate stayed at or under the threshold) is routine noise, and a small
  sender's steady few failures must not alert whenever the day's total happens to be low.

Repeats are suppressed by the pipeline's own rule — at most one open Change per (domain, key),
a database constraint — so every later report of the same type, or another bad day, adds
nothing while the change is open. A change is closed (recovered) once the type has not been
reported for QUIET_DAYS report days, or the last QUIET_DAYS days with enough sessions to judge
were none of them alert-worthy (one good day is no recovery: a rate that wobbles around the
threshold would otherwise be a new alert every other day); after that, the problem coming back
is news again. Its closing is told as a fix our checks confirm is (Notification.Kind.RECOVERY,
and the daily digest), to whoever was told of the problem, with what the reports said since
(Change.note). The same report read again (another copy taking it over, a reparse
after a parser fix) is not something coming back: it tells only what its earlier evaluations
were not told (evaluate_report, reports.models.AlertFacts), and a day's failure rate is told
once.

A new failure of a type the dashboard reads next to our latest check (reports.join.RELATED:
certificates, STARTTLS, MTA-STS policy, DANE/DNSSEC) brings the domain's next scheduled check
forward (check_soon), so "our last check saw …" is about the domain as it is now.

mailsec.alerts evaluates only its own kinds when a check run arrives; for these kinds its
`rules.evaluate` answers "unknown", which never touches a confirmed change; its emails render
changes of other apps' kinds after its own.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from reports import conf
from reports.dashboard import percent_text
from reports.explain import defined_type, explain
from reports.join import compared_with_check, mx01_hosts, sight
from reports.models import (
    AlertFacts,
    FailureDetail,
    RawReport,
    ReportAddress,
    TlsReport,
    reported_until,
    sender_key,
)
from reports.sums import SessionSum

if TYPE_CHECKING:
    from mailsec.alerts.models import Change
    from mailsec.domains.models import CheckRun, Domain

log = logging.getLogger(__name__)

KIND_NEW_TYPE = "tlsrpt-new-type"
UNKNOWN_TYPES = "not in RFC 8460"  # the one change for every result type the RFC does not name
KIND_FAILURE_RATE = "tlsrpt-failure-rate"
QUIET_DAYS = 7
# An alert is about something happening now: only a report of the last RECENT_DAYS days (the
# week the new-type rule looks back over and the failure-rate rule needs calm to close) can
# open a change. An older one — held for weeks in a sender's queue, or an old failed raw
# report that `manage.py reparse` parsed after a fix — is stored and counted on the
# dashboard, but emailing about failures long over would be a false alarm.
RECENT_DAYS = QUIET_DAYS
# How far back a reporting organisation's usual failure rate is taken from: two weeks, so a
# weekly rhythm (weekend traffic from other senders) is inside it.
BASELINE_DAYS = 14
# The evidence key of a failure type's recovered change: the last report day with a failure
# of it, which its recovery subject names (subject_line).
LAST_REPORTED = "last reported"


def failure_type(result_type: str) -> str:
    """The failure type alerts key, compare, close and count `result_type` by: its RFC 8460
    §4.3 name in whatever letters or separators a sender wrote it (explain.defined_type, the
    one place that reads a spelling: "Certificate-Expired" is certificate-expired), else as
    sent. Stored rows, and AlertFacts records, keep each sender's spelling, so every reading
    of them goes through here."""
    return defined_type(result_type) or result_type


def _told_as(written: Iterable[str]) -> set[str]:
    """The failure types that earlier rows, or a report's told facts, spelled `written` count
    as having told: those written as their failure type (a defined type as RFC 8460 spells
    it, any other as sent). A defined type in other letters counts only as written: before
    commit 4404d01 it was told as a type "not in RFC 8460", not as itself, and the rows and
    told facts of then keep that spelling. Read as the type, they would make it seen already,
    and a sender that goes on writing it so would never be alerted of it. Since, such a
    spelling opens the type's change, which stays open while any spelling of it is reported
    (_close_quiet_types), so a later report of it is suppressed by that; and facts_told keeps
    the type as read with the spelling, by which _told_earlier counts such rows told since."""
    return {t for t in written if failure_type(t) == t}


def _told_earlier(rows: QuerySet[FailureDetail]) -> set[str]:
    """The failure types `rows` (earlier days' rows) count as having told: those _told_as
    reads, and a defined type in other letters whose report's told facts (alerts_told) name
    the type it was read as: facts_told writes that since commit c50bc507, so such a row was
    evaluated, and told, as its type. Only rows of reports whose facts lack it (told before,
    or not evaluated yet) are left out. Were rows evaluated since left out too, a late report
    of a day they cover (another organisation's, within RECENT_DAYS) would open the type's
    change again once it recovered, where the RFC's spelling opens nothing."""
    written = set(rows.order_by().values_list("result_type", flat=True).distinct())
    told = _told_as(written)
    odd = [t for t in written if failure_type(t) not in told]
    if not odd:
        return told
    odd_rows = rows.filter(result_type__in=odd).order_by()
    by_report: defaultdict[int, set[str]] = defaultdict(set)
    for t, report_id in odd_rows.values_list("result_type", "report_id").distinct():
        by_report[report_id].add(t)
    for report in TlsReport.objects.filter(pk__in=by_report).only("pk", "alerts_told"):
        facts = AlertFacts.recorded(report)
        if facts is not None:
            told |= {failure_type(t) for t in by_report[report.pk]} & facts.result_types
    return told


def failed_rows(rows: QuerySet[FailureDetail]) -> QuerySet[FailureDetail]:
    """The rows of `rows` that tell of failed sessions: a failure-details entry counting some
    (failed-session-count above 0), of a policy whose summary counts some
    (total-failure-session-count above 0). Senders list types with a count of 0 (every MX, or
    every type they check), and a policy that failed no session has no failure to tell
    whatever its details say: such a row is no failure of its type. It opens no change, keeps
    none open, and does not make the type "seen" in the days before, where it would hide the
    first real failure of the type. The dashboard still shows it as sent."""
    return rows.filter(failed_session_count__gt=0, policy__failed__gt=0)


def _spelled(details: QuerySet[FailureDetail], kind: str) -> QuerySet[FailureDetail]:
    """The rows of `details` of failure type `kind` (failure_type), however each sender
    spelled it."""
    written = details.order_by().values_list("result_type", flat=True).distinct()
    return details.filter(result_type__in=[t for t in written if failure_type(t) == kind])


def _open_change(domain: Domain, key: str, **fields: Any) -> Change | None:
    """Create a confirmed Change, unless one is open for this key; None when suppressed. Its
    emails are queued by evaluate_report with the other changes the report opened (one email
    per person for all of them), in the same transaction: a confirmed change without its
    emails would be told to nobody, since a re-run finds it open and suppresses it."""
    from mailsec.alerts.models import Change

    if Change.objects.filter(domain=domain, key=key, state__in=Change.OPEN).exists():
        return None
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the report's other changes stay
            change = Change.objects.create(
                domain=domain,
                key=key,
                mechanism="tls-rpt",
                state=Change.State.CONFIRMED,
                confirmed_at=now,
                created=now,
                **fields,
            )
    except IntegrityError:
        return None  # another worker opened it a moment ago (one_open_change_per_key)
    return change


def _recover(
    domain: Domain,
    key: str,
    note: str,
    ended: list[Change],
    last_reported: date | None = None,
) -> list[Change]:
    """Close the open change of `key`, saying why (`note`: what the reports said since), and
    add it to `ended`, whose recovery emails evaluate_report queues together (one email per
    person for all the changes the report ended); the changes closed. Each is closed by one
    conditional UPDATE, so a change closed twice (the same report evaluated again, two
    workers at once) is told once. Notification.queue tells only whoever was told of the
    problem (not someone who had alerts off then, or joined since); digest readers find it
    in their next digest. `last_reported`, the last report day with the failure, is kept in
    the evidence for the recovery's subject (subject_line)."""
    from mailsec.alerts.models import Change

    closed: list[Change] = []
    now = timezone.now()
    for change in Change.objects.filter(domain=domain, key=key, state__in=Change.OPEN):
        evidence = dict(change.evidence or {})
        if last_reported is not None:
            evidence[LAST_REPORTED] = last_reported.isoformat()
        updated = Change.objects.filter(pk=change.pk, state__in=Change.OPEN).update(
            state=Change.State.RECOVERED, recovered_at=now, note=note, evidence=evidence
        )
        if updated:
            change.state, change.recovered_at, change.note = Change.State.RECOVERED, now, note
            change.evidence = evidence
            closed.append(change)
    ended += closed
    return closed


def check_soon(domain: Domain) -> bool:
    """Bring the domain's next scheduled check forward to now (the beat's tick claims it
    within a minute): a sender reported a failure the dashboard reads next to our latest
    check, which may be hours old. Within Check now's limits (mailsec.domains.views): only a
    verified domain, one whose checks are scheduled (next_check_at; a domain that lost its
    verification has none), none while a check of it is under way (that one is fresh), and
    at most one a minute per domain, an allowance shared with the owner's button. Check now's
    per-person hourly limit has no person here; this is called once per change opened, so
    reports (anyone can post them) bring a check forward at most once per failure type until
    its change closes (QUIET_DAYS report days without it). True when the check was brought
    forward."""
    from mailsec.domains import pagecache
    from mailsec.domains.models import Domain
    from mailsec.domains.views import CHECK_NOW_LIMITS, _over_limit

    now = timezone.now()
    # Read now, not from the report's cached objects: verification may have been lost since.
    scheduled = Domain.objects.filter(
        pk=domain.pk, verified_at__isnull=False, next_check_at__isnull=False
    )
    if not scheduled.filter(next_check_at__gt=now).exists():
        return False  # not checked by us, or due already
    if domain.active_run() is not None:
        return False
    period, limit, _ = next(rule for rule in CHECK_NOW_LIMITS if rule[2] == "domain")
    if _over_limit(f"check:domain:{domain.pk}", limit, period):
        return False
    if not scheduled.filter(next_check_at__gt=now).update(next_check_at=now):
        return False
    pagecache.changed(domain_id=domain.pk)  # its page shows the next check's time
    return True


def today() -> date:
    """The UTC day it is now: report days are UTC days (RFC 8460 §4.1)."""
    return timezone.now().date()


def is_recent(day: date) -> bool:
    """A report of `day` may open a change: at most RECENT_DAYS days old, and not after
    today (see is_future)."""
    return today() - timedelta(days=RECENT_DAYS) <= day <= today()


def is_future(day: date) -> bool:
    """A day after today UTC: a report of sessions that have not happened yet (a sender's
    clock, or a report forged to the public address) says nothing about the domain now."""
    return day > today()


def evaluate_report(report: TlsReport) -> list[Change]:
    """The alert events one newly stored report causes (de-duplicated), told as one check's
    changes are (docs/webapp.md): the changes it opens in one email to each person who wants
    immediate alerts (and each of the team's extra addresses that does), its subject naming
    the first of them (change_rank) and "+N more", and the changes it ends in one "no longer
    reported" email to each who was told of them. Before s40g each change was an email of its
    own: a report naming ten new failure types was ten emails to every member. The changes
    and their emails are stored in one transaction (the alert task's, and a savepoint of it
    here), so a task that fails half way and is retried tells them once.

    What it opens and ends: _evaluate."""
    from mailsec.alerts.models import Notification

    with transaction.atomic():
        events, ended = _evaluate(report)
        domain = report.address.domain
        if domain is not None and events:
            Notification.queue(domain, events, Notification.Kind.ALERT)
        if domain is not None and ended:
            Notification.queue(domain, ended, Notification.Kind.RECOVERY)
    return events


def _evaluate(report: TlsReport) -> tuple[list[Change], list[Change]]:
    """The changes one newly stored report opens, and those it ends; none opened for an address
    that belongs to no monitored domain, or to one not verified (yet, or any more), for a
    report about another domain or of a day still to come, which change nothing, and for a
    report older than RECENT_DAYS, which may still close a change.

    A report evaluated before (another copy took it over, or a reparse read more of it:
    reports.models.AlertFacts) tells only what is news against the facts it was evaluated
    on: a failure type it did not name then, a day it did not put above the threshold then.
    What it told then, or had no need to tell (the type was seen in the days before, or its
    change was open), is not told again for the same report day once the change recovered:
    the keys carry no day, and nothing came back."""
    told = AlertFacts.recorded(report)
    if told is not None and (told.day != report.day or not told.counted):
        told = None  # evaluated as a report of another day, or as not this domain's
    address = report.address
    domain = address.domain
    # An unverified domain gets no alert: it would show on the alerts page of a team that has
    # not proved the domain is theirs, and its open change would then suppress the real alert
    # for QUIET_DAYS report days once the domain is verified.
    if domain is None or not domain.is_verified:
        return [], []
    # A report about another domain (one _smtp._tls record shared by several domains sends
    # them all here) says nothing about this one: no alert, and it counts in no day.
    if not report.counted:
        return [], []
    # A day still to come neither opens nor closes anything (it is shown on its own page).
    if is_future(report.day):
        return [], []
    events: list[Change] = []
    ended: list[Change] = []
    day = report.day
    recent = is_recent(day)
    details = failed_rows(
        FailureDetail.objects.filter(report__address=address, report__counted=True)
    )
    run = domain.last_run

    # 1. New failure types (an old day's are history, not news).
    new_types: set[str] = set()
    if recent:
        # By failure type, not spelling: certificate-expired one day and Certificate-Expired
        # the next is nothing new (the open change of the first suppresses it). What counts
        # as told already is read by _told_earlier, so spellings told as "not in RFC 8460"
        # before the deploy of 4404d01 do not hide the type they are.
        # Only reports that arrived while the domain was monitored as it is now count: one
        # stored before its current verification (while it was not verified, or removed and
        # not added again yet) was evaluated for nobody, so a type first reported then is
        # still news (s24a U19, U20: a failure that began meanwhile was never told). A type
        # told before such a gap still has its change open, which suppresses it.
        earlier = _told_earlier(
            details.filter(
                report__day__lt=day,
                report__day__gte=day - timedelta(days=QUIET_DAYS),
                report__created__gt=domain.verified_at,
            )
        )
        new_types = {
            failure_type(t)
            for t in failed_rows(report.failure_details.all()).values_list("result_type", flat=True)
        } - earlier
        if told is not None:
            new_types -= _told_as(told.result_types)
    # Anyone can POST a report (the address is public in DNS): only the RFC's result types
    # become alerts of their own, with our words. Unknown ones are one alert that quotes
    # nothing, so a report cannot have us email its text, or thousands of emails.
    unknown = sorted(t for t in new_types if defined_type(t) is None)
    if unknown:
        change = _open_change(
            domain,
            f"{KIND_NEW_TYPE}:{UNKNOWN_TYPES}",
            kind=KIND_NEW_TYPE,
            subject=UNKNOWN_TYPES,
            after=str(len(unknown)),
            summary=(
                f"Reports for {domain.name} on {day:%Y-%m-%d} name "
                f"{_count(len(unknown), 'failure type')} that RFC 8460 §4.3 does not define. "
                f"{'It is' if len(unknown) == 1 else 'They are'} listed on the TLS reports "
                "dashboard; check who sent them before acting on them."
            ),
            fix="Open the TLS reports dashboard and look at the reporting organisations.",
            evidence={"day": day.isoformat(), "unknown types": len(unknown)},
        )
        if change is not None:
            events.append(change)
    mx_hosts = _mx_hosts(run)
    compared = False  # a change opened that the dashboard reads next to our latest check
    for result_type in sorted(new_types - set(unknown)):
        rows = _spelled(details.filter(report__day=day), result_type)
        sessions = rows.aggregate(n=SessionSum("failed_session_count"))["n"] or 0
        reported = set(
            rows.exclude(receiving_mx_hostname="").values_list("receiving_mx_hostname", flat=True)
        )
        # Host names are sender-written too: only the domain's own MX hosts (as our last
        # check saw them) are named; any other is counted.
        hosts = sorted(reported & mx_hosts)
        others = len(reported) - len(hosts)
        # How many reports, signed and not, and no names: a name is whatever the sender
        # wrote, and the dashboard shows it where it can be read as such (_reporters).
        reporters = _reporters(rows)
        kind = explain(result_type).about(domain.name)
        # The check may predate the reported failures: it then shows nothing about them.
        joined = sight(
            result_type,
            hosts,
            run,
            reported_until=rows.aggregate(until=Max(reported_until()))["until"],
        )
        change = _open_change(
            domain,
            f"{KIND_NEW_TYPE}:{result_type}",
            kind=KIND_NEW_TYPE,
            subject=result_type[:300],
            after=result_type[:100],
            summary=(
                f"New TLS failure reported for {domain.name} on {day:%Y-%m-%d}: "
                f"{result_type}. {_count(sessions, 'failed session')} on {day:%Y-%m-%d}, in "
                f"{_reports_text(reporters.reports)}. "
                f"{kind.meaning} {joined.text}"
                + (
                    f" Reports also name {_count(others, 'host')} that "
                    f"{'is' if others == 1 else 'are'} not among the domain's MX hosts: see "
                    "the dashboard."
                    if others
                    else ""
                )
                # Who reported it, after what it means: how much came signed (_reporters).
                + f" {_reporters_in_words(reporters)}"
            ),
            fix=kind.likely_cause,
            evidence={
                "result-type": result_type,
                "day": day.isoformat(),
                "failed sessions": sessions,
                "reports": reporters.reports,
                "DKIM-signed reports": reporters.signed_reports,
                "failed sessions in DKIM-signed reports": reporters.signed_sessions,
                "unsigned reports": reporters.unsigned_reports,
                "failed sessions in unsigned reports": reporters.unsigned_sessions,
                "receiving MX": hosts,
                "other hosts named": others,
            },
        )
        if change is not None:
            events.append(change)
            compared = compared or compared_with_check(result_type)
    if compared:
        # After the commit, outside the report's lock; a failure here only leaves the check
        # to its schedule.
        transaction.on_commit(lambda: _check_soon_logged(domain), robust=True)

    # 2. The day's failure rate (every report of that day, every reporting organisation),
    # beyond what each organisation usually sees. A bad threshold setting stops this rule
    # alone, loudly: the new failure types above still go out.
    # Once per day: not again for a day this report put above the threshold when evaluated
    # before, nor for a day whose change was opened already (by another organisation's report
    # of that day, say) and has recovered since.
    day_told = (told is not None and told.day_alerts) or _day_rate_told(domain, day)
    try:
        _judge_failure_rate(domain, address, day, events, ended, may_open=recent and not day_told)
    except ImproperlyConfigured as e:
        log.error("TLS report failure-rate alerts are off: %s", e)

    # Failure types quiet for QUIET_DAYS report days are closed, so a return is news again.
    _close_quiet_types(domain, address, day, ended)
    return events, ended


@dataclass(frozen=True)
class Reporters:
    """Who reported a failure, as an alert may say it: counts only. Each report is signed
    or not by its own copies (RawReport.signed_by: the reporter's verified DKIM signature),
    never by the organisation name it claims — an unsigned report that writes a signed one's
    name is still unsigned. No name and no signing domain is kept: anyone can post a report
    to the public HTTPS address under any name, and anyone can DKIM-sign one by mail under a
    domain they registered, so either would be a sender's words in our email."""

    signed_reports: int
    signed_sessions: int
    unsigned_reports: int
    unsigned_sessions: int

    @property
    def reports(self) -> int:
        return self.signed_reports + self.unsigned_reports


def _reporters(rows: QuerySet[FailureDetail]) -> Reporters:
    """The reports `rows` came in, and their failed sessions, counted apart by whether a DKIM
    signature of the reporter vouches for the report."""
    per_report = dict(
        rows.order_by()
        .values("report_id")
        .annotate(n=SessionSum("failed_session_count"))
        .values_list("report_id", "n")
    )
    signed: set[int] = set()
    raws = RawReport.objects.filter(report_id__in=per_report).select_related("report")
    for raw in raws.defer("body"):
        assert raw.report is not None  # filtered on it
        if raw.signed_by(raw.report.contact_info):
            signed.add(raw.report.pk)
    return Reporters(
        signed_reports=len(signed),
        signed_sessions=sum(n or 0 for pk, n in per_report.items() if pk in signed),
        unsigned_reports=len(per_report) - len(signed),
        unsigned_sessions=sum(n or 0 for pk, n in per_report.items() if pk not in signed),
    )


def _count(n: int, noun: str) -> str:
    """ "1 failed session", "2 failed sessions", "0 hosts": the noun as the count wants it."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _reports_text(n: int, what: str = "") -> str:
    """ "1 report", "2 DKIM-signed reports"."""
    return _count(n, f"{what + ' ' if what else ''}report")


def _reported_sessions(ok: int, failed: int) -> str:
    """ "7000 TLS sessions, 6990 of them successful"; one session says how it went."""
    if ok + failed == 1:
        return f"1 TLS session, which {'succeeded' if ok else 'failed'}"
    return f"{ok + failed} TLS sessions, {ok} of them successful"


def _reporters_in_words(reporters: Reporters) -> str:
    """How the failed sessions split between DKIM-signed and unsigned reports, in a sentence
    that stands on its own, and where the senders' names can be read (the dashboard shows
    them as written, escaped): the email names none."""
    signed = _reports_text(reporters.signed_reports, "DKIM-signed")
    unsigned = _reports_text(reporters.unsigned_reports, "unsigned")
    if not reporters.unsigned_reports:
        split = (
            "The report was DKIM-signed by its reporter."
            if reporters.reports == 1
            else f"All {reporters.reports} reports were DKIM-signed by their reporters."
        )
    elif not reporters.signed_reports:
        split = (
            "The report was not DKIM-signed: anyone can post one."
            if reporters.reports == 1
            else f"None of the {reporters.reports} reports was DKIM-signed: anyone can post one."
        )
    else:
        split = (
            f"{reporters.signed_sessions} came in {signed} and {reporters.unsigned_sessions} "
            f"in {unsigned}, which anyone can post."
        )
    return (
        f"{split} The TLS reports dashboard lists who sent them; this email names no sender, "
        "as a report's names are written by whoever sends it."
    )


def _check_soon_logged(domain: Domain) -> None:
    try:
        check_soon(domain)
    except Exception:
        log.exception("could not bring the check of %s forward", domain.name)


def _day_rate_told(domain: Domain, day: date) -> bool:
    """A failure-rate change was opened for `day` already (whatever its state)."""
    from mailsec.alerts.models import Change

    return Change.objects.filter(
        domain=domain, key=KIND_FAILURE_RATE, subject=f"{day:%Y-%m-%d}"
    ).exists()


def facts_told(report: TlsReport) -> AlertFacts:
    """What `report`'s alerts have been evaluated on once evaluate_report has run: its facts
    now, with those of its earlier evaluations. A defined type in other letters is kept as
    written and as the type it was read as: facts kept before commit 4404d01 have only the
    spelling, told then as a type "not in RFC 8460" (_told_as)."""
    facts = AlertFacts.of(report)
    # Only the types it reported failures of (failed_rows): a type listed with 0 sessions was
    # not told, and must not count as told when another copy of the report, or a reparse,
    # counts failures of it.
    failing = set(failed_rows(report.failure_details.all()).values_list("result_type", flat=True))
    written = facts.result_types & failing
    read = {failure_type(t) for t in written}
    return replace(facts, result_types=frozenset(written | read)).with_told(
        AlertFacts.recorded(report)
    )


@dataclass(frozen=True)
class DayRate:
    """One day of an address, as the failure-rate rule sees it."""

    day: date
    sessions: int
    failed: int
    # Failed sessions beyond each reporting organisation's usual rate (at most `failed`).
    unusual: float

    def alerts(self, threshold: float, min_sessions: int) -> bool:
        return self.sessions >= min_sessions and self.unusual > threshold * self.sessions


def day_rates(address: ReportAddress, days: list[date], threshold: float) -> dict[date, DayRate]:
    """How `days` look to the failure-rate rule: each organisation's failures count only
    beyond its own rate over the BASELINE_DAYS before that day, taken from the days whose
    overall rate was at or under `threshold` — a bad stretch does not become the usual, so a
    problem that lasts still counts, while a sender that always fails a few sessions does not.
    An organisation with fewer than TLSRPT_ALERT_MIN_SESSIONS sessions on those days has no
    usual rate yet: all its failures count."""
    if not days:
        return {}
    rows = (
        TlsReport.objects.filter(
            address=address,
            counted=True,
            day__gte=min(days) - timedelta(days=BASELINE_DAYS),
            day__lte=max(days),
        )
        .values("day", "submitter", "policy_domain")
        .annotate(ok=SessionSum("total_successful"), failed=SessionSum("total_failed"))
        .order_by()
    )
    # (ok, failed) per day and organisation (sender_key: one sender's reports about two
    # domains under one report-id are its day, whichever arrived first), and per day.
    by_org: dict[date, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        org = sender_key(row["submitter"], row["policy_domain"])
        ok, failed = by_org[row["day"]].get(org, (0, 0))
        by_org[row["day"]][org] = (ok + (row["ok"] or 0), failed + (row["failed"] or 0))
    totals = {
        d: (sum(ok for ok, _ in orgs.values()), sum(f for _, f in orgs.values()))
        for d, orgs in by_org.items()
    }
    ordinary = {d for d, (ok, f) in totals.items() if ok + f and f <= threshold * (ok + f)}
    min_sessions = conf.alert_min_sessions()
    out: dict[date, DayRate] = {}
    for d in days:
        ok, failed = totals.get(d, (0, 0))
        unusual = 0.0
        for org, (org_ok, org_failed) in by_org.get(d, {}).items():
            usual_ok = usual_failed = 0
            for back in range(1, BASELINE_DAYS + 1):
                past = d - timedelta(days=back)
                if past in ordinary and org in by_org[past]:
                    usual_ok += by_org[past][org][0]
                    usual_failed += by_org[past][org][1]
            usual_total = usual_ok + usual_failed
            if usual_total < min_sessions:
                unusual += org_failed
            # At or below its usual rate (compared in integers: no rounding decides it).
            elif org_failed * usual_total > usual_failed * (org_ok + org_failed):
                unusual += org_failed - usual_failed * (org_ok + org_failed) / usual_total
        out[d] = DayRate(d, ok + failed, failed, unusual)
    return out


def _judge_failure_rate(
    domain: Domain,
    address: ReportAddress,
    day: date,
    events: list[Change],
    ended: list[Change],
    *,
    may_open: bool,
) -> None:
    """Open the failure-rate change for an alert-worthy day (when `may_open`: a recent one),
    or close the open one once the last QUIET_DAYS judged days were all calm; a day with too
    few sessions decides nothing."""
    from mailsec.alerts.models import Change

    threshold = conf.alert_failure_rate()
    min_sessions = conf.alert_min_sessions()
    key = KIND_FAILURE_RATE
    if not Change.objects.filter(domain=domain, key=key, state__in=Change.OPEN).exists():
        if not may_open:
            return
        rate = day_rates(address, [day], threshold)[day]
        if not rate.alerts(threshold, min_sessions):
            return
        failed, sessions = rate.failed, rate.sessions
        share, limit = _percents(failed, sessions, threshold)
        beyond = round(rate.unusual)
        if beyond < failed:
            # Some failures are what these senders usually see: say that the alert judged
            # the rest, the words its recovery note uses (one sentence: it is the headline).
            judged = (
                f"; beyond what these senders usually report, "
                f"{_percents(rate.unusual, sessions, threshold)[0]} failed ({beyond}), above "
                f"the alert threshold of {limit}."
            )
        else:
            judged = f", above the alert threshold of {limit}."
        change = _open_change(
            domain,
            key,
            kind=KIND_FAILURE_RATE,
            subject=f"{day:%Y-%m-%d}",
            before=f"≤ {limit}",
            after=share,
            summary=(
                f"{share} of the TLS sessions senders reported for {domain.name} on "
                f"{day:%Y-%m-%d} failed ({failed} of {sessions}){judged} Mail to this domain "
                "may be delayed or, under an enforced MTA-STS or DANE policy, not delivered."
            ),
            fix="Open the TLS reports dashboard: it lists the failures by result type and by "
            "receiving MX, with what our latest check saw for each.",
            evidence={
                "day": day.isoformat(),
                "failed": failed,
                "sessions": sessions,
                # The rest is what the reporting organisations see on ordinary days.
                "failed beyond the senders' usual rate": round(rate.unusual),
            },
        )
        if change is not None:
            events.append(change)
        return
    # Only the latest day can close it: a late report for an older calm day says nothing
    # about how the domain is now.
    if day < _latest_day(address):
        return
    judged = list(
        TlsReport.objects.filter(address=address, counted=True, day__lte=day)
        .values("day")
        .annotate(n=SessionSum("total_successful") + SessionSum("total_failed"))
        .filter(n__gte=min_sessions)
        .order_by("-day")
        .values_list("day", flat=True)[:QUIET_DAYS]
    )
    if len(judged) < QUIET_DAYS:
        return
    rates = day_rates(address, judged, threshold)
    if not any(r.alerts(threshold, min_sessions) for r in rates.values()):
        note = _calm_days_note(address, judged, list(rates.values()), threshold)
        _recover(domain, key, note, ended)


# Opens the part of a failure-rate recovery note that says failures go on at the senders'
# usual rate (_calm_days_note): the recovery email then does not call it good news
# (mailsec.alerts.emails.failures_go_on). Our own words: a note quotes nothing a sender wrote.
FAILURES_GO_ON = "The failures have not stopped:"


def _calm_days_note(
    address: ReportAddress, judged: list[date], rates: list[DayRate], threshold: float
) -> str:
    """Why the failure-rate change closed, for its recovery email: what the rule judged (the
    failures beyond each sender's usual rate, not all of them) and the sessions of the judged
    days — and, when more than the threshold of the sessions still failed on some of them,
    that the failures go on: a reader must not take "no longer reported" for "gone"."""
    ok, failed = _sessions(address, judged[-1], judged[0])
    limit = _threshold_text(threshold)
    note = (
        f"Senders' reports show no day whose failures beyond what these senders usually "
        f"report exceeded {limit} of its sessions in the last {QUIET_DAYS} report days. From "
        f"{judged[-1]:%Y-%m-%d} to {judged[0]:%Y-%m-%d} they reported "
        f"{_reported_sessions(ok, failed)}."
    )
    over = sum(1 for r in rates if r.failed > threshold * r.sessions)
    if over:
        days = (
            f"on every one of the {len(rates)} days"
            if over == len(rates)
            else f"on {over} of the {len(rates)} days"
        )
        note += (
            f" {FAILURES_GO_ON} {_percents(failed, ok + failed, threshold)[0]} "
            f"of those sessions failed ({failed}), more than {limit} {days}, because these "
            "senders usually fail that much and this alert counts only the failures beyond it."
        )
    return note


def _threshold_text(threshold: float, places: int = 2) -> str:
    """The threshold in percent as the pages write rates (5.00 %: percent_text), to at least
    `places` decimals and as many as a finer one needs to be written whole (1.125 %)."""
    exact = Fraction(str(threshold))  # as configured (0.05), not its binary neighbour
    while places < 12 and (100 * 10**places * exact).denominator != 1:
        places += 1
    return percent_text(exact, 1, places)


def _sessions(address: ReportAddress, first: date, last: date) -> tuple[int, int]:
    """(successful, failed) sessions of the counted reports of days `first` to `last`."""
    sums = TlsReport.objects.filter(
        address=address, counted=True, day__gte=first, day__lte=last
    ).aggregate(ok=SessionSum("total_successful"), failed=SessionSum("total_failed"))
    return sums["ok"] or 0, sums["failed"] or 0


def _percents(failed: float, sessions: int, threshold: float) -> tuple[str, str]:
    """The day's failure rate and the threshold it is above, in percent as the pages write
    rates (reports.dashboard.percent_text: 20.00 %, rounded half up, < 0.01 %, > 99.99 %;
    s41f, "20.0%" before), with more decimals when two read the rate as the threshold
    (5.001 % over 5 % is not "5.00 %, above 5.00 %"), the threshold to as many."""
    for places in range(2, 13):
        rate, limit = percent_text(failed, sessions, places), _threshold_text(threshold, places)
        if rate != limit:
            break
    return rate, limit


def _mx_hosts(run: CheckRun | None) -> set[str]:
    """The MX host names our last check of the domain saw (MX-01's answers), or the domain
    itself when it has no MX record (its implicit MX, RFC 5321 §5.1)."""
    for f in (run.findings or []) if run is not None else []:
        if f.get("id") == "MX-01":
            hosts = mx01_hosts(f)
            implicit = ((f.get("evidence") or {}).get("implicit_mx") or {}).get("host")
            if implicit:
                hosts.add(str(implicit).rstrip(".").lower())
            return hosts
    return set()


def _latest_day(address: ReportAddress) -> date:
    # Not a day still to come: one such report would be the latest day for a year, and no
    # real report could close a change meanwhile.
    latest = (
        TlsReport.objects.filter(address=address, counted=True, day__lte=today())
        .order_by("-day")
        .values_list("day", flat=True)
    )
    return latest.first() or date.min


def _close_quiet_types(
    domain: Domain, address: ReportAddress, day: date, ended: list[Change]
) -> None:
    from mailsec.alerts.models import Change

    open_types = Change.objects.filter(
        domain=domain, kind=KIND_NEW_TYPE, state__in=Change.OPEN
    ).values_list("subject", flat=True)
    if not open_types:
        return
    # Only the latest day's report can close them: a late report for an older day (a sender's
    # stuck queue, a reparse) has a window the type had not reached yet, and would close a
    # change that later days still report — and those no longer alert, the type being seen.
    if day < _latest_day(address):
        return
    # The last QUIET_DAYS days that have reports, however far apart: senders report only days
    # they sent mail on, so a small domain's reports skip days, and seven calendar days in a
    # row would never all be there — its changes would stay open for good, and a type coming
    # back months later would be no news.
    report_days = list(
        TlsReport.objects.filter(address=address, counted=True, day__lte=day)
        .order_by("-day")
        .values_list("day", flat=True)
        .distinct()[:QUIET_DAYS]
    )
    if len(report_days) < QUIET_DAYS:
        return
    # By failure type: a change stays open while any spelling of its type is reported.
    recent = {
        failure_type(t)
        for t in failed_rows(
            FailureDetail.objects.filter(
                report__address=address,
                report__counted=True,
                report__day__gte=report_days[-1],
                report__day__lte=day,
            )
        )
        .order_by()
        .values_list("result_type", flat=True)
        .distinct()
    }
    if any(defined_type(t) is None for t in recent):
        recent.add(UNKNOWN_TYPES)
    for result_type in open_types:
        if result_type == UNKNOWN_TYPES and result_type not in recent:
            _close_unknown_types(domain, address, report_days[-1], day, recent, ended)
        elif result_type not in recent:
            _recover(
                domain,
                f"{KIND_NEW_TYPE}:{result_type}",
                _quiet_type_note(address, result_type, report_days[-1], day),
                ended,
                _last_reported(address, result_type, report_days[-1]),
            )


def _close_unknown_types(
    domain: Domain,
    address: ReportAddress,
    window: date,
    day: date,
    recent: set[str],
    ended: list[Change],
) -> None:
    """Close the change of types not in RFC 8460, quiet since `window` (`recent`: the failure
    types reported since). Before commit 4404d01 it also counted defined types written in
    other letters (Certificate-Expired), which are now read as those types: when such a type
    is still reported, its end is no news. Told as ended (a recovery) only when types RFC 8460
    does not define were reported while it was open, with a word for those still reported;
    otherwise closed without an email or a "fixed" in the digest (dismissed, with a note)."""
    from mailsec.alerts.models import Change

    key = f"{KIND_NEW_TYPE}:{UNKNOWN_TYPES}"
    change = Change.objects.filter(domain=domain, key=key, state__in=Change.OPEN).first()
    if change is None:
        return
    rows = failed_rows(
        FailureDetail.objects.filter(
            report__address=address, report__counted=True, report__day__lte=day
        )
    )
    with contextlib.suppress(KeyError, TypeError, ValueError):
        # The report day it was opened for: what it counted was reported from then on.
        rows = rows.filter(report__day__gte=date.fromisoformat(change.evidence["day"]))
    written = set(rows.order_by().values_list("result_type", flat=True).distinct())
    still = sorted(
        {failure_type(t) for t in written if failure_type(t) != t and failure_type(t) in recent}
    )
    last = _last_reported(address, UNKNOWN_TYPES, window)
    if not still:
        _recover(domain, key, _quiet_type_note(address, UNKNOWN_TYPES, window, day), ended, last)
        return
    names = ", ".join(still)
    one = len(still) == 1
    read = "that RFC 8460 type" if one else "those RFC 8460 types"
    if any(defined_type(t) is None for t in written):
        _recover(
            domain,
            key,
            _quiet_type_note(address, UNKNOWN_TYPES, window, day)
            + f" Senders still report {names} written in other letters or separators, which "
            f"mailsec now reads as {read}, not as {'one' if one else 'ones'} it does not "
            "define.",
            ended,
            last,
        )
        return
    note = (
        "Closed without a recovery email: the failure types this alert counted as not in RFC "
        f"8460 were {names} written in other letters or separators, which mailsec now reads "
        f"as {read}. Senders still report {'it' if one else 'them'}: see the TLS reports "
        "dashboard."
    )
    # Dismissed, not recovered: a recovery is told as a fix (the email, the digest's "no
    # longer reported"), and these failures go on. One conditional UPDATE, as _recover.
    Change.objects.filter(pk=change.pk, state__in=Change.OPEN).update(
        state=Change.State.DISMISSED, dismissed_at=timezone.now(), note=note
    )


def _quiet_type_note(address: ReportAddress, result_type: str, window: date, day: date) -> str:
    """Why the change of `result_type` closed, for its recovery email: how many report days
    have not carried it, and the sessions reported since the last day one did (the quiet
    window's first day when none is stored any more)."""
    if result_type == UNKNOWN_TYPES:
        what = "failures of types not in RFC 8460"
    else:
        what = f"{result_type} failures"
    last = _last_reported(address, result_type, window)
    since = last + timedelta(days=1) if last is not None else window
    days = (
        TlsReport.objects.filter(address=address, counted=True, day__gte=since, day__lte=day)
        .values("day")
        .distinct()
        .count()
    )
    ok, failed = _sessions(address, since, day)
    when = (
        f"Since {last:%Y-%m-%d} (the last day one was reported)"
        if last is not None
        else f"From {since:%Y-%m-%d}"
    )
    return (
        f"Senders have reported no {what} for {_count(days, 'report day')}. {when} they "
        f"reported {_reported_sessions(ok, failed)}."
    )


def _last_reported(address: ReportAddress, result_type: str, before: date) -> date | None:
    """The last report day before `before` with a failure of `result_type` (UNKNOWN_TYPES:
    of any type RFC 8460 does not define); None when no such row is stored any more. By
    spelling, then by failure type (a defined type in odd letters is that type, not one "not
    in RFC 8460")."""
    lasts = (
        failed_rows(
            FailureDetail.objects.filter(
                report__address=address, report__counted=True, report__day__lt=before
            )
        )
        .order_by()
        .values_list("result_type")
        .annotate(last=Max("report__day"))
    )
    return max(
        (
            seen
            for written, seen in lasts
            if (
                defined_type(written) is None
                if result_type == UNKNOWN_TYPES
                else failure_type(written) == result_type
            )
        ),
        default=None,
    )


def change_rank(change: Change) -> tuple[int, int, str]:
    """Where a TLS-report change goes among the others of one email (its subject names the
    first, "+N more" counts the rest), as a check's changes are ordered (the cause before the
    verdict it rolls up into, mailsec.alerts.models.changes_context): the failure types RFC
    8460 defines, most failed sessions first, then by name; the types it does not define (one
    change that quotes none of them); then the day's failure rate, which the failures of those
    types make up."""
    evidence = change.evidence or {}
    if change.kind == KIND_NEW_TYPE and change.subject != UNKNOWN_TYPES:
        try:
            sessions = int(evidence.get("failed sessions") or 0)
        except (TypeError, ValueError):
            sessions = 0
        return (0, -sessions, change.subject)
    if change.kind == KIND_NEW_TYPE:
        return (1, 0, change.subject)
    return (2 if change.kind == KIND_FAILURE_RATE else 3, 0, change.subject)


def subject_line(change: Change, *, recovery: bool, going_on: bool) -> str:
    """What an email subject says of a TLS-report change after "[mailsec] <domain>: ": the
    fact first and its report day (UTC), short enough that the subject stays under 78
    characters for a domain of a usual length — mail clients cut a long subject in the
    middle, and the day went first. The body says the rest (summary, note). "" for a change
    without the facts (a kind, day or failure type these rules did not write)."""
    evidence = change.evidence or {}
    opened = change.subject if change.kind == KIND_FAILURE_RATE else evidence.get("day", "")
    if change.kind not in (KIND_NEW_TYPE, KIND_FAILURE_RATE) or not change.subject or not opened:
        return ""  # not a change these rules opened: its headline says it (the email's default)
    if change.kind == KIND_FAILURE_RATE and not change.after:
        return ""
    if change.kind == KIND_FAILURE_RATE:
        if not recovery:
            return f"{change.after} of TLS sessions failed on {opened}"
        if going_on:
            # Not "calm": the failures go on at the senders' usual rate (_calm_days_note).
            return f"back to the usual TLS failure rate after {opened}"
        return f"TLS failure rate calm again after {opened}"
    last = evidence.get(LAST_REPORTED)
    if change.subject == UNKNOWN_TYPES:
        if not recovery:
            return f"TLS failure types not in RFC 8460 on {opened}"
        if last:
            return f"no TLS failure types outside RFC 8460 after {last}"
        return "TLS failure types not in RFC 8460 no longer reported"
    if not recovery:
        return f"{change.subject} TLS failures on {opened}"
    if last:
        return f"no {change.subject} reported after {last}"
    return f"{change.subject} no longer reported"
