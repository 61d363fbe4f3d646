"""The `mailsec` console command.

`mailsec check …` runs the check engine's command line (checks/cli.py); anything else is a
Django management command (`mailsec migrate`, `mailsec runserver`, `mailsec selftest`, …).
Django's own system check is therefore `python manage.py check`, not `mailsec check`.

`mailsec`, `mailsec --help` and `mailsec help` print mailsec's own commands first, then the
Django commands the README uses, then the names of all the others: Django's own listing starts
with `account_unsetmultipleprimaryemails` and names `check` for its system check, which is not
what `mailsec check` runs.
"""

from __future__ import annotations

import os
import sys
import textwrap

# What a user of mailsec runs (README, docs/cli.md, docs/reports.md, docs/upgrading.md).
OWN_COMMANDS: tuple[tuple[str, str], ...] = (
    (
        "check",
        "check domains' MTA-STS, TLS-RPT, STARTTLS, SPF, DKIM, DMARC, DNSSEC, DANE and BIMI "
        "from the terminal; needs no database (docs/cli.md)",
    ),
    (
        "selftest",
        "send a task through the broker to a worker, and say whether this machine's resolver "
        "validates DNSSEC and port 25 is open",
    ),
    ("smtpd", "receive TLS-RPT report mail over SMTP (docs/reports.md)"),
    ("ingest_email", "store one TLS-RPT report mail read from stdin, for an MTA's pipe"),
    ("ingest_files", "import TLS-RPT report files, folders and archives"),
    ("reparse", "parse stored raw TLS reports again"),
    ("thinruns", "keep one check run per domain per day for runs older than 90 days"),
)
# Django's commands the README names for setting up and looking inside.
README_COMMANDS: tuple[tuple[str, str], ...] = (
    ("migrate", "create or update the database tables (on each release)"),
    ("collectstatic", "gather the static files to serve (on each release)"),
    ("shell", "a Python shell with the project loaded"),
)
HELP_ARGS = ([], ["--help"], ["-h"], ["help"])


def _rows(commands: tuple[tuple[str, str], ...]) -> list[str]:
    width = max(len(name) for name, _ in OWN_COMMANDS + README_COMMANDS) + 2
    lines = []
    for name, words in commands:
        wrapped = textwrap.wrap(words, 96 - width - 2) or [""]
        lines.append(f"  {name:{width}}{wrapped[0]}")
        lines += [f"  {'':{width}}{more}" for more in wrapped[1:]]
    return lines


def _other_commands() -> list[str]:
    """The names of every other Django command, as `mailsec help --commands` gives them."""
    from django.core.management import get_commands

    own = {name for name, _ in OWN_COMMANDS + README_COMMANDS}
    return sorted(name for name in get_commands() if name not in own)


def help_text() -> str:
    lines = [
        "usage: mailsec <command> [options]",
        "",
        "mailsec's own commands:",
        *_rows(OWN_COMMANDS),
        "",
        "Setting up and looking inside (Django commands the README uses):",
        *_rows(README_COMMANDS),
        "",
        "'mailsec help <command>' or 'mailsec <command> --help' says more about one command.",
        "",
    ]
    try:
        import django

        django.setup()
        others = _other_commands()
    except Exception as exc:  # the settings refuse to load: ours are still worth listing
        lines.append(f"The other Django commands could not be listed: {exc}")
    else:
        lines.append("Every other Django management command runs as 'mailsec <command>' too:")
        lines += textwrap.wrap(", ".join(others), 94, initial_indent="  ", subsequent_indent="  ")
    lines += [
        "",
        "'mailsec check' is the checker above; Django's system check is 'python manage.py check'.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:2] == ["help", "check"]:
        args = ["check", "--help"]  # Django's help would describe its system check instead
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
    if args in HELP_ARGS:
        sys.stdout.write(help_text())
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mailsec", *args])


if __name__ == "__main__":
    main()
