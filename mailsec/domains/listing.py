"""The domain list: one row per domain, each rendered once per distinct content.

A team of a thousand domains reloads this page all day, and Django's template engine spends
about half a millisecond on one row. A row shows only what `DomainRow` holds, so its rendered
HTML is cached under a digest of that content: when anything on the row changes (a run
finishes, the domain is verified, "3 hours ago" becomes "4 hours ago") the key changes with
it, so the cache never needs invalidating and can never show a stale row.

Over the rows, each page of the list as a whole (table and pager) is cached until one of the
team's domains changes, for a minute at most (pagecache): a reload then costs one cache round
trip instead of the count, the page's rows and their digests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from checks.findings import MECHANISM_TITLES, Mechanism
from checks.scoring import Coverage
from mailsec.accounts.models import Team
from mailsec.accounts.templatetags.zones import reader_time
from mailsec.domains import pagecache
from mailsec.domains.models import (
    display_name,
    name_sort_key,
    noted_not_in_dns,
    stored_coverage,
)
from mailsec.domains.templatetags.domains import ago

PAGE_SIZE = 50
# What a row (_row) reads of a domain: one query gives a page its rows, whatever it shows.
ROW_FIELDS = (
    "pk",
    "code",
    "name",
    "verified_at",
    "last_run_id",
    "last_score",
    "last_checked_at",
    "last_worst",
    "week_ago_score",
    "last_failed_at",
    "next_check_at",
    "verify_error",
)
# Part of every row's cache key: bump it when templates/domains/_row.html or _list.html change.
ROW_VERSION = 19
ROW_CACHE_SECONDS = 86400
# Pages beyond this are made every time, not cached: the page number is in the cache key.
CACHED_PAGES = 1000


class DomainRow(NamedTuple):
    code: str
    name: str  # for people: the U-label form
    verified: bool
    checked: bool  # a finished run exists
    score: int | None
    week_ago_score: int | None
    finished_iso: str
    finished_title: str
    ago: str  # "3 hours ago" or "just now", from the time the page is made
    worst_status: str
    worst_summary: str
    failed: bool  # a check newer than the one shown could not complete
    # Titles of the mechanisms the last run counted as not deployed (each cost points).
    not_deployed: tuple[str, ...] = ()
    # The last run found a null MX: the score is "not applicable" for transport.
    no_mail: bool = False
    # The last run has no score because none of the scored checks could be made.
    none_checked: bool = False
    # The last run found the name not in the DNS (NXDOMAIN): no score, "does not exist".
    does_not_exist: bool = False
    # How much of the score could be checked (models.row_coverage, as the domain page says
    # it): complete for a whole score.
    coverage: Coverage = Coverage(0, 0, ())
    # Why "since last week" is empty, as (a word or two, the whole reason): no_trend_words.
    no_trend: tuple[str, str] = ("", "")
    # A verified domain never checked: where its first check is (first_check_words).
    first_check: str = ""
    # Not verified, and the last lookup of its name found it not in the DNS (models.NOT_IN_DNS,
    # Domain.not_in_dns): most often a typo, which no record can verify.
    not_in_dns: bool = False

    @property
    def trend(self) -> int | None:
        """Points gained (+) or lost (-) since the last run a week or more before the last
        check (Domain.week_ago_score)."""
        if self.score is None or self.week_ago_score is None:
            return None
        return self.score - self.week_ago_score

    def cache_key(self) -> str:
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:32]
        return f"domain-row:{ROW_VERSION}:{digest}"


def first_check_words(values: dict[str, Any], now: datetime) -> str:
    """Where a verified domain's first check is, from the domain's row alone (no query of
    the runs: a page reads one table): due, it is queued; claimed, which moved next_check_at
    on, it is under way (queued or running) until it finishes; one that could not complete
    (last_failed_at) is due again at next_check_at.

    No time is promised for a due check: the beat claims due domains every minute, but only
    as many as the probes queue has room for (tasks.queue_room); with the queue full (many
    domains due at once, or workers down) the rest stay due for later ticks. Where one is in
    that line would cost a count of the due domains for each such row."""
    due: datetime | None = values["next_check_at"]
    if values["last_failed_at"] is not None and due is not None and due > now:
        return f"its first check could not be completed; the next is due at {due:%H:%M} UTC"
    if due is None or due <= now + timedelta(minutes=1):
        return "its first check is queued: it starts when a checker is free"
    return "its first check is under way"


def no_trend_words(worst: dict[str, Any], coverage: Coverage) -> tuple[str, str]:
    """Why a row with a score has no "since last week" (Domain.last_worst's "no_trend",
    models.no_trend): a word or two for the cell (none for the first week), and the whole
    reason for its title."""
    kept = worst.get("no_trend") or {}
    why = kept.get("why")
    if why == "first_week":
        # In its title only: every row of a team's first week would say it.
        return "", "No trend: there is no check a week before yet."
    if why == "rubric":
        return (
            "new rubric",
            "No trend: the score's rubric changed since the check a week before, "
            "so the two scores do not compare.",
        )
    if why == "not_checked":
        now, then = (_coverage_words(kept.get(k) or []) for k in ("now", "then"))
        return (
            "not comparable",
            "No trend: "
            + (f"{now} in this check" if now else "everything was checked in this check")
            + (f", {then} a week before" if then else ", everything was checked a week before")
            + ": scores over different categories do not compare.",
        )
    if why == "no_score":
        then = (
            "the domain did not exist in DNS then"
            if kept.get("did_not_exist")
            else "nothing could be scored then"
        )
        return "no score then", f"No trend: no score a week before: {then}."
    if not coverage.complete:
        # A row written before the reason was kept.
        return "partial", f"No trend: {coverage.missing_words} in this check."
    return "", ""


def _coverage_words(mechanisms: list[str]) -> str:
    known = tuple(m for m in Mechanism if str(m) in mechanisms)
    return Coverage(0, 1, known).missing_words


def _row(values: dict[str, Any], now: datetime) -> DomainRow:
    # A deleted last run (admin, SET_NULL) leaves the row "not checked", as on its page.
    checked_at: datetime | None = values["last_checked_at"] if values["last_run_id"] else None
    worst = (values["last_worst"] or {}) if checked_at else {}
    coverage = stored_coverage(worst)
    verified = values["verified_at"] is not None
    return DomainRow(
        code=str(values["code"]),
        name=display_name(values["name"]),
        verified=verified,
        checked=checked_at is not None,
        score=values["last_score"] if checked_at else None,
        week_ago_score=values["week_ago_score"] if checked_at else None,
        finished_iso=checked_at.isoformat() if checked_at else "",
        # In the reader's zone, naming it (the row's cache key holds it, so one per zone);
        # before s43l "2026-12-04 06:30 UTC" whatever the zone.
        finished_title=reader_time(checked_at) if checked_at else "",
        ago=ago(checked_at, now) if checked_at else "",
        worst_status=str(worst.get("status", "")),
        worst_summary=str(worst.get("summary", "")),
        failed=values["last_failed_at"] is not None,
        not_deployed=tuple(_title(m) for m in worst.get("not_deployed") or ()),
        no_mail=bool(worst.get("no_mail")),
        none_checked=bool(worst.get("none_checked")),
        does_not_exist=bool(worst.get("does_not_exist")),
        coverage=coverage,
        no_trend=no_trend_words(worst, coverage) if checked_at else ("", ""),
        first_check=first_check_words(values, now) if verified and not checked_at else "",
        not_in_dns=noted_not_in_dns(values["verified_at"], values["verify_error"]),
    )


def _title(mechanism: str) -> str:
    try:
        return MECHANISM_TITLES[Mechanism(mechanism)]
    except ValueError:
        return mechanism


# How a count of the list's statuses reads ("1 needs attention", "4 need attention"), in the
# words of the filter's summary (forms.DomainListForm.STATUS_PHRASES).
STATUS_WORDS = {
    "failing": ("failing", "failing"),
    "attention": ("needs attention", "need attention"),
    "undeployed": ("with a mechanism not deployed", "with a mechanism not deployed"),
    "error": ("could not be checked", "could not be checked"),
    "unverified": ("not verified", "not verified"),
}


class StatusCount(NamedTuple):
    """How many of the team's domains a status of the list's filter keeps, for the line
    above the list of every domain that says what to look at (_list.html)."""

    status: str  # DomainListForm's value: failing, attention, undeployed, error, unverified
    count: int
    words: str  # "2 failing", "1 needs attention"


def page_of_rows(team: Team, page: str | None) -> tuple[Page, list[DomainRow]]:
    """One page of the team's domains, in natural order of the names shown (name_sort_key),
    as rows: the domain table alone (the last run's summary is kept on it,
    Domain.last_run_fields), in two queries whatever the team's size: every id and name, sorted
    here (no database collation orders digit runs as numbers or U-labels by their letters),
    then the one page's rows."""
    listing, rows, _ = _page_and_statuses(team, page)
    return listing, rows


