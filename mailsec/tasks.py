"""Plumbing tasks: a round trip through broker, worker and database."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from mailsec.models import Ping


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
