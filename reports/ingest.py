"""Ingesting many report files at once: an archive import, and the ingestion benchmark.

The same steps and outcomes as the HTTPS intake followed by the parse task — raw bytes kept
(sha256-unique per address), parsed and validated by reports.parse, a resent report stored once
by (address, submitter, report-id, day) (RFC 8460 §4.4, checklist M38; a report-id reused for
another day is another report, reports.models.same_report), a rejected one kept with its
reason — but a batch of files per transaction instead of two transactions and a dozen
statements per file. Each body is taken as an HTTPS POST body would be (gzip, zip or JSON; no
e-mail envelope, so no DKIM); a zip holding several report files is one raw report per file
(report_index 0, 1, …, each row holding the whole body), as at the HTTPS intake (RFC 8460
§6.3). Imported reports raise no alerts: they are history. Each batch
commits as any transaction does (durable once committed: an operator may delete the files
after an import returns; waiting for the disk costs a few ms per 2,000 files). An interrupted
import is simply run again: every file already stored is recognised by its sha256, and each of
its reports by (sha256, report_index): a zip imported before it was split stores its missing
reports.

On PostgreSQL a batch is parsed and rendered as COPY text on a worker thread while the main
thread stores the previous batch (psycopg releases the GIL while PostgreSQL works, so the two
overlap on two cores); two queries per batch say which bodies and reports are already stored,
and four COPYs write the rest, with ids drawn from the tables' sequences. Where the time goes
(docs/benchmarks.md): mostly PostgreSQL itself — index upkeep and the foreign-key checks at
commit — no longer Python.
"""

from __future__ import annotations

import binascii
import bisect
import hashlib
import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from reports import conf
from reports.mail import (
    FROM_ADDRESS,
    MAX_COPIES_BYTES_FACTOR,
    MAX_REPORTS_PER_MESSAGE,
    MailReport,
    extract_reports,
    filename_domain,
    said_from,
    said_from_filename,
    storable,
)
from reports.models import (
    BULK_BATCH,
    IMPORTED_FILE_NAME,
    SHORT_RANGE,
    PolicyDomain,
    PolicyResult,
    RawReport,
    ReportAddress,
    TlsReport,
    address_filled,
    another_domains_key,
    another_reporters_key,
    copy_outcome,
    emptied_reason,
    failure_types,
    identity_lock_key,
    insert_details,
    judge_split_off_again,
    keep_own_policies,
    lock_copies,
    names_over_filled,
    policy_domains_of,
    policy_fields,
    report_fields,
    resend_reason,
    reused_warning,
    stored_policy_domain,
    with_reused_warning,
)
from reports.parse import (
    ParsedReport,
    ReportRejected,
    parse_report,
    report_file_name,
    report_members,
    sniff,
)

log = logging.getLogger(__name__)

# Reports per transaction, and a cap on the bytes they hold (two batches are in memory at
# once). A report of a zip holding several holds the whole body (parsed with it, stored with
# it): it weighs the body's size, so a zip of 8 reports weighs 8 times its size.
BATCH = 2000
BATCH_BYTES = 16 * 1024 * 1024

# A body, the reports of it (reports_in: the `member` of each for its parse), and the name
# of the file it was read from (None when not given).
_Item = tuple[ReportAddress, bytes, list[int | None], str | None]
# What ingest_many takes: (address, body), or (address, body, file name) from ingest_files.
_Given = tuple[ReportAddress, bytes] | tuple[ReportAddress, bytes, str | None]


@dataclass(slots=True)
class _File:
    """One report of a batch, parsed (or not) and ready to store: a body, or one report file
    of a zip body holding several (`index`, its row's report_index)."""

    address: ReportAddress
    sha256: str
    body: bytes
    index: int
    parsed: ParsedReport | None
    status: str  # PARSED while it may still prove a resend; REJECTED or ERROR otherwise
    error: str
    # Its raw row's headers: the file's name when it names a policy domain (IMPORTED_FILE_NAME).
    headers: dict[str, str]


def _batches(items: Iterable[_Given], size: int) -> Iterator[list[_Item]]:
    """Batches of at most `size` reports and, unless one body alone is more, BATCH_BYTES of
    bytes held by them (a body once per report of it). A body's reports are counted here,
    once (its parse takes them from the item)."""
    batch: list[_Item] = []
    reports = total = 0
    for address, body, *name in items:
        # Only a zip can hold several: the others are one report without a look inside.
        members = reports_in(body) if sniff(body) == "zip" else [None]
        batch.append((address, body, members, name[0] if name else None))
        reports += len(members)
        total += len(body) * len(members)
        if reports >= size or total >= BATCH_BYTES:
            yield batch
            batch, reports, total = [], 0, 0
    if batch:
        yield batch


def ingest_many(
    items: Iterable[_Given],
    *,
    content_type: str = "application/tlsrpt+gzip",
    batch: int = BATCH,
) -> Counter[str]:
    """Store and parse (address, body) pairs; how many raw reports ended in each parse
    status, plus "already stored" for those the address already has (the same body, the same
    report of it). A body is one raw report, or one per report file of a zip holding several
    (reports_in); the caller applies the intake's limits first (too_many_copies), as
    ingest_files does. An item may add the name of the file the body was read from
    (ingest_files does): an RFC 8460 §5.1 name names the policy domain a policy without one
    is about, before the address's domain, as a mailed report's attachment name does
    (filename_domain, checklist RPT-06; a POSTed body has only the names in it, a zip's report
    file's or a gzip's FNAME, read first here too: reports.parse.report_file_name). `items` is
    read on the calling thread (it may use the database);
    parsing runs on a worker thread. `batch`: reports per transaction (BATCH)."""
    outcome: Counter[str] = Counter()
    max_bytes = conf.max_report_bytes()
    if connection.vendor != "postgresql":
        for chunk in _batches(items, batch):
            files, repeated = _parse(chunk, max_bytes)
            if repeated:
                outcome["already stored"] += repeated
            with transaction.atomic():
                taken, named = _store_by_orm(files, content_type, outcome)
            _judge_again(taken)
            _read_names(named, outcome)
        return outcome
    content_type = content_type[:200]
    with ThreadPoolExecutor(1, thread_name_prefix="ingest-parse") as pool:
        # Parse batch N+1 while batch N is stored.
        pending: Future[_Batch] | None = None
        for chunk in _batches(items, batch):
            job = pool.submit(_stage, chunk, max_bytes, content_type)
            if pending is not None:
                _store_batch(pending.result(), outcome)
            pending = job
        if pending is not None:
            _store_batch(pending.result(), outcome)
    return outcome


def reports_in(body: bytes) -> list[int | None]:
    """The reports of a body as the HTTPS intake stores them, one raw report each: the body,
    or each report file of a zip holding several (reports.parse.report_members; the item
    is the `member` to parse, its place in the list the row's report_index)."""
    try:
        return report_members(body)
    except Exception:
        # A zip our reader trips over is one body, for its parse to refuse or keep as an
        # error (with the bytes), not the end of an import of thousands of files.
        log.exception("counting the reports of an imported zip failed")
        return [None]


