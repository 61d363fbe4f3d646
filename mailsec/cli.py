"""The `mailsec` console command.

`mailsec check …` runs the check engine's command line (checks/cli.py); anything else is a
Django management command (`mailsec migrate`, `mailsec runserver`, `mailsec selftest`, …).
Django's own system check is therefore `python manage.py check`, not `mailsec check`.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "check":
        try:
            from checks.cli import main as check_main
        except ModuleNotFoundError as e:
            if e.name not in ("checks", "checks.cli"):
                raise
            sys.exit(
                "mailsec check: the check engine's command line (checks/cli.py) is not available."
            )
        sys.exit(check_main(args[1:]))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mailsec", *args])


if __name__ == "__main__":
    main()
