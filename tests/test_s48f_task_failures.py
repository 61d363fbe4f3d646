"""Task s48f, item 3: a Celery task that fails for good is mailed to the operators.

Before s48f a task that raised after its retries was written to the worker's log only, and
MAILSEC_ADMINS (s48d) was mailed the web app's server errors alone. mailsec/celery.py's
task_failure receiver now mails ADMINS once per failed task: its name, id, arguments (by
parameter name, starred when the name looks secret, a URL's password and a link's token
hidden in the rest: the web report's redaction) and traceback (redacted the same way). A
retry is no failure: a task that retries and then succeeds sends nothing.

Run by the real worker the tests use (tests/conftest.py celery_worker: a worker thread
consuming the configured broker), and once eagerly (task_always_eager, as some tests run
tasks)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from mailsec.celery import app

ADMINS = [("Ops", "ops@mailsec.example")]
TOKEN = "S48fTaskTokenArgument0c0ffee"
API_KEY = "msk_S48fTaskApiKeyArgument"
REDIS_PASSWORD = "S48fTaskRedisPassword9d"
INVITE = "S48fInviteTokenInTheError77"
ATTEMPTS: dict[str, int] = {}


@app.task(name="tests.s48f.fails_for_good", bind=True, max_retries=2)
def fails_for_good(
    self: Any, domain: str, token: str, broker: str, *, api_key: str = "", pages: int = 1
) -> None:
    ATTEMPTS["fails_for_good"] = ATTEMPTS.get("fails_for_good", 0) + 1
    try:
        raise ConnectionError(
            f"s48f cannot reach {broker} for {domain} (https://site.example/invite/{INVITE}/)"
        )
    except ConnectionError as e:
        raise self.retry(exc=e, countdown=0) from e


@app.task(name="tests.s48f.succeeds_after_retries", bind=True, max_retries=3)
def succeeds_after_retries(self: Any, domain: str) -> str:
    ATTEMPTS["succeeds_after_retries"] = ATTEMPTS.get("succeeds_after_retries", 0) + 1
    if self.request.retries < 2:
        raise self.retry(exc=RuntimeError("s48f not yet"), countdown=0)
    return f"done {domain}"


def call_failing() -> Any:
    return fails_for_good.delay(
        "example.org",
        TOKEN,
        f"redis://:{REDIS_PASSWORD}@redis.example:6379/0",
        api_key=API_KEY,
        pages=3,
    )


def assert_the_report(message: Any) -> None:
    assert message.to == ["ops@mailsec.example"]
    assert message.subject.startswith("[mailsec] Task failed: tests.s48f.fails_for_good: ")
    assert "ConnectionError" in message.subject
    body = message.body
    assert "Task: tests.s48f.fails_for_good" in body
    assert "Retries: 2" in body
    assert "  domain = 'example.org'" in body
    assert "  token = '********************'" in body
    assert "  broker = 'redis://:********************@redis.example:6379/0'" in body
    assert "  api_key = '********************'" in body
    assert "  pages = 3" in body
    assert "Traceback (most recent call last):" in body
    assert "s48f cannot reach redis://:********************@redis.example:6379/0" in body
    assert "https://site.example/invite/…/" in body
    for secret in (TOKEN, API_KEY, REDIS_PASSWORD, INVITE):
        assert secret not in body + message.subject


@pytest.fixture(autouse=True)
def _attempts() -> None:
    ATTEMPTS.clear()


@pytest.mark.django_db(transaction=True)
@override_settings(ADMINS=ADMINS)
def test_a_task_failing_after_its_retries_mails_the_operators_once(celery_worker: Any) -> None:
    result = call_failing()
    with pytest.raises(ConnectionError):
        result.get(timeout=30)
    assert ATTEMPTS["fails_for_good"] == 3  # the call and its 2 retries
    # The worker stores the result before it sends task_failure: over Redis the result can be
    # read before the mail is sent (s48r2).
    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    assert_the_report(mail.outbox[0])
    assert f"Id: {result.id}" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
@override_settings(ADMINS=ADMINS)
def test_a_task_that_retries_and_then_succeeds_sends_nothing(celery_worker: Any) -> None:
    assert succeeds_after_retries.delay("example.org").get(timeout=30) == "done example.org"
    assert ATTEMPTS["succeeds_after_retries"] == 3
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
@override_settings(ADMINS=[])
def test_nobody_is_mailed_without_admins(celery_worker: Any) -> None:
    with pytest.raises(ConnectionError):
        call_failing().get(timeout=30)
    assert ATTEMPTS["fails_for_good"] == 3
    assert mail.outbox == []


@pytest.mark.django_db
@override_settings(ADMINS=ADMINS)
def test_an_eager_task_is_reported_the_same() -> None:
    app.conf.task_always_eager = True
    try:
        result = call_failing()
    finally:
        app.conf.task_always_eager = False
    assert result.failed()
    assert ATTEMPTS["fails_for_good"] == 3
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    assert_the_report(mail.outbox[0])
