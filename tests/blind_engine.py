"""The non-lab blind rounds' comparison (tests/test_engine_s26c_blind.py, s27e, s27k): what a
round expected of the engine's findings on one case against what it said.

Each case lists `expect` rows (check id or "*", a status or several, words that one finding
with that id and status must all say in its summary or fix, case-insensitively), `never`
rows (check id or "*", status or statuses no finding may have), optionally words no finding
may say and whether no finding may fail. The expectations were written from the checklist
and the RFCs before the engine ran on any of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from checks.findings import Finding

Statuses = str | tuple[str, ...]


def E(check: str, status: Statuses, *words: str) -> tuple[str, Statuses, tuple[str, ...]]:
    """An `expect` row: a finding `check` at `status` saying every one of `words`."""
    return (check, status, words)


def N(check: str, status: Statuses) -> tuple[str, Statuses]:
    """A `never` row: no finding `check` at `status`."""
    return (check, status)


def _statuses(status: Statuses) -> tuple[str, ...]:
    return (status,) if isinstance(status, str) else status


def reading_problems(
    findings: Iterable[Finding],
    expect: Sequence[tuple[str, Statuses, Sequence[str]]],
    never: Sequence[tuple[str, Statuses]] = (),
    *,
    never_words: Sequence[str] = (),
    no_fail: bool = False,
) -> tuple[list[str], str]:
    """(what differs from the expectation, the findings as text for the failure message)."""
    seen = [(f.id, str(f.status), f"{f.summary} {f.fix}".lower()) for f in findings]
    shown = "\n".join(f"  {i} {s}: {t[:300]}" for i, s, t in seen)
    problems = []
    for check, status, words in expect:
        hits = [t for i, s, t in seen if (check == "*" or i == check) and s in _statuses(status)]
        if not hits:
            problems.append(f"missing {check} {status}")
        elif not any(all(w.lower() in t for w in words) for t in hits):
            problems.append(f"{check} {status} lacks words {words}")
    for check, status in never:
        if any((check == "*" or i == check) and s in _statuses(status) for i, s, _ in seen):
            problems.append(f"unexpected {check} {status}")
    for words in never_words:
        if any(words.lower() in t for _, _, t in seen):
            problems.append(f"says {words!r}")
    if no_fail and any(s == "fail" for _, s, _ in seen):
        problems.append("a fail where none was expected")
    return problems, shown
