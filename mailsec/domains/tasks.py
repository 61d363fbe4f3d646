"""Scheduling and running domain checks. Every task is safe to run twice or concurrently."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from mailsec.domains import existence, pagecache
from mailsec.domains.models import CheckRun, Domain, check_interval

if TYPE_CHECKING:
    from checks.dns import DnsAnswer

log = logging.getLogger(__name__)

# Unverified domains are looked at in the background for this long after being added.
VERIFY_IN_BACKGROUND_FOR_DAYS = 7
# One run of verify_pending (every 5 minutes) looks at this many domains at most, and starts
# no lookup after VERIFY_BUDGET_SECONDS: with one lookup's timeout (8 s, MAILSEC_CHECK_TIMEOUT)
# and the one existence lookup of the names noted "not in the DNS" (existence.LOOKUP_SECONDS,
# 3 s, however many) on top it ends well within its soft time limit.
VERIFY_BATCH = 200
VERIFY_BUDGET_SECONDS = 90
VERIFY_SOFT_TIME_LIMIT = 120
# Scheduled checks waiting in the probes queue at once: at least MIN_QUEUED_CHECKS, or as many
# as the workers finished in the last QUEUE_WINDOW (a larger fleet gets a longer queue). When
# hundreds of domains fall due together (added the same hour, or overdue after an outage),
# the rest stay due and are claimed by later ticks as the workers catch up. Queued all at
# once, those still waiting after STUCK_PENDING_AFTER would be swept as lost while their
# messages are still queued, and the queue would hold up every other task behind them.
MIN_QUEUED_CHECKS = 100
QUEUE_WINDOW = timedelta(minutes=10)


def enqueue_run(run: CheckRun) -> None:
    # Checks are network-bound: they go to the probes queue, served by their own workers.
    run_check.apply_async(args=[str(run.code)], queue="probes")


@shared_task(name="mailsec.domains.tasks.tick")
def tick() -> int:
    """Every minute: claim due, verified domains and start their checks, no more than the
    probes queue has room for (queue_room); those left stay due for the next tick. Domains
    scheduled under a longer interval than the current one are pulled in first.

    Each domain is claimed and given its run in one transaction of its own. A claim moves
    next_check_at a whole interval on: claimed first and handled later, a domain whose run
    was never created (an error on another domain ended the loop, or the beat was killed)
    would wait that interval with no check. Here an error rolls back that domain's claim
    only, so it stays due for the next tick, and the loop goes on with the others."""
    now = timezone.now()
    pull_in_checks(now)
    started = 0
    room = queue_room(now)
    for pk, due_at in Domain.due_candidates(now):
        if started >= room:
            break
        try:
            with transaction.atomic():
                for domain in Domain.claim_due(now, [(pk, due_at)]):
                    _, created = domain.request_check(kind="scheduled")
                    started += created
        except Exception:
            log.exception("could not start the scheduled check of domain %s", pk)
    return started


def pull_in_checks(now: datetime) -> int:
    """Domains scheduled further out than one interval from now (the interval was shortened
    since) are checked within the new interval, not when the old one said. The minute of
    slack keeps a worker whose clock runs a little ahead from moving rows on every tick."""
    latest = now + check_interval()
    later = Domain.objects.filter(next_check_at__gt=latest + timedelta(minutes=1))
    pulled = 0
    for pk in later.values_list("pk", flat=True):  # none, unless the interval just shrank
        pulled += Domain.objects.filter(pk=pk, next_check_at__gt=latest).update(
            next_check_at=latest
        )
        pagecache.changed(domain_id=pk)  # its page shows the next check's time
    return pulled


def queue_room(now: datetime) -> int:
    """How many more checks the tick may queue now (see MIN_QUEUED_CHECKS)."""
    recent = CheckRun.objects.filter(created__gte=now - QUEUE_WINDOW)
    finished = recent.filter(status__in=[CheckRun.Status.DONE, CheckRun.Status.ERROR]).count()
    waiting = CheckRun.objects.filter(status=CheckRun.Status.PENDING).count()
    return max(MIN_QUEUED_CHECKS, finished) - waiting


def _save_progress(run: CheckRun, mechanisms: dict[str, str]) -> None:
    try:
        CheckRun.objects.filter(pk=run.pk, status=CheckRun.Status.RUNNING).update(
            mechanisms=mechanisms
        )
        pagecache.changed(domain_id=run.domain_id)
    finally:
        # This runs in a throwaway thread; don't leave its connection open.
        connection.close()


def _hosting_on_since(domain: Domain) -> datetime | None:
    """When hosting was last turned on for `domain` (its "enabled" event; the policy's
    creation for rows older than events), while hosting is on; else None. Not while it is
    being turned off (DISABLING serves mode none until release): the owner is not to be
    told to publish records for hosting they are stopping."""
    from mailsec.hosting.models import HostedPolicy

    active = HostedPolicy.objects.servable().filter(state=HostedPolicy.State.ACTIVE)
    policy = active.filter(domain=domain).first()
    if policy is None:
        return None
    enabled = policy.events.filter(kind="enabled").order_by("-created").first()
    return enabled.created if enabled is not None else policy.created


@shared_task(
    name="mailsec.domains.tasks.run_check",
    soft_time_limit=150,
    time_limit=180,
    acks_late=True,
)
def run_check(run_code: str) -> str:
    from checks.engine import check_domain_sync
    from checks.findings import Finding, Mechanism, worst
    from checks.tasks import engine_config

    run = CheckRun.objects.select_related("domain").filter(code=run_code).first()
    if run is None or not run.claim():
        return "skipped"  # removed domain, or a duplicate delivery of a claimed run
    domain = run.domain
    if not domain.is_verified:
        # Queued before its team lost control of the name: we probe only proved domains.
        run.finish(None, "Not checked: the domain is not verified any more.")
        return "not verified"

    progress: dict[str, str] = {}

    async def on_progress(mechanism: Mechanism, findings: list[Finding]) -> None:
        # Called on the event loop's thread, one mechanism at a time: the dict is ours alone,
        # and each save writes all of it, so concurrent saves cannot lose a mechanism.
        progress[str(mechanism)] = str(worst([f.status for f in findings]))
        try:
            await sync_to_async(_save_progress, thread_sensitive=False)(run, dict(progress))
        except Exception:
            # Progress is for the watching page only; it must never sink the check.
            log.warning("could not save the progress of %s", domain.name, exc_info=True)

    report: dict[str, Any] | None = None
    error = ""
    try:
        config = engine_config(
            dkim_selectors=tuple(domain.selectors()),
            mtasts_previous=domain.mtasts_previous(),
            # Hosted MTA-STS: whether hosting is on already (a missing certificate is then
            # being issued, not hosting to turn on).
            hosting_on_since=_hosting_on_since(domain),
            # A re-probe that confirms a change (or a recovery) must look again, not re-read
            # the SMTP results a run minutes ago left in the probe cache.
            **({"probe_cache_seconds": 0} if run.kind == "confirm" else {}),
        )
        report = check_domain_sync(domain.name, config, on_progress=on_progress).to_dict()
    except Exception as exc:
        # A crash still ends the run and moves next_check_at on (in finish()).
        log.exception("check of %s failed", domain.name)
        error = f"The check could not be completed ({type(exc).__name__})."
    if not run.finish(report, error):
        log.info("check of %s finished after the domain was deleted", domain.name)
        return "deleted"
    if run.status == CheckRun.Status.DONE:
        # Compare with the last confirmed state; suspected regressions get a re-probe, confirmed
        # ones an email (mailsec/alerts). Never raises: alerts must not sink a stored check.
        # A run that shows what a fault of our resolver would make it show asks the resolver
        # first (the hold then reads an answer as fresh as the run). Never raises either.
        from mailsec.alerts.tasks import observe_run
        from mailsec.tasks import vantage_for_run

        vantage_for_run(run)
        observe_run(run)
        try:
            from mailsec.domains.views import warm_page_cache

            warm_page_cache(Domain.objects.select_related("last_run").get(pk=domain.pk))
        except Exception:
            # A cold cache only costs the next visitor some rendering; never fail the run.
            log.warning("could not pre-render the page of %s", domain.name, exc_info=True)
    return run.status


@shared_task(
    name="mailsec.domains.tasks.verify_pending",
    soft_time_limit=VERIFY_SOFT_TIME_LIMIT,
    time_limit=VERIFY_SOFT_TIME_LIMIT + 30,
)
def verify_pending() -> int:
    """Look for challenge records of recently added domains nobody verified by hand, then
    at contested domains whose re-check could not be made (recheck_contested).

    Those looked at longest ago come first, and each one tried is stamped (verify_checked_at),
    so successive runs go round all of them instead of retrying the same first rows. A lookup
    may take the engine's whole timeout (8 s), one after another: the task stops starting new
    ones once VERIFY_BUDGET_SECONDS are spent, and the next run carries on where it stopped."""
    deadline = time.monotonic() + VERIFY_BUDGET_SECONDS
    since = timezone.now() - timedelta(days=VERIFY_IN_BACKGROUND_FOR_DAYS)
    pending = Domain.objects.filter(verified_at=None, created__gte=since).order_by(
        F("verify_checked_at").asc(nulls_first=True), "pk"
    )
    verified: list[Domain] = []
    # Domains noted "not in the DNS" whose challenge name still answers NXDOMAIN, with that
    # answer: whether the name itself exists now is looked up for all of them together below.
    noted: list[tuple[Domain, DnsAnswer]] = []
    for domain in pending[:VERIFY_BATCH]:
        if time.monotonic() >= deadline:
            break
        try:
            if domain.not_in_dns:
                answer = domain._look_up_challenge()
                if not answer.failed and answer.nxdomain:
                    noted.append((domain, answer))
                    continue
                if domain.verify(hints=False, answer=answer):
                    verified.append(domain)
            elif domain.verify(hints=False):
                verified.append(domain)
        except Exception as exc:
            _verify_failed(domain, exc)
    if noted:
        _verify_noted(noted)
    try:
        # Nobody was looking when these were verified: their teams hear once, by email.
        from mailsec.domains.notices import tell_verified

        tell_verified(verified)
    except Exception as exc:
        if isinstance(exc, SoftTimeLimitExceeded):
            raise
        log.exception("could not tell the teams of %d domains verified", len(verified))
    recheck_contested(deadline)
    return len(verified)


def _verify_failed(domain: Domain, exc: Exception) -> None:
    """verify() stamps the domain only when its lookup returns: stamp it here too, or a domain
    whose lookup crashes would come first in every run."""
    Domain.objects.filter(pk=domain.pk).update(verify_checked_at=timezone.now())
    pagecache.changed(domain_id=domain.pk)  # a bare UPDATE: its page shows the time
    if isinstance(exc, SoftTimeLimitExceeded):
        raise exc  # past the budget after all: end now, not at the hard kill
    log.exception("verifying %s failed", domain.name, exc_info=exc)


def _verify_noted(noted: list[tuple[Domain, DnsAnswer]]) -> None:
    """Record the challenge answers of domains noted "not in the DNS" (models.NOT_IN_DNS),
    with whether each name exists now: the note goes once the owner has created the name, as
    at Verify and Verify all (s38q; before, it stayed until someone pressed one). One
    existence.look_up for the whole run, LOOKUP_SECONDS in all however many names, and only
    for these: a name that exists and waits for its record (its challenge name answers
    NXDOMAIN too) costs no lookup here. None is verified: their answers are NXDOMAIN."""
    names = [domain.name for domain, _ in noted]
    try:
        found = existence.look_up(names)
    except Exception as exc:
        if isinstance(exc, SoftTimeLimitExceeded):
            raise
        log.exception("looking up %d names noted not in the DNS failed", len(names))
        found = existence.Lookup(unknown=frozenset(names))
    for domain, answer in noted:
        # Told nothing is not "it exists": missing None keeps the note (Domain.verify).
        missing = found.missing_or_none(domain.name)
        try:
            domain.verify(hints=False, answer=answer, missing=missing)
        except Exception as exc:
            _verify_failed(domain, exc)


def recheck_contested(deadline: float) -> int:
    """Contests left open by a failed lookup (Domain.recheck_control): look again, in the
    same budget as verify_pending, least recently looked at first. Returns how many lost."""
    contested = Domain.objects.filter(verified_at__isnull=False, contested_at__isnull=False)
    lost = 0
    for domain in contested.order_by(F("verify_checked_at").asc(nulls_first=True), "pk")[
        :VERIFY_BATCH
    ]:
        if time.monotonic() >= deadline:
            break
        try:
            lost += domain.recheck_control() == "lost"
        except Exception as exc:
            # Stamped, so a domain whose lookup crashes does not come first in every run.
            Domain.objects.filter(pk=domain.pk).update(verify_checked_at=timezone.now())
            if isinstance(exc, SoftTimeLimitExceeded):
                raise
            log.exception("re-checking control of %s failed", domain.name)
    return lost


@shared_task(name="mailsec.domains.tasks.sweep_stuck_runs")
def sweep_stuck_runs() -> int:
    return CheckRun.sweep_stuck(timezone.now())


@shared_task(name="mailsec.domains.tasks.thin_runs")
def thin_runs() -> int:
    return CheckRun.thin(timezone.now())
