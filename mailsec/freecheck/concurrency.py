"""Global caps on work done inside a web request, across every web process.

`GET /api/v1/check` may run a check in the web process for up to API_TIME_CAP seconds, and
pressing Verify looks the challenge record up in the request (domains.views.verify): without
a cap a burst of either would hold every web thread. Each has a pool of its own (API: MAILSEC_
FREE_CHECK_API_CONCURRENCY slots; VERIFY: MAILSEC_VERIFY_CONCURRENCY): with one pool, two
anonymous API callers whose checks stalled made every signed-in customer's Verify answer
"busy". Keep the two caps together at least one below the web server's threads, so pages
still load when both are full.

Slots are shared the way ratelimit.py shares its counters: keys in Django's cache with Redis
(`add` is SET NX with an expiry), RateCounter rows with an expiry otherwise. A slot expires on
its own after HOLD_SECONDS, so a process killed mid-run (gunicorn's 30 s timeout) does not
leak it; ratelimit.prune() deletes the expired rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from mailsec.freecheck import ratelimit

# Longer than a run may take in the web process (API_TIME_CAP, 25 s) and than gunicorn lets
# a request live (30 s).
HOLD_SECONDS = 40


@dataclass(frozen=True)
class Pool:
    """`size_setting` slots named `key`:0, `key`:1…, shared by every web process."""

    key: str
    # Read at each acquire, not at import: tests and override_settings change it.
    size_setting: str

    def acquire(self) -> ratelimit.Slot | None:
        """Take a free slot, to hand to release(); None when all are taken."""
        for i in range(getattr(settings, self.size_setting)):
            slot = ratelimit.take_slot(f"{self.key}:{i}", HOLD_SECONDS)
            if slot is not None:
                return slot
        return None

    def release(self, slot: ratelimit.Slot | None) -> None:
        """Give a slot back (only if it is still ours: it may have expired and been retaken)."""
        ratelimit.give_back(slot)


API = Pool("freecheck:api-slot", "MAILSEC_FREE_CHECK_API_CONCURRENCY")
VERIFY = Pool("domains:verify-lookup-slot", "MAILSEC_VERIFY_CONCURRENCY")

# The free check API's pool, as its callers (freecheck.views, the tests) name it.
acquire = API.acquire
release = API.release
