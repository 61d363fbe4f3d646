"""Review s48r2 of s48f (f1497258): a task that fails again and again (a beat task failing
every minute, the same probe failing for each of many domains while a resolver is down) must
not flood the operators' mailbox. One mail per task and exception type within
mailsec.taskfailures.MAIL_EVERY_SECONDS (an hour); the failures in between are counted and
the next mail after the hour says how many were not mailed. Another task, or the same task
failing with another exception, is mailed on its own. The count lives in the shared cache
(Redis in production), so every worker process and host counts together.

Run by the real worker thread of tests/conftest.py (celery_worker), the hour made 6 seconds
and waited out for real."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from mailsec import taskfailures
from mailsec.celery import app

ADMINS = [("Ops", "ops@mailsec.example")]
WINDOW = 6  # the filesystem broker of the tests takes about half a second a task


@app.task(name="tests.s48r2.fails_every_minute")
def fails_every_minute(kind: str = "runtime") -> None:
    if kind == "lookup":
        raise LookupError("s48r2 no such row")
    raise RuntimeError("s48r2 the resolver is down")


@app.task(name="tests.s48r2.other_task")
def other_task() -> None:
    raise RuntimeError("s48r2 the resolver is down")


def run(task: Any, *args: Any) -> None:
    with pytest.raises(Exception, match="s48r2"):
        task.delay(*args).get(timeout=30)


def subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


def mailed(count: int) -> list[str]:
    """The subjects once `count` mails are sent. The worker stores a task's result before it
    sends task_failure, so a result read over Redis comes before the mail: wait for it, then
    a little longer for one too many."""
    deadline = time.monotonic() + 10
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert len(mail.outbox) == count, subjects()
    return subjects()


@pytest.fixture(autouse=True)
def _short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(taskfailures, "MAIL_EVERY_SECONDS", WINDOW, raising=False)


@pytest.mark.django_db(transaction=True)
@override_settings(ADMINS=ADMINS)
def test_a_task_failing_in_a_loop_is_mailed_once_then_with_a_count(celery_worker: Any) -> None:
    started = time.monotonic()
    for _ in range(3):
        run(fails_every_minute)
    assert mailed(1) == [
        "[mailsec] Task failed: tests.s48r2.fails_every_minute: RuntimeError: s48r2 the resolver is down"
    ]
    first = mail.outbox[0].body
    assert " mailed since the last mail" not in first
    assert "counted, not mailed" in first  # it says what will happen to the next ones
    # Another exception of the same task, and the same exception of another task: each its own.
    run(fails_every_minute, "lookup")
    run(other_task)
    mailed(3)
    assert "LookupError" in mail.outbox[1].subject
    assert "tests.s48r2.other_task" in mail.outbox[2].subject
    run(fails_every_minute, "lookup")
    mailed(3)
    assert time.monotonic() - started < WINDOW, "the failures took longer than the window"
    # The window over: the next failure is mailed, saying how many were not.
    time.sleep(started + WINDOW + 0.5 - time.monotonic())
    run(fails_every_minute)
    mailed(4)
    again = mail.outbox[3]
    assert again.subject == mail.outbox[0].subject
    assert (
        "2 more failures of tests.s48r2.fails_every_minute with RuntimeError were not mailed"
        in again.body
    ), again.body
    # And the count starts again from there.
    run(fails_every_minute)
    time.sleep(WINDOW + 0.5)
    run(fails_every_minute)
    mailed(5)
    assert "1 more failure of tests.s48r2.fails_every_minute with RuntimeError was not mailed" in (
        mail.outbox[4].body
    ), mail.outbox[4].body


@pytest.mark.django_db(transaction=True)
@override_settings(ADMINS=[])
def test_without_admins_nothing_is_counted(celery_worker: Any) -> None:
    run(fails_every_minute)
    mailed(0)  # its task_failure handled, under no ADMINS
    with override_settings(ADMINS=ADMINS):
        run(fails_every_minute)
        mailed(1)
    assert " mailed since the last mail" not in mail.outbox[0].body
