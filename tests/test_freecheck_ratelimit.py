"""The rate-limit counters under concurrency: database rows (embedded default) and Redis."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.test import override_settings

from mailsec.celery import app
from mailsec.freecheck import ratelimit


def hammer(threads: int, hits: int, bucket: str) -> list[int | None]:
    """`threads` threads each count `hits` uses of one bucket at the same moment."""
    results: list[int | None] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        try:
            for _ in range(hits):
                outcome = ratelimit.hit(bucket, limit=10_000, window=3600, now=7200.0)
                with lock:
                    results.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    close_old_connections()
    return results


@pytest.mark.django_db(transaction=True)
def test_database_counters_lose_no_increment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "uses_cache", lambda: False)  # even when CI has Redis
    hammer(threads=4, hits=25, bucket="db-race")
    # one more, outside the race: the counter must have seen all 100 before it
    assert ratelimit.hit("db-race", limit=100, window=3600, now=7200.0) == 3600
    assert ratelimit.hit("db-race", limit=102, window=3600, now=7200.0) is None


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (CI runs the whole suite on Redis)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_redis_counters_lose_no_increment(redis_url: str) -> None:
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    with override_settings(CACHES={"default": cache}):
        assert ratelimit.uses_cache()
        hammer(threads=4, hits=25, bucket="redis-race")
        assert ratelimit.hit("redis-race", limit=100, window=3600, now=7200.0) == 3600
        assert ratelimit.hit("redis-race", limit=102, window=3600, now=7200.0) is None


def test_the_run_goes_to_the_probes_queue() -> None:
    route = app.amqp.router.route({}, "mailsec.freecheck.tasks.run_free_check")
    assert route["queue"].name == "probes"
