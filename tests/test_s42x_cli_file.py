"""s42x: `mailsec check --file PATH` (and `--file -` for standard input) reads the names to check
from a file, one a line, as an MSP's cron job over 300 client domains needs.

Before, the names came from the command line alone and docs/cli.md told people to write
`$(grep -v '^#' clients.txt)`: a comment after a name was checked as names, and the `xargs`
form turns exit statuses 1 and 2 into 123. The file is read before anything is checked: one
that cannot be read is a usage error (64) with one line naming it, never a "could not check".

The non-lab tests replace the engine (no network) or use names refused before any lookup (an IP
address); the one end-to-end test runs `python -m checks` against lab scenarios (f01 all good,
f05 a failing MTA-STS record) under the lab lock.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checks.cli import EXIT_FAIL, EXIT_NOT_CHECKED, EXIT_OK, EXIT_USAGE, main
from tests import test_cli_s42k_msp

# The fixture `checked`: no network, the engine replaced by one that records the names it is
# given. One definition for this session's two CLI files (s42k, s42x), not two copies to drift.
checked = test_cli_s42k_msp.checked

ROOT = Path(__file__).resolve().parent.parent
QUIET = ["--resolver", "127.0.0.1:9"]  # never asked: the engine is replaced or the name refused


CLIENTS = (
    "# clients of Acme IT, one a line\n"
    "\n"
    "example.com\n"
    "   \n"
    "  example.net   # Bob's bakery, since 2024\n"
    "\t# a comment after white space\n"
    "example.org\r\n"
    "#example.info\n"
)


def test_it_reads_one_name_a_line_skipping_blanks_and_comments(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "clients.txt"
    names.write_text(CLIENTS, "utf-8")
    assert main(["--json", *QUIET, "--file", str(names)]) == EXIT_OK
    assert checked == ["example.com", "example.net", "example.org"]
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["domain"] for r in reports] == ["example.com", "example.net", "example.org"]
    assert not [r for r in reports if r["error"]]


def test_arguments_come_first_then_the_files_lines_and_a_repeat_is_checked_once(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "clients.txt"
    names.write_text("example.net\nEXAMPLE.COM.\nbücher.de\n", "utf-8")
    argv = ["--json", *QUIET, "example.com", "--file", str(names), "xn--bcher-kva.de"]
    assert main(argv) == EXIT_OK
    # The arguments (before and after --file) first, then the file's lines.
    assert checked == ["example.com", "xn--bcher-kva.de", "example.net"]
    # One object per mention, in that order, each the report of its domain's one check.
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["domain"] for r in reports] == [
        "example.com",
        "xn--bcher-kva.de",
        "example.net",
        "example.com",
        "xn--bcher-kva.de",
    ]
    assert reports[0] == reports[3] and reports[1] == reports[4]


def test_it_reads_standard_input_for_a_dash(
    monkeypatch: pytest.MonkeyPatch, checked: list[str]
) -> None:
    stdin = _Stdin(b"# from a pipe\nexample.com\n\nexample.net # second\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main([*QUIET, "--file", "-"]) == EXIT_OK
    assert checked == ["example.com", "example.net"]


def test_several_files_are_read_in_order(tmp_path: Path, checked: list[str]) -> None:
    (tmp_path / "a.txt").write_text("example.com\n", "utf-8")
    (tmp_path / "b.txt").write_text("example.net\n", "utf-8")
    argv = [*QUIET, "--file", str(tmp_path / "a.txt"), "--file", str(tmp_path / "b.txt")]
    assert main(argv) == EXIT_OK
    assert checked == ["example.com", "example.net"]


def test_a_byte_order_mark_is_not_part_of_the_first_name(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A file saved by a Windows editor as "UTF-8 with BOM".
    names = tmp_path / "clients.txt"
    names.write_bytes(b"\xef\xbb\xbf# clients\r\nexample.com\r\n")
    assert main(["--json", *QUIET, "--file", str(names)]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["domain"] == "example.com"


def test_a_line_of_two_names_is_refused_as_such_not_split(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # One name a line: a line holding two is an invalid name (exit 2) that says why.
    names = tmp_path / "clients.txt"
    names.write_text("example.com example.net\n", "utf-8")
    assert main(["--json", *QUIET, "--file", str(names)]) == EXIT_NOT_CHECKED
    report = json.loads(capsys.readouterr().out)
    assert "holds 2 domain names" in report["error"]
    assert checked == []


def _one_line_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str], checked: list[str]
) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("mailsec check: error: --file ")
    assert checked == []  # before any probe
    return lines[0]


def test_a_missing_file_is_a_usage_error_naming_it(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "clients.txt"
    line = _one_line_usage_error([*QUIET, "example.com", "--file", str(missing)], capsys, checked)
    assert line == f"mailsec check: error: --file {missing}: no such file"


def test_a_directory_is_a_usage_error_naming_it(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    line = _one_line_usage_error([*QUIET, "--file", str(tmp_path)], capsys, checked)
    assert line == f"mailsec check: error: --file {tmp_path}: is a directory, not a file of names"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"example.com\nm\xfcller.de\n", "line 2"),  # Latin-1
        (b"\xff\xfee\x00x\x00", "line 1"),  # UTF-16
    ],
)
def test_a_file_not_in_utf8_is_a_usage_error_naming_it(
    content: bytes,
    where: str,
    tmp_path: Path,
    checked: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = tmp_path / "clients.txt"
    names.write_bytes(content)
    line = _one_line_usage_error([*QUIET, "--file", str(names)], capsys, checked)
    assert line.startswith(f"mailsec check: error: --file {names}: not UTF-8 text ({where}")


def test_standard_input_not_in_utf8_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"m\xfcller.de\n"))
    line = _one_line_usage_error([*QUIET, "--file", "-"], capsys, checked)
    assert line.startswith("mailsec check: error: --file -: not UTF-8 text (line 1")


def test_a_file_that_cannot_be_read_is_a_usage_error_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    checked: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Permission denied (the tests run as root, who reads any file: the error is raised here).
    names = tmp_path / "clients.txt"
    names.write_text("example.com\n", "utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    line = _one_line_usage_error([*QUIET, "--file", str(names)], capsys, checked)
    assert line == f"mailsec check: error: --file {names}: cannot be read (Permission denied)"


def test_a_file_holding_no_name_and_no_argument_is_a_usage_error(
    tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A names file emptied by mistake must not read as "all good" (exit 0) in cron.
    names = tmp_path / "clients.txt"
    names.write_text("# nobody yet\n\n", "utf-8")
    line = _one_line_usage_error([*QUIET, "--file", str(names)], capsys, checked)
    assert line == f"mailsec check: error: --file {names}: holds no domain name, and none was given"


def test_an_empty_file_beside_arguments_checks_the_arguments(
    tmp_path: Path, checked: list[str]
) -> None:
    names = tmp_path / "extra.txt"
    names.write_text("", "utf-8")
    assert main([*QUIET, "example.com", "--file", str(names)]) == EXIT_OK
    assert checked == ["example.com"]


def test_no_argument_and_no_file_is_still_a_usage_error(
    checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(QUIET)
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "mailsec check: error:" in err and "--file" in err
    assert checked == []


class _Stdin:
    """Standard input as a pipe gives it: bytes under .buffer."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