def too_many_copies(reports: int, size: int, cap: int, setting: str) -> str | None:
    """Why `reports` raw reports of one body of `size` bytes are more than an intake stores
    for one HTTPS body or message (reports.intake: at most MAX_REPORTS_PER_MESSAGE reports,
    copies of at most MAX_COPIES_BYTES_FACTOR times `cap`, the `setting`), or None."""
    if reports > MAX_REPORTS_PER_MESSAGE:
        return f"holds {reports} reports; at most {MAX_REPORTS_PER_MESSAGE} are stored from one"
    if reports > 1 and reports * size > cap * MAX_COPIES_BYTES_FACTOR:
        return (
            f"holds {reports} reports, stored as one copy of its {size} bytes each: over "
            f"{cap * MAX_COPIES_BYTES_FACTOR} bytes, {MAX_COPIES_BYTES_FACTOR} times {setting}"
        )
    return None


def _parse(chunk: list[_Item], max_bytes: int) -> tuple[list[_File], int]:
    """Parse a batch (no database): a _File per report of each body. A body repeated within
    the batch is left out: its reports count as already stored (the number returned). When
    its first file's name named no policy domain and the repeat's does, the body's reports
    are read with the repeat's name (task s48e: the bytes are one report, and the name is
    the sender's word on its domain, where none was given)."""
    files: list[_File] = []
    seen: dict[tuple[int, str], list[int]] = {}  # a body's files: their places in `files`
    repeated = 0
    for address, body, members, name in chunk:
        digest = hashlib.sha256(body).hexdigest()
        if (places := seen.get((address.pk, digest))) is not None:
            repeated += len(places)
            for place in places:
                if (
                    not files[place].headers
                    and (
                        again := _read(
                            address, body, digest, files[place].index, members, name, max_bytes
                        )
                    ).headers
                ):
                    files[place] = again
            continue
        seen[address.pk, digest] = list(range(len(files), len(files) + len(members)))
        files.extend(
            _read(address, body, digest, index, members, name, max_bytes)
            for index in range(len(members))
        )
    return files, repeated


def _read(
    address: ReportAddress,
    body: bytes,
    digest: str,
    index: int,
    members: list[int | None],
    name: str | None,
    max_bytes: int,
) -> _File:
    """The _File of the report `index` of a body (members: reports_in), read under the file
    name `name`."""
    member = members[index]
    # The policy domain a §5.1 file name names, before the address's (as a mail's). In a
    # zip, the report file's own name first: §5.1 names the report file, one per report,
    # and a zip may hold several reports about several domains, where its own name (often
    # a tool's, and no §5.1 name: .zip is not its extension) is one for all of them (s46a).
    try:
        inner = report_file_name(body, member)
    except Exception:
        # As reports_in: a zip our reader trips over is its parse's to judge.
        log.exception("reading the file names of an imported zip failed")
        inner = None
    file_name = inner if filename_domain(inner) else name
    named = filename_domain(file_name) if file_name else None
    parsed: ParsedReport | None = None
    status, error = RawReport.PARSED, ""
    try:
        parsed = parse_report(
            body,
            report_domain=named or address.domain_name,
            max_bytes=max_bytes,
            member=member,
        )
        # As the parse task: with no §5.1 name, a policy-domain left out is the address's,
        # nobody's word (reports.models.address_filled).
        parsed.filled_from_address = not named
        if named and file_name:
            parsed.warnings = said_from_filename(parsed.warnings, named, file_name)
        else:
            # No envelope: the report address's domain, as a POST's (task s48g).
            parsed.warnings = said_from(parsed.warnings, address.domain_name, FROM_ADDRESS)
        parsed = keep_own_policies(parsed, address.domain_name)
    except ReportRejected as e:
        status, error = RawReport.REJECTED, e.reason
    except Exception as e:
        # A bug on our side, not the sender's: keep the bytes for `reparse` after a fix, as
        # the parse task does, and go on with the other files.
        log.exception("parsing an imported report for %s failed", address.domain_name)
        status, error = RawReport.ERROR, f"{type(e).__name__}: {e}"[:2000]
    kept = {IMPORTED_FILE_NAME: file_name} if named and file_name else {}
    return _File(address, digest, body, index, parsed, status, error, kept)


def _resend_error(parsed: ParsedReport, first: ParsedReport) -> str:
    """Why a copy of a report an earlier file of the same batch carries (`first`) is not
    counted: what the parse task says of a copy of a stored report (copy_outcome). Worked
    out only for such a copy, on the main thread."""
    return resend_reason(
        parsed,
        (first.start, first.end),
        (first.total_successful, first.total_failed),
        failure_types(first),
    )


@dataclass(slots=True)
class _Report:
    """A report of a batch's files: one stored before the batch (`pk`), or one a file of the
    batch carries (`first`, its parsed report), stored with it."""

    start: datetime
    end: datetime
    day: date
    pk: int | None = None  # stored before; a new one's once it has its id
    first: ParsedReport | None = None
    reused: str = ""  # a new one's reused_warning, when its sender's key has other days
    # A new one's key and warning when it is another policy domain's report than the one
    # its report-id and day found (another_domains_key).
    submitter: str = ""
    warning: str = ""
    report: TlsReport | None = None  # a new one's row (the ORM path)
    by: int = 0  # the id() of the file carrying it (a new one, or one taking a stored one's place)
    # A report stored before whose `policies` array is empty, whose place the file `by`
    # (its parse in `first`) takes: it has policies (copy_outcome, task s45p); or that names
    # no domain but the address's filled in, where the file names its own (task s46a).
    replaces: bool = False
    # A file of the batch took its place (`replaces`, or a report an earlier file carries):
    # its other copies are judged again once the batch commits (_judge_again).
    taken: bool = False


class _Group:
    """The reports of one (address, submitter, report-id): those stored, then those of the
    batch, in that order (same_report's `candidates`). same_report's answer without going
    through them all (s36r: a sender reusing one report-id for thousands of days made each
    file's match go through thousands): the report of the day by the day, and the first
    whose range overlaps among the few whose start is near (one report per day: a range
    of at most 48 hours that overlaps starts at most 48 hours before), the longer ones
    apart. Also what reused_warning says: the earliest three days and how many."""

    __slots__ = ("by_day", "first_days", "long", "members", "starts", "short")

    def __init__(self) -> None:
        self.members: list[_Report] = []  # in the order added
        self.by_day: dict[date, int] = {}  # the first member of each day (its place)
        self.starts: list[tuple[datetime, int]] = []  # (start, place) of the short ranges
        self.short: list[int] = []  # their places, in the order of `starts`
        self.long: list[int] = []  # places of the ranges longer than SHORT_RANGE
        self.first_days: list[date] = []  # the three earliest days

    def __iter__(self) -> Iterator[_Report]:
        return iter(self.members)

    def add(self, report: _Report) -> None:
        place = len(self.members)
        self.members.append(report)
        if report.day in self.by_day:
            return  # found by its day's first member; a day is counted once
        self.by_day[report.day] = place
        if report.end - report.start <= SHORT_RANGE:
            at = bisect.bisect_right(self.starts, (report.start, place))
            self.starts.insert(at, (report.start, place))
            self.short.insert(at, place)
        else:
            self.long.append(place)
        if len(self.first_days) < 3 or report.day < self.first_days[-1]:
            bisect.insort(self.first_days, report.day)
            del self.first_days[3:]

    def find(self, start: datetime, end: datetime, day: date) -> _Report | None:
        """same_report(self, start, end, day): the member of `day`, else the first (in the
        order added) whose range overlaps start to end."""
        if (place := self.by_day.get(day)) is not None:
            return self.members[place]
        first: int | None = None
        # A short range overlapping this one starts after start - SHORT_RANGE and before end.
        lo = bisect.bisect_right(self.starts, (start - SHORT_RANGE, len(self.members)))
        hi = bisect.bisect_left(self.starts, (end, -1))
        for place in [*self.short[lo:hi], *self.long]:
            r = self.members[place]
            if start < r.end and r.start < end and (first is None or place < first):
                first = place
        return None if first is None else self.members[first]


# Reports by (address, submitter, report-id): those stored, then those of the batch.
_Key = tuple[int, str, str]
_Groups = dict[_Key, _Group]
# The stored reports' policy domain and policies as (policy-type, policy-domain), by pk.
_Policies = dict[int, tuple[str, list[PolicyDomain]]]
# The stored reports with the raw copy each is counted from (_stored_copies), by pk.
_Copies = dict[int, tuple[TlsReport, RawReport | None]]


def _match(groups: _Groups, key: _Key, f: _File) -> tuple[_Report, bool]:
    """The report a file is a copy of (same_report: of its day, or an overlapping range,
    stored or earlier in the batch), or the new one it carries (True): a report-id its
    sender used for another day is another report, with a warning naming those days."""
    p = f.parsed
    assert p is not None
    group = groups.setdefault(key, _Group())
    found = group.find(p.start, p.end, p.day)
    if found is not None:
        return found, False
    reused = ""
    if group.by_day:
        reused = reused_warning(p.report_id, group.first_days, len(group.by_day), p.start, p.end)
    mine = _Report(p.start, p.end, p.day, first=p, reused=reused, by=id(f))
    group.add(mine)
    return mine, True


def _match_all(
    files: Iterable[_File],
    keys: dict[int, _Key],
    groups: _Groups,
    policies: _Policies,
    copies: _Copies,
    load: Callable[[list[_Key], set[int]], None],
) -> dict[int, tuple[_Report, bool]]:
    """_match for each file of `keys` (by id(file)), in the batch's order. A file whose
    report-id and day found another policy domain's report is that domain's own report, as
    the parse task decides it (another_domains_key, the same rule): matched, after the
    others, under the key naming its domain, whose stored reports `load` adds to `groups`
    (and their copies) first. Such a file is never added to the group it found, so the
    others' matches do not depend on it, and only a batch with such a collision costs more
    than the one look at the policies of the report a copy found.

    Before that, as the parse task decides it for an unsigned copy (all files are): a copy
    whose contact domain is another organisation's than the report it found
    (another_reporters_key) is a copy of that reporter's report when one was split off
    under its key (RawReport._another_reporters_key: a DKIM-signed copy of it came), else a
    copy of the one found (task s45d; it was always the latter). `load` adds those keys'
    stored reports first, locked before the domains' keys, in the parse task's order.
    `load` is also given the stored reports the batch's copies point at so far (pointed
    at: the ones found, as a reporter's copy may stay one of those), for the COPY path to
    lock their rows before the keys it adds (_store_once).

    A file with policies whose report found (under whichever key) has none, its `policies`
    array empty, takes that report's place, as the parse task's copy does (copy_outcome,
    task s45p): the file carrying it earlier in the batch becomes its copy, or a report
    stored before is rewritten (`replaces`), its counted copy a duplicate."""
    report_of: dict[int, tuple[_Report, bool]] = {}
    split: list[tuple[_File, _Key, str]] = []
    reporters: list[tuple[_File, _Key, _Report, _Key]] = []

    def copy_of(f: _File, key: _Key, found: _Report, warning: str | None = None) -> None:
        """`warning`: the file's, when it is another policy domain's report (`key` its
        own already: the domain rule is not applied again, as in the parse task)."""
        assert f.parsed is not None
        # A copy, or another domain's report under the same report-id and day: rare, and
        # only then are the found report's policies looked at.
        if found.first is not None:
            theirs = policy_domains_of(found.first)
            their_domain = stored_policy_domain(found.first, f.address.domain_name)
        else:
            their_domain, theirs = policies.get(found.pk or 0, ("", []))
        report = found.first or copies[found.pk or 0][0]
        if warning is None and (
            other := another_domains_key(f.parsed, key[1], theirs, their_domain, other=report)
        ):
            split.append((f, (key[0], other[0], key[2]), other[1]))
        elif (f.parsed.policies and not theirs) or (
            not _signed(found, copies) and names_over_filled(f.parsed, theirs, report)
        ):
            # The report found says nothing about any session, or names no domain but the
            # address's filled in where this file names its own and says the same otherwise
            # (and no signature of its reporter vouches for it): this file takes its place.
            if found.first is not None:
                report_of[found.by] = (found, False)
            else:
                found.replaces = True
            found.first, found.by, found.taken = f.parsed, id(f), True
            found.submitter, found.warning = key[1], warning or ""
            report_of[id(f)] = (found, True)
        else:
            report_of[id(f)] = (found, False)

    for f in files:
        if (key := keys.get(id(f))) is None:
            continue
        found, carries = _match(groups, key, f)
        assert f.parsed is not None
        if carries:
            report_of[id(f)] = (found, True)
            continue
        contact = found.first.contact_info if found.first else copies[found.pk or 0][0].contact_info
        if reporter := another_reporters_key(f.parsed, contact):
            reporters.append((f, key, found, (key[0], reporter, key[2])))
        else:
            copy_of(f, key, found)

    def pointed_at() -> set[int]:
        held = {r.pk for r, carries in report_of.values() if not carries and r.pk}
        return held | {found.pk for _, _, found, _ in reporters if found.pk}

    if reporters:
        load(sorted({rkey for *_, rkey in reporters} - groups.keys()), pointed_at())
        for f, key, found, rkey in reporters:
            assert f.parsed is not None
            group = groups.get(rkey)
            if group and (joined := group.find(f.parsed.start, f.parsed.end, f.parsed.day)):
                copy_of(f, rkey, joined)
            else:
                copy_of(f, key, found)
    if split:
        load(sorted({key for _, key, _ in split} - groups.keys()), pointed_at())
        for f, key, warning in split:
            found, carries = _match(groups, key, f)
            if carries:
                found.submitter, found.warning = key[1], warning
                report_of[id(f)] = (found, carries)
            else:
                copy_of(f, key, found, warning)
    return report_of


