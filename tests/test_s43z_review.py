"""Review s43z: mends to this session's commits, each with the case that showed it."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from checks import spf
from tests.blind_engine import run_engine

DOMAIN = "marsden-haulage.com"
ROOT = Path(__file__).resolve().parent.parent


def _no_probe() -> Any:
    raise AssertionError("no port-25 probe expected")


def _spf08(zone: dict[Any, Any]) -> Any:
    findings = run_engine(spf, DOMAIN, zone, probe=_no_probe).findings
    found = [f for f in findings if f.id == "SPF-08"]
    assert len(found) == 1, [(f.id, f.summary) for f in findings]
    return found[0]


# --- SPF-08: a name of the domain's own, reached through another include, published only as
# type 99 (3f139bfc gave the TXT fix only to a name the domain's own record includes) --------


def test_a_nested_own_include_published_only_as_type_99_is_republished_as_txt() -> None:
    # RFC 7208 §3.1, §4.4: receivers ask for TXT only; the record is there, as type 99, so the
    # fix is that record as TXT where it is, not the include's removal from _spf's record.
    spf08 = _spf08(
        {
            (DOMAIN, "TXT"): [f"v=spf1 include:_spf.{DOMAIN} -all"],
            (f"_spf.{DOMAIN}", "TXT"): [f"v=spf1 include:_spf2.{DOMAIN} -all"],
            (f"_spf2.{DOMAIN}", "SPF"): ["v=spf1 ip4:198.51.100.0/24 -all"],
        }
    )
    assert str(spf08.status) == "fail"
    assert "type 99" in spf08.summary, spf08.summary
    assert f"Publish that record as TXT at _spf2.{DOMAIN}" in spf08.summary, spf08.summary
    assert "Remove or replace" not in spf08.summary, spf08.summary
    assert spf08.fix == f'_spf2.{DOMAIN}. TXT "v=spf1 ip4:198.51.100.0/24 -all"'


def test_a_nested_providers_include_published_only_as_type_99_keeps_its_words() -> None:
    # Control: not the domain's own name, so not ours to publish there.
    spf08 = _spf08(
        {
            (DOMAIN, "TXT"): [f"v=spf1 include:_spf.{DOMAIN} -all"],
            (f"_spf.{DOMAIN}", "TXT"): ["v=spf1 include:spf.oldmailer.net -all"],
            ("spf.oldmailer.net", "SPF"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        }
    )
    assert "type 99" in spf08.summary, spf08.summary
    assert f"Remove or replace that include in the record of _spf.{DOMAIN}." in spf08.summary
    assert spf08.fix == ""


def test_a_nested_own_include_with_no_record_at_all_reads_as_before() -> None:
    # Control: nothing published at all: no record to move, the include's removal as before.
    spf08 = _spf08(
        {
            (DOMAIN, "TXT"): [f"v=spf1 include:_spf.{DOMAIN} -all"],
            (f"_spf.{DOMAIN}", "TXT"): [f"v=spf1 include:_spf2.{DOMAIN} -all"],
        }
    )
    assert "type 99" not in spf08.summary, spf08.summary
    assert f"Remove or replace that include in the record of _spf.{DOMAIN}." in spf08.summary


# --- hosting: what mta-sts.<domain> holds, quoted as every message quotes others' text
# (38c62043 cut it short by hand, control and format characters left as they were) ---------


def test_a_txt_held_at_the_policy_host_is_quoted_escaped() -> None:
    from tests.test_s43f_hosting_leftovers import HOST, holding, real

    # An escape sequence and a right-to-left override in the record, as DNS gives it.
    ok, detail = real(holding(txt=['"v=STSv1;\\027[31m id=\\226\\128\\174x1"']))
    assert not ok
    assert detail == (
        f'{HOST} has no address and no CNAME, only a TXT record ("v=STSv1;\\x1b[31m id=\\u202ex1")'
    ), detail
    assert "\x1b" not in detail and "\u202e" not in detail


def test_a_long_txt_held_at_the_policy_host_is_cut_short_as_before() -> None:
    from tests.test_s43f_hosting_leftovers import HOST, holding, real

    # Control: 80 characters at most, the last one "…", as 38c62043 wrote it.
    ok, detail = real(holding(txt=['"' + "a" * 100 + '"']))
    assert detail == f'{HOST} has no address and no CNAME, only a TXT record ("{"a" * 79}…")', (
        detail
    )


# --- deploy: the production unit's gunicorn opens no control socket either (03f2b40f gave
# make run --no-control-socket; the unit writes nothing outside /var/lib/mailsec) -------------


def test_the_web_units_gunicorn_starts_without_a_control_socket(tmp_path: Path) -> None:
    # gunicorn 25.1+ opens one at $XDG_RUNTIME_DIR or ~/.gunicorn by default; the unit
    # (ProtectSystem=strict) lets the user mailsec write only /var/lib/mailsec, so each start
    # would log "Control server error". Its ExecStart is run as written, on a loopback port, one
    # worker, with a home nobody can write (/proc), as the unit's user has.
    unit = (ROOT / "deploy/systemd/mailsec-web.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    args = shlex.split(exec_start.removeprefix("ExecStart="))[1:]
    assert args[0] == "mailsec.wsgi", args
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "1"
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env.update(HOME="/proc", MAILSEC_DATA_DIR=str(tmp_path))
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while "Booting worker" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
            time.sleep(1)  # the control server, when there is one, starts beside the worker
        finally:
            process.terminate()
            process.wait(20)
    text = log.read_text()
    assert "Booting worker" in text, text
    assert "ontrol server" not in text and "ontrol socket" not in text, text
