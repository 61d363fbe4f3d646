"""Alert tasks. Every one is idempotent: the embedded broker can lose or repeat a message, so
the beat sweep re-drives whatever a lost task left undone."""

from __future__ import annotations

import logging
import time as clock
from datetime import date, datetime, time, timedelta, tzinfo

from celery import shared_task
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils import timezone

from mailsec.accounts.models import zone
from mailsec.alerts.models import (
    AlertSetting,
    AlertState,
    Change,
    Notification,
    TeamAlertAddress,
    sent_to,
)
from mailsec.domains.models import CheckRun

log = logging.getLogger(__name__)


def observe_run(run: CheckRun) -> None:
    """Called by the check task after each stored run. Alerts must never sink a check, so a
    failure here is logged; the next run compares with the same baseline and catches up."""
    try:
        AlertState.observe(run)
    except Exception:
        log.exception("alerts: could not process run %s of %s", run.code, run.domain_id)


def schedule_confirmation(change: Change) -> None:
    from django.conf import settings

    confirm_change.apply_async(args=[str(change.code)], countdown=settings.ALERT_CONFIRM_DELAY)


def enqueue_send(n: Notification) -> None:
    send_notification.delay(str(n.code))


@shared_task(name="mailsec.alerts.tasks.confirm_change")
def confirm_change(change_code: str) -> str:
    """Re-probe the domain of a suspected change, or of a confirmed one seen fixed once; the
    run's observe() decides it."""
    change = (
        Change.objects.select_related("domain")
        .filter(
            Q(state=Change.State.SUSPECTED)
            | Q(state=Change.State.CONFIRMED, recovery_seen_at__isnull=False),
            code=change_code,
        )
        .first()
    )
    if change is None:
        return "decided"  # already confirmed, dismissed or recovered: duplicate or late
    domain = change.domain
    if change.state == Change.State.CONFIRMED:
        if not domain.is_verified:
            # Control lost since it was seen fixed: no probe. As when a re-check could not
            # tell, the next run that sees it fixed (once verified again) starts over.
            Change.objects.filter(pk=change.pk).update(recovery_seen_at=None)
            return "not verified"
        _, created = domain.request_check(kind="confirm")
        Change.objects.filter(pk=change.pk).update(reprobe_requested_at=timezone.now())
        return "requested" if created else "joined"
    if not domain.is_verified:
        Change.objects.filter(pk=change.pk, state=Change.State.SUSPECTED).update(
            state=Change.State.DISMISSED, dismissed_at=timezone.now(), note="domain not verified"
        )
        return "dismissed"
    # Joins a run already pending or running: two changes of one domain share one re-probe.
    _, created = domain.request_check(kind="confirm")
    Change.objects.filter(domain=domain, state=Change.State.SUSPECTED).update(
        reprobe_requested_at=timezone.now()
    )
    return "requested" if created else "joined"


@shared_task(
    name="mailsec.alerts.tasks.send_notification",
    bind=True,
    max_retries=None,  # attempts are counted on the row (MAX_SEND_ATTEMPTS)
    acks_late=True,
)
def send_notification(self: object, code: str, sent_subject: str = "", attempt: int = 0) -> str:
    """Send one email. With `sent_subject`, a retry of the bookkeeping only: the mail server
    accepted attempt `attempt` already, and this records it without sending anything."""
    from mailsec.alerts import emails

    if sent_subject:
        n = Notification.objects.filter(code=code).first()
        if n is not None:
            n.attempts = attempt
            n.mark_sent(sent_subject)
        return "sent"
    n = (
        Notification.objects.select_related("user", "team_address", "domain__team")
        .filter(code=code)
        .first()
    )
    if n is None or not n.claim():
        return "skipped"  # sent, being sent, or given up
    reason = n.still_wanted()
    if reason:
        n.mark_skipped(reason)
        return "skipped"
    # Only the send is in the failure handling: once the mail server has accepted the
    # message, no error of ours may lead to sending it again.
    try:
        subject = emails.send(n)
    except emails.NotOurs:
        return "skipped"  # released by the sweep meanwhile; whoever has it now sends it
    except Exception as exc:
        wait = n.mark_failed(f"{type(exc).__name__}: {exc}")
        if wait is None:
            # Given up: loud in the logs, and the row says why (shown on the settings page).
            log.error("alerts: gave up sending %s to %s: %s", n.code, n.to_address, exc)
            return "failed"
        log.warning("alerts: sending %s failed, retrying in %s: %s", n.code, wait, exc)
        if self.request.is_eager:  # type: ignore[attr-defined]
            return "failed"  # run inline (tests, shell): no broker to wait on; the sweep retries
        raise self.retry(countdown=wait.total_seconds(), exc=exc) from exc  # type: ignore[attr-defined]
    return _record_sent(self, n, subject)


