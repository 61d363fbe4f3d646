"""A global cap on synchronous free-check API runs, across every web process.

`GET /api/v1/check` may run a check in the web process for up to API_TIME_CAP seconds, so
without a cap a burst of new domains would hold every web thread. Verify's challenge lookups
(domains.views.verify), made inside the request too, take their turn in the same slots: one
cap on the web threads such lookups hold. MAILSEC_FREE_CHECK_API_
CONCURRENCY slots are shared the way ratelimit.py shares its counters: keys in Django's cache
with Redis (`add` is SET NX with an expiry), RateCounter rows with an expiry otherwise. A slot
expires on its own after HOLD_SECONDS, so a process killed mid-run (gunicorn's 30 s timeout)
does not leak it; ratelimit.prune() deletes the expired rows.
"""

from __future__ import annotations

from django.conf import settings

from mailsec.freecheck import ratelimit

KEY = "freecheck:api-slot"
# Longer than a run may take in the web process (API_TIME_CAP, 25 s) and than gunicorn lets
# a request live (30 s).
HOLD_SECONDS = 40


def acquire() -> ratelimit.Slot | None:
    """Take a free slot, to hand to release(); None when all are taken."""
    for i in range(settings.MAILSEC_FREE_CHECK_API_CONCURRENCY):
        slot = ratelimit.take_slot(f"{KEY}:{i}", HOLD_SECONDS)
        if slot is not None:
            return slot
    return None


def release(slot: ratelimit.Slot | None) -> None:
    """Give a slot back (only if it is still ours: it may have expired and been retaken)."""
    ratelimit.give_back(slot)
