"""manage.py reparse: run parsing again on stored raw reports (after a parser fix), store
the reports of a stored body that have no raw report of their own (--split-zips), read
again the reports stored whole although they cover another domain too (--mixed-domains),
read again, in bulk, reports parsed already (--parsed with --since and/or --with-warning),
so a parser fix reaches what was stored before it, and count the copies stored as
duplicates that are a report-id reused for another day (--reused-ids)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import BinaryField, Count, F, Q, Value
from django.db.models.functions import Substr
from django.utils import dateparse, timezone

from reports.ingest import Split, split_stored
from reports.models import PolicyResult, RawReport, TlsReport, counted_copy, policy_owners
from reports.parse import ZIP_MAGIC
from reports.parse import PolicyResult as ParsedPolicy

# Rows --split-zips lists at once (ids and sizes, by id); bodies it reads at once (each is
# read whole: a zip or a message), and a cap on their bytes: messages may be megabytes each.
SPLIT_PAGE = 200
SPLIT_CHUNK = 200
SPLIT_CHUNK_BYTES = 32 * 1024 * 1024
# Outcomes of a row's parse that fail --split-zips: the parse raised (the database refused
# it, "failed"), or ended as an error of ours; a rejected report is the report's outcome.
_NOT_PARSED = ("failed", RawReport.ERROR)
# Stored reports --mixed-domains looks at a page (by id); their policy rows are counted by
# the database, and read only for a report whose rows name more than one policy domain.
MIXED_PAGE = 1000
# Parsed rows --parsed lists at once (ids, and with --with-warning their report's warnings),
# by id; each is then read and parsed on its own, its body with it.
PARSED_PAGE = 500


class Command(BaseCommand):
    help = (
        "Parse stored raw TLS reports again: --all-failed (rejected + error), --pending, or --id;"
        " --parsed with --since DATE and/or --with-warning TEXT reads again reports parsed"
        " already (after a parser fix); --split-zips stores the further reports of a zip stored"
        " as one; --mixed-domains reads again the reports stored with another domain's"
        " policies; --reused-ids counts the copies that are a report-id reused for another day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all-failed", action="store_true", help="every rejected or error row")
        parser.add_argument("--pending", action="store_true", help="every row still pending")
        parser.add_argument(
            "--id", action="append", default=[], metavar="UUID", help="a raw report (repeatable)"
        )
        parser.add_argument(
            "--parsed",
            action="store_true",
            help="read again the reports parsed already (the copy counted of each), after a "
            "parser fix; needs --since and/or --with-warning to say which. The report, its "
            "policies and failure details are replaced in place (never added twice), its other "
            "copies judged again, and alerts are sent only for what the new reading tells that "
            "the old one did not; running it again changes nothing",
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="with --parsed: only raw reports received since DATE (YYYY-MM-DD, UTC "
            "midnight, or an ISO 8601 time)",
        )
        parser.add_argument(
            "--with-warning",
            metavar="TEXT",
            help="with --parsed: only reports with a warning containing TEXT (any case), e.g. "
            "'not a valid host name'",
        )
        parser.add_argument(
            "--limit",
            type=int,
            metavar="N",
            help="with --parsed: read at most N reports, the oldest first (a try on a few "
            "before the whole run); with --with-warning, the reports read lose the warning "
            "when the fix applies, so the next run goes on with the others",
        )
        parser.add_argument(
            "--queue", action="store_true", help="send tasks to the workers instead of parsing here"
        )
        parser.add_argument(
            "--recheck-dkim",
            action="store_true",
            help="verify e-mail reports' DKIM signatures again (after a fix, or a key published "
            "late); otherwise the first outcome stands, since keys rotate",
        )
        parser.add_argument(
            "--split-zips",
            action="store_true",
            help="read every stored body; where a zip of several reports (or a message of "
            "several) was stored as fewer raw reports than it holds, store each missing report "
            "as a raw report of its own (same bytes) and parse it; one line per body; running "
            "it again adds nothing",
        )
        parser.add_argument(
            "--mixed-domains",
            action="store_true",
            help="read again every stored report whose policies are about the address's domain "
            "and another domain too (stored whole before s21r: the other's sessions counted as "
            "the domain's, or the domain's left out): its counted copy is parsed again, which "
            "keeps the address's part, then its other copies are judged against it; running it "
            "again changes nothing",
        )

        parser.add_argument(
            "--reused-ids",
            action="store_true",
            help="read again every copy stored as a duplicate or set aside (after s35i): one "
            "whose report-id its sender used for a report of another day, and whose date-range "
            "does not overlap that report's, becomes a report of its own and is counted (it was "
            "taken for a copy before); the others stay as they are; running it again changes "
            "nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        selected = options["all_failed"] or options["pending"] or options["id"]
        parsed = options["parsed"]
        others = options["split_zips"] or options["mixed_domains"] or options["reused_ids"]
        if not (selected or parsed or others):
            raise CommandError(
                "say which reports: --all-failed, --pending or --id UUID (or --parsed, "
                "--split-zips, --mixed-domains, --reused-ids)"
            )
        bounds = options["since"] or options["with_warning"]
        if parsed and not bounds:
            raise CommandError(
                "--parsed reads again reports parsed already: say which with --since DATE "
                "and/or --with-warning TEXT"
            )
        if not parsed and (bounds or options["limit"] is not None):
            raise CommandError("--since, --with-warning and --limit go with --parsed")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be 1 or more")
        if selected:
            self._reparse(options)
        if parsed:
            self._parsed(options)
        if options["split_zips"]:
            self._split(options)
        if options["mixed_domains"]:
            self._mixed(options)
        if options["reused_ids"]:
            self._reused(options)

    def _reused(self, options: dict[str, Any]) -> None:
        """Parse again every copy stored as `duplicate` or `superseded`, a page of ids at a
        time: a copy of another day whose range does not overlap its report's (a report-id
        its sender reused) is a report of its own since s35i (reports.models.same_report),
        stored and counted now; a copy of its report's day or range stays one. Every such
        copy is read, not only those whose reason names another range: a copy stored before
        s33r does not say it. A copy ingest_files imported is parsed here even with --queue,
        its new report marked evaluated: an import raises no alerts for history."""
        counts: Counter[str] = Counter()
        for pk in _copy_rows():
            raw = RawReport.objects.defer("body").filter(pk=pk).first()
            if raw is None or raw.parse_status not in _COPIES:
                continue  # gone, or parsed meanwhile (a copy taking over its report)
            if raw.source == RawReport.HTTPS and raw.processed_at == raw.received_at:
                # Imported by ingest_files (stored and parsed in one instant): a report it
                # becomes is history, marked evaluated as the import marks its reports.
                status = self._parse_imported(raw, False, force=True)
            else:
                status = self._parse(raw, options["queue"], force=True)
            counts[status] += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{raw.public_id}: {status} {raw.error}".rstrip())
        if counts:
            total = sum(counts.values())
            said = f"{_count(total, 'copy', 'copies')} read again ({_statuses(counts)})"
        else:
            said = "no copy stored as a duplicate or set aside"
        self.stdout.write("reused-ids: " + said)

    def _reparse(self, options: dict[str, Any]) -> None:
        rows = RawReport.objects.none()
        if options["all_failed"]:
            rows |= RawReport.objects.filter(parse_status__in=[RawReport.REJECTED, RawReport.ERROR])
        if options["pending"]:
            rows |= RawReport.objects.filter(parse_status=RawReport.PENDING)
        if options["id"]:
            try:
                rows |= RawReport.objects.filter(public_id__in=options["id"])
            except Exception as e:
                raise CommandError(f"bad --id: {e}") from None
        counts: dict[str, int] = {}
        if options["recheck_dkim"]:
            rows.filter(source=RawReport.EMAIL).update(dkim_result="")
        for raw in rows.defer("body").order_by("received_at").iterator():
            status = self._parse(raw, options["queue"], force=True)
            counts[status] = counts.get(status, 0) + 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{raw.public_id}: {status} {raw.error}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to do"
        self.stdout.write(summary)

    def _parsed(self, options: dict[str, Any]) -> None:
        """Parse again the copy counted of each stored report (parse_status parsed) received
        since --since and/or with a warning containing --with-warning, a page of ids at a
        time (_parsed_rows), each row read and parsed on its own. RawReport.process(force)
        replaces the report in place with what the parser reads now, judges its other
        copies again when the figures changed, and queues its alerts only when the new
        reading tells something the old one did not (AlertFacts.tells_more)."""
        since = _since(options["since"]) if options["since"] else None
        counts: Counter[str] = Counter()
        for pk in _parsed_rows(since, options["with_warning"] or "", options["limit"]):
            raw = RawReport.objects.defer("body").filter(pk=pk).first()
            if raw is None:
                continue  # deleted meanwhile (its address went)
            status = self._parse(raw, options["queue"], force=True)
            counts[status] += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{raw.public_id}: {status} {raw.error}".rstrip())
        if counts:
            said = f"{_count(sum(counts.values()), 'report')} read again ({_statuses(counts)})"
            if sum(counts.values()) == options["limit"]:
                said += f"; stopped at --limit {options['limit']}"
        else:
            said = "no parsed report matches"
        self.stdout.write("parsed: " + said)

    def _mixed(self, options: dict[str, Any]) -> None:
        """Parse again the counted copy of each stored report that is about the address's
        domain and another domain too (policy_owners, on its stored policy rows): parsing
        keeps the address's part now (keep_own_policies), and the report's duplicates and
        copies set aside are judged again against it (RawReport.process). A report stored
        since keeps only its own policies, so is not read again."""
        counts: Counter[str] = Counter()
        for report in _mixed_reports():
            raw = counted_copy(report)
            if raw is None:
                status = "no copy counted"  # still pending: its parse does this
            else:
                status = self._parse(raw, options["queue"], force=True)
            counts[status] += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{report.public_id} ({report.report_id}): {status}")
        if counts:
            said = f"{_count(sum(counts.values()), 'report')} read again ({_statuses(counts)})"
        else:
            said = "no report covers another domain too"
        self.stdout.write("mixed-domains: " + said)

    def _parse(self, raw: RawReport, queue: bool, *, force: bool) -> str:
        """Parse one row here (its new status) or send it to the workers ("queued")."""
        if queue:
            from reports.tasks import parse_raw_report

            parse_raw_report.delay(raw.pk, force)
            return "queued"
        try:
            return raw.process(force=force)
        except Exception as e:
            # One row the database refuses must not stop the rest of the run.
            self.stderr.write(f"{raw.public_id}: could not be reparsed: {e}")
            return "failed"

    def _split(self, options: dict[str, Any]) -> None:
        split, finished, complete, refused, failed, stale = 0, 0, 0, 0, 0, 0
        # Rows of split bodies whose parse failed (raised) or ended as an error of ours.
        self._failed_rows: list[tuple[RawReport, str]] = []
        added: Counter[str] = Counter()
        pending: Counter[str] = Counter()
        for pks in _candidates():
            for raw in RawReport.objects.filter(pk__in=pks).order_by("pk"):
                try:
                    outcome = split_stored(raw)
                    if outcome is None:
                        continue
                    if outcome.refused:
                        refused += 1
                        self.stdout.write(f"{raw.public_id}: {outcome.refused}; not split")
                        continue
                    if not outcome.added and not outcome.unfinished:
                        complete += 1
                        if options["verbosity"] >= 2:
                            self.stdout.write(
                                f"{raw.public_id}: {outcome.reports} reports, each stored already"
                            )
                        continue
                    new, finishing = self._parse_split(outcome, options["queue"])
                except Exception as e:
                    # One body the database refuses must not stop the rest of the run.
                    self.stderr.write(f"{raw.public_id}: could not be split: {e}")
                    failed += 1
                    continue
                added.update(new)
                pending.update(finishing)
                if outcome.added:
                    split += 1
                else:
                    finished += 1
                    stale += len(outcome.stale)
        parts = []
        if split:
            parts.append(
                f"{_count(split, 'body', 'bodies')} split, "
                f"{_count(sum(added.values()), 'raw report')} added ({_statuses(added)})"
            )
        if finished:
            parts.append(f"{_count(finished, 'body', 'bodies')} finished")
        if pending:
            parts.append(
                f"{_count(sum(pending.values()), 'pending raw report')} parsed "
                f"({_statuses(pending)})"
            )
        if stale:
            parts.append(f"{_count(stale, 'stale raw report')} read again")
        if refused:
            parts.append(f"{_count(refused, 'body', 'bodies')} not split (over the limits, listed)")
        if complete:
            parts.append(f"{_count(complete, 'body', 'bodies')} split already")
        if failed:
            parts.append(f"{_count(failed, 'body', 'bodies')} failed (listed)")
        rows = self._failed_rows
        if rows:
            parts.append(f"{_count(len(rows), 'raw report')} not parsed (listed)")
        self.stdout.write("split-zips: " + (", ".join(parts) or "nothing to split"))
        for raw, status in rows:
            why = raw.error if status == RawReport.ERROR else "the parse raised, see above"
            self.stderr.write(
                f"{raw.public_id}: report {raw.report_index + 1} of a split body ended {status} "
                f"({why}); once fixed, run reparse --id {raw.public_id}"
            )
        if refused or failed or rows:
            # As ingest_files: a run that left reports behind must not look like a success
            # to a script or an upgrade checklist.
            said = []
            if refused or failed:
                n = refused + failed
                said.append(
                    f"{_count(n, 'body', 'bodies')} {'was' if n == 1 else 'were'} not split"
                )
            if rows:
                said.append(
                    f"{_count(len(rows), 'raw report')} {'was' if len(rows) == 1 else 'were'} "
                    f"not parsed: {' '.join(str(r.public_id) for r, _ in rows)}"
                )
            raise CommandError("; ".join(said) + " (listed above)")

    def _parse_split(self, outcome: Split, queue: bool) -> tuple[list[str], list[str]]:
        """Parse a split body's rows and say what happened; the statuses of the rows added
        and of the pending rows stored before. New rows are parsed (or queued); so are rows
        an earlier run stored and did not parse (Split.pending). The rows stored before are
        read again: all of them when reports were added (they read the same report, now
        without the warning that only the first was read), else those that still say so
        (Split.stale: a run stopped before it read them again).

        An imported body's new reports are parsed here even with --queue, each marked
        evaluated with it (_parse_imported): an import raised no alerts for this history."""
        if outcome.imported:
            queue = False
        if outcome.added:
            again_rows = [r for r in outcome.had if r.parse_status != RawReport.PENDING]
        else:
            again_rows = outcome.stale
        again_statuses = [self._parse(r, queue, force=True) for r in again_rows]
        again = [
            f"report {r.report_index + 1}: {status}"
            for r, status in zip(again_rows, again_statuses, strict=True)
        ]
        parse = self._parse_imported if outcome.imported else self._parse
        pending = [parse(r, queue, force=False) for r in outcome.pending]
        statuses = [parse(r, queue, force=False) for r in outcome.added]
        for rows, said in (
            (again_rows, again_statuses),
            (outcome.pending, pending),
            (outcome.added, statuses),
        ):
            self._failed_rows += [
                (r, status) for r, status in zip(rows, said, strict=True) if status in _NOT_PARSED
            ]
        kind = "message" if outcome.raw.source == RawReport.EMAIL else "zip"
        line = f"{outcome.raw.public_id}: {kind} of {outcome.reports} reports stored as "
        line += str(len(outcome.had))
        if outcome.added:
            line += f"; added {_rows(outcome.added, statuses)}"
        if outcome.pending:
            line += f"; parsed the pending {_rows(outcome.pending, pending)}"
        if again:
            line += f"; read again {', '.join(again)}"
        if outcome.imported and (outcome.added or outcome.pending):
            line += "; imported: its new reports raise no alerts, as the import raised none"
        self.stdout.write(line)
        return statuses, pending

    def _parse_imported(self, raw: RawReport, queue: bool, *, force: bool) -> str:
        """Parse a row of an imported body here, and mark the report it creates evaluated in
        the same transaction, as ingest_many marks its reports: the alert task the parse
        queues on commit then finds it evaluated (marked after the commit, a worker could
        evaluate it first and alert on history)."""
        since = timezone.now()
        with transaction.atomic():
            status = self._parse(raw, False, force=force)
            if status == RawReport.PARSED:
                TlsReport.objects.filter(
                    pk=raw.report_id, created__gte=since, alerts_evaluated_at=None
                ).update(alerts_evaluated_at=F("created"))
        return status


def _candidates() -> Iterator[list[int]]:
    """The ids of the rows --split-zips reads, in chunks of at most SPLIT_CHUNK rows and,
    unless one row is bigger, SPLIT_CHUNK_BYTES: each body's report 0 row that can hold
    several reports, an HTTPS body that is a zip (its first 4 bytes, read by the database)
    or a message. Listed a page at a time by id, so a table of millions of rows is never
    listed at once and its bodies that hold one report are never read; the rows a split
    stores are not report 0 rows, so never among those still to read."""
    zip_head = Value(ZIP_MAGIC, output_field=BinaryField())
    rows = (
        RawReport.objects.filter(report_index=0)
        .annotate(head=Substr("body", 1, len(ZIP_MAGIC), output_field=BinaryField()))
        .filter(Q(source=RawReport.EMAIL) | Q(source=RawReport.HTTPS, head=zip_head))
        .order_by("pk")
    )
    last = 0
    while page := list(rows.filter(pk__gt=last).values_list("pk", "size")[:SPLIT_PAGE]):
        last = page[-1][0]
        yield from _chunks(page)


_COPIES = (RawReport.DUPLICATE, RawReport.SUPERSEDED)


def _copy_rows() -> Iterator[int]:
    """The ids of the copies --reused-ids reads (duplicate or superseded), in id order,
    PARSED_PAGE at a time."""
    rows = RawReport.objects.filter(parse_status__in=_COPIES).order_by("pk")
    last = 0
    while page := list(rows.filter(pk__gt=last).values_list("pk", flat=True)[:PARSED_PAGE]):
        last = page[-1]
        yield from page


def _since(text: str) -> datetime:
    """--since: a date (midnight UTC) or an ISO 8601 time (UTC unless it says its zone)."""
    try:
        at = dateparse.parse_datetime(text)
        if at is None and (day := dateparse.parse_date(text)) is not None:
            at = datetime.combine(day, time(0), tzinfo=UTC)
    except ValueError:
        at = None
    if at is None:
        raise CommandError(f"bad --since {text!r}: give a date (2026-12-01) or an ISO 8601 time")
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _parsed_rows(since: datetime | None, warning: str, limit: int | None) -> Iterator[int]:
    """The ids of the raw reports --parsed reads again: parsed (the copy counted of a stored
    report), received since `since`, whose report has a warning containing `warning` (any
    case), in id order, at most `limit`. Listed PARSED_PAGE ids at a time, so a table of
    millions of rows is never listed at once; the warnings are matched here, a page's at a
    time (a JSON list, matched alike on SQLite and PostgreSQL)."""
    rows = RawReport.objects.filter(parse_status=RawReport.PARSED, report__isnull=False)
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    rows = rows.order_by("pk")
    wanted = warning.casefold()
    last, left = 0, limit
    while page := list(
        rows.filter(pk__gt=last).values_list("pk", "report__warnings")[:PARSED_PAGE]
    ):
        last = page[-1][0]
        for pk, warnings in page:
            if wanted and not any(wanted in str(w).casefold() for w in warnings or []):
                continue
            yield pk
            if left is not None:
                left -= 1
                if left == 0:
                    return


def _mixed_reports() -> Iterator[TlsReport]:
    """The stored reports whose policy rows are about the address's domain and another
    domain too (policy_owners: one of each), in id order. A page of report ids at a time;
    the database names those of a page whose rows hold more than one policy domain, and
    only their rows are read."""
    last = 0
    ids = TlsReport.objects.order_by("pk").values_list("pk", flat=True)
    while page := list(ids.filter(pk__gt=last)[:MIXED_PAGE]):
        last = page[-1]
        several = (
            PolicyResult.objects.filter(report_id__in=page)
            .order_by()
            .values("report_id")
            .annotate(domains=Count("policy_domain", distinct=True))
            .filter(domains__gt=1)
            .values_list("report_id", flat=True)
        )
        found = TlsReport.objects.filter(pk__in=list(several)).order_by("pk")
        for report in found.select_related("address"):
            rows = report.policies.order_by("pk").values_list(
                "policy_type", "policy_domain", "mx_hosts"
            )
            policies = [ParsedPolicy(t, d, [], mx or [], 0, 0) for t, d, mx in rows.iterator()]
            owners = policy_owners(policies, report.address.domain_name)
            if True in owners and False in owners:
                yield report


def _chunks(rows: list[tuple[int, int]]) -> list[list[int]]:
    """The ids of (id, size) rows in chunks of at most SPLIT_CHUNK rows and, unless one row
    is bigger, SPLIT_CHUNK_BYTES."""
    chunks: list[list[int]] = []
    chunk: list[int] = []
    total = 0
    for pk, size in rows:
        if chunk and (len(chunk) >= SPLIT_CHUNK or total + size > SPLIT_CHUNK_BYTES):
            chunks.append(chunk)
            chunk, total = [], 0
        chunk.append(pk)
        total += size
    if chunk:
        chunks.append(chunk)
    return chunks


def _rows(rows: list[RawReport], statuses: list[str]) -> str:
    return ", ".join(
        f"report {r.report_index + 1} as {r.public_id}: {status}"
        + (f" ({r.error})" if r.error and status != "queued" else "")
        for r, status in zip(rows, statuses, strict=True)
    )


def _statuses(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
