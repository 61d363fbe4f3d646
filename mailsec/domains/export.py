"""The team's domains as CSV (/domains/export.csv): one row per domain, as the list shows it.

An MSP's team has hundreds of domains: the rows are read with one query (the domain table
keeps its last run's score, time and worst finding, Domain.last_run_fields; the run gives its
score version and mechanisms' statuses through the join, never its findings) and written out
while they are read, a chunk at a time, so neither memory nor the number of queries grows
with the team.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from checks.findings import Mechanism
from mailsec.accounts.models import Team
from mailsec.csvsafe import cell
from mailsec.domains.models import display_name

MECHANISMS = [str(m) for m in Mechanism]
COLUMNS = [
    "domain",
    "domain_ascii",
    "verified",
    "score",
    "score_version",
    *(f"{m}_status" for m in MECHANISMS),
    "worst_finding_id",
    "worst_finding_status",
    "worst_finding_summary",
    "last_checked_utc",
    "receives_no_mail",
]
CHUNK = 500


class _Line:
    """A file for csv.writer that hands back what was written to it."""

    def write(self, value: str) -> str:
        return value


def rows(team: Team) -> Iterator[list[Any]]:
    """The team's domains by name, each as a row of COLUMNS."""
    domains = (
        team.domains.order_by("name")
        .values_list(
            "name",
            "verified_at",
            "last_run_id",
            "last_score",
            "last_checked_at",
            "last_worst",
            "last_run__score_version",
            "last_run__mechanisms",
        )
        .iterator(chunk_size=CHUNK)
    )
    for name, verified_at, run_id, score, checked_at, worst, version, mechanisms in domains:
        # As the list reads them (listing._row): a deleted last run (admin, SET_NULL) leaves
        # the domain "not checked".
        checked = run_id is not None and checked_at is not None
        worst = (worst or {}) if checked else {}
        statuses = (mechanisms or {}) if checked else {}
        yield [
            cell(display_name(name)),
            cell(name),
            "yes" if verified_at is not None else "no",
            score if checked and score is not None else "",
            version if checked and version is not None else "",
            *(cell(str(statuses.get(m, ""))) for m in MECHANISMS),
            cell(str(worst.get("id", ""))),
            cell(str(worst.get("status", ""))),
            cell(str(worst.get("summary", ""))),
            checked_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if checked else "",
            ("yes" if worst.get("no_mail") else "no") if checked else "",
        ]


def lines(team: Team) -> Iterable[str]:
    """The CSV text, a line at a time: the header, then rows(team)."""
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in rows(team):
        yield writer.writerow(row)