# --- as cron runs it: a process of its own, names that are refused before any lookup ----------


def _run(args: list[str], stdin: bytes = b"", cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSEC_")}
    return subprocess.run(
        [sys.executable, "-m", "checks", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=120,
    )


def test_a_process_reads_names_from_standard_input() -> None:
    # IP addresses are refused before any lookup (exit 2): nothing is asked of any resolver.
    done = _run(["--json", *QUIET, "--file", "-"], b"# pipe\n192.0.2.1\n\n192.0.2.2  # x\n")
    assert done.returncode == EXIT_NOT_CHECKED, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["domain"] for r in reports] == ["192.0.2.1", "192.0.2.2"]
    assert all("IP address" in r["error"] for r in reports)


def test_a_process_given_a_missing_file_exits_64_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "clients.txt"
    done = _run([*QUIET, "192.0.2.1", "--file", str(missing)])
    assert done.returncode == EXIT_USAGE
    assert done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"mailsec check: error: --file {missing}: no such file"
    ]


@pytest.mark.skipif(shutil.which("xargs") is None, reason="no xargs on this system")
def test_xargs_hides_the_exit_status_that_file_keeps(tmp_path: Path) -> None:
    # docs/cli.md's reason to use --file in cron: xargs exits 123 for any status 1-125.
    names = tmp_path / "clients.txt"
    names.write_text("192.0.2.1\n", "utf-8")
    assert _run([*QUIET, "--file", str(names)]).returncode == EXIT_NOT_CHECKED
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSEC_")}
    via_xargs = subprocess.run(
        ["xargs", sys.executable, "-m", "checks", *QUIET],
        stdin=names.open("rb"),
        capture_output=True,
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=120,
    )
    assert via_xargs.returncode == 123


# --- end to end, in the lab ----------------------------------------------------------------------


@pytest.mark.lab
def test_an_msps_names_file_against_the_lab(lab: Any, tmp_path: Path) -> None:
    names = tmp_path / "clients.txt"
    names.write_text(
        "# Acme IT clients\n\nf05.lab.test   # failing MTA-STS record\nF01.LAB.TEST.\n\n#f02\n",
        "utf-8",
    )
    env = {**os.environ, **lab.env, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "checks", "--json", "f01.lab.test", "--file", "-"]
    with names.open("rb") as stdin:
        done = subprocess.run(
            command, stdin=stdin, cwd=ROOT, env=env, capture_output=True, timeout=300
        )
    assert done.returncode == EXIT_FAIL, done.stderr[-2000:]
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    # Arguments first, then the file's lines; f01 named twice is one report given twice.
    assert [r["domain"] for r in reports] == ["f01.lab.test", "f05.lab.test", "f01.lab.test"]
    assert reports[0] == reports[2]
    assert not [r for r in reports if r["error"]]
    assert any(f["id"] == "MTASTS-02" and f["status"] == "fail" for f in reports[1]["findings"])
    assert not [f["id"] for f in reports[0]["findings"] if f["status"] in ("fail", "error")]
