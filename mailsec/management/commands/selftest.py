from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailsec.tasks import latest_vantage, round_trip, run_vantage_check


class Command(BaseCommand):
    help = (
        "Send a ping task through the broker and wait until a worker has written its row; "
        "then check this machine's vantage point: does the resolver validate DNSSEC, can it "
        "reach port 25."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="seconds to wait (default 30)"
        )
        parser.add_argument(
            "--strict-vantage",
            action="store_true",
            help="exit 1 when the vantage is broken (a resolver that is down or does not "
            "validate DNSSEC, port 25 blocked); 'unknown', 'canary failing' and 'not tested' "
            "never change the exit status (a canary name that does not exist always does)",
        )

    def handle(self, *args: Any, timeout: float, strict_vantage: bool, **options: Any) -> None:
        try:
            row, seconds = round_trip(timeout)
        except TimeoutError as e:
            raise CommandError(
                f"self-test failed: {e}. Is a worker consuming the 'default' queue?"
            ) from None
        self.stdout.write(
            f"self-test ok: ping task ran on {row.worker or 'a worker'}, row stored in {seconds:.2f} s"
        )
        # The answer is about this machine: run it on each machine that runs probes workers.
        # A resolver down since this machine's kept result says since when as the pages'
        # banner does (the beat's task carries it the same way); selftest keeps nothing.
        vantage = run_vantage_check().carry_over(latest_vantage())
        for line in vantage.lines():
            self.stdout.write(f"vantage: {line}")
        problems = vantage.problems()
        for problem in problems:
            self.stderr.write(f"warning: {problem}")
        # A setting of the self-check that cannot be right (a canary name that does not exist
        # while the root zone validates) fails the self-test, --strict-vantage or not: it stays
        # until someone fixes it, and meanwhile the self-check cannot tell a resolver down.
        if vantage.config_errors:
            raise CommandError("vantage self-check: " + "; ".join(vantage.config_errors))
        # A broken vantage makes every verdict suspect but the site itself works: by default
        # it is told, not a failed self-test (`make run` on a laptop whose resolver does not
        # validate must still start).
        if problems and strict_vantage:
            raise CommandError("vantage self-check: " + " ".join(problems))