def _signed(found: _Report, copies: _Copies) -> bool:
    """Whether the copy the report `found` is counted from is DKIM-signed by its reporter (a
    report stored before the batch; a file of the batch is not)."""
    if found.first is not None or found.pk is None:
        return False
    report, counted = copies[found.pk]
    return bool(counted and counted.signed_by(report.contact_info))


def _take_place(f: _File, found: _Report, copies: _Copies, now: datetime) -> TlsReport:
    """Rewrite a report stored before the batch whose `policies` array is empty, or that
    names no domain but the address's filled in (names_over_filled), with the file that
    takes its place (_Report.replaces), as the parse task does (locked as it
    locks it: its copies, then the report), its counted copy marked a duplicate
    (emptied_reason). Marked evaluated, as an imported report is: history; but a report
    with policies whose evaluation is pending (a live copy's, its alert task queued, not yet
    run, or left for the sweep) stays pending: the file taking its place says the same but
    the domain (names_over_filled), so the task evaluates what the live copy said (task
    s48k: marked, the task found it evaluated, the live copy's failures never alerted). An
    empty report says nothing to alert on: marked evaluated still (s45p)."""
    assert f.parsed is not None and found.pk is not None
    lock_copies(found.pk)
    report = TlsReport.objects.select_for_update().get(pk=found.pk)
    owed = report.alerts_evaluated_at is None and report.policies.exists()
    parsed = replace(f.parsed, warnings=[*f.parsed.warnings, *filter(None, [found.warning])])
    with_reused_warning(parsed, f.address, report.submitter, report)
    if (counted := copies[found.pk][1]) is not None:
        RawReport.objects.filter(pk=counted.pk).update(
            parse_status=RawReport.DUPLICATE, error=storable(emptied_reason(report, parsed))
        )
    report = TlsReport.objects.store(f.address, parsed, replace=report, submitter=report.submitter)
    if not owed:
        TlsReport.objects.filter(pk=report.pk).update(alerts_evaluated_at=now)
    return report


def _as_stored(p: ParsedReport, found: _Report) -> ParsedReport:
    """The parsed report a file carries, with the warning the parse task adds to it when it
    is another policy domain's report (another_domains_key), after the parser's (as there).
    A copy: a batch stored again after a conflict decides again from the parse."""
    return replace(p, warnings=[*p.warnings, found.warning]) if found.warning else p


def _copy_outcome(
    parsed: ParsedReport, found: _Report, copies: dict[int, tuple[TlsReport, RawReport | None]]
) -> tuple[str, str]:
    """(status, why) of a file that is a copy of `found`: of a report stored before the
    batch as the parse task decides it, of one a file earlier in the batch carries a resend."""
    if found.first is None:
        assert found.pk is not None
        return _copy_of_stored(parsed, copies[found.pk])
    return RawReport.DUPLICATE, _resend_error(parsed, found.first)


def _stored_copies(pks: Iterable[int]) -> _Copies:
    """The reports stored before this batch that files of it resend, each with the raw copy
    it is counted from (counted_copy): two queries a batch, not two a resend."""
    reports = TlsReport.objects.only(
        "pk",
        "report_id",
        "organization_name",
        "contact_info",
        "start",
        "end",
        "total_successful",
        "total_failed",
    ).in_bulk(set(pks))
    counted: dict[int, RawReport] = {}
    copies = RawReport.objects.filter(report_id__in=reports, parse_status=RawReport.PARSED)
    for raw in copies.order_by("received_at", "pk").only(
        "report_id",
        "source",
        "headers",
        "report_submitter",
        "dkim_result",
        "dkim_length_tag",
        "dkim_domain",
    ):
        counted.setdefault(raw.report_id, raw)
    return {pk: (report, counted.get(pk)) for pk, report in reports.items()}


def _stored_policies(pks: Iterable[int]) -> _Policies:
    """The stored policy domain and the (policy-type, policy-domain) of the policies of the
    reports stored before this batch that its files found (another_domains_key reads them):
    one query a batch, and none when no file resends a stored report."""
    policies: _Policies = {}
    if pks := set(pks):
        for pk, about, *policy in PolicyResult.objects.filter(report_id__in=pks).values_list(
            "report_id",
            "report__policy_domain",
            "policy_type",
            "policy_domain",
            "domain_from_address",
        ):
            policies.setdefault(pk, (about, []))[1].append(tuple(policy))
    return policies


def _copy_of_stored(
    parsed: ParsedReport, stored: tuple[TlsReport, RawReport | None]
) -> tuple[str, str]:
    """(status, why) of an imported copy of a report stored before this batch, as the parse
    task decides it for an unsigned copy: a resend, or set aside when the copy counted is
    DKIM-signed by its reporter and says something else."""
    outcome = copy_outcome(parsed, "", *stored)
    assert outcome is not None  # an unsigned copy takes no other's place
    return outcome


# --- SQLite (and any other database): the ORM ---------------------------------------------


def _stored_groups(wanted: set[_Key]) -> _Groups:
    """The stored reports of the identities `wanted`, grouped (the ORM path)."""
    groups: _Groups = {}
    if not wanted:
        return groups
    for r in (
        TlsReport.objects.filter(
            address_id__in={k[0] for k in wanted}, report_id__in={k[2] for k in wanted}
        )
        .order_by("start", "pk")
        .only("pk", "address_id", "submitter", "report_id", "start", "end", "day")
    ):
        key = (r.address_id, r.submitter, r.report_id)
        if key in wanted:
            groups.setdefault(key, _Group()).add(_Report(r.start, r.end, r.day, pk=r.pk))
    return groups


def _judge_again(taken: Iterable[int]) -> None:
    """After a batch's commit, the reports one of its files took over (a file named for its
    domain over a copy naming none, or with policies over an empty report: _match_all) are
    judged again as a live takeover judges them (RawReport.process, review s47r3): their
    resends, each parsed again against what the report says now (`rejudge`: one may be
    another domain's report), then the reports split off from it under a ' for <domain>'
    key (judge_split_off_again: one may be its copy now). Each in its own transaction,
    locking its report's copies first, as the parse task does. An import is history:
    `alerts=False` queues no alert task and resets no report's evaluation (task s48e; the
    import did not judge them again, and a copy of another domain's sessions stayed a
    resend of the report taken over, counted nowhere, or a second report about its domain
    stayed beside it)."""
    for report_pk in sorted(set(taken)):
        copies = RawReport.objects.filter(report_id=report_pk, parse_status=RawReport.DUPLICATE)
        for raw in copies.order_by("received_at", "pk").defer("body"):
            raw.process(force=True, rejudge=True, alerts=False)
        judge_split_off_again(report_pk, alerts=False)


