"""Django's Redis cache with one client object per connection pool.

Django's RedisCache builds a new `redis.Redis` for every cache operation; redis-py's
constructor fills a table of about 170 response callbacks each time, some 70 µs, more than
the GET itself costs on a local Redis. Every signed-in page reads its session and its cached
fragments through here, so the client is made once per pool and reused (Django keeps one
cache object per thread; a `redis.Redis` would be safe to share anyway, each command borrows
a connection from the pool, and the pool starts afresh in a forked process).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # The pool's own index, chosen once: with several servers a read picks one at random.
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool_at(index)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client

    def _get_connection_pool_at(self, index: int) -> Any:
        if index not in self._pools:
            self._pools[index] = self._pool_class.from_url(
                self._servers[index], **self._pool_options
            )
        return self._pools[index]


class Redis(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClient
