"""s38h: `mailsec --help` names mailsec's own commands first (check and the management commands
the README and docs name), and says every other Django command still runs as
`mailsec <command>`. Run as a user runs it: the installed console script, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MAILSEC = str(Path(sys.executable).parent / "mailsec")
OWN = ("check", "selftest", "smtpd", "ingest_email", "ingest_files", "reparse", "thinruns")
README_NAMES = ("migrate", "collectstatic", "shell")


def _mailsec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MAILSEC, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=Path(__file__).resolve().parent.parent,
    )


@pytest.mark.parametrize("args", [("--help",), ("-h",), ("help",), ()])
def test_it_lists_mailsecs_own_commands_first(args: tuple[str, ...]) -> None:
    done = _mailsec(*args)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    lines = text.splitlines()
    assert lines[0].startswith("usage: mailsec <command>")
    # Each own command on a line of its own, with words saying what it does, before any
    # Django command is named.
    own_at = {}
    for name in (*OWN, *README_NAMES):
        rows = [i for i, line in enumerate(lines) if line.split()[:1] == [name]]
        assert rows, f"{name} not listed\n{text}"
        assert len(lines[rows[0]].split()) > 3, lines[rows[0]]
        own_at[name] = rows[0]
    assert own_at["check"] == min(own_at.values())
    django_at = text.index("account_unsetmultipleprimaryemails")
    assert max(text.index(lines[i]) for i in own_at.values()) < django_at
    # Every other command is still named, and how to run it is said plainly.
    assert "dbshell" in text and "createsuperuser" in text
    assert "mailsec <command>" in text and "mailsec help <command>" in text
    # 'check' means the checker here; Django's system check is said to be manage.py's.
    assert "python manage.py check" in text


def test_every_listed_command_is_a_real_one() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")
    from django.core.management import get_commands

    from mailsec.cli import OWN_COMMANDS, README_COMMANDS

    assert [name for name, _ in OWN_COMMANDS] == list(OWN)
    assert [name for name, _ in README_COMMANDS] == list(README_NAMES)
    commands = get_commands()
    for name in (*OWN[1:], *README_NAMES):
        assert name in commands, name


def test_django_commands_still_run_and_help_on_check_is_the_checkers() -> None:
    done = _mailsec("help", "--commands")
    assert done.returncode == 0, done.stderr
    assert "dbshell" in done.stdout.split() and "migrate" in done.stdout.split()
    done = _mailsec("help", "thinruns")
    assert done.returncode == 0, done.stderr
    assert "Keep one check run per domain per day" in done.stdout
    done = _mailsec("help", "check")
    assert done.returncode == 0, done.stderr
    assert "--json" in done.stdout and "--resolver" in done.stdout
    done = _mailsec("check", "--help")
    assert done.returncode == 0 and "--json" in done.stdout
    done = _mailsec("diffsettings", "--all")
    assert done.returncode == 0, done.stderr
    assert "INSTALLED_APPS" in done.stdout
