"""The state of one check run, shared by the mechanisms that run concurrently inside it.

Mechanisms depend on each other's facts (STARTTLS needs the MX set and the MTA-STS policy, DANE
needs the STARTTLS probes, BIMI needs DMARC). Each fact is computed once per run through
`once()`: the first asker starts the work, later askers await the same future.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from checks.config import CheckConfig
from checks.dns import DnsClient

T = TypeVar("T")


class CheckContext:
    def __init__(self, domain: str, config: CheckConfig, dns: DnsClient | None = None) -> None:
        self.domain = domain
        self.config = config
        self.dns = dns or DnsClient(config)
        self._memo: dict[str, asyncio.Future[Any]] = {}
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
