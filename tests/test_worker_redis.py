"""A real Celery worker on Redis runs the scheduled checks, against the lab.

The beat's tick claims a due, verified lab domain (f01.lab.test, only read) and enqueues its
check on the `probes` queue; a Celery worker (celery.contrib.testing's start_worker: a real
consumer in a thread of this process) takes it from Redis, runs the engine against the lab's
DNS and servers, and the CheckRun with its score lands in the database (PostgreSQL in CI).

Without REDIS_URL: in CI (CI=true, as .ci/run and most CI systems set) this FAILS, saying so
- the point of the test is Redis. Locally it runs on the configured embedded broker instead
(the filesystem transport), which still proves beat -> queue -> worker -> database.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from celery.signals import task_prerun
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.celery import app
from mailsec.domains import tasks
from mailsec.domains.models import CheckRun, Domain

pytestmark = pytest.mark.lab

LAB_DOMAIN = "f01.lab.test"  # read-only use: nothing here changes its zone
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reset_connections() -> None:
    # Forget pooled broker connections and producers made with the previous options.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_broker() -> Iterator[str]:
    """The broker this test uses, with a key prefix of its own on Redis: other test sessions
    sharing the Redis database (and their workers) never see, let alone take, its tasks."""
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail(
                "REDIS_URL is not set: this test must run a worker on Redis in CI "
                "(export REDIS_URL=redis://127.0.0.1:6379/0, as .ci/run does).",
                pytrace=False,
            )
        yield app.conf.broker_url  # locally: the configured embedded broker
        return
    assert app.conf.broker_url.startswith(("redis://", "rediss://", "unix://"))
    saved = dict(app.conf.broker_transport_options)
    prefix = f"test-worker-{uuid.uuid4().hex[:12]}:"
    app.conf.broker_transport_options = {**saved, "global_keyprefix": prefix}
    _reset_connections()
    try:
        yield app.conf.broker_url
    finally:
        app.conf.broker_transport_options = saved
        _reset_connections()
        # kombu leaves its queue bindings behind; they are ours alone, so remove them.
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def lab_env(lab: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    # The engine reads MAILSEC_* at each run (checks.tasks.engine_config), in the worker.
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    return lab


@pytest.fixture
def task_deliveries() -> Iterator[list[tuple[str, str, bool]]]:
    """(task name, queue it was delivered from, ran in this test's thread?) for each task
    run: proof that the check went through the broker to the worker, not called inline."""
    seen: list[tuple[str, str, bool]] = []

    def record(sender: Any = None, task_id: str = "", task: Any = None, **kw: Any) -> None:
        queue = (task.request.delivery_info or {}).get("routing_key", "")
        seen.append((task.name, queue, threading.current_thread() is threading.main_thread()))

    task_prerun.connect(record, weak=False)
    yield seen
    task_prerun.disconnect(record)


@pytest.mark.django_db(transaction=True)
def test_the_beat_claims_a_due_lab_domain_and_a_worker_on_redis_stores_its_scored_run(
    redis_broker: str,
    lab_env: Any,
    task_deliveries: list[tuple[str, str, bool]],
    request: pytest.FixtureRequest,
) -> None:
    if IN_CI:
        assert connection.vendor == "postgresql", "CI runs this against PostgreSQL"
    owner = User.objects.create_user("olga", "olga@example.org")
    team = Team.create_for(owner)
    now = timezone.now()
    domain = Domain.objects.create(
        team=team, name=LAB_DOMAIN, verified_at=now, next_check_at=now - timedelta(minutes=1)
    )
    Domain.objects.create(
        team=team, name="not-due.example", verified_at=now, next_check_at=now + timedelta(hours=1)
    )

    # The worker starts after the beat published: the task waits in Redis until consumed.
    assert tasks.tick() == 1
    assert tasks.tick() == 0  # claimed once
    run = CheckRun.objects.get(domain=domain)
    assert (run.kind, run.status) == ("scheduled", "pending")

    worker = request.getfixturevalue("celery_worker")
    deadline = timezone.now() + timedelta(seconds=120)
    while timezone.now() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            break
        time.sleep(0.25)
    run.refresh_from_db()
    assert run.status == CheckRun.Status.DONE, (run.status, run.error)
    assert run.score is not None and 0 <= run.score <= 100
    assert run.score_version
    assert {"mx", "mta-sts", "smtp", "dmarc"} <= set(run.mechanisms)
    # f01 is the lab's well-configured domain: nothing wrong, nothing unreachable.
    assert [f["id"] for f in run.findings if f["status"] in {"fail", "warn", "error"}] == []
    assert any(f["id"] == "MTASTS-20" for f in run.findings)
    assert run.mtasts_id and len(run.mtasts_policy_sha256) == 64  # history for MTASTS-09
    assert run.started and run.finished and run.duration_ms

    domain.refresh_from_db()
    assert domain.last_run_id == run.pk
    assert domain.next_check_at > now + settings.MAILSEC_CHECK_INTERVAL - timedelta(minutes=5)
    assert worker.hostname
    assert task_deliveries == [(tasks.run_check.name, "probes", False)]
