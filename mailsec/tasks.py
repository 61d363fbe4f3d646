"""Plumbing tasks: a round trip through broker, worker and database; the self-check of the
checker's vantage point (checks/vantage.py) and the banner it puts on result pages."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
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

# Every probes machine's latest result, each under a key of its own (VANTAGE_MACHINE_KEY, by
# MAILSEC_VANTAGE_ID, else the host name): {"machine", "kept_at": ISO time, "result":
# VantageResult.to_dict()}. The beat's task (every ten minutes) and a run's own self-check
# (vantage_for_run, on any probes machine) write only their own machine's key, so two machines
# writing at once never lose each other's result (s36o kept all in one value, read, changed
# and written back: the earlier of two such writes was lost). The pages find the machines by
# VANTAGE_INDEX_KEY, a sorted list of ids; it is rewritten only when it lacks the writer's id
# or names a machine whose result is gone, else touched. Two such rewrites at once can lose
# one id (only while machines come or go): that machine's result stays in its key (its own
# reads never go through the index) and its id is back on its next write (ten minutes at most
# for the beat's). Nothing else is read: s36o's draft value ("vantage:machines") was written
# by no deployed release, and the release before kept a single result in "vantage:latest".
VANTAGE_MACHINE_KEY = "vantage:machine:{}"
VANTAGE_INDEX_KEY = "vantage:machine-ids"
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
        kept = _kept([vantage_machine()]).get(vantage_machine())
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


Kept = tuple[datetime, VantageResult]


def _machine_key(machine: str) -> str:
    """The cache key of `machine`'s result: the id itself when it is short and plain, else its
    digest (a host name is, but MAILSEC_VANTAGE_ID may be anything)."""
    if re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", machine):
        return VANTAGE_MACHINE_KEY.format(machine)
    return VANTAGE_MACHINE_KEY.format("sha256-" + hashlib.sha256(machine.encode()).hexdigest())


def _read(item: Any, oldest: datetime) -> Kept | None:
    """A kept result and when it was kept, if `item` has the shape and is recent enough."""
    with suppress(KeyError, TypeError, ValueError, AttributeError):  # another shape
        at = datetime.fromisoformat(item["kept_at"])
        if at > oldest:
            return at, VantageResult.from_dict(item["result"])
    return None


def _index() -> list[str]:
    ids = cache.get(VANTAGE_INDEX_KEY)
    if not isinstance(ids, list):
        return []
    return [str(machine) for machine in ids]


def _kept(machines: list[str] | None = None) -> dict[str, Kept]:
    """Each machine's latest result and when it was kept, of those less than
    VANTAGE_CACHE_SECONDS old: `machines` (read by their keys), else every machine the index
    names and this one."""
    oldest = timezone.now() - timedelta(seconds=VANTAGE_CACHE_SECONDS)
    names = sorted({*_index(), vantage_machine()}) if machines is None else machines
    keys = {_machine_key(machine): machine for machine in names}
    kept = {}
    for key, item in cache.get_many(list(keys)).items():
        if (read := _read(item, oldest)) is not None:
            kept[keys[key]] = read
    return kept


def kept_vantage() -> dict[str, VantageResult]:
    """Each machine's latest result, of those less than VANTAGE_CACHE_SECONDS old."""
    return {machine: result for machine, (_, result) in _kept().items()}


def keep_vantage(result: VantageResult, machine: str | None = None) -> None:
    """Keep `result` as `machine`'s (this machine's by default) under its own key, and make
    sure the index names it (forgetting machines whose results are too old)."""
    name = machine or vantage_machine()
    item = {"machine": name, "kept_at": timezone.now().isoformat(), "result": result.to_dict()}
    cache.set(_machine_key(name), item, VANTAGE_CACHE_SECONDS)
    ids = _index()
    oldest = timezone.now() - timedelta(seconds=VANTAGE_CACHE_SECONDS)
    keys = {_machine_key(other): other for other in ids if other != name}
    alive = {keys[key] for key, other in cache.get_many(list(keys)).items() if _read(other, oldest)}
    wanted = sorted(alive | {name})
    if wanted != ids or not cache.touch(VANTAGE_INDEX_KEY, VANTAGE_CACHE_SECONDS):
        cache.set(VANTAGE_INDEX_KEY, wanted, VANTAGE_CACHE_SECONDS)


def forget_vantage() -> None:
    """Forget every machine's result (tests; an operator's shell)."""
    machines = {*_index(), vantage_machine()}
    cache.delete_many([VANTAGE_INDEX_KEY, *(_machine_key(m) for m in machines)])


def latest_vantage(machine: str | None = None) -> VantageResult | None:
    """The last result kept on `machine` (this machine by default), if it is less than
    VANTAGE_CACHE_SECONDS old: read by its key, whatever the index says."""
    name = machine or vantage_machine()
    kept = _kept([name]).get(name)
    return kept[1] if kept is not None else None


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
