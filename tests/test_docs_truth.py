"""The docs say what the code does where a number can drift apart."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from checks.scoring import SCORE_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_scoring_doc_names_the_current_version() -> None:
    text = (ROOT / "docs" / "scoring.md").read_text()
    match = re.search(r"^Current version: \*\*(\d+)\*\*", text, re.M)
    assert match and int(match.group(1)) == SCORE_VERSION
    assert f"- v{SCORE_VERSION} (" in text  # and the version's line in the history


CODE_DIRS = ("mailsec", "checks", "reports")
# A variable read from the environment: through mailsec.env's helpers, checks.config's
# _env_bool, os.environ / an environ mapping's get, or a *_VARIABLE constant or a local `name`
# naming one.
READ = re.compile(
    r"(?:\benv_\w+|\b_env_bool|\b_raw|\bgetenv|\benviron\.get|\benv\.get)\(\s*\"([A-Z][A-Z0-9_]+)\""
    r"|\b(?:[A-Z_]*VARIABLE|name)\s*=\s*\"([A-Z][A-Z0-9_]+)\""
)
SECRET = re.compile(r"\benv_secret\(\s*\"([A-Z][A-Z0-9_]+)\"")


def _read_by_code() -> set[str]:
    names: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            names.update(a or b for a, b in READ.findall(text))
            for name in SECRET.findall(text):  # NAME, or the file NAME_FILE names
                names.update((name, f"{name}_FILE"))
    return names


def _configuration_table_names() -> set[str]:
    """The first cell of every table row of docs/configuration.md: `A` / `B`, where a name
    starting with '_' is the first name's with its last part replaced (`MAILSEC_POLICY_TSIG_NAME`
    / `_SECRET` is MAILSEC_POLICY_TSIG_SECRET)."""
    names: set[str] = set()
    for line in (ROOT / "docs" / "configuration.md").read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        found = re.findall(r"`([A-Z_][A-Z0-9_]*)`", cell)
        first = found[0]
        names.add(first)
        for name in found[1:]:
            names.add(first.rsplit("_", 1)[0] + name if name.startswith("_") else name)
    return names


def test_every_variable_in_configuration_md_is_read_by_the_code() -> None:
    """A variable the docs list that nothing reads would be set and silently do nothing."""
    listed = _configuration_table_names()
    assert len(listed) > 40  # the tables were found
    assert sorted(listed - _read_by_code()) == []


def test_every_variable_the_code_reads_is_in_configuration_md() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)", text)) | _configuration_table_names()
    read = _read_by_code()
    assert len(read) > 40
    assert sorted(read - named) == []


def test_the_readmes_gunicorn_command_is_the_web_units() -> None:
    """README's production web command runs gunicorn as deploy/systemd/mailsec-web.service does
    (its program's path aside), --no-control-socket included: without it gunicorn 25.1+ opens a
    control socket in the home directory, which the unit may not write (each start logs an
    error), and a copy of the README's line would do that. Any other gunicorn command line in
    the docs carries the flag too."""
    unit = (ROOT / "deploy/systemd/mailsec-web.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    unit_args = shlex.split(exec_start.removeprefix("ExecStart="))[1:]
    assert "--no-control-socket" in unit_args, exec_start
    command = re.compile(r"`((?:\S*/)?gunicorn [^`]*--[^`]*)`")  # a gunicorn with options
    readme = command.findall((ROOT / "README.md").read_text())
    assert readme, "README gives no gunicorn command"
    for line in readme:
        assert shlex.split(line)[1:] == unit_args, line
    for path in (ROOT / "docs").glob("*.md"):
        for line in command.findall(path.read_text()):
            assert "--no-control-socket" in shlex.split(line), (path.name, line)


def test_the_lab_env_sets_the_vantage_zones_configuration_md_says_it_uses() -> None:
    """configuration.md's "The lab uses `f01.lab.test`" (s47d: the lab's env did not set it,
    so the self-check asked isc.org, which the lab's resolver refuses) is what the lab's
    `env` exports, for both of the self-check's zones."""
    from tests.lab.runner import VANTAGE_ENV

    said: dict[str, str] = {}
    for line in (ROOT / "docs" / "configuration.md").read_text().splitlines():
        if match := re.match(r"\| `(MAILSEC_VANTAGE_\w+_NAME)` \|.*The lab uses `([^`]+)`", line):
            said[match.group(1)] = match.group(2)
    assert said == VANTAGE_ENV
