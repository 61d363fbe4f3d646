"""The team's domains as CSV (/domains/export.csv): one row per domain, as the list shows it.

An MSP's team has hundreds of domains: every id and name is read with one query and sorted
as the list sorts them (natural order of the names shown: name_sort_key), then the rows are
read a chunk of CHUNK at a time, one query each (the domain table keeps its last run's score,
time and worst finding, Domain.last_run_fields; the run gives its score version and
mechanisms' statuses through the join, never its findings) and written out while they are
read, so memory holds one chunk of rows and the queries grow only by one per chunk.

Cells are written for a person with a spreadsheet: each mechanism's status in the words the
domain page uses ("Good", "Needs attention", "Failing", "Could not check", "Not deployed"),
not the engine's codes; times in ISO 8601 UTC; the name both as people read it and in its
A-label form. The text begins with a UTF-8 byte order mark (BOM) so that Excel reads it as
UTF-8: without one, Excel opens a CSV in the system's legacy code page and shows bücher.de as
"bÃ¼cher.de". LibreOffice, Google Sheets and pandas skip the mark; Python's csv module needs
the file opened with encoding="utf-8-sig".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from checks.findings import Mechanism
from mailsec.accounts.models import Team
from mailsec.csvsafe import cell
from mailsec.domains.models import (
    NOTED_NOT_IN_DNS,
    display_name,
    name_sort_key,
    noted_not_in_dns,
    stored_coverage,
)
from mailsec.scoring.explain import NOT_DEPLOYED, is_not_deployed, verdict_label

# Excel takes a CSV for UTF-8 only when it begins with this (see the module's docstring).
BOM = "\ufeff"

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
    # A partial score (some checks could not be made) says how much of it was checked, as
    # the list does (blank for a whole score): score_points_checked of score_points_of.
    "score_points_checked",
    "score_points_of",
    # yes when the last check found the name not in the DNS (NXDOMAIN): no score, and each
    # mechanism but MX "Not checked"; for a domain not verified, when the last lookup of its
    # name (at the add, Verify or Verify all) found it so (Domain.not_in_dns), blank otherwise.
    "does_not_exist",
]
CHUNK = 500
# The reason checks.scoring.compute gives every category of a name not in the DNS.
DOES_NOT_EXIST_REASON = "domain does not exist"


def status_words(status: str, category: dict[str, Any]) -> str:
    """A mechanism's status as its panel on the domain page says it (views.Panel.verdict):
    "Not deployed" when the score counts it so, "Good" for passes with a note among them."""
    if status == "na" and category.get("reason") == DOES_NOT_EXIST_REASON:
        return "Not checked"  # a name not in the DNS: nothing was checked, not "Does not apply"
    if status == "info" and category.get("reason") == "good":
        status = "pass"
    return NOT_DEPLOYED if is_not_deployed(status, category) else verdict_label(status)


class _Line:
    """A file for csv.writer that hands back what was written to it."""

    def write(self, value: str) -> str:
        return value


def rows(team: Team) -> Iterator[list[Any]]:
    """The team's domains in the list's order (natural, by the name shown: name_sort_key),
    each as a row of COLUMNS: every id and name read and sorted first, then the rows a chunk
    at a time in that order."""
    names = sorted(team.domains.values_list("pk", "name"), key=lambda row: name_sort_key(row[1]))
    order = [pk for pk, _ in names]
    for start in range(0, len(order), CHUNK):
        chunk = order[start : start + CHUNK]
        read = {row[0]: row[1:] for row in _chunk(team, chunk)}
        yield from (_row(read[pk]) for pk in chunk if pk in read)


def _chunk(team: Team, pks: list[int]) -> Iterator[tuple[Any, ...]]:
    return iter(
        team.domains.filter(pk__in=pks).values_list(  # one chunk: CHUNK rows at most
            "pk",
            "name",
            "verified_at",
            "last_run_id",
            "last_score",
            "last_checked_at",
            "last_worst",
            "last_run__score_version",
            "last_run__mechanisms",
            "last_run__score_detail",
            "verify_error",
        )
    )


def _row(row: tuple[Any, ...]) -> list[Any]:
    name, verified_at, run_id, score, checked_at, worst, version, mechanisms, detail, why = row
    # As the list reads them (listing._row): a deleted last run (admin, SET_NULL) leaves
    # the domain "not checked".
    checked = run_id is not None and checked_at is not None
    worst = (worst or {}) if checked else {}
    statuses = (mechanisms or {}) if checked else {}
    categories = ((detail or {}).get("categories") or {}) if checked else {}
    coverage = stored_coverage(worst)
    return [
        cell(display_name(name)),
        cell(name),
        "yes" if verified_at is not None else "no",
        score if checked and score is not None else "",
        version if checked and version is not None else "",
        *(
            cell(status_words(str(statuses[m]), categories.get(m) or {})) if m in statuses else ""
            for m in MECHANISMS
        ),
        cell(str(worst.get("id", ""))),
        cell(verdict_label(str(worst["status"]))) if worst.get("status") else "",
        cell(str(worst.get("summary", ""))),
        checked_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if checked else "",
        ("yes" if worst.get("no_mail") else "no") if checked else "",
        *(("", "") if coverage.complete else (coverage.checked, coverage.of)),
        ("yes" if worst.get("does_not_exist") else "no")
        if checked
        else ("yes" if noted_not_in_dns(verified_at, why) else ""),
    ]


def lines(team: Team) -> Iterable[str]:
    """The CSV text, a line at a time: the BOM and the header, then rows(team)."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(COLUMNS)
    for row in rows(team):
        yield writer.writerow(row)


# The challenge records still to publish (/domains/records.csv), one row per domain not
# verified: its name, the zone a DNS panel most likely holds it in and the host to type
# there (as its page gives them, Domain.panel_zone), the record's full name, type and value.
# A name last found not in the DNS (NOT_IN_DNS) has no row, as the bulk add's copy block
# leaves it out: no zone holds a record under a name that does not exist (most often a
# typo), so its row would be one nobody can publish. It stays on the list with its note, and
# its row comes back once a lookup finds the name.
RECORD_COLUMNS = ["domain", "domain_ascii", "zone", "host", "name", "type", "value"]


def record_lines(team: Team) -> Iterable[str]:
    """The CSV text of every challenge record `team` has still to publish, in the list's
    order, a line at a time: the BOM and the header, then one row per domain not verified
    and not noted not in the DNS. One query: those domains are at most
    MAILSEC_MAX_UNVERIFIED (views.max_unverified)."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(RECORD_COLUMNS)
    pending = (
        team.domains.filter(verified_at=None)
        .exclude(NOTED_NOT_IN_DNS)
        .only("pk", "team", "name", "challenge")
    )
    for domain in sorted(pending, key=lambda d: name_sort_key(d.name)):
        yield writer.writerow(
            [
                cell(display_name(domain.name)),
                cell(domain.name),
                cell(domain.panel_zone),
                cell(domain.relative_name(domain.challenge_name)),
                cell(domain.challenge_name),
                "TXT",
                cell(domain.challenge_value),
            ]
        )
