"""The score history chart: coordinates computed here, drawn as SVG by a template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

from checks.findings import MECHANISM_TITLES, Mechanism
from checks.scoring import WEIGHTS

WIDTH = 720
HEIGHT = 200
PAD_LEFT = 36
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28


class RunLike(Protocol):
    created: datetime
    score: int | None
    score_version: int | None
    mechanisms: dict[str, str]
    # The run's score_detail["not_checked"] may be given as an attribute `not_checked` (the
    # domain page reads only that key, not the whole score_detail; None when it is absent)
    # or within `score_detail`.


@dataclass
class Point:
    x: float
    y: float
    score: int
    when: datetime
    changed: bool  # a known mechanism verdict differs from the last known one before
    # Scored categories this run could not check (their titles): they left the score's
    # denominator, so the score is not comparable with the runs around it (docs/scoring.md).
    not_checked: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.not_checked)


@dataclass
class VersionMark:
    x: float
    version: int


@dataclass
class Chart:
    points: list[Point] = field(default_factory=list)
    versions: list[VersionMark] = field(default_factory=list)
    ticks: list[tuple[float, str, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def line_points(self) -> list[Point]:
        """The points the score line joins: the complete runs. A partial run's score is drawn
        apart, off the line, or a 421 on one MX would draw a dip (or a jump) that is no change
        of the domain. Only when there are no two complete runs does the line join them all."""
        complete = [p for p in self.points if not p.partial]
        return complete if len(complete) > 1 else self.points

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.line_points)

    @property
    def changed_points(self) -> list[Point]:
        return [p for p in self.points if p.changed]

    @property
    def partial_points(self) -> list[Point]:
        return [p for p in self.points if p.partial]

    @property
    def gridlines(self) -> list[tuple[float, int]]:
        return [(_y(v), v) for v in (0, 25, 50, 75, 100)]

    @property
    def plot_left(self) -> int:
        return PAD_LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - PAD_RIGHT

    @property
    def axis_y(self) -> int:
        return HEIGHT - PAD_BOTTOM


def not_checked_of(run: RunLike) -> tuple[str, ...]:
    """The scored categories `run` left out as could-not-check (score_detail.not_checked).
    Runs stored before score_detail said so: the weighted mechanisms whose verdict is error."""
    if hasattr(run, "not_checked"):
        # The key as read alone, None when the run has none: score_detail is not read (the
        # domain page defers it, and reading it would cost a query per run).
        value: Any = run.not_checked
    else:
        value = (getattr(run, "score_detail", None) or {}).get("not_checked")
    if isinstance(value, list | tuple):
        return tuple(sorted(str(v) for v in value))
    return tuple(
        sorted(m for m, v in (run.mechanisms or {}).items() if v == "error" and _weighted(m))
    )


def _weighted(mechanism: str) -> bool:
    try:
        return WEIGHTS[Mechanism(mechanism)] > 0
    except ValueError:
        return False


def _title(mechanism: str) -> str:
    try:
        return MECHANISM_TITLES[Mechanism(mechanism)]
    except ValueError:
        return mechanism


def _y(score: float) -> float:
    return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - score / 100)


# More points than this would be closer than ~4 px on a 720 px wide chart: unreadable, and
# each point is markup the page must render (90 days at the default 6 h interval is 360 runs).
MAX_POINTS = 150


def _verdict_changes(runs: Sequence[RunLike]) -> list[bool]:
    """Per run, oldest first: whether a mechanism's verdict differs from its last known one.
    "error" is "could not check", not a verdict: a run that could not check a mechanism
    neither changes it nor forgets it, so a 421 on one MX is no change, nor is the next
    complete run saying what was known before it."""
    known: dict[str, str | None] = {}
    changes = []
    for i, run in enumerate(runs):
        mechanisms = run.mechanisms or {}
        changed = False
        for mech in dict.fromkeys([*known, *mechanisms]):
            verdict = mechanisms.get(mech, "na")
            if verdict == "error":
                known.setdefault(mech, None)  # None: not known so far
                continue
            before = known.get(mech, "na")
            if i and before is not None and before != verdict:
                changed = True
            known[mech] = verdict
        changes.append(changed)
    return changes


def _kept(
    runs: Sequence[RunLike],
    changes: list[bool],
    limit: int,
    positions: Sequence[int] | None = None,
    total: int | None = None,
) -> list[int]:
    """The indexes of the runs to draw: all of them up to `limit`; else the first and the
    last, both sides of every step the chart shows (a verdict or rubric change, a score
    change between runs that left out the same categories), and an even spread of the
    rest. A partial run is no step by itself: with an MX that answers 421 now and then,
    keeping both sides of each would keep nearly every run.

    `runs` may be only some of `total` runs, at `positions` among them (see sparse_chart);
    the indexes are then positions among all `total`."""
    if positions is None:
        positions = range(len(runs))
    count = len(runs) if total is None else total
    if count <= limit:
        return list(range(count))
    keep = {0, count - 1}
    last_alike: dict[tuple[str, ...], int] = {}  # not_checked → the last run leaving those out
    for i, run in enumerate(runs):
        if i and (changes[i] or run.score_version != runs[i - 1].score_version):
            # Both sides of a step, so the line shows where it was. The run before a step
            # differs from the run after it, so it is among `runs`: runs[i - 1].
            keep.update((positions[i - 1], positions[i]))
        missing = not_checked_of(run)
        j = last_alike.get(missing)
        if j is not None and runs[j].score != run.score:
            keep.update((positions[j], positions[i]))
        last_alike[missing] = i
    room = max(limit - len(keep), 0)
    if room:
        stride = count / room
        keep.update(min(int(k * stride), count - 1) for k in range(room))
    return sorted(keep)


def downsample(runs: Sequence[RunLike], limit: int = MAX_POINTS) -> list[RunLike]:
    """At most about `limit` runs, oldest first (see _kept)."""
    return [runs[i] for i in _kept(runs, _verdict_changes(runs), limit)]


def build_chart(runs: Sequence[RunLike]) -> Chart:
    """`runs` oldest first; runs without a score (nothing applicable) leave gaps unplotted."""
    every = [r for r in runs if r.score is not None]
    return sparse_chart(every, range(len(every)), len(every), lambda positions: {})


def sparse_chart(
    runs: Sequence[RunLike],
    positions: Sequence[int],
    total: int,
    read: Callable[[list[int]], dict[int, RunLike]],
) -> Chart:
    """The chart of `total` scored runs (oldest first) of which only `runs`, at `positions`
    among them, were read: at least the first, the last and each run that differs from the
    one before or after it (in its verdicts, score, rubric or what it could not check).

    The others repeat the run before them: they change no verdict the chart marks, nor any
    step _kept looks for, so the chart is the one every run would make. `read(positions)`
    reads those of them it draws (an even spread of a long history), by position: a
    history of thousands of runs is never read whole to draw 150 points."""
    # Changes are found over every run before thinning: each ring is where one happened.
    every_change = _verdict_changes(runs)
    at = {p: (run, changed) for p, run, changed in zip(positions, runs, every_change, strict=True)}
    kept = _kept(runs, every_change, MAX_POINTS, positions, total)
    unread = [p for p in kept if p not in at]
    if unread:
        at.update((p, (run, False)) for p, run in read(unread).items())
    # A run deleted between the reads leaves its position out.
    kept = [p for p in kept if p in at]
    return _draw([at[p][0] for p in kept], [at[p][1] for p in kept])


def _draw(scored: list[RunLike], changes: list[bool]) -> Chart:
    chart = Chart()
    if not scored:
        return chart
    start, end = scored[0].created, scored[-1].created
    span = max((end - start).total_seconds(), 1.0)
    inner = WIDTH - PAD_LEFT - PAD_RIGHT

    def x_of(when: datetime) -> float:
        if len(scored) == 1:
            return PAD_LEFT + inner / 2
        return PAD_LEFT + inner * (when - start).total_seconds() / span

    prev: RunLike | None = None
    for run, changed in zip(scored, changes, strict=True):
        assert run.score is not None
        missing = [_title(m) for m in not_checked_of(run)]
        chart.points.append(
            Point(x_of(run.created), _y(run.score), run.score, run.created, changed, missing)
        )
        if prev is not None and run.score_version != prev.score_version:
            chart.versions.append(VersionMark(x_of(run.created), run.score_version or 0))
        prev = run
    # Up to five date labels along the bottom, evenly spaced in time.
    n = 1 if len(scored) == 1 else 5
    fmt = "%b %-d" if (end - start).total_seconds() > 2 * 86400 else "%b %-d %H:%M"
    for i in range(n):
        when = start + (end - start) * (i / max(n - 1, 1))
        anchor = "middle" if 0 < i < n - 1 or n == 1 else ("start" if i == 0 else "end")
        # In the reader's zone, as the points' own titles (|date) on the page.
        tick = (x_of(when), timezone.localtime(when).strftime(fmt), anchor)
        if chart.ticks and chart.ticks[-1][1] == tick[1]:
            # A short span: the same minute five times says nothing. Keep the right edge's
            # label rather than an inner one, unless only the left edge's is left.
            if i == n - 1 and len(chart.ticks) > 1:
                chart.ticks[-1] = tick
            continue
        chart.ticks.append(tick)
    return chart
