"""Fixed windows and the tests that count in them (task s41l).

mailsec.freecheck.ratelimit counts each bucket in fixed windows (the key holds
int(now // window) * window). A test that makes N requests and expects the first K allowed
and the rest refused fails when its requests straddle a window's end, and under load a
test of many requests takes seconds. tests/conftest.py therefore pins the clock the limiter
reads (ratelimit.wall_time) to one instant inside a window of every length the limiters use;
these tests show why (the old shape fails at a window's end), that the pin holds, and that a
window's end still starts a new count when the clock does cross it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from unittest import mock

import pytest
from django.test.utils import override_settings

from mailsec.freecheck import ratelimit

RATE, WINDOW = 3, 600
# Every window length a limiter in mailsec/ counts in: the API and Check now's minute, the
# free check's and Verify's ten minutes, Check now's and the invitations' hour, the adds' day.
WINDOWS = (60, 600, 3600, 86400)

pytestmark = pytest.mark.django_db


def ticking(start: float, step: float) -> Callable[[], float]:
    """A clock that reads `start`, then `step` seconds later at each read: a slow run."""
    reads = itertools.count()
    return lambda: start + step * next(reads)


def outcomes(client: str, n: int) -> list[str]:
    """The free check's answer to `n` checks from one client network, in order."""
    answers = []
    for _ in range(n):
        try:
            ratelimit.check_client(client)
        except ratelimit.RateLimited:
            answers.append("refused")
        else:
            answers.append("allowed")
    return answers


OLD_SHAPE = ["allowed"] * RATE + ["refused"] * 2  # what the limit tests assert


@override_settings(MAILSEC_FREE_CHECK_RATE=RATE, MAILSEC_FREE_CHECK_WINDOW=WINDOW)
def test_the_old_shape_fails_when_its_requests_straddle_a_window_end() -> None:
    """The flake: five checks 0.4 s apart starting a second before a window ends. The fourth
    falls in the next window and is allowed, so 'three allowed, then refused' does not hold."""
    end = (1_800_000_000 // WINDOW + 1) * WINDOW
    with mock.patch.object(ratelimit, "wall_time", ticking(end - 1.0, 0.4)):
        got = outcomes("straddler", len(OLD_SHAPE))
    assert got != OLD_SHAPE
    assert got == ["allowed"] * len(OLD_SHAPE)


@override_settings(MAILSEC_FREE_CHECK_RATE=RATE, MAILSEC_FREE_CHECK_WINDOW=WINDOW)
def test_the_pinned_clock_keeps_the_old_shape_true() -> None:
    """Under the tests' pin (tests/conftest.py) the same five checks are all counted in one
    window, however long they take."""
    assert outcomes("pinned", len(OLD_SHAPE)) == OLD_SHAPE


def test_the_pin_stands_inside_a_window_of_every_length() -> None:
    pinned = ratelimit.wall_time()
    time.sleep(0.01)
    assert ratelimit.wall_time() == pinned  # it does not move
    for window in WINDOWS:
        into = pinned % window
        # At least 30 s from either end, for a test that moves the clock a little itself.
        assert 30 <= into <= window - 30, (window, into)


@override_settings(MAILSEC_FREE_CHECK_RATE=RATE, MAILSEC_FREE_CHECK_WINDOW=WINDOW)
def test_a_window_end_starts_a_new_count() -> None:
    """The seam the other way: the clock crossing a window's end gives the client its
    allowance again, and the refusal before it said how long to wait for that."""
    end = (1_800_000_000 // WINDOW + 1) * WINDOW
    with mock.patch.object(ratelimit, "wall_time", lambda: end - 1.5):
        assert outcomes("crosser", RATE) == ["allowed"] * RATE
        with pytest.raises(ratelimit.RateLimited) as refused:
            ratelimit.check_client("crosser")
        assert refused.value.retry_after == 2  # 1.5 s, rounded up
        assert ratelimit.client_allowance("crosser").used == RATE + 1
    with mock.patch.object(ratelimit, "wall_time", lambda: float(end)):
        assert ratelimit.client_allowance("crosser").used == 0
        assert outcomes("crosser", RATE + 1) == OLD_SHAPE[: RATE + 1]


@pytest.mark.real_clock
def test_unpinned_the_windows_follow_the_wall_clock() -> None:
    """Outside the tests' pin the limiter reads time.time(): the seam changes nothing in
    production."""
    before = time.time()
    read = ratelimit.wall_time()
    assert before <= read <= time.time()
