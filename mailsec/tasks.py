"""Plumbing tasks: a round trip through broker, worker and database; the self-check of the
checker's vantage point (checks/vantage.py) and the banner it puts on result pages."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from checks.config import CheckConfig
from checks.vantage import (
    Answer,
    ResolverAnswer,
    VantageResult,
    VantageTargets,
    Verdict,
    check_resolvers,
    check_vantage_sync,
    for_the_pages,
)
from mailsec.models import Ping

if TYPE_CHECKING:
    from mailsec.domains.models import CheckRun

logger = logging.getLogger(__name__)

# Every probes machine's latest result, by machine (MAILSEC_VANTAGE_ID, else the host name):
# {machine: {"kept_at": ISO time, "result": VantageResult.to_dict()}}. One value, read, changed
# and written back (keep_vantage) by the task beat sends every ten minutes and by a run's own
# self-check (vantage_for_run, on any probes machine): two machines writing in the same few
# milliseconds lose the first one's entry until its next write (its runs' hold meanwhile goes
# by the newest of the others, resolver_fault, and its next such run asks again). Named anew
# from s36o's per-machine shape ("vantage:latest" held one result): a worker of the release
# before, during a rolling deploy, cannot overwrite it.
VANTAGE_CACHE_KEY = "vantage:machines"
# Six beat intervals: a result no worker has renewed for an hour (beat or every probes worker
# stopped, or that machine is gone) stops being shown, rather than telling of an old fault for
# ever. Each machine's result ages on its own (from when it was kept).
VANTAGE_CACHE_SECONDS = 3600
# A run's own self-check (vantage_for_run) is not made within this long of this machine's last
# result: during an outage the runs of one machine ask once a minute at most, not each.
VANTAGE_RUN_SECONDS = 60


@shared_task(soft_time_limit=10, time_limit=15)
def ping(token: str) -> str:
    """Record that a worker ran this task; returns the worker's name."""
    worker = ping.request.hostname or ""
    Ping.objects.update_or_create(
        token=token, defaults={"worker": worker, "created": timezone.now()}
    )
    return worker


@shared_task(soft_time_limit=30, time_limit=60)
def prune_pings(older_than_hours: int = 24) -> int:
    """Delete self-test rows older than the given age (the beat heartbeat row is kept)."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _ = Ping.objects.filter(created__lt=cutoff).exclude(token="beat").delete()
    return deleted


def round_trip(timeout: float = 30.0) -> tuple[Ping, float]:
    """Send a ping task and wait until its row appears in the database.

    Returns the row and the seconds it took; raises TimeoutError when no worker wrote it.
    """
    token = "selftest-" + secrets.token_hex(8)
    start = time.monotonic()
    ping.delay(token)
    while time.monotonic() - start < timeout:
        row = Ping.objects.filter(token=token).first()
        if row is not None:
            return row, time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"no worker ran the ping task within {timeout:.0f} s")


def run_vantage_check() -> VantageResult:
    """The self-check, run here, with the engine's configuration (MAILSEC_RESOLVER…)."""
    from checks.tasks import engine_config

    return check_vantage_sync(engine_config(), settings.MAILSEC_VANTAGE)


@shared_task(soft_time_limit=90, time_limit=120)
def check_vantage() -> dict[str, Any]:
    """Check this worker's vantage point and keep the result, as this machine's, for the pages'
    banner and the alerts' hold (routed to the probes queue: the answer is about the machines
    that probe). Returns the result. A resolver down since this machine's earlier result keeps
    that result's time (the banner's "since"): another machine's answer in between, good or
    bad, neither resets nor sets it."""
    result = run_vantage_check().carry_over(latest_vantage())
    keep_vantage(result)
    if result.broken:
        logger.warning("vantage self-check: %s", " | ".join(result.lines()))
    for error in result.config_errors:
        logger.error("vantage self-check: %s", error)
    return result.to_dict()


def check_resolvers_sync(config: CheckConfig, targets: VantageTargets) -> list[ResolverAnswer]:
    return asyncio.run(check_resolvers(config, targets))


