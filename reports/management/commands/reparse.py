"""manage.py reparse: run parsing again on stored raw reports (after a parser fix)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.models import RawReport


class Command(BaseCommand):
    help = (
        "Parse stored raw TLS reports again: --all-failed (rejected + error), --pending, or --id."
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

    def handle(self, *args: Any, **options: Any) -> None:
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
        if not (options["all_failed"] or options["pending"] or options["id"]):
            raise CommandError("say which reports: --all-failed, --pending or --id UUID")
        counts: dict[str, int] = {}
        if options["recheck_dkim"]:
            rows.filter(source=RawReport.EMAIL).update(dkim_result="")
        for raw in rows.defer("body").order_by("received_at").iterator():
            if options["queue"]:
                from reports.tasks import parse_raw_report

                parse_raw_report.delay(raw.pk, True)
                status = "queued"
            else:
                try:
                    status = raw.process(force=True)
                except Exception as e:
                    # One row the database refuses must not stop the rest of the run.
                    self.stderr.write(f"{raw.public_id}: could not be reparsed: {e}")
                    status = "failed"
            counts[status] = counts.get(status, 0) + 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{raw.public_id}: {status} {raw.error}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to do"
        self.stdout.write(summary)