def _page_and_statuses(
    team: Team, page: str | None
) -> tuple[Page, list[DomainRow], list[StatusCount]]:
    """page_of_rows, and how many domains each status of the filter keeps: the first query
    reads, with every id and name, whether the domain is in each (the filter's own SQL,
    forms.STATUS_WHERE), so the count costs no query of its own."""
    from mailsec.domains.forms import STATUS_WHERE

    flags = {
        f"is_{status}": ExpressionWrapper(where, output_field=BooleanField())
        for status, where in STATUS_WHERE.items()
    }
    found = list(team.domains.annotate(**flags).values_list("pk", "name", *flags))
    names = sorted(found, key=lambda row: name_sort_key(row[1]))
    listing = Paginator([row[0] for row in names], PAGE_SIZE).get_page(page)
    wanted = list(listing.object_list)
    rows = team.domains.filter(pk__in=wanted).values(*ROW_FIELDS)
    by_pk = {values["pk"]: values for values in rows}
    now = timezone.now()
    counts = {name: sum(1 for row in found if row[i]) for i, name in enumerate(flags, 2)}
    return listing, [_row(by_pk[pk], now) for pk in wanted if pk in by_pk], statuses(counts)


def status_counts() -> dict[str, Count]:
    """For an aggregate over the team's domains: how many each status of the filter keeps,
    under the names statuses() reads (the sorted list counts them with its total)."""
    from mailsec.domains.forms import STATUS_WHERE

    return {f"is_{status}": Count("pk", filter=where) for status, where in STATUS_WHERE.items()}


