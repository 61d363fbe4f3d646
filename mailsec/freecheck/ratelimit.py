"""Fixed-window rate limits for the free check: per client network and per target domain.

With Redis (REDIS_URL) the counters live in Django's cache, where `add` is SET NX and `incr` is
INCR: atomic across every web process. The embedded default's file cache is not: its `add` is
has_key-then-set and its `incr` is get-then-set, and four processes doing 100 increments each
ended at 109 rather than 400 when tried. So without Redis the counters are database rows
(RateCounter), incremented with UPDATE ... SET count = count + 1.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import dateformat, timezone

from mailsec.accounts.templatetags.zones import zone_label
from mailsec.freecheck.models import RateCounter

KEY_PREFIX = "freecheck:rl"


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind our own proxy (Caddy on the same host) REMOTE_ADDR is the
    proxy, and the client is the last X-Forwarded-For entry, the one the proxy appended;
    entries before it are whatever the client chose to send."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.MAILSEC_TRUSTED_PROXIES:
        return forwarded.split(",")[-1].strip()
    return remote


def client_hash(request: HttpRequest) -> str:
    """A keyed hash of the client's network: IPv4 address, or IPv6 /64 (one host usually
    owns a whole /64, so per-address limits would be no limit). Stored instead of the IP."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        network = ip
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
            network = str(ipaddress.ip_network(f"{address}/64", strict=False))
        else:
            network = str(address.ipv4_mapped or address) if address.version == 6 else str(address)
    return _keyed("freecheck-client", network)


