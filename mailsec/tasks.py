"""Plumbing tasks: a round trip through broker, worker and database; the self-check of the
checker's vantage point (checks/vantage.py) and the banner it puts on result pages."""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from checks.vantage import VantageResult, check_vantage_sync
from mailsec.models import Ping

logger = logging.getLogger(__name__)

VANTAGE_CACHE_KEY = "vantage:latest"
# Six beat intervals: a result no worker has renewed for an hour (beat or every probes worker
# stopped) stops being shown, rather than telling of an old fault for ever.
VANTAGE_CACHE_SECONDS = 3600


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
    """Check this worker's vantage point and keep the result for the pages' banner (routed to
    the probes queue: the answer is about the machines that probe). Returns the result.
    A resolver down since an earlier result keeps that result's time (the banner's "since")."""
    result = run_vantage_check().carry_over(latest_vantage())
    data = result.to_dict()
    cache.set(VANTAGE_CACHE_KEY, data, VANTAGE_CACHE_SECONDS)
    if result.broken:
        logger.warning("vantage self-check: %s", " | ".join(result.lines()))
    return data


def latest_vantage() -> VantageResult | None:
    """The last result check_vantage kept, if any is less than VANTAGE_CACHE_SECONDS old."""
    data = cache.get(VANTAGE_CACHE_KEY)
    if not data:
        return None
    try:
        return VantageResult.from_dict(data)
    except (KeyError, TypeError, ValueError):  # kept by another release in another shape
        return None


def resolver_fault() -> str:
    """The latest vantage result's resolver verdict when it is a fault that makes runs wrong
    for every domain alike ("down": names that exist read as gone or could not be looked up;
    "broken": signed zones read as not validated), else "". mailsec.alerts leaves a run
    uncompared when what it shows is what that fault makes every domain show
    (rules.explained_by_our_resolver); the first run after it is well again compares with
    the same baseline, so a real problem is found then."""
    try:
        result = latest_vantage()
    except Exception:  # a cache that is down costs the hold, never the alerts
        logger.warning("could not read the vantage self-check's result", exc_info=True)
        return ""
    if result is None or not result.holds_alerts:
        return ""
    return str(result.resolver_verdict)
