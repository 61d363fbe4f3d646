"""The public rubric page: the current scoring rules, read from checks/scoring.py itself so the
page cannot drift from what scores the runs (docs/scoring.md gives the reasons and history)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from checks import scoring
from checks.findings import MECHANISM_TITLES, Mechanism, Status
from mailsec.scoring.explain import (
    ABSENCE_WORDS,
    CONDITIONAL_ABSENCES,
    NOT_SCORED_REASONS,
    explain,
    verdict_label,
)

# The version notes: the "## Changes" list of docs/scoring.md, one "- vN (date): text" item
# per rubric version (the project's tests hold it to name the current version).
DOCS_PATH = Path(settings.BASE_DIR) / "docs" / "scoring.md"
_ITEM = re.compile(r"^- v(\d+) \(([^)]*)\):\s*(.*)$")
_ABBREVIATIONS = ("e.g", "i.e", "etc", "cf")


@dataclass
class Category:
    mechanism: str
    title: str
    weight: int
    per_warning: str  # points one distinct warning costs
    floor: str  # the least a deployed category with warnings keeps
    explanation: str
    absences: list[tuple[str, str]] = field(default_factory=list)  # (check id, words)
    not_scored: list[str] = field(default_factory=list)  # check ids
    not_scored_reason: str = ""


@dataclass
class VersionNote:
    version: int
    date: str = ""
    summary: SafeString = field(default_factory=lambda: mark_safe(""))
    text: SafeString = field(default_factory=lambda: mark_safe(""))


def _mechanism_of(check_id: str) -> Mechanism | None:
    """MTASTS-01 → Mechanism.MTASTS: check ids start with their mechanism's name."""
    return Mechanism.__members__.get(check_id.split("-")[0])


def categories() -> list[Category]:
    """One row per category, heaviest first, each with what makes it "not deployed"."""
    absences: dict[Mechanism, list[tuple[str, str]]] = {}
    # One line per check: TLSRPT-01 is an absence as a note and as a warning alike.
    for check_id in sorted({check_id for check_id, _ in scoring.ABSENCE}):
        mech = _mechanism_of(check_id)
        if mech is not None:
            absences.setdefault(mech, []).append((check_id, ABSENCE_WORDS.get(check_id, "")))
    for check_id, status, evidence, words in CONDITIONAL_ABSENCES:
        mech = _mechanism_of(check_id)
        if mech is not None and scoring.is_absence(check_id, status, evidence):
            absences.setdefault(mech, []).append((check_id, words))
    rows = []
    for mech, weight in sorted(scoring.WEIGHTS.items(), key=lambda item: -item[1]):
        not_scored = sorted(scoring.NOT_SCORED_WHEN_ABSENT.get(mech, ()))
        rows.append(
            Category(
                mechanism=str(mech),
                title=MECHANISM_TITLES[mech],
                weight=weight,
                per_warning=f"{weight * scoring.WARN_COST:g}",
                floor=f"{weight * scoring.WARN_FLOOR:g}",
                explanation=explain(str(mech)),
                absences=absences.get(mech, []) if weight else [],
                not_scored=not_scored,
                not_scored_reason=NOT_SCORED_REASONS.get(str(mech), "") if not_scored else "",
            )
        )
    return rows


def _inline(text: str) -> SafeString:
    """The little Markdown the notes use: `code` and **bold**, everything else escaped."""
    html = escape(text)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    html = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", html)
    return mark_safe(html)  # escaped above; only our own tags added


def _first_clause(text: str) -> str:
    """The note up to its first "; " or sentence end outside brackets: its gist."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and _ends_clause(text, i):
            return text[:i]
    return text


def _ends_clause(text: str, i: int) -> bool:
    if text[i] == ";":
        return True
    # A full stop before a space or the end, not an abbreviation's ("e.g. Microsoft 365").
    return (
        text[i] == "."
        and text[i + 1 : i + 2] in (" ", "")
        and not text[:i].endswith(_ABBREVIATIONS)
    )


def parse_changes(markdown: str) -> dict[int, tuple[str, str]]:
    """{version: (date, note)} from the "## Changes" list of docs/scoring.md."""
    notes: dict[int, tuple[str, str]] = {}
    in_changes = False
    current: int | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            in_changes = line[3:].strip().lower() == "changes"
            current = None
            continue
        if not in_changes:
            continue
        match = _ITEM.match(line)
        if match:
            current = int(match.group(1))
            notes[current] = (match.group(2).strip(), match.group(3).strip())
        elif current is not None and line.startswith("  ") and line.strip():
            date, text = notes[current]
            notes[current] = (date, f"{text} {line.strip()}")
        elif line.strip():
            current = None
    return notes


@lru_cache(maxsize=1)
def _docs_changes(path: Path) -> dict[int, tuple[str, str]]:
    try:
        return parse_changes(path.read_text(encoding="utf-8"))
    except OSError:
        return {}  # an install without docs/: versions listed without their notes


def versions() -> list[VersionNote]:
    """Every rubric version up to the current one (from the code), newest first, with the
    docs' note where it has one."""
    notes = _docs_changes(DOCS_PATH)
    out = []
    for version in range(scoring.SCORE_VERSION, 0, -1):
        date, text = notes.get(version, ("", ""))
        gist = _first_clause(text).strip()
        gist = gist[:1].upper() + gist[1:]
        out.append(VersionNote(version, date, _inline(gist), _inline(text)))
    return out


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g} %"


@require_GET
def rubric(request: HttpRequest) -> HttpResponse:
    ctx = {
        "version": scoring.SCORE_VERSION,
        "categories": categories(),
        "total_weight": sum(scoring.WEIGHTS.values()),
        "warn_cost": _percent(scoring.WARN_COST),
        "warn_floor": _percent(scoring.WARN_FLOOR),
        "statuses": {str(s): verdict_label(str(s)) for s in Status},
        "versions": versions(),
    }
    return render(request, "scoring/rubric.html", ctx)