# What ingest_many counts for a file whose bytes are stored already under the address, when
# its §5.1 name names a policy domain (_read_names).
READ_AGAIN = "already stored (read again with its file name)"
NOT_TAKEN = "already stored (under a file name naming another domain, kept)"


def _read_names(files: list[_File], outcome: Counter[str]) -> None:
    """After a batch's commit, the files whose bytes were stored already (answered "already
    stored": the bytes are one report, stored once) and whose RFC 8460 §5.1 name names the
    domain of a policy leaving its policy-domain out (_known_named, task s48e). A stored copy naming none (posted, or imported under a name
    naming none) had the address's domain filled in for a policy that leaves its domain
    out, nobody's word: the name is the sender's, so it is kept with the stored row (as an
    imported file's, IMPORTED_FILE_NAME) and the row read again with it, judged as on
    arrival (`rejudge`), and the report's copies judged again as after a takeover
    (_judge_again): the outcome is the one the file would have had first. No alerts: an
    import is history. A stored copy whose name named another domain keeps it (the first
    word stays, as the copy stored first does); the count says the file's name was not
    taken. A message's bytes are never a report file's, so only HTTPS rows are read.

    A stored copy whose own body names the domain (a zip's report file, a gzip's FNAME: read
    on every door since s48c/s48g, before the name it came under) was filed under it: its
    report already has a policy about the name's domain and none filled in from the address.
    Nothing to read: plain "already stored" (task s48k; it was read and judged again for
    nothing). A row stored before s48c/s48g, when that name was not read, was filed under the
    address's domain (domain_from_address) and is read again as any copy naming none."""
    for f in files:
        raw = (
            RawReport.objects.filter(
                address=f.address, sha256=f.sha256, report_index=f.index, source=RawReport.HTTPS
            )
            .defer("body")
            .first()
        )
        if raw is None:
            continue
        name = f.headers[IMPORTED_FILE_NAME]
        if theirs := raw.headers.get(IMPORTED_FILE_NAME):
            if filename_domain(theirs) != filename_domain(name):
                _count_as(outcome, NOT_TAKEN)
            continue
        if _says_already(raw, filename_domain(name)):
            continue
        RawReport.objects.filter(pk=raw.pk).update(
            headers={**raw.headers, IMPORTED_FILE_NAME: name}
        )
        raw.process(force=True, rejudge=True, alerts=False)
        if raw.parse_status == RawReport.PARSED and raw.report_id:
            _judge_again([raw.report_id])
        _count_as(outcome, READ_AGAIN)


def _says_already(raw: RawReport, domain: str | None) -> bool:
    """Whether the parsed row `raw` is filed under `domain` by a name of its own already
    (_read_names): its report has a policy about `domain` and none whose domain was the
    address's filled in."""
    if raw.parse_status != RawReport.PARSED or not raw.report_id or not domain:
        return False
    policies = PolicyResult.objects.filter(report_id=raw.report_id)
    return (
        policies.filter(policy_domain=domain).exists()
        and not policies.filter(domain_from_address=True).exists()
    )


def _count_as(outcome: Counter[str], what: str) -> None:
    """One file counted "already stored" counted as `what` instead."""
    outcome["already stored"] -= 1
    if outcome["already stored"] <= 0:
        del outcome["already stored"]
    outcome[what] += 1


def _known_named(files: list[_File], known: set[tuple[int, str, int]]) -> list[_File]:
    """The files of a batch stored already whose §5.1 name names the domain of a policy
    that leaves its policy-domain out (_read_names): for a report writing its domains the
    name says nothing (s11: one posted, imported again under names, is only "already
    stored")."""
    return [
        f
        for f in files
        if f.headers
        and _row(f) in known
        and f.parsed is not None
        and any(p.domain_filled for p in f.parsed.policies)
    ]


def _taken(report_of: dict[int, tuple[_Report, bool]]) -> set[int]:
    """The reports of the batch a file of it took over (_judge_again)."""
    return {found.pk for found, _ in report_of.values() if found.taken and found.pk}


def _store_by_orm(
    files: list[_File], content_type: str, outcome: Counter[str]
) -> tuple[set[int], list[_File]]:
    known = set(
        RawReport.objects.filter(
            address_id__in={f.address.pk for f in files}, sha256__in={f.sha256 for f in files}
        ).values_list("address_id", "sha256", "report_index")
    )
    if again := sum(1 for f in files if _row(f) in known):
        outcome["already stored"] += again
    keys = {id(f): _key(f) for f in files if f.parsed is not None and _row(f) not in known}
    groups = _stored_groups(set(keys.values()))
    stored = [r.pk for group in groups.values() for r in group if r.pk]
    copies = _stored_copies(stored)
    policies = _stored_policies(stored)

    def load(more: list[_Key], pointed_at: set[int]) -> None:
        # Another reporter's or policy domain's reports under their own key (_match_all).
        found = _stored_groups(set(more))
        groups.update(found)
        pks = [r.pk for group in found.values() for r in group if r.pk]
        copies.update(_stored_copies(pks))
        policies.update(_stored_policies(pks))

    report_of = _match_all(files, keys, groups, policies, copies, load)
    now = timezone.now()
    new: list[tuple[_File, TlsReport]] = []
    for f in files:
        if id(f) not in report_of:
            continue
        assert f.parsed is not None
        found, carries = report_of[id(f)]
        if not carries:
            f.status, f.error = _copy_outcome(f.parsed, found, copies)
            continue
        if found.replaces:
            found.report = _take_place(f, found, copies, now)
            continue
        # Evaluated, as in "not to alert": imported reports are history (and the sweep
        # would otherwise evaluate every one of them).
        fields = report_fields(f.address, _as_stored(f.parsed, found))
        if found.submitter:
            fields["submitter"] = found.submitter
        if found.reused:
            fields["warnings"] = [*fields["warnings"], found.reused]
        found.report = TlsReport(address=f.address, **fields, created=now, alerts_evaluated_at=now)
        new.append((f, found.report))
    TlsReport.objects.bulk_create([report for _, report in new], batch_size=BULK_BATCH)
    for found, _ in report_of.values():
        if found.report is not None:
            found.pk = found.report.pk
    pairs = [(report, p, f.parsed) for f, report in new if f.parsed for p in f.parsed.policies]
    rows = PolicyResult.objects.bulk_create(
        (
            PolicyResult(
                report=report, **policy_fields(p), domain_from_address=address_filled(parsed, p)
            )
            for report, p, parsed in pairs
        ),
        batch_size=BULK_BATCH,
    )
    insert_details(
        (report.pk, row.pk, d)
        for (report, p, _), row in zip(pairs, rows, strict=True)
        for d in p.failure_details
    )
    raws = []
    for f in files:
        if _row(f) in known:
            continue
        raws.append(
            RawReport(
                address=f.address,
                source=RawReport.HTTPS,
                headers=f.headers,
                body=f.body,
                sha256=f.sha256,
                size=len(f.body),
                report_index=f.index,
                content_type=content_type,
                received_at=now,
                processed_at=now,
                attempts=1,
                parse_status=f.status,
                error=f.error,
                report_id=report_of[id(f)][0].pk if id(f) in report_of else None,
            )
        )
    RawReport.objects.bulk_create(raws, batch_size=BULK_BATCH)
    outcome.update(raw.parse_status for raw in raws)
    return _taken(report_of), _known_named(files, known)


