"""Celery tasks of the engine. The only module in checks/ that touches Django (through Celery)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from typing import IO, Any

from celery import shared_task

from checks import starttls
from checks.config import CheckConfig
from checks.engine import check_domain_sync

log = logging.getLogger(__name__)

# How long a process waits for its turn at a server another process is probing. A probe with
# its one retry takes well under this; past it the probe goes ahead rather than failing the
# check (a server slow for everyone must not hold every worker).
TURN_WAIT_SECONDS = 60.0
# A turn held in Redis expires after this long, so a worker killed mid-probe frees it.
TURN_HOLD_SECONDS = 120


# Shared probes are pickled: during a rolling deploy, workers of a release whose SmtpProbe has
# other fields must not read each other's (a field missing on an old probe would end the
# check as an internal error), so the field names are part of every probe's key.
PROBE_FORMAT = ",".join(f.name for f in dataclasses.fields(starttls.SmtpProbe))


class SharedProbes:
    """STARTTLS probe results in the Django cache (Redis in production, the file cache on one
    machine), and one probe at a time per server address among all worker processes: a Redis
    key added only if absent (all machines), or without Redis a file lock (the one machine)."""

    # A cache that is down costs politeness, never a check: no result, no turn, probe anyway.

    def get(self, key: str) -> starttls.SmtpProbe | None:
        from django.core.cache import cache

        try:
            return cache.get(_name("probe", f"{PROBE_FORMAT}|{key}"))
        except Exception:
            log.warning("could not read a shared STARTTLS probe", exc_info=True)
            return None

    def put(self, key: str, probe: starttls.SmtpProbe, ttl: float) -> None:
        from django.core.cache import cache

        try:
            cache.set(_name("probe", f"{PROBE_FORMAT}|{key}"), probe, ttl)
        except Exception:
            log.warning("could not share a STARTTLS probe", exc_info=True)

    @contextlib.asynccontextmanager
    async def turn(self, address: str) -> AsyncIterator[None]:
        from django.conf import settings

        take, give_back = (
            (_take_redis, _give_back_redis) if settings.REDIS_URL else (_take_file, _give_back_file)
        )
        name = _name("turn", address)
        deadline = time.monotonic() + TURN_WAIT_SECONDS
        held = None
        try:
            held = take(name)
            while held is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                held = take(name)
            if held is None:
                log.warning("probing %s without a turn: another worker held it too long", address)
        except Exception:
            log.warning("probing %s without a turn", address, exc_info=True)
        try:
            yield
        finally:
            if held is not None:
                with contextlib.suppress(Exception):
                    give_back(name, held)


def _name(kind: str, key: str) -> str:
    return f"starttls-{kind}-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _take_redis(name: str) -> str | None:
    from django.core.cache import cache

    token = secrets.token_hex(8)
    return token if cache.add(name, token, TURN_HOLD_SECONDS) else None


def _give_back_redis(name: str, token: str) -> None:
    from django.core.cache import cache

    # Only our own: past TURN_HOLD_SECONDS the key may be another worker's turn by now.
    if cache.get(name) == token:
        cache.delete(name)


def _take_file(name: str) -> IO[str] | None:
    from django.conf import settings

    folder = settings.DATA_DIR / "probe-turns"
    folder.mkdir(exist_ok=True)
    f = open(folder / name, "a")  # noqa: SIM115 (closed by _give_back_file)
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f  # the kernel lets go of it should this process die


def _give_back_file(name: str, f: IO[str]) -> None:
    f.close()


def engine_config(**overrides: Any) -> CheckConfig:
    """The engine's configuration from the same MAILSEC_* variables the settings read, with
    our hosted policy host as the settings have it (MAILSEC_POLICY_HOST defaults to a name
    under SITE_ROOT there, which the environment alone does not give): every check, free or
    monitored, then tells a customer's unhosted name apart from a provider's."""
    from django.conf import settings

    overrides.setdefault("hosted_policy_host", settings.MAILSEC_POLICY_HOST)
    # The zone hosted customers' _mta-sts records point into: hosted advice gives the exact record.
    overrides.setdefault("hosted_policy_zone", settings.MAILSEC_POLICY_ZONE)
    return CheckConfig.from_env(**overrides)


@shared_task(name="checks.tasks.check_domain_report", soft_time_limit=120, time_limit=150)
def check_domain_report(domain: str, selectors: list[str] | None = None) -> dict[str, Any]:
    """Run a full check and return the report as JSON-ready data (stored by the caller)."""
    config = engine_config(dkim_selectors=tuple(selectors or ()))
    return check_domain_sync(domain, config).to_dict()