# Pauses between tries to record a send (SQLite "database is locked" passes in moments).
RECORD_SENT_PAUSES = (0.5, 2.0, 5.0)


def _record_sent(task: object, n: Notification, subject: str) -> str:
    """Mark `n` sent, retrying the UPDATE and never the send: a few times here, then as a
    bookkeeping-only task. Should that be lost too, the row stays "sending" after it was
    handed over, and the sweep gives it up as "may have been sent" (at most once)."""
    error: Exception | None = None
    for pause in (*RECORD_SENT_PAUSES, None):
        try:
            n.mark_sent(subject)
            return "sent"
        except Exception as exc:
            error = exc
            if pause is not None:
                clock.sleep(pause)
    log.error("alerts: sent %s but could not record it yet: %s", n.code, error)
    if task.request.is_eager:  # type: ignore[attr-defined]
        return "sent"
    raise task.retry(  # type: ignore[attr-defined]
        args=[str(n.code)],
        kwargs={"sent_subject": subject, "attempt": n.attempts},
        countdown=60,
        exc=error,
    )


@shared_task(name="mailsec.alerts.tasks.sweep")
def sweep() -> dict[str, int]:
    """Every minute: re-probe suspected changes whose countdown task was lost, and re-send
    emails whose task was lost or whose retry is due."""
    now = timezone.now()
    reprobed = 0
    seen_domains: set[int] = set()
    for change in Change.overdue(now).select_related("domain")[:200]:
        if change.domain_id in seen_domains:
            continue
        seen_domains.add(change.domain_id)
        confirm_change.delay(str(change.code))
        reprobed += 1
    released = Notification.release_stuck(now)
    resent = 0
    for code in Notification.due_for_retry(now).values_list("code", flat=True)[:200]:
        send_notification.delay(str(code))
        resent += 1
    return {"reprobed": reprobed, "released": released, "resent": resent}


@shared_task(name="mailsec.alerts.tasks.send_digests")
def send_digests() -> int:
    """Hourly: one email a day per person with digest domains, and per team's extra address
    set to the digest, at ALERT_DIGEST_HOUR in each one's own time zone (Profile.time_zone;
    an address: UTC), listing what was confirmed or fixed since their last digest up to that
    hour (a change after it is in the next day's). Nothing to tell, no email."""
    now = timezone.now()
    # Whoever may have a digest domain: one chosen, or a team's default for domains with no
    # row of their own (make_digest reads each domain's mode as the page shows it, and makes
    # nothing for a person with none). "Unsubscribe from all" turned every chosen one off.
    digest = AlertSetting.Mode.DIGEST
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(alert_settings__mode=digest) | Q(alert_defaults__mode=digest))
        .distinct()
        .select_related("profile")
    )
    addresses = TeamAlertAddress.objects.filter(
        mode=digest, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).order_by("pk")
    made = 0
    mailboxes: set[str] = set()
    for recipient in [*users, *addresses]:
        if isinstance(recipient, TeamAlertAddress):
            # One digest a day per mailbox, however many teams added it (s25n): made on its
            # first row, about the domains of every team's row (digest_domains).
            if recipient.email in mailboxes:
                continue
            mailboxes.add(recipient.email)
        due = digest_due(recipient, now)
        if due is None:
            continue
        # Now in the recipient's zone: the digest's day (make_digest's digest_day, one a day
        # by a constraint) is their local day. It tells what came up to the day's hour there
        # (due): a change confirmed after it waits for tomorrow's digest, not one an hour
        # later (s24a U14, U15: a 'daily digest at 7' went at 21:33 at UTC+14 and at 11:33
        # for someone on UTC whenever nothing was to tell at 7).
        n = Notification.make_digest(recipient, now.astimezone(due.tzinfo), until=due)
        if n is not None:
            enqueue_send(n)
            made += 1
    return made