def _keyed(kind: str, network: str) -> str:
    """A keyed hash of a client network: the counters' key, stored instead of the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{kind}:{network}".encode(), hashlib.sha256).hexdigest()


def wide_hash(request: HttpRequest) -> str:
    """A keyed hash of the client's IPv6 /48, or "" for IPv4. A /48 is what one tunnel
    broker account or one site gets: 65,536 /64s, each its own client_hash allowance, so
    the /48 has a shared allowance of its own (WIDE_RATE_FACTOR times one client's)."""
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return ""
    if not isinstance(address, ipaddress.IPv6Address) or address.ipv4_mapped is not None:
        return ""
    return _keyed("freecheck-wide", str(ipaddress.ip_network(f"{address}/48", strict=False)))


# A /48 may ask for this many times one client network's checks per window.
WIDE_RATE_FACTOR = 3


def _incr_cache(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        return 1


def _incr_db(key: str, window: int) -> int:
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        key=key, count=1, expires=timezone.now() + timedelta(seconds=window)
                    )
                return 1
            except IntegrityError:  # another request created it first
                RateCounter.objects.filter(key=key).update(count=F("count") + 1)
        return RateCounter.objects.get(key=key).count


def wall_time() -> float:
    """The Unix time the windows are counted in: time.time(). Callers that do not pass `now`
    read it here, and only here, so the tests can pin it (tests/conftest.py): a test counting
    requests in one fixed window must not find its count started again half way through."""
    return time.time()


def _window(bucket: str, window: int, now: float) -> tuple[str, int]:
    """The counter's key for the fixed window `now` falls in, and that window's start."""
    start = int(now // window) * window
    return f"{KEY_PREFIX}:{bucket}:{window}:{start}", start


def hit(bucket: str, limit: int, window: int, now: float | None = None) -> int | None:
    """Count one use of `bucket`; returns None when allowed, else the seconds until the
    window ends (for Retry-After)."""
    now = wall_time() if now is None else now
    key, start = _window(bucket, window, now)
    count = _incr_cache(key, window) if uses_cache() else _incr_db(key, window)
    if count <= limit:
        return None
    return max(1, math.ceil(start + window - now))


def used(bucket: str, window: int, now: float | None = None) -> int:
    """How many uses of `bucket` the current window has counted, without counting one."""
    now = wall_time() if now is None else now
    key, _ = _window(bucket, window, now)
    if uses_cache():
        return int(cache.get(key) or 0)
    return RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0


def used_many(buckets: list[str], window: int, now: float | None = None) -> dict[str, int]:
    """`used` of each bucket, read together (one query without Redis)."""
    now = wall_time() if now is None else now
    keys = {bucket: _window(bucket, window, now)[0] for bucket in buckets}
    if uses_cache():
        found = cache.get_many(list(keys.values()))
    else:
        found = dict(RateCounter.objects.filter(key__in=keys.values()).values_list("key", "count"))
    return {bucket: int(found.get(key) or 0) for bucket, key in keys.items()}


def hit_many(buckets: list[str], window: int, now: float | None = None) -> None:
    """Count one use of each bucket, as `hit` does, together: without Redis, every counter
    made (at 0 where there was none; another request's made meanwhile is kept) and then
    all raised by one, in one transaction, whatever their number. With Redis, one by one."""
    now = wall_time() if now is None else now
    keys = list(dict.fromkeys(_window(bucket, window, now)[0] for bucket in buckets))
    if not keys:
        return
    if uses_cache():
        for key in keys:
            _incr_cache(key, window)
        return
    expires = timezone.now() + timedelta(seconds=window)
    with transaction.atomic():
        RateCounter.objects.bulk_create(
            [RateCounter(key=key, count=0, expires=expires) for key in keys],
            ignore_conflicts=True,
        )
        RateCounter.objects.filter(key__in=keys).update(count=F("count") + 1)


@dataclass(frozen=True)
class Allowance:
    """A client's free checks in the current window, as the page and the API's RateLimit
    headers tell it before anyone is refused."""

    limit: int
    used: int
    window: int  # seconds
    resets_in: int  # seconds until the window ends and the count starts again
    resets_at: datetime

    @property
    def remaining(self) -> int:
        # Refused requests are counted too, so `used` may pass the limit.
        return max(0, self.limit - self.used)


def client_allowance(client: str, now: float | None = None) -> Allowance:
    """What is left of this client network's free checks (check_client's counter)."""
    limit, window = settings.MAILSEC_FREE_CHECK_RATE, settings.MAILSEC_FREE_CHECK_WINDOW
    now = wall_time() if now is None else now
    _, start = _window(f"client:{client}", window, now)
    return Allowance(
        limit=limit,
        used=used(f"client:{client}", window, now),
        window=window,
        resets_in=max(1, math.ceil(start + window - now)),
        resets_at=datetime.fromtimestamp(start + window, tz=UTC),
    )


def uses_cache() -> bool:
    return isinstance(caches["default"], RedisCache)


def prune() -> int:
    deleted, _ = RateCounter.objects.filter(expires__lt=timezone.now()).delete()
    return deleted


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _clock(seconds_from_now: int) -> str:
    """The time of day `seconds_from_now` from now in the reader's zone, naming it, as the
    form's allowance beside the refusal writes it ("15:40 UTC", signed out; "16:40
    (Europe/Berlin)"). Before s43i always in UTC, an hour or a day apart from the note."""
    moment = timezone.localtime(timezone.now() + timedelta(seconds=seconds_from_now))
    return f"{dateformat.format(moment, 'H:i')} {zone_label()}"


def check_client(client: str, wide: str = "") -> None:
    """Raise RateLimited when this client network (client_hash), or the IPv6 /48 it is in
    (wide_hash, "" for IPv4), asked for too many checks."""
    limit, window = settings.MAILSEC_FREE_CHECK_RATE, settings.MAILSEC_FREE_CHECK_WINDOW
    retry_after = hit(f"client:{client}", limit, window)
    if retry_after is not None:
        raise RateLimited(
            f"You have asked for {limit} check{'s' if limit != 1 else ''} in the last {_wait_words(window)}, which is "
            f"the limit for the free check. Please try again in {_wait_words(retry_after)} "
            f"(at {_clock(retry_after)}).",
            retry_after,
        )
    if wide:
        retry_after = hit(f"wide:{wide}", limit * WIDE_RATE_FACTOR, window)
        if retry_after is not None:
            raise RateLimited(
                f"Your network (its IPv6 /48) has asked for {limit * WIDE_RATE_FACTOR} checks "
                f"in the last {_wait_words(window)}, which is the limit for the free check. "
                f"Please try again in {_wait_words(retry_after)} (at {_clock(retry_after)}).",
                retry_after,
            )


def check_site() -> None:
    """Raise RateLimited when the free check has started MAILSEC_FREE_CHECK_SITE_RATE new
    runs in this window, whoever asked: however many networks ask, the mail servers we probe
    for strangers stay a bounded number (we are not to be anyone's scanner)."""
    limit, window = settings.MAILSEC_FREE_CHECK_SITE_RATE, settings.MAILSEC_FREE_CHECK_WINDOW
    retry_after = hit("site", limit, window)
    if retry_after is not None:
        raise RateLimited(
            f"The free check is busy: it has run as many new checks as it may in the last "
            f"{_wait_words(window)}. Please try again in {_wait_words(retry_after)} "
            f"(at {_clock(retry_after)}), or sign up to monitor your domain.",
            retry_after,
        )


def check_domain(domain: str) -> None:
    """Raise RateLimited when this domain's servers were probed too often (so nobody can
    use us to hammer someone else's mail servers)."""
    from checks.domainname import organizational_domain
    from mailsec.freecheck.models import free_check_config

    limit, window = settings.MAILSEC_FREE_CHECK_DOMAIN_RATE, settings.MAILSEC_FREE_CHECK_WINDOW
    # Per registrable domain: a.victim.example, b.victim.example… share mail servers and one
    # allowance, or a list of made-up subdomains would multiply it.
    org = organizational_domain(domain, free_check_config().extra_public_suffixes)
    retry_after = hit(f"domain:{org}", limit, window)
    if retry_after is not None:
        raise RateLimited(
            f"{org} has been checked {_times(limit)} in the last {_wait_words(window)}. "
            "To be fair to its mail servers, please try again in "
            f"{_wait_words(retry_after)} (at {_clock(retry_after)}).",
            retry_after,
        )


Slot = tuple[str, str]  # (the key, as stored; the holder's token)


def take_slot(key: str, hold: int) -> Slot | None:
    """Hold `key` for at most `hold` seconds, across every process: the slot to hand to
    give_back, or None when someone holds it. Redis: SET NX with an expiry; without it, a
    RateCounter row with an expiry (the file cache's add is not atomic between processes).
    A slot expires on its own, so a process killed while holding one does not leak it."""
    key, owner = f"{KEY_PREFIX}:{key}", secrets.token_hex(8)
    if uses_cache():
        return (key, owner) if cache.add(key, owner, timeout=hold) else None
    now = timezone.now()
    expires = now + timedelta(seconds=hold)
    try:
        with transaction.atomic():
            RateCounter.objects.create(key=key, count=_mark(owner), expires=expires)
    except IntegrityError:  # held, or left by a holder that died: taken again once expired
        taken = RateCounter.objects.filter(key=key, expires__lt=now).update(
            count=_mark(owner), expires=expires
        )
        if not taken:
            return None
    return key, owner


def give_back(slot: Slot | None) -> None:
    """Free a slot, only if it is still ours (it may have expired and been taken again)."""
    if slot is None:
        return
    key, owner = slot
    if uses_cache():
        if cache.get(key) == owner:
            cache.delete(key)
    else:
        RateCounter.objects.filter(key=key, count=_mark(owner)).delete()


def _mark(owner: str) -> int:
    # The holder's token stands in the count column: a random number names this holder.
    return int(owner, 16) % 2_000_000_000
