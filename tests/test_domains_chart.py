"""The history chart: bounded number of points, changes always kept, date labels not repeated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mailsec.scoring.chart import MAX_POINTS, build_chart, downsample

T0 = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass
class Run:
    created: datetime
    score: int | None = 90
    score_version: int | None = 1
    mechanisms: dict[str, str] = field(default_factory=lambda: {"mx": "pass"})


def test_ninety_days_every_six_hours_is_thinned_but_keeps_every_change() -> None:
    runs = [Run(T0 + timedelta(hours=6 * i)) for i in range(360)]
    runs[100] = Run(runs[100].created, score=60, mechanisms={"mx": "fail"})
    kept = downsample(runs)
    assert len(kept) <= MAX_POINTS + 4
    assert kept[0] is runs[0] and kept[-1] is runs[-1]
    assert runs[99] in kept and runs[100] in kept and runs[101] in kept
    chart = build_chart(runs)
    assert len(chart.points) == len(kept)
    assert [p.score for p in chart.changed_points] == [60, 90]


def test_short_histories_are_untouched() -> None:
    runs = [Run(T0 + timedelta(hours=i)) for i in range(20)]
    assert downsample(runs) == runs


def test_date_labels_are_not_repeated_for_a_short_span() -> None:
    runs = [Run(T0), Run(T0 + timedelta(seconds=40))]
    assert [t[1] for t in build_chart(runs).ticks] == ["Jun 1 00:00"]
    runs = [Run(T0), Run(T0 + timedelta(minutes=3))]
    labels = [t[1] for t in build_chart(runs).ticks]
    assert labels == sorted(set(labels)) and labels[-1] == "Jun 1 00:03"
    assert build_chart(runs).ticks[-1][2] == "end"
