from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailsec.tasks import round_trip


class Command(BaseCommand):
    help = "Send a ping task through the broker and wait until a worker has written its row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="seconds to wait (default 30)"
        )

    def handle(self, *args: Any, timeout: float, **options: Any) -> None:
        try:
            row, seconds = round_trip(timeout)
        except TimeoutError as e:
            raise CommandError(
                f"self-test failed: {e}. Is a worker consuming the 'default' queue?"
            ) from None
        self.stdout.write(
            f"self-test ok: ping task ran on {row.worker or 'a worker'}, row stored in {seconds:.2f} s"
        )
