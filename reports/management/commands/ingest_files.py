"""manage.py ingest_files: import TLS report files (a folder from another tool, an archive).

    manage.py ingest_files /srv/old-tool/tlsrpt/            # folders are read recursively
    manage.py ingest_files --address <token> reports/*.json.gz

Each file is stored and parsed as if it had been POSTed to the report address
(reports.ingest.ingest_many: raw bytes kept, rejected files kept with their reason, a file
already stored or a report resent recognised, no alerts); a zip holding several report files
is one raw report per file, as at the HTTPS intake. Without --address the address is
the one whose policy domain the file name gives, as RFC 8460 §5.1 names report files
(`sender!policy-domain!begin!end[!unique].json[.gz]`); a file without such a name, or for a
domain without a report address, is listed and skipped, never guessed. A policy whose
policy-domain is left out (Postfix's no-policy-found) is about the domain such a name
names, also under --address, as a mailed report's attachment name says it (checklist
RPT-06); in a zip, the name of the report file in it first (task s46a). Only a file without
such a name falls back to the address's domain. Running the
command again on the same files stores nothing twice; a file stored already whose name names
a domain where the stored copy named none has its stored copy read again with the name
(reports.ingest._read_names, task s48e).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F

from reports import conf
from reports.ingest import ingest_many, reports_in, too_many_copies
from reports.mail import MAX_COPIES_BYTES_FACTOR, MAX_REPORTS_PER_MESSAGE
from reports.models import ReportAddress
from reports.parse import a_labels

# In a folder, only what looks like a report file; a file named on the command line is
# always read (its content is sniffed anyway).
SUFFIXES = (".json", ".json.gz", ".gz", ".zip")


class Command(BaseCommand):
    help = "Import TLS report files (gzip, zip or JSON); folders are read recursively."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--address",
            metavar="TOKEN",
            help="store every file under this report address (default: by file name, §5.1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fixed: ReportAddress | None = None
        if options["address"]:
            fixed = ReportAddress.objects.filter(token=options["address"]).first()
            if fixed is None:
                raise CommandError(f"no report address with token {options['address']!r}")
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"{path}: no such file or folder")
        skipped: list[str] = []
        by_domain: dict[str, ReportAddress | str] = {}
        limit = conf.max_body_bytes()

        def items() -> Iterator[tuple[ReportAddress, bytes, str]]:
            for path in _files(options["paths"]):
                address = fixed or _address_for(path, by_domain)
                if isinstance(address, str):
                    skipped.append(f"{path}: {address}")
                    continue
                size = path.stat().st_size
                if size > limit:
                    # As the HTTPS intake would answer 413: too big to be a report.
                    skipped.append(f"{path}: {size} bytes, over TLSRPT_MAX_BODY_BYTES")
                    continue
                body = path.read_bytes()
                # A zip of several reports is a copy of it per report: refused as the HTTPS
                # intake refuses it (413), so an import takes no more room than a POST.
                count = len(reports_in(body))
                problem = too_many_copies(count, len(body), limit, "TLSRPT_MAX_BODY_BYTES")
                if problem:
                    skipped.append(f"{path}: zip archive {problem}; {_how_to_import(count, body)}")
                    continue
                # Its name: a §5.1 name says what a policy without policy-domain is about.
                yield address, body, path.name

        outcome: Counter[str] = ingest_many(items())
        for line in skipped:
            self.stderr.write(f"skipped {line}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(outcome.items())) or "no files"
        self.stdout.write(summary + (f", {len(skipped)} skipped" if skipped else ""))
        if skipped:
            files = "1 file was" if len(skipped) == 1 else f"{len(skipped)} files were"
            raise CommandError(f"{files} not imported (listed above)")


def _how_to_import(count: int, body: bytes) -> str:
    """What to do with a zip refused for the intake's limits (the whole file is refused, so
    nothing of it is half imported): its files import one by one, or within one body's
    limit on copies, a higher cap for the import does (not on the number of reports)."""
    advice = (
        "not imported: unzip it and import its files (with --address when their names give "
        "no policy domain)"
    )
    if count > MAX_REPORTS_PER_MESSAGE:
        return advice
    needed = -(-count * len(body) // MAX_COPIES_BYTES_FACTOR)  # copies within the factor
    return f"{advice}, or import it with TLSRPT_MAX_BODY_BYTES={needed} or more"


def _files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
            )
        else:
            yield path


def _address_for(path: Path, cache: dict[str, ReportAddress | str]) -> ReportAddress | str:
    """The report address of the policy domain in an RFC 8460 §5.1 file name, or why there is
    none to take."""
    parts = path.name.split("!")
    if len(parts) < 4:
        return "no policy domain in the file name (RFC 8460 §5.1); use --address"
    # Stored domains are lower-case A-labels: a name written Bücher.example. is that domain.
    domain = a_labels(parts[1])
    if domain not in cache:
        addresses = ReportAddress.objects.filter(domain_name__iexact=domain)
        # Two teams may both monitor a domain: a file name cannot say whose report it is.
        teams = set(addresses.exclude(domain=None).values_list("domain__team_id", flat=True))
        # Nobody monitors it now, but a team that removed it gets its address back when it
        # adds the domain again: a file name cannot say those reports are that team's.
        claimants = set(
            addresses.filter(domain=None).exclude(team=None).values_list("team_id", flat=True)
        )
        if len(teams) > 1:
            cache[domain] = f"{len(teams)} teams monitor {domain}; use --address"
        elif not teams and claimants:
            cache[domain] = (
                f"{domain} is not monitored now and a team that removed it would get these "
                "reports back; use --address"
            )
        else:
            # A monitored domain's address first, then the oldest (as ReportAddress.for_domain).
            found = addresses.order_by(F("domain").asc(nulls_last=True), "created", "pk").first()
            cache[domain] = found or f"no report address for {domain}"
    return cache[domain]
