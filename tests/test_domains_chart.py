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
    score_detail: dict[str, object] = field(default_factory=dict)


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


def test_a_partial_run_is_drawn_apart_and_marks_no_change_by_itself() -> None:
    """A 421 on one MX: STARTTLS could not be checked, leaves the score (53 → 40) and its
    verdict reads "error". That is no verdict change, neither then nor when the next complete
    run sees STARTTLS as it was; the point says it is partial and stays off the line."""
    full = {"mx": "pass", "smtp": "pass", "mta-sts": "info"}
    runs = [
        Run(T0, score=53, mechanisms=full),
        Run(T0 + timedelta(hours=6), score=40, mechanisms={**full, "smtp": "error"}),
        Run(T0 + timedelta(hours=12), score=53, mechanisms=full),
    ]
    runs[1].not_checked = ["smtp"]  # type: ignore[attr-defined]
    chart = build_chart(runs)
    assert chart.changed_points == []
    assert [p.partial for p in chart.points] == [False, True, False]
    assert chart.points[1].not_checked == ["STARTTLS on the MX hosts"]
    assert chart.line_points == [chart.points[0], chart.points[2]]


def test_a_real_change_across_a_partial_run_is_still_marked() -> None:
    """pass, could not check, fail: the fail is a change from the last known verdict."""
    runs = [
        Run(T0, mechanisms={"smtp": "pass"}),
        Run(T0 + timedelta(hours=6), score=70, mechanisms={"smtp": "error"}),
        Run(T0 + timedelta(hours=12), score=40, mechanisms={"smtp": "fail"}),
    ]
    chart = build_chart(runs)
    # Stored before score_detail listed not_checked: an error verdict of a scored mechanism.
    assert [p.partial for p in chart.points] == [False, True, False]
    assert [p.score for p in chart.changed_points] == [40]


def test_a_partial_run_that_changes_something_else_is_marked() -> None:
    runs = [
        Run(T0, mechanisms={"smtp": "pass", "spf": "pass"}, score_detail={"not_checked": []}),
        Run(
            T0 + timedelta(hours=6),
            mechanisms={"smtp": "error", "spf": "fail"},
            score_detail={"not_checked": ["smtp"]},
        ),
    ]
    chart = build_chart(runs)
    assert [(p.partial, p.changed) for p in chart.points] == [(False, False), (True, True)]


def test_an_error_in_an_unscored_mechanism_is_not_partial() -> None:
    runs = [Run(T0, mechanisms={"mx": "pass", "bimi": "error"})]
    assert not build_chart(runs).points[0].partial


def test_an_mx_that_answers_421_now_and_then_does_not_keep_every_run() -> None:
    """Every third run of 90 days could not check STARTTLS: those runs are no steps, so the
    chart stays within its budget, and a real change among them is still kept."""
    runs = []
    for i in range(360):
        partial = i % 3 == 1
        runs.append(
            Run(
                T0 + timedelta(hours=6 * i),
                score=40 if partial else 53,
                mechanisms={"mx": "pass", "smtp": "error" if partial else "pass"},
                score_detail={"not_checked": ["smtp"] if partial else []},
            )
        )
    runs[200] = Run(
        runs[200].created,
        score=45,
        mechanisms={"mx": "pass", "smtp": "fail"},
        score_detail={"not_checked": []},
    )
    kept = downsample(runs)
    assert len(kept) <= MAX_POINTS + 4
    assert runs[200] in kept and runs[201] in kept  # the fail, and the run after it
    chart = build_chart(runs)
    assert [p.score for p in chart.changed_points] == [45, 53]
