"""Task s47d, item 4: a lab program that ends at start says so, with its exit status and the
end of its log, instead of "did not start in time (no <pidfile>)" after the whole start
timeout (180 s by default).

Each start here is broken before it binds anything (an import that fails, a config the
program refuses), in a temporary directory: no lab, no lab lock, no address."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.lab import runner
from tests.lab.runner import LabError


def _raises_soon(call: object, *args: object) -> str:
    started = time.monotonic()
    with pytest.raises(LabError) as caught:
        call(*args)  # type: ignore[operator]
    # Told as soon as the program ended, not at the deadline (60 s below).
    assert time.monotonic() - started < 20
    return str(caught.value)


def test_lab_servers_raising_at_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # tests.lab.servers imports aiosmtpd first: a package of that name ahead of the real
    # one on the path makes the import raise, as a broken change to the servers would.
    fake = tmp_path / "path" / "aiosmtpd"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "path"))
    run = tmp_path / "run"
    run.mkdir()
    servers = runner._spawn([sys.executable, "-m", "tests.lab.servers", str(run)], run / "log")
    said = _raises_soon(
        runner._wait_file,
        run / "servers.ready",
        time.monotonic() + 60,
        "lab servers",
        run / "servers.failed",
        servers,
        (run / "log",),
    )
    assert said.startswith("lab servers exited with status 1 before it was ready"), said
    assert "RuntimeError: broken on purpose" in said
    assert "did not start in time" not in said


def test_knotd_refusing_its_config(tmp_path: Path) -> None:
    conf = tmp_path / "knot" / "knot.conf"
    conf.parent.mkdir()
    conf.write_text("server:\n    listen: [ not-an-address\n")
    said = _raises_soon(runner.start_knotd, conf, time.monotonic() + 60)
    assert said.startswith("knotd exited with status 1 before it was ready"), said
    assert "failed to load configuration file" in said


def test_unbound_refusing_its_config(tmp_path: Path) -> None:
    conf = tmp_path / "unbound" / "unbound.conf"
    conf.parent.mkdir()
    conf.write_text("server:\n    no-such-option: yes\n")
    said = _raises_soon(runner.start_unbound, conf, time.monotonic() + 60)
    assert said.startswith(f"unbound ({conf}) exited with status 1 at start"), said
    assert "no-such-option" in said


def test_a_program_still_running_at_the_deadline_did_not_start_in_time(tmp_path: Path) -> None:
    log = tmp_path / "log"
    quiet = runner._spawn(
        [sys.executable, "-c", "print('working'); import time; time.sleep(60)"], log
    )
    try:
        with pytest.raises(LabError) as caught:
            runner._wait_file(tmp_path / "ready", time.monotonic() + 1, "slow", None, quiet, (log,))
    finally:
        quiet.kill()
        quiet.wait()
    assert str(caught.value).startswith(f"slow did not start in time (no {tmp_path / 'ready'})")
    assert "working" in str(caught.value)


def test_a_finished_start_command_is_not_a_crash(tmp_path: Path) -> None:
    # A program that writes its file and then ends (a daemon's parent): the file is the answer.
    ready = tmp_path / "ready"
    done = runner._spawn(
        [sys.executable, "-c", f"open({str(ready)!r}, 'w').write('42')"], tmp_path / "log"
    )
    done.wait()
    assert runner._wait_file(ready, time.monotonic() + 5, "quick", None, done) == "42"
