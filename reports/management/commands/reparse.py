"""manage.py reparse: run parsing again on stored raw reports (after a parser fix), and store
the reports of a stored body that have no raw report of their own (--split-zips)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.ingest import Split, split_stored
from reports.models import RawReport

# Bodies read at once by --split-zips (each is read whole: a zip or a message), and a cap on
# their bytes: messages may be megabytes each.
SPLIT_CHUNK = 200
SPLIT_CHUNK_BYTES = 32 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Parse stored raw TLS reports again: --all-failed (rejected + error), --pending, or --id;"
        " --split-zips stores the further reports of a zip stored as one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all-failed", action="store_true", help="every rejected or error row")
        parser.add_argument("--pending", action="store_true", help="every row still pending")
        parser.add_argument(
            "--id", action="append", default=[], metavar="UUID", help="a raw report (repeatable)"
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

    def handle(self, *args: Any, **options: Any) -> None:
        selected = options["all_failed"] or options["pending"] or options["id"]
        if not (selected or options["split_zips"]):
            raise CommandError(
                "say which reports: --all-failed, --pending or --id UUID (or --split-zips)"
            )
        if selected:
            self._reparse(options)
        if options["split_zips"]:
            self._split(options)

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
        # One row per body (its report 0), listed first and read in chunks: the rows this
        # stores are never among those still to read, and memory holds a chunk of bodies.
        bodies = RawReport.objects.filter(report_index=0).order_by("received_at", "pk")
        split, refused, complete, failed = 0, 0, 0, 0
        added: Counter[str] = Counter()
        for pks in _chunks(list(bodies.values_list("pk", "size"))):
            for raw in RawReport.objects.filter(pk__in=pks).order_by("received_at", "pk"):
                try:
                    outcome = split_stored(raw)
                except Exception as e:
                    # One body the database refuses must not stop the rest of the run.
                    self.stderr.write(f"{raw.public_id}: could not be split: {e}")
                    failed += 1
                    continue
                if outcome is None:
                    continue
                if outcome.refused:
                    refused += 1
                    self.stdout.write(f"{raw.public_id}: {outcome.refused}; not split")
                elif not outcome.added:
                    complete += 1
                    if options["verbosity"] >= 2:
                        self.stdout.write(
                            f"{raw.public_id}: {outcome.reports} reports, each stored already"
                        )
                else:
                    split += 1
                    statuses = self._parse_split(outcome, options["queue"])
                    added.update(statuses)
        parts = []
        if split:
            parts.append(
                f"{_count(split, 'body', 'bodies')} split, "
                f"{_count(sum(added.values()), 'raw report')} added ("
                + ", ".join(f"{n} {s}" for s, n in sorted(added.items()))
                + ")"
            )
        if refused:
            parts.append(f"{_count(refused, 'body', 'bodies')} not split (over the limits, listed)")
        if complete:
            parts.append(f"{_count(complete, 'body', 'bodies')} split already")
        if failed:
            parts.append(f"{_count(failed, 'body', 'bodies')} failed (listed)")
        self.stdout.write("split-zips: " + (", ".join(parts) or "nothing to split"))

    def _parse_split(self, outcome: Split, queue: bool) -> list[str]:
        """Parse a split body's rows and say what happened: the rows stored before are read
        again first (they read the same report, now without the warning that only the first
        was read), then the new ones; the statuses of the new ones."""
        again = [
            f"report {r.report_index + 1}: {self._parse(r, queue, force=True)}" for r in outcome.had
        ]
        statuses = [self._parse(r, queue, force=False) for r in outcome.added]
        kind = "message" if outcome.raw.source == RawReport.EMAIL else "zip"
        added = ", ".join(
            f"report {r.report_index + 1} as {r.public_id}: {status}"
            + (f" ({r.error})" if r.error and status != "queued" else "")
            for r, status in zip(outcome.added, statuses, strict=True)
        )
        self.stdout.write(
            f"{outcome.raw.public_id}: {kind} of {outcome.reports} reports stored as "
            f"{len(outcome.had)}; added {added}; read again {', '.join(again)}"
        )
        return statuses


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


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