# --- PostgreSQL: COPY straight into the tables ---------------------------------------------


def _line(values: tuple[str, ...]) -> str:
    """One line of COPY text (PostgreSQL text format), without its newline. Values are
    joined as they are and checked in one pass; only a line whose values hold a tab,
    newline or backslash (rare in reports) is joined again with each value escaped."""
    line = "\t".join(values)
    if (
        line.count("\t") == len(values) - 1
        and "\\" not in line
        and "\n" not in line
        and "\r" not in line
    ):
        return line
    return "\t".join(_escape(v) for v in values)


_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
# NUL cannot be in PostgreSQL text at all; only our own error messages could hold one.
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\ufffd"}


def _escape(value: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], value)


def _json(value: list[str]) -> str:
    return json.dumps(value, ensure_ascii=False) if value else "[]"


@dataclass(slots=True)
class _Rows:
    """COPY text of one file, rendered on the parse thread; the main thread only adds what
    the database decides (ids, outcome). \x00 in `details` stands for "report id, tab,
    policy id" (no value can hold a NUL: the parser refuses them)."""

    raw: str  # public_id … report_index, then a tab and the body's escaped "\\x"
    body_hex: bytes  # the body in hex: one object shared by the rows of a body (_stage)
    report: str  # public_id … counted
    policies: list[tuple[str, str]]  # (policy columns after report_id, its details)


RAW_COLUMNS = (
    "public_id, address_id, source, content_type, headers, intake_warnings, attempts,"
    " dkim_result, dkim_domain, dkim_selector, dkim_detail, report_submitter, sha256, size,"
    " report_index, body, received_at, processed_at, parse_status, error, report_id"
)
REPORT_COLUMNS = (
    'id, public_id, address_id, organization_name, submitter, contact_info, report_id, start, "end",'
    " day, policy_domain, total_successful, total_failed, warnings, notes, counted, created,"
    " alerts_evaluated_at"
)
POLICY_COLUMNS = (
    "id, report_id, policy_type, policy_domain, policy_strings, mx_hosts, successful, failed,"
    " domain_from_address"
)
DETAIL_COLUMNS = (
    "report_id, policy_id, result_type, sending_mta_ip, receiving_mx_hostname,"
    " receiving_mx_helo, receiving_ip, failed_session_count, additional_information,"
    " failure_reason_code"
)


def _report_line(
    address: ReportAddress, p: ParsedReport, warning: str = "", submitter: str = ""
) -> str:
    """The report's COPY columns from public_id to counted (REPORT_COLUMNS), with `warning`
    after its own warnings when given, and `submitter` as its key when given."""
    fields = report_fields(address, p)
    warnings = [*fields["warnings"], warning] if warning else fields["warnings"]
    return _line(
        (str(uuid.uuid4()), str(address.pk), fields["organization_name"])
        + (submitter or fields["submitter"],)
        + (fields["contact_info"], p.report_id, p.start.isoformat(), p.end.isoformat())
        + (fields["day"].isoformat(), fields["policy_domain"])
        + (str(fields["total_successful"]), str(fields["total_failed"]))
        + (_json(warnings), _json(fields["notes"]))
        + ("t" if fields["counted"] else "f",)
    )


def _render(f: _File, content_type: str, body_hex: bytes) -> _Rows:
    raw = _line(
        (str(uuid.uuid4()), str(f.address.pk), RawReport.HTTPS, content_type)
        + (json.dumps(f.headers, ensure_ascii=False), "[]", "1")
        + ("", "", "", "", "", f.sha256, str(len(f.body)), str(f.index))
    )
    raw += "\t\\\\x"  # bytea in hex (body_hex follows), its backslash escaped for COPY
    p = f.parsed
    if p is None:
        return _Rows(raw, body_hex, "", [])
    report = _report_line(f.address, p)
    policies = []
    for policy in p.policies:
        columns = _line(
            (policy.policy_type, policy.policy_domain)
            + (_json(policy.policy_strings), _json(policy.mx_hosts))
            + (str(policy.successful), str(policy.failed))
            + ("t" if address_filled(p, policy) else "f",)
        )
        details = "".join(
            "\x00\t"
            + _line(
                (d.result_type, d.sending_mta_ip or "", d.receiving_mx_hostname or "")
                + (d.receiving_mx_helo or "", d.receiving_ip or "", str(d.failed_session_count))
                + (d.additional_information or "", d.failure_reason_code or "")
            )
            + "\n"
            for d in policy.failure_details
        )
        policies.append((columns, details))
    return _Rows(raw, body_hex, report, policies)


@dataclass(slots=True)
class _Batch:
    repeated: int  # reports of the bodies repeated within the batch (already stored)
    files: list[tuple[_File, _Rows]]


def _stage(chunk: list[_Item], max_bytes: int, content_type: str) -> _Batch:
    """Parse a batch and render its rows (no database: runs on the worker thread). Each row
    of a zip holding several reports holds the whole body: its hex is rendered once, shared
    by its rows, and written to COPY from there (_store_once), never joined into a line."""
    files, repeated = _parse(chunk, max_bytes)
    hexes: dict[tuple[int, str], bytes] = {}
    staged = []
    for f in files:
        key = (f.address.pk, f.sha256)
        if key not in hexes:
            hexes[key] = binascii.hexlify(f.body)
        staged.append((f, _render(f, content_type, hexes[key])))
    return _Batch(repeated, staged)


# Rows of the batch's bodies the addresses already have (each report of a zip is a row), and
# reports already stored. The keys go as one JSON text: psycopg renders a Python list of a
# thousand strings far more slowly.
KNOWN_BODIES = """
SELECT r.address_id, r.sha256, r.report_index FROM reports_rawreport r
JOIN jsonb_to_recordset(%s::jsonb) AS b(a bigint, s text)
    ON r.address_id = b.a AND r.sha256 = b.s
"""
STORED_REPORTS = """
SELECT t.address_id, t.submitter, t.report_id, t.id, t.start, t."end", t.day
FROM reports_tlsreport t
JOIN jsonb_to_recordset(%s::jsonb) AS k(a bigint, s text, r text)
    ON t.address_id = k.a AND t.submitter = k.s AND t.report_id = k.r
ORDER BY t.start, t.id
"""
# The batch's report identities locked as lock_identity locks one, in the array's order.
IDENTITY_LOCKS = """
SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest(%s::text[]) AS k
"""
# Stored reports the batch's raw rows will point at, locked as their foreign key locks them
# (KEY SHARE: parses wanting one FOR UPDATE wait; reads and other imports do not), in id order.
POINTED_AT = """
SELECT count(*) FROM (
    SELECT id FROM reports_tlsreport WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE
) AS locked
"""
# Ids for the new rows from the tables' own sequences, so rows go in by COPY.
NEW_IDS = """
SELECT
    array(SELECT nextval(pg_get_serial_sequence('reports_tlsreport', 'id'))
          FROM generate_series(1, %s)),
    array(SELECT nextval(pg_get_serial_sequence('reports_policyresult', 'id'))
          FROM generate_series(1, %s))
"""