def statuses(counts: Mapping[str, int]) -> list[StatusCount]:
    """The statuses some domain has, in the filter's order, from counts by "is_<status>"."""
    found = []
    for status, (one, many) in STATUS_WORDS.items():
        count = counts.get(f"is_{status}") or 0
        if count:
            found.append(StatusCount(status, count, f"{count} {one if count == 1 else many}"))
    return found


def rendered(rows: list[DomainRow]) -> SafeString:
    """The rows' HTML from the cache in one round trip, rendering only the rows not in it."""
    keys = [row.cache_key() for row in rows]
    found = cache.get_many(keys)
    missing = {}
    for key, row in zip(keys, rows, strict=True):
        if key not in found:
            found[key] = missing[key] = render_to_string("domains/_row.html", {"d": row})
    if missing:
        cache.set_many(missing, ROW_CACHE_SECONDS)
    return mark_safe("".join(found[key] for key in keys))  # our own templates' output


def page_html(team: Team, page: str | None) -> SafeString:
    """One page of the team's list (table and pager, or the empty state), made again only when
    the team's list has changed or the minute has (mailsec/domains/pagecache.py)."""
    # ASCII digits only: "²".isdigit() is true and int() refuses it.
    number = int(page) if page and page.isascii() and page.isdigit() and len(page) <= 4 else 1
    if not 1 <= number <= CACHED_PAGES:
        return _make_page(team, page)
    name = f"list:{ROW_VERSION}:{number}"
    html = pagecache.cached("team", team.pk, name, 60, lambda: _make_page(team, str(number)))
    return mark_safe(html)  # our own templates' output


def _make_page(team: Team, page: str | None) -> str:
    listing, rows, statuses = _page_and_statuses(team, page)
    return render_to_string(
        "domains/_list.html", {"rows": rendered(rows), "listing": listing, "statuses": statuses}
    )
