"""A global cap on synchronous free-check API runs, across every web process.

`GET /api/v1/check` may run a check in the web process for up to API_TIME_CAP seconds, so
without a cap a burst of new domains would hold every web thread. MAILSEC_FREE_CHECK_API_
CONCURRENCY slots are shared the way ratelimit.py shares its counters: keys in Django's cache
with Redis (`add` is SET NX with an expiry), RateCounter rows with an expiry otherwise. A slot
expires on its own after HOLD_SECONDS, so a process killed mid-run (gunicorn's 30 s timeout)
does not leak it; ratelimit.prune() deletes the expired rows.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import RateCounter

KEY = "freecheck:api-slot"
# Longer than a run may take in the web process (API_TIME_CAP, 25 s) and than gunicorn lets
# a request live (30 s).
HOLD_SECONDS = 40


def _key(i: int) -> str:
    return f"{ratelimit.KEY_PREFIX}:{KEY}:{i}"


def acquire() -> tuple[str, str] | None:
    """Take a free slot: (key, owner) to hand to release(), or None when all are taken."""
    for i in range(settings.MAILSEC_FREE_CHECK_API_CONCURRENCY):
        key, owner = _key(i), secrets.token_hex(8)
        if ratelimit.uses_cache():
            if cache.add(key, owner, timeout=HOLD_SECONDS):
                return key, owner
        elif _take_row(key, owner):
            return key, owner
    return None


def _take_row(key: str, owner: str) -> bool:
    # The owner is kept in the count column's stead: a random number names this holder.
    now = timezone.now()
    expires = now + timedelta(seconds=HOLD_SECONDS)
    mark = int(owner, 16) % 2_000_000_000
    try:
        with transaction.atomic():
            RateCounter.objects.create(key=key, count=mark, expires=expires)
        return True
    except IntegrityError:  # held, or left behind by a holder that died: take it if expired
        return bool(
            RateCounter.objects.filter(key=key, expires__lt=now).update(count=mark, expires=expires)
        )


def release(slot: tuple[str, str] | None) -> None:
    """Give a slot back (only if it is still ours: it may have expired and been retaken)."""
    if slot is None:
        return
    key, owner = slot
    if ratelimit.uses_cache():
        if cache.get(key) == owner:
            cache.delete(key)
    else:
        RateCounter.objects.filter(key=key, count=int(owner, 16) % 2_000_000_000).delete()
