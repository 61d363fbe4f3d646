"""Scheduled checks at an MSP's scale: hundreds of domains due at the same moment, and
many of them on the same provider's MX hosts."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from checks import starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.tasks import SharedProbes
from mailsec.domains import tasks
from mailsec.domains.models import STUCK_PENDING_AFTER, CheckRun, Domain
from tests.conftest import BaseTestCase

MSP_DOMAINS = 500


class StampedeTestCase(BaseTestCase):
    """500 domains added in the same hour, or all overdue after an outage."""

    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        Domain.objects.bulk_create(
            Domain(team=self.team, name=f"client{i}.example", verified_at=now, next_check_at=now)
            for i in range(MSP_DOMAINS)
        )

    def tick(self) -> int:
        with (
            mock.patch.object(tasks, "enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            started = tasks.tick()
        self.assertEqual(enqueue.call_count, started)
        return started

    def work_off(self, count: int) -> None:
        """What the workers do: finish the oldest `count` waiting runs."""
        waiting = CheckRun.objects.filter(status="pending").order_by("created")[:count]
        for run in waiting:
            self.assertTrue(run.claim())
            run.finish({"score": 90, "score_version": 1, "mechanisms": {}, "findings": []})

    def test_a_stampede_is_queued_no_faster_than_the_workers_take_it(self) -> None:
        self.tick()
        waiting = CheckRun.objects.filter(status="pending").count()
        # Two workers at some 20 s a check take 360 checks an hour: with all 500 queued at
        # once, those still waiting an hour later would be swept as lost (and their domains
        # flagged as failed) while their messages are still in the queue.
        self.assertLessEqual(waiting, tasks.MIN_QUEUED_CHECKS)
        self.assertEqual(Domain.due(timezone.now()).count(), MSP_DOMAINS - waiting)

        # Nothing more while the queue is full, more as the workers free room.
        self.assertEqual(self.tick(), 0)
        self.work_off(30)
        self.assertEqual(self.tick(), 30)

        # In the end every domain is checked once, and nothing is swept as lost.
        for _ in range(MSP_DOMAINS):
            self.work_off(tasks.MIN_QUEUED_CHECKS)
            self.tick()
            if not CheckRun.objects.filter(status="pending").exists():
                break
        self.assertEqual(CheckRun.objects.filter(status="done").count(), MSP_DOMAINS)
        self.assertEqual(Domain.due(timezone.now()).count(), 0)
        later = timezone.now() + STUCK_PENDING_AFTER + timedelta(minutes=1)
        self.assertEqual(CheckRun.sweep_stuck(later), 0)

    def test_more_workers_get_more_checks_queued(self) -> None:
        # Runs finished in the last few minutes show what the workers take: a larger fleet
        # is given a longer queue than the floor.
        self.tick()
        for _ in range(3):
            self.work_off(tasks.MIN_QUEUED_CHECKS)
            self.tick()
        waiting = CheckRun.objects.filter(status="pending").count()
        finished = CheckRun.objects.filter(status="done").count()
        self.assertGreater(waiting, tasks.MIN_QUEUED_CHECKS)
        self.assertLessEqual(waiting, finished)


class IntervalTestCase(BaseTestCase):
    def test_a_shorter_interval_pulls_in_checks_scheduled_under_the_old_one(self) -> None:
        now = timezone.now()
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=now
        )
        with mock.patch.object(tasks, "enqueue_run"), self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(tasks.tick(), 1)
        run = domain.runs.get()
        run.claim()
        run.finish({"score": 90, "score_version": 1, "mechanisms": {}, "findings": []})
        domain.refresh_from_db()
        self.assertAlmostEqual(
            domain.next_check_at, now + timedelta(hours=6), delta=timedelta(minutes=1)
        )

        # The operator sets MAILSEC_CHECK_INTERVAL to one hour and restarts: the domain is
        # checked within the hour, not at the time the old interval set.
        with self.settings(MAILSEC_CHECK_INTERVAL=timedelta(hours=1)):
            tasks.tick()
            domain.refresh_from_db()
            self.assertLessEqual(domain.next_check_at, timezone.now() + timedelta(hours=1))
            later = timezone.now() + timedelta(hours=1, minutes=1)
            self.assertIn(domain, Domain.due(later))

    def test_a_longer_interval_leaves_the_next_check_where_it_is(self) -> None:
        now = timezone.now()
        soon = now + timedelta(minutes=30)
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=soon
        )
        with self.settings(MAILSEC_CHECK_INTERVAL=timedelta(hours=24)):
            tasks.tick()
        domain.refresh_from_db()
        self.assertEqual(domain.next_check_at, soon)


class SharedMx:
    """An MX host many customers share (aspmx.l.google.com): it counts connections, and how
    many are open at once. A busy one answers 421 to everybody."""

    def __init__(self, banner: bytes) -> None:
        self.banner = banner
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.open = self.most_open = self.total = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn: socket.socket) -> None:
        with self.lock:
            self.open += 1
            self.total += 1
            self.most_open = max(self.most_open, self.open)
        counted = True

        def last_answer(answer: bytes) -> None:
            # Uncounted before the client can read it: the client's next step (its turn
            # handed on) must not race this thread's bookkeeping.
            nonlocal counted
            with self.lock:
                self.open -= 1
            counted = False
            f.write(answer)
            f.flush()

        f = conn.makefile("rwb")
        try:
            time.sleep(0.3)  # a provider MX under load
            if self.banner.startswith(b"421"):
                last_answer(self.banner + b"\r\n")
                return
            f.write(self.banner + b"\r\n")
            f.flush()
            for line in f:
                if line[:4].upper() == b"QUIT":
                    last_answer(b"221 bye\r\n")
                    break
                f.write(b"250-mx.shared.example\r\n250 PIPELINING\r\n")  # no STARTTLS
                f.flush()
        except OSError:
            pass
        finally:
            conn.close()
            if counted:
                with self.lock:
                    self.open -= 1


def check_domains(port: int, first: int, results: Any) -> None:
    """One prefork worker process checking its share of the MSP's domains, one at a time."""
    config = CheckConfig(allow_private_targets=True, smtp_port=port, timeout=5)
    for i in range(first, first + 5):
        ctx = CheckContext(f"client{i}.example", config)
        probe = asyncio.run(starttls.probe_mx(ctx, "mx.shared.example", "127.0.0.1"))
        results.put((probe.connected, probe.could_not_check))