def vantage_for_run(run: CheckRun) -> None:
    """The run's own signal, before mailsec.alerts compares it: when `run` shows what a fault
    of our resolver makes every domain show (rules.explained_by_our_resolver against the
    domain's baseline: the name gone, DNSSEC or DANE no longer passing), ask the resolvers'
    questions of the self-check now, on this machine, with the engine's configuration (the
    run's resolvers), and keep the answer as this machine's result; resolver_fault, read by the
    comparison right after, then holds the run on an answer as fresh as it, not on the beat's
    of up to ten minutes ago. Not asked when this machine's result is under
    VANTAGE_RUN_SECONDS old. Port 25 is not asked: the earlier answer is kept. Rare by
    design: other runs, even during an outage (a resolver that does not answer makes "could
    not check", which compares nothing), ask nothing. Never raises: a check is never lost to
    its self-check."""
    from checks.tasks import engine_config
    from mailsec.alerts import rules
    from mailsec.alerts.models import AlertState

    try:
        state = AlertState.objects.filter(domain_id=run.domain_id).first()
        baseline = state.baseline_snapshot() if state is not None else None
        current = rules.Snapshot.from_run(run)
        faults = (Verdict.DOWN, Verdict.BROKEN)
        if not any(rules.explained_by_our_resolver(f, baseline, current) for f in faults):
            return
        kept = _kept().get(vantage_machine())
        if kept is not None and timezone.now() - kept[0] < timedelta(seconds=VANTAGE_RUN_SECONDS):
            return
        previous = kept[1] if kept is not None else None
        started = timezone.now().isoformat(timespec="seconds")
        resolvers = check_resolvers_sync(engine_config(), settings.MAILSEC_VANTAGE)
        port25 = (
            previous.port25
            if previous is not None
            else Answer(Verdict.NOT_TESTED, "not asked: a check run's own self-check")
        )
        result = VantageResult(started, resolvers, port25).carry_over(previous)
        keep_vantage(result)
        if result.broken:
            logger.warning("vantage self-check (run %s): %s", run.code, " | ".join(result.lines()))
    except Exception:
        logger.warning("the self-check of run %s failed", run.code, exc_info=True)


def vantage_machine() -> str:
    """The machine this process runs on, as the self-check's results are kept by."""
    return str(settings.MAILSEC_VANTAGE_ID)


def _kept() -> dict[str, tuple[datetime, VantageResult]]:
    """Each machine's latest result and when it was kept, of those less than
    VANTAGE_CACHE_SECONDS old."""
    data = cache.get(VANTAGE_CACHE_KEY)
    if not isinstance(data, dict):
        return {}
    oldest = timezone.now() - timedelta(seconds=VANTAGE_CACHE_SECONDS)
    kept = {}
    for machine, item in data.items():
        with suppress(KeyError, TypeError, ValueError, AttributeError):  # another shape
            at = datetime.fromisoformat(item["kept_at"])
            if at > oldest:
                kept[str(machine)] = (at, VantageResult.from_dict(item["result"]))
    return kept


def kept_vantage() -> dict[str, VantageResult]:
    """Each machine's latest result, of those less than VANTAGE_CACHE_SECONDS old."""
    return {machine: result for machine, (_, result) in _kept().items()}


def keep_vantage(result: VantageResult, machine: str | None = None) -> None:
    """Keep `result` as `machine`'s (this machine's by default), forgetting results that
    are too old."""
    data = {
        name: {"kept_at": at.isoformat(), "result": r.to_dict()}
        for name, (at, r) in _kept().items()
    }
    data[machine or vantage_machine()] = {
        "kept_at": timezone.now().isoformat(),
        "result": result.to_dict(),
    }
    cache.set(VANTAGE_CACHE_KEY, data, VANTAGE_CACHE_SECONDS)


def latest_vantage(machine: str | None = None) -> VantageResult | None:
    """The last result check_vantage kept on `machine` (this machine by default), if it is
    less than VANTAGE_CACHE_SECONDS old."""
    return kept_vantage().get(machine or vantage_machine())


def pages_vantage() -> VantageResult | None:
    """What the pages' banner shows: a fault any machine has (checks.vantage.for_the_pages)."""
    return for_the_pages(kept_vantage().values())


def resolver_fault() -> str:
    """The resolver verdict of the machine doing the checks (this one: mailsec.alerts observes
    a run in the check task, on the probes worker that ran it) when it is a fault that makes
    runs wrong for every domain alike ("down": names that exist read as gone or could not be
    looked up; "broken": signed zones read as not validated), else "". Without a result of
    its own (beat's task, which one probes worker takes every ten minutes, has not come its
    way within the hour), the newest result of any machine: most deployments give every probes
    machine the same kind of resolver. mailsec.alerts leaves a run uncompared when what it
    shows is what that fault makes every domain show (rules.explained_by_our_resolver); the
    first run after it is well again compares with the same baseline, so a real problem is
    found then."""
    try:
        kept = _kept()
    except Exception:  # a cache that is down costs the hold, never the alerts
        logger.warning("could not read the vantage self-check's result", exc_info=True)
        return ""
    own = kept.get(vantage_machine())
    if own is None and kept:
        own = max(kept.values(), key=lambda item: item[0])  # the newest
    result = own[1] if own is not None else None
    if result is None or not result.holds_alerts:
        return ""
    return str(result.resolver_verdict)
