"""The vantage self-check's results, one cache key per machine (task s36j).

s36o kept every probes machine's result in one cache value that keep_vantage read, changed and
wrote back; with the beat's task and a run's own self-check (vantage_for_run) writing from
several machines, two writes in the same moment dropped one machine's entry. Each machine now
writes its own key; a small index of machine ids lets the pages find them, and a lost index
write heals on that machine's next write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings

import mailsec.tasks as tasks
from checks.vantage import Answer, ResolverAnswer, VantageResult, Verdict
from mailsec.tasks import keep_vantage, kept_vantage, latest_vantage, resolver_fault


def _result(verdict: Verdict, at: datetime | None = None) -> VantageResult:
    checked = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    return VantageResult(
        checked_at=checked,
        resolvers=[ResolverAnswer(verdict, "w", resolver="192.0.2.53:53")],
        port25=Answer(Verdict.NOT_TESTED, "w"),
    )


class Interleaved:
    """The cache as mailsec.tasks sees it, where the first read of `first`'s keep_vantage
    returns what it read before `second` kept its result in full: both read before either
    wrote."""

    def __init__(self, second: Any) -> None:
        self.second = second
        self.done = False

    def _before(self, value: Any) -> Any:
        if not self.done:
            self.done = True
            self.second()
        return value

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._before(cache.get(*args, **kwargs))

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._before(cache.get_many(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(cache, name)


@pytest.fixture
def clean() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_two_machines_writing_at_once_keep_both_results() -> None:
    """HEAD (one value, read-modify-write): probe-a's write, made from what it read before
    probe-b's, dropped probe-b's result."""
    b = _result(Verdict.DOWN)

    def probe_b_keeps() -> None:
        keep_vantage(b, machine="probe-b")

    with mock.patch.object(tasks, "cache", Interleaved(probe_b_keeps)):
        keep_vantage(_result(Verdict.OK), machine="probe-a")
    a_kept, b_kept = latest_vantage("probe-a"), latest_vantage("probe-b")
    assert a_kept is not None and a_kept.resolver_verdict == Verdict.OK
    assert b_kept is not None and b_kept.resolver_verdict == Verdict.DOWN
    # probe-b's own checks hold on its own result, whatever the index says.
    with override_settings(MAILSEC_VANTAGE_ID="probe-b"):
        assert resolver_fault() == "down"


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_a_lost_index_write_heals_on_that_machines_next_write() -> None:
    def probe_b_keeps() -> None:
        keep_vantage(_result(Verdict.DOWN), machine="probe-b")

    with mock.patch.object(tasks, "cache", Interleaved(probe_b_keeps)):
        keep_vantage(_result(Verdict.OK), machine="probe-a")
    # The index write of one of them may be lost: the next write of each puts it back.
    keep_vantage(_result(Verdict.DOWN), machine="probe-b")
    keep_vantage(_result(Verdict.OK), machine="probe-a")
    kept = kept_vantage()
    assert set(kept) == {"probe-a", "probe-b"}
    assert tasks.pages_vantage() is not None
    assert tasks.pages_vantage().resolver_verdict == Verdict.DOWN


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_the_same_write_again_leaves_the_index_as_it_is() -> None:
    keep_vantage(_result(Verdict.OK), machine="probe-a")
    keep_vantage(_result(Verdict.OK), machine="probe-b")
    with mock.patch.object(cache, "set", wraps=cache.set) as writes:
        keep_vantage(_result(Verdict.DOWN), machine="probe-a")
    keys = [call.args[0] for call in writes.call_args_list]
    assert tasks.VANTAGE_INDEX_KEY not in keys  # only probe-a's own key (the index touched)
    assert set(kept_vantage()) == {"probe-a", "probe-b"}


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_an_old_machine_leaves_the_index_after_the_hour() -> None:
    now = datetime.now(UTC)
    with mock.patch("django.utils.timezone.now", return_value=now - timedelta(minutes=61)):
        keep_vantage(_result(Verdict.DOWN), machine="probe-gone")
    keep_vantage(_result(Verdict.OK), machine="probe-a")
    assert set(kept_vantage()) == {"probe-a"}
    assert cache.get(tasks.VANTAGE_INDEX_KEY) == ["probe-a"]


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_machine_names_that_are_no_good_as_keys_are_kept_too() -> None:
    name = "probe a/ü" + "x" * 300
    keep_vantage(_result(Verdict.DOWN), machine=name)
    assert set(kept_vantage()) == {name}
    assert latest_vantage(name) is not None
    tasks.forget_vantage()
    assert kept_vantage() == {} and latest_vantage(name) is None
