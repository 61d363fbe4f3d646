"""Loaded with `-p tests.xdist_env` (scripts/test.sh), before pytest-django reads the
settings: under pytest-xdist each worker process gets a Redis database of its own.

The workers share one Redis server (REDIS_URL), and on one database they would take each
other's Celery tasks (the test workers consume the same queue names), clear each other's
cache and rate-limit counters, and read each other's locks. Worker gwN uses database
D + N + 1 of the same server, where D is the one REDIS_URL names (0 when it names none),
which stays the one a run without workers uses. Two runs at once on one machine (CI's is
redis://.../0: its workers use 1 and 2) keep apart by naming databases far enough apart:
with /0 and /8 their caches no longer clear each other's. Nothing happens without xdist or
without REDIS_URL."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url.startswith(("redis://", "rediss://")):
    # redis://host:port[/db][?query]: the path is the database number.
    _parts = urlsplit(_url)
    _db = int(_parts.path.strip("/") or 0) + int(_worker[2:]) + 1
    os.environ["REDIS_URL"] = urlunsplit(_parts._replace(path=f"/{_db}"))