def recipient_zone(recipient: User | TeamAlertAddress) -> tzinfo:
    """The zone a digest's reader lives by: a person's own (Profile.time_zone, read with
    them), UTC for a team's extra address."""
    if isinstance(recipient, TeamAlertAddress):
        return zone(None)
    try:
        return zone(recipient.profile.time_zone)
    except ObjectDoesNotExist:  # no profile yet: never chose one
        return zone(None)


def digest_hour_of(day: date, tz: tzinfo) -> datetime:
    """When `day`'s digest is due in `tz`: ALERT_DIGEST_HOUR o'clock there. On a day that
    skips that hour (a DST change at it) the moment is the wall time read with the offset
    before the change (zoneinfo's fold=0), which falls within the skipped hour's place:
    the first hour after it."""
    from django.conf import settings

    return datetime.combine(day, time(settings.ALERT_DIGEST_HOUR), tzinfo=tz)


def digest_due(recipient: User | TeamAlertAddress, now: datetime) -> datetime | None:
    """The moment the recipient's digest of today (their local day) was due, in their zone,
    when it is to be made now: ALERT_DIGEST_HOUR there has passed, and no digest went out
    since (one made before they moved their zone westwards is today's). None otherwise.
    The digest tells what came up to that moment (make_digest's `until`). A beat that was
    down sends at its next run of the same local day, telling the same; a day it missed
    whole is covered by the next digest, which tells everything since the last one.
    make_digest's constraint (one per local day) keeps two beats, or an hour that comes
    twice when clocks go back, to one."""
    tz = recipient_zone(recipient)
    local = now.astimezone(tz)
    due = digest_hour_of(local.date(), tz)
    if now < due:
        return None
    made = Notification.objects.filter(
        sent_to(recipient), kind=Notification.Kind.DIGEST, covers_until__gte=due
    )
    return None if made.exists() else due


def next_digest_cut(recipient: User | TeamAlertAddress, now: datetime) -> datetime:
    """The `until` of the next digest the hourly task would make for `recipient`: today's
    hour where they are when it has passed and today's digest is not made yet (the run of
    :17, or a beat outage, is still to come), else the next hour to come (today's, or
    tomorrow's). make_digest's window ends there and begins at _digest_since(until), which is
    the window tell_what_the_digest_owed reads (s25n: it counted back 24 hours from the
    switch, a day too little or too far)."""
    due = digest_due(recipient, now)
    if due is not None:
        return due
    tz = recipient_zone(recipient)
    local = now.astimezone(tz)
    today = digest_hour_of(local.date(), tz)
    return today if now < today else digest_hour_of(local.date() + timedelta(days=1), tz)


@shared_task(name="mailsec.alerts.tasks.send_weekly_summaries")
def send_weekly_summaries() -> int:
    """Hourly: make and send this week's summary for each person it is due for (weekly.py);
    nothing before Monday's ALERT_DIGEST_HOUR, once per person per week."""
    from mailsec.alerts import weekly

    now = timezone.now()
    made = 0
    for user in weekly.due(now):
        n = weekly.make(user, now)
        if n is not None:
            enqueue_send(n)
            made += 1
    return made
