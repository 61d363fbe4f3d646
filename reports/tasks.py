"""Celery tasks of the reports app (the `default` queue, CELERY_TASK_DEFAULT_QUEUE)."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from reports import conf
from reports.models import RawReport, TlsReport

log = logging.getLogger(__name__)

# How many stale raw reports one sweep re-queues; the next sweep takes the rest.
SWEEP_BATCH = 500


@shared_task(bind=True, acks_late=True, max_retries=6)
def parse_raw_report(self, raw_id: int, force: bool = False) -> str:  # type: ignore[no-untyped-def]
    """Parse one raw report. Idempotent: a report already handled is left alone (unless
    `force`), so a redelivered or re-queued task does no harm."""
    raw = RawReport.objects.filter(pk=raw_id).first()
    if raw is None:
        return "missing"
    try:
        return raw.process(force=force)
    except DatabaseError as e:
        # The database was busy or away: try again later; the raw row stays pending meanwhile
        # and the sweep picks it up if every retry fails. process() does not count a database
        # error as an attempt, but a whole chain of retries that met one each time counts once:
        # a report the database always fails on ends as an error after TEMPORARY_ATTEMPTS
        # sweeps instead of being re-queued for ever.
        if self.request.retries >= self.max_retries:
            with contextlib.suppress(DatabaseError):
                RawReport.objects.filter(pk=raw_id).update(attempts=F("attempts") + 1)
        raise self.retry(exc=e, countdown=min(600, 5 * 2**self.request.retries)) from e


@shared_task(acks_late=True)
def sweep_pending_reports() -> int:
    """Re-queue raw reports still pending after the grace period.

    On the embedded broker a task in flight when its worker is killed is lost (stack notes §1),
    and a task sent right after commit can be lost if the broker is down: this sweep is what
    makes "stored" always end in "parsed", "rejected" or "error".
    """
    grace = timedelta(seconds=conf.pending_grace_seconds())
    if given_up := RawReport.give_up_exhausted():
        log.error("gave up on %d raw TLS reports whose parse never finished", given_up)
    ids = list(RawReport.stale_pending(grace).values_list("pk", flat=True)[:SWEEP_BATCH])
    for raw_id in ids:
        parse_raw_report.delay(raw_id)
    if ids:
        log.warning("re-queued %d raw TLS reports left pending", len(ids))
    # Parsed, but the alert task sent after commit never ran (or never finished): no other
    # path evaluates them, the raw report being done.
    reports = list(TlsReport.alerts_pending(grace).values_list("pk", flat=True)[:SWEEP_BATCH])
    for report_id in reports:
        alert_on_report.delay(report_id)
    if reports:
        log.warning("re-queued the alerts of %d TLS reports", len(reports))
    return len(ids) + len(reports)


# Retries of alert_on_report after an unexpected error, 30 s to 8 minutes apart.
ALERT_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=ALERT_RETRIES)
def alert_on_report(self, report_id: int) -> int:  # type: ignore[no-untyped-def]
    """Turn a newly stored report into alert events (new failure type, bad day); the number
    of new events. De-duplicated by the alert pipeline, so running it twice does no harm,
    and each change is stored with its emails: a run that fails half way is simply retried."""
    from django.apps import apps

    try:
        report = TlsReport.objects.select_related("address__domain").filter(pk=report_id).first()
        if report is None:
            return 0
        if not apps.is_installed("mailsec.alerts"):
            report.mark_alerts_evaluated()  # nothing to evaluate them with: not for the sweep
            return 0
        from reports.alerts import evaluate_report, facts_told

        # The changes it raises (with their emails) and the mark commit together: the
        # sweep re-queues a report until both are stored. The report row is locked and the
        # mark looked at first: a copy queued by the sweep while the first task waited in a
        # backlog (or in a retry) finds the report evaluated and does nothing, so no change
        # is opened twice.
        with transaction.atomic():
            # The row is locked whatever its state (a lock taken only on evaluated rows would
            # lock nothing on the first evaluation), then looked at.
            evaluated = (
                TlsReport.objects.select_for_update()
                .filter(pk=report_id)
                .values_list("alerts_evaluated_at", flat=True)
                .first()
            )
            if evaluated is not None:
                return 0
            # What earlier evaluations were told, as it stands under the lock (a copy that
            # took the report over meanwhile kept it).
            report.refresh_from_db(fields=["alerts_told"])
            events = evaluate_report(report)
            report.mark_alerts_evaluated(facts_told(report))
        return len(events)
    except Exception as e:
        outage = isinstance(e, OperationalError | InterfaceError)  # the database is away
        if self.request.retries >= ALERT_RETRIES and not outage:
            # Bounded: a report that always fails here is a bug to fix, not a loop to feed
            # (the sweep would re-queue it for ever). Marked, and said loudly.
            log.error("gave up on the alerts of TLS report %s: %s", report_id, e)
            with contextlib.suppress(Exception):
                TlsReport.objects.filter(pk=report_id).update(alerts_evaluated_at=timezone.now())
            return 0
        log.warning("alerts of TLS report %s failed, retrying: %s", report_id, e)
        raise self.retry(exc=e, countdown=min(480, 30 * 2**self.request.retries)) from e