def _stored_reports(cursor: CursorWrapper, identities: list[_Key]) -> _Groups:
    """The stored reports of `identities`, grouped (one query)."""
    wanted = [{"a": a, "s": s, "r": r} for a, s, r in identities]
    cursor.execute(STORED_REPORTS, [json.dumps(wanted)])
    groups: _Groups = {}
    for a, sub, r, pk, start, end, day in cursor.fetchall():
        groups.setdefault((a, sub, r), _Group()).add(_Report(start, end, day, pk=pk))
    return groups


def _store_batch(batch: _Batch, outcome: Counter[str]) -> None:
    """Store a rendered batch: two queries say what is new, COPY writes it. A concurrent
    writer (the live intake) that stores one of its bodies or reports first makes the
    batch fail on a unique constraint; it is then decided again, once it can see them. So
    does a deadlock PostgreSQL ends, should one remain: the one known (the key of another
    reporter or policy domain taken while a live parse held a report row the batch's copies
    point at, which their foreign key locks at the commit) is avoided by taking those rows
    first (_store_once's load, task s45d); lock_identity says when others could be."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                statuses, taken, named = _store_once(batch.files)
        except (IntegrityError, OperationalError) as e:
            if attempt == 2 or not (isinstance(e, IntegrityError) or _deadlock(e)):
                raise
            continue
        outcome.update(statuses)
        if batch.repeated:
            outcome["already stored"] += batch.repeated
        _judge_again(taken)
        _read_names(named, outcome)
        return


def _deadlock(e: OperationalError) -> bool:
    return getattr(e.__cause__, "sqlstate", None) == "40P01"


def _store_once(
    staged: list[tuple[_File, _Rows]],
) -> tuple[list[str], set[int], list[_File]]:
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        bodies = [{"a": a, "s": s} for a, s in {(f.address.pk, f.sha256) for f, _ in staged}]
        cursor.execute(KNOWN_BODIES, [json.dumps(bodies)])
        known = set(cursor.fetchall())
        keys = {id(f): _key(f) for f, _ in staged if f.parsed is not None and _row(f) not in known}
        identities = sorted(set(keys.values()))
        # Held until the batch commits, as the live parse holds one (lock_identity), before
        # the look: a parse storing a report of one of these identities at the same instant
        # is waited for and its report found, or waits and finds the batch's (s37c; the
        # unique index alone tells only the same day apart). Taken first in the transaction,
        # in one order, so two imports wait for each other rather than deadlock.
        cursor.execute(IDENTITY_LOCKS, [[identity_lock_key(*k) for k in identities]])
        groups = _stored_reports(cursor, identities)
        stored = [r.pk for group in groups.values() for r in group if r.pk]
        copies = _stored_copies(stored)
        policies = _stored_policies(stored)

        def load(more: list[_Key], pointed_at: set[int]) -> None:
            # Another reporter's or policy domain's reports under their own key (_match_all):
            # locked as the batch's are, after them (as the parse task locks such a key after
            # the report it found). Before those keys, the rows of the stored reports the
            # batch's copies point at, which their foreign key locks at the commit anyway:
            # the parse task holds such a row (lock_report) when it asks for such a key, so
            # taken after the key they deadlocked with it (task s45d).
            if pointed_at:
                cursor.execute(POINTED_AT, [sorted(pointed_at)])
            cursor.execute(IDENTITY_LOCKS, [[identity_lock_key(*k) for k in more]])
            found = _stored_reports(cursor, more)
            groups.update(found)
            pks = [r.pk for group in found.values() for r in group if r.pk]
            copies.update(_stored_copies(pks))
            policies.update(_stored_policies(pks))

        # Which report each file is: a copy of one stored or carried earlier in the batch,
        # or the first file of a report not stored yet, which carries it.
        report_of = _match_all((f for f, _ in staged), keys, groups, policies, copies, load)
        new: list[tuple[_File, _Rows, _Report]] = []
        for f, rows in staged:
            if id(f) in report_of and report_of[id(f)][1]:
                found = report_of[id(f)][0]
                if found.replaces:
                    # Rare (a stored report without policies): rewritten by the ORM.
                    _take_place(f, found, copies, timezone.now())
                else:
                    new.append((f, rows, found))
        cursor.execute(NEW_IDS, [len(new), sum(len(rows.policies) for _, rows, _ in new)])
        report_ids, policy_ids = cursor.fetchone()
        reports, policies, details = [], [], []
        next_policy = iter(policy_ids)
        for (f, rows, found), report_id in zip(new, report_ids, strict=True):
            found.pk = report_id
            line = rows.report
            if found.reused or found.submitter:
                # Rare (a report-id reused for another day, or for another policy domain's
                # report): rendered again with its key and warnings.
                assert f.parsed is not None
                line = _report_line(
                    f.address, _as_stored(f.parsed, found), found.reused, found.submitter
                )
            # created, and alerts evaluated ("not to alert": an import is history)
            reports.append(f"{report_id}\t{line}\t{now}\t{now}\n")
            for columns, block in rows.policies:
                policy_id = next(next_policy)
                policies.append(f"{policy_id}\t{report_id}\t{columns}\n")
                if block:
                    details.append(block.replace("\x00", f"{report_id}\t{policy_id}"))
        # Each raw row as its pieces: the body's hex between them is shared, not copied.
        raws: list[tuple[str, bytes, str]] = []
        statuses = []
        for f, rows in staged:
            if _row(f) in known:
                statuses.append("already stored")
                continue
            if id(f) not in report_of:
                status, error, report = f.status, _escape(f.error), "\\N"
            else:
                assert f.parsed is not None
                found, carries = report_of[id(f)]
                if carries:
                    status, error = RawReport.PARSED, ""
                else:
                    status, error = _copy_outcome(f.parsed, found, copies)
                    error = _escape(error)
                report = str(found.pk)
            statuses.append(status)
            raws.append((rows.raw, rows.body_hex, f"\t{now}\t{now}\t{status}\t{error}\t{report}\n"))
        pg = cursor.cursor  # psycopg's own cursor, for COPY
        for table, columns, text in [
            ("reports_tlsreport", REPORT_COLUMNS, reports),
            ("reports_policyresult", POLICY_COLUMNS, policies),
            ("reports_failuredetail", DETAIL_COLUMNS, details),
        ]:
            if text:
                # Django's wrapper, so a unique violation is an IntegrityError here too.
                with (
                    connection.wrap_database_errors,
                    pg.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    copy.write("".join(text))
        if raws:
            with (
                connection.wrap_database_errors,
                pg.copy(f"COPY reports_rawreport ({RAW_COLUMNS}) FROM STDIN") as copy,
            ):
                # Piece by piece (psycopg buffers them): a body's hex goes as it is, once per
                # row, never copied into a line or a batch-wide text.
                for head, body_hex, tail in raws:
                    copy.write(head)
                    copy.write(body_hex)
                    copy.write(tail)
    return statuses, _taken(report_of), _known_named([f for f, _ in staged], known)


def _key(f: _File) -> tuple[int, str, str]:
    """A report's identity (RFC 8460 §4.4: report-id is unique per submitter), per address."""
    assert f.parsed is not None
    return (f.address.pk, f.parsed.organization_name.casefold(), f.parsed.report_id)


