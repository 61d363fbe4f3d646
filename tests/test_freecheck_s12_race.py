"""Two requests for a run of the same domain at the same moment start one run, not two.

"Check again now" (a double click, two visitors), the API's fresh=1 and the form each look for
a run under way and create one when there is none. Those were two statements with nothing
between them: two requests that both looked before either created both created a run, and
both probed the domain's mail servers (the `again` docstring promises a double click starts
one run). Each request here runs in its own thread on its own database connection, as two
web workers would; a barrier holds both right after they looked and found nothing, so the
two creates always race. Runs on SQLite (the embedded default) and on PostgreSQL
(DATABASE_URL), where the two connections are two real sessions."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connections
from django.test import Client
from django.utils import timezone

from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import DELAY, done_check


@pytest.fixture(autouse=True)
def own_counters() -> Iterator[None]:
    # Counters and API slots outlive a test when they are in Redis: give each test its own.
    with patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
        yield


def at_once(request: Callable[[Client], Any], lined_up: threading.Barrier) -> list[Any]:
    """`request` made by two clients in two threads (each with its own database connection),
    both held at `lined_up` after looking for a run; their responses."""
    responses: list[Any] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            responses.append(request(Client()))
        except BaseException as exc:  # shown by the test, not lost in the thread
            errors.append(exc)
            lined_up.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return responses


@pytest.fixture
def lined_up(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """A barrier both requests reach after they looked for a run and found none: the domain's
    limit is counted only on the way to creating one (views._request_check)."""
    barrier = threading.Barrier(2, timeout=60)
    counted = ratelimit.check_domain

    def check_domain(domain: str) -> None:
        counted(domain)
        barrier.wait()

    monkeypatch.setattr(ratelimit, "check_domain", check_domain)
    return barrier


@pytest.mark.django_db(transaction=True)
def test_two_presses_of_check_again_at_once_start_one_run(lined_up: threading.Barrier) -> None:
    old = done_check("example.org", minutes_ago=4)

    def press(client: Client) -> Any:
        return client.post(f"/check/{old.code}/again", HTTP_X_FORWARDED_FOR="198.51.100.7")

    with patch(DELAY) as delay:
        first, second = at_once(press, lined_up)
    new = FreeCheck.objects.exclude(pk=old.pk)
    assert new.count() == 1, list(new.values_list("code", "status"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == new.get().get_absolute_url()
    delay.assert_called_once_with(str(new.get().code))


@pytest.mark.django_db(transaction=True)
def test_two_visitors_posting_the_form_at_once_share_one_run(lined_up: threading.Barrier) -> None:
    def submit(client: Client) -> Any:
        return client.post("/check", {"domain": "example.org"}, HTTP_X_FORWARDED_FOR="192.0.2.1")

    with patch(DELAY) as delay:
        first, second = at_once(submit, lined_up)
    run = FreeCheck.objects.get()
    assert first["Location"] == second["Location"] == run.get_absolute_url()
    delay.assert_called_once_with(str(run.code))


@pytest.mark.django_db(transaction=True)
def test_two_api_calls_with_fresh_at_once_run_one_check(lined_up: threading.Barrier) -> None:
    old = done_check("example.org", minutes_ago=4)
    ran: list[str] = []
    # A real check takes seconds, so the other request finds it under way. Here it would end
    # at once: each request goes on only when the other has also decided to run a check
    # (FreeCheck.run) or to wait for one (FreeCheck.wait).
    decided = threading.Barrier(2, timeout=60)
    wait = FreeCheck.wait

    def finish(run: FreeCheck, **kw: Any) -> None:
        # The engine is not what is tested: the run ends with the old report.
        decided.wait()
        ran.append(str(run.code))
        run.status, run.report, run.finished = "done", old.report, timezone.now()
        run.save()

    def waiting(run: FreeCheck, timeout: float) -> bool:
        decided.wait()
        return wait(run, timeout)

    def ask(client: Client) -> Any:
        return client.get("/api/v1/check", {"domain": "example.org", "fresh": "1"})

    with patch.object(FreeCheck, "run", finish), patch.object(FreeCheck, "wait", waiting):
        first, second = at_once(ask, lined_up)
    new = FreeCheck.objects.exclude(pk=old.pk)
    assert new.count() == 1 and ran == [str(new.get().code)]
    assert first.status_code == second.status_code == 200
    # One ran the check, the other waited for it and got the same answer.
    assert sorted([first["Mailsec-Reused"], second["Mailsec-Reused"]]) == ["false", "true"]
    assert first["Link"] == second["Link"]


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_run_under_way_of_a_domain() -> None:
    # The rule holds below the views too: whatever writes the rows, a domain has at most one
    # pending or running free check; finished ones (done, error) may be many.
    FreeCheck.objects.create(domain="example.org")
    FreeCheck.objects.create(domain="example.org", status=FreeCheck.State.DONE)
    FreeCheck.objects.create(domain="example.org", status=FreeCheck.State.ERROR)
    FreeCheck.objects.create(domain="example.net")
    with pytest.raises(IntegrityError):
        FreeCheck.objects.create(
            domain="example.org", status=FreeCheck.State.RUNNING, started=timezone.now()
        )


@pytest.mark.django_db(transaction=True)
def test_a_run_that_never_finished_does_not_hold_the_domains_place() -> None:
    # A worker killed mid-run leaves its row "running" until the sweep gives it up. Under the
    # one-run-under-way rule that row must not stop the next request from starting a run.
    lost = FreeCheck.objects.create(
        domain="example.org",
        status=FreeCheck.State.RUNNING,
        started=timezone.now() - timedelta(minutes=4),
    )
    with patch(DELAY) as delay:
        r = Client().post("/check", {"domain": "example.org"}, HTTP_X_FORWARDED_FOR="192.0.2.1")
    new = FreeCheck.objects.exclude(pk=lost.pk).get()
    assert r["Location"] == new.get_absolute_url()
    delay.assert_called_once_with(str(new.code))
    lost.refresh_from_db()
    assert lost.status == FreeCheck.State.ERROR
    assert "stopped before it finished" in lost.error


@pytest.fixture
def before_0002() -> Iterator[None]:
    call_command("migrate", "freecheck", "0001", verbosity=0)
    try:
        yield
    finally:
        call_command("migrate", "freecheck", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_up_all_but_the_newest_run_under_way_of_a_domain(
    before_0002: None,
) -> None:
    now = timezone.now()
    runs = {
        name: FreeCheck.objects.create(domain=domain, status=status, created=now - ago)
        for name, domain, status, ago in (
            ("old", "example.org", "pending", timedelta(minutes=20)),
            ("raced", "example.org", "running", timedelta(seconds=1)),
            ("newest", "example.org", "pending", timedelta(0)),
            ("done", "example.org", "done", timedelta(minutes=1)),
            ("alone", "example.net", "running", timedelta(0)),
        )
    }
    call_command("migrate", "freecheck", verbosity=0)
    status = {name: FreeCheck.objects.get(pk=run.pk).status for name, run in runs.items()}
    assert status == {
        "old": "error",
        "raced": "error",
        "newest": "pending",
        "done": "done",
        "alone": "running",
    }
    assert "Please check again" in FreeCheck.objects.get(pk=runs["raced"].pk).error
