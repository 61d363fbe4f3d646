"""Loaded with `-p tests.xdist_env` (scripts/test.sh), before pytest-django reads the
settings: under pytest-xdist each worker process gets a Redis database of its own.

The workers share one Redis server (REDIS_URL), and on one database they would take each
other's Celery tasks (the test workers consume the same queue names), clear each other's
cache and rate-limit counters, and read each other's locks. Worker gwN uses database N + 1
of the same server; database 0 (or whatever REDIS_URL names) stays the one a run without
workers uses. Nothing happens without xdist or without REDIS_URL."""

from __future__ import annotations

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url.startswith(("redis://", "rediss://")):
    _db = int(_worker[2:]) + 1
    # redis://host:port[/db][?query]: replace or add the database number.
    _base, _, _query = _url.partition("?")
    _base = re.sub(r"/\d*$", "", _base.rstrip("/")) if _base.count("/") > 2 else _base
    os.environ["REDIS_URL"] = f"{_base}/{_db}" + (f"?{_query}" if _query else "")