def _row(f: _File) -> tuple[int, str, int]:
    """A raw report's identity (rawreport_unique_body): a body and which report of it."""
    return (f.address.pk, f.sha256, f.index)


# --- Reports of a stored body that have no raw report of their own ---------------------------


# What the parse of a zip read whole said before the intakes split archives (reports.parse
# _unzip, and its older wording): a row whose report still says it was not read again since.
_ONLY_THE_FIRST = re.compile(r"zip archive holds \d+ (?:files|reports); only the first")


@dataclass
class Split:
    """What split_stored did with one stored body (HTTPS body or message)."""

    raw: RawReport  # the body's row that was looked at
    reports: int  # the reports the body holds: the raw reports it should have
    had: list[RawReport] = field(default_factory=list)  # its rows before, by report_index
    added: list[RawReport] = field(default_factory=list)  # rows stored now, pending a parse
    refused: str = ""  # why its missing reports were not stored ("" when they were, or none)
    # The body was imported by ingest_files (its report marked evaluated then, as an import
    # raises no alerts): the reports added now are history too.
    imported: bool = False
    # Rows of `had` an earlier run left unfinished (a run stopped between storing a split's
    # rows and parsing them, or before it read the first row again): rows never parsed (or
    # not reached by the workers yet), and parsed rows whose report still says only the
    # zip's first report was read. As they were when looked at (a parse changes the rows).
    pending: list[RawReport] = field(default_factory=list)
    stale: list[RawReport] = field(default_factory=list)

    @property
    def unfinished(self) -> bool:
        """Rows to parse though no report is missing: an earlier split did not finish."""
        return bool(self.pending or self.stale)


def split_stored(raw: RawReport) -> Split | None:
    """Store, as raw reports of their own, the reports a stored body holds that have no row:
    the further report files of a zip read as one report before the intakes split archives
    (and the further reports of a message stored before each was a row). Each new row holds
    the same bytes (same sha256, the next report_index, the time it was received), so it is
    the row the intake stores for that report today, and a resend or a second run finds it:
    nothing is stored twice, and no stored row or byte is changed. The intake's limits apply
    (too_many_copies); the daily quota does not (the bytes were accepted then).

    An e-mail row keeps the DKIM outcome recorded when the message came (keys rotate since):
    the outcome of a row read from the same part, or for a report that is not in a forwarded
    message, of a row whose report is not either (the message's own signature vouches for
    both); else the parse verifies it. None for a body holding one report (or none).

    The rows stored before are returned too (`had`), with those an earlier run left
    unfinished (Split.pending, Split.stale), for the caller to parse."""
    body = bytes(raw.body)
    entries: list[MailReport] | None = None
    if raw.source == RawReport.HTTPS:
        if sniff(body) != "zip":
            return None
        count = len(reports_in(body))
        cap, setting, kind = conf.max_body_bytes(), "TLSRPT_MAX_BODY_BYTES", "body"
    else:
        try:
            # Every report this release counts: the intake's limit is judged below, as
            # too_many_copies, so a message over it is said, not passed over.
            entries = extract_reports(body)
        except ReportRejected:
            return None
        count = len(entries)
        cap, setting, kind = conf.max_message_bytes(), "TLSRPT_MAX_MESSAGE_BYTES", "message"
    if count <= 1:
        return None
    same = RawReport.objects.filter(address_id=raw.address_id, sha256=raw.sha256)
    rows = same.defer("body").select_related("report").order_by("report_index")
    have = {r.report_index: r for r in rows}
    had = list(have.values())
    split = Split(
        raw,
        count,
        had=had,
        imported=_imported(had),
        pending=[r for r in had if r.parse_status == RawReport.PENDING],
        stale=[r for r in had if r.parse_status != RawReport.PENDING and _only_the_first(r)],
    )
    missing = [i for i in range(count) if i not in have]
    if not missing:
        return split
    if problem := too_many_copies(count, len(body), cap, setting):
        split.refused = f"{kind} {problem}"
        return split
    for index in missing:
        row = RawReport(
            address_id=raw.address_id,
            source=raw.source,
            body=body,
            sha256=raw.sha256,
            size=len(body),
            content_type=raw.content_type,
            headers=raw.headers,
            intake_warnings=raw.intake_warnings,
            received_at=raw.received_at,
            report_index=index,
        )
        if entries is not None and (alike := _signed_alike(entries, index, have)):
            for name in _DKIM_FIELDS:
                setattr(row, name, getattr(alike, name))
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue  # the intake stored it meanwhile (a resend): it is there, once
        split.added.append(row)
    return split


def _only_the_first(raw: RawReport) -> bool:
    """Whether a row's report still says only the first report of its zip was read."""
    return raw.report is not None and any(_ONLY_THE_FIRST.match(w) for w in raw.report.warnings)


def _imported(rows: Iterable[RawReport]) -> bool:
    """Whether rows of a body are ingest_files' (ingest_many): an import stores a row, parses
    it and marks its report evaluated in one instant (`now`), which no intake does (it parses
    later, and the alert task marks later still). Either trace is enough: a reparse moves
    processed_at, and a report whose alerts were evaluated again moves its mark."""
    for r in rows:
        if r.source != RawReport.HTTPS:
            continue
        if r.processed_at is not None and r.processed_at == r.received_at:
            return True
        report = r.report
        if report is not None and report.alerts_evaluated_at == report.created:
            return True
    return False


_DKIM_FIELDS = (
    "dkim_result",
    "dkim_domain",
    "dkim_selector",
    "dkim_key_tlsrpt",
    "dkim_length_tag",
    "dkim_detail",
)


def _signed_alike(
    entries: list[MailReport], index: int, have: dict[int, RawReport]
) -> RawReport | None:
    """A stored row of the message whose recorded DKIM outcome is the one of its report at
    `index` (see split_stored), or None."""
    known = [
        (n, r)
        for n, r in have.items()
        if n < len(entries) and r.dkim_result and r.dkim_result != "temperror"
    ]
    mine = entries[index]
    for n, r in known:
        # The same part (a part's bytes are found once): the same message vouches for it.
        if entries[n].payload == mine.payload:
            return r
    if not mine.forwarded:
        for n, r in known:
            if not entries[n].forwarded:
                return r
    return None