@pytest.mark.parametrize(
    ("banner", "connections"),
    [
        (b"220 mx.shared.example ESMTP", 1),  # one probe, the others read its result
        (b"421 4.7.0 Too many connections", None),  # not kept: each check asks again
    ],
)
def test_worker_processes_take_turns_at_a_shared_mx(
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    banner: bytes,
    connections: int | None,
) -> None:
    # The embedded default (no Redis): the file cache and file locks of one machine.
    settings.REDIS_URL = None
    settings.DATA_DIR = tmp_path
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    monkeypatch.setattr(starttls, "shared_probes", SharedProbes())
    starttls.clear_cache()
    mx = SharedMx(banner)
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    workers = [fork.Process(target=check_domains, args=(mx.port, 5 * n, results)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    outcomes = [results.get(timeout=5) for _ in range(20)]
    mx.sock.close()
    assert mx.most_open == 1  # one connection at a time, whichever process makes it
    if connections is not None:
        assert mx.total == connections
        assert all(connected for connected, _ in outcomes)
    else:
        # A 421 is "could not check" in every check that met it, never a failed STARTTLS.
        assert all(could_not_check for _, could_not_check in outcomes)


def test_a_celery_worker_shares_probes_among_its_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    from celery import signals

    monkeypatch.setattr(starttls, "shared_probes", None)
    signals.celeryd_init.send(sender="worker@test", instance=None, conf=None, options={})
    assert isinstance(starttls.shared_probes, SharedProbes)
