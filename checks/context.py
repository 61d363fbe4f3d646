"""The state of one check run, shared by the mechanisms that run concurrently inside it.

Mechanisms depend on each other's facts (STARTTLS needs the MX set and the MTA-STS policy, DANE
needs the STARTTLS probes, BIMI needs DMARC). Each fact is computed once per run through
`once()`: the first asker starts the work, later askers await the same future.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from checks.config import CheckConfig
from checks.dns import DnsClient

T = TypeVar("T")

# How many timeouts of a probe's wait for a slot under the run's connection cap its clock
# forgives (clock_start).
FORGIVEN_WAIT_TIMEOUTS = 3


def clock_start(began_waiting: float, timeout: float) -> float:
    """When a probe's time budget starts, once it holds a slot under the run's connection
    cap: then, as the wait is our own queue and not the server's time, but no later than
    FORGIVEN_WAIT_TIMEOUTS timeouts after it began waiting. Forgiving a long wait whole gave
    the probe its full budget after it, and in a busy run the mechanism met its own time
    limit (ENGINE-01, which blames a slow server) because of our queue."""
    return min(time.monotonic(), began_waiting + FORGIVEN_WAIT_TIMEOUTS * timeout)


class CheckContext:
    def __init__(self, domain: str, config: CheckConfig, dns: DnsClient | None = None) -> None:
        self.domain = domain
        self.config = config
        self.dns = dns or DnsClient(config)
        self._memo: dict[str, asyncio.Future[Any]] = {}
        # The mechanisms this run checks (checks.engine.check_domain sets them; empty for a
        # context built alone). A mechanism that would read another's connections, as TLSRPT-10
        # reads the SMTP probes, does so only when that one runs too: it opens none of its own.
        self.mechanisms: frozenset[str] = frozenset()
        # Caps outbound TCP connections of this run (SMTP and HTTPS together).
        self.connections = asyncio.Semaphore(config.max_connections)

    async def once(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        future = self._memo.get(key)
        if future is None:
            future = asyncio.ensure_future(factory())
            self._memo[key] = future
        return await asyncio.shield(future)

    def known(self, key: str) -> Any | None:
        """What `once(key, ...)` has computed already, without an error; else None. Starts no
        work and waits for none: for code that runs after the mechanisms, outside their time
        limits (checks.engine._with_policy through mtasts.known_policy)."""
        future = self._memo.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return None
        return future.result()
