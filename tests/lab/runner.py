"""Bring the lab up and down. Every process is recorded by PID in RUN_DIR/state.json."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query

from tests.lab import dnslab
from tests.lab.pki import LabPKI, served_body
from tests.lab.scenarios import CertSpec, Scenario, load_scenarios, scenario_dirs

POINTER = Path(os.environ.get("MAILSEC_LAB_POINTER", "/tmp/mailsec-lab/current"))
TOOLS = ("knotd", "knotc", "unbound", "unbound-control")
REPO = Path(__file__).resolve().parents[2]


class LabError(RuntimeError):
    pass


# The self-check of the checker's vantage point (checks/vantage.py) asks, by default, for
# isc.org and dnssec-failed.org, which the lab's resolver refuses (it serves test. only): the
# lab's own signed zone and its zone with a DS that matches no key stand in for them, as
# docs/configuration.md says, so `make run` started with the lab's `env` gets a real verdict.
VANTAGE_ENV = {
    "MAILSEC_VANTAGE_SIGNED_NAME": "f01.lab.test",
    "MAILSEC_VANTAGE_BOGUS_NAME": "f49.lab.test",
}


START_TIMEOUT_ENV = "MAILSEC_LAB_START_TIMEOUT"


def start_timeout() -> float:
    """Seconds `up` waits, from its start, for every daemon to be ready. Minting ~1,300
    certificates and loading ~600 zones takes 2-3 s on an idle machine but over 40 s at a load
    of 10 (several engineers' test runs), and knot signing them all took over 60 s at a load of
    8, so the limit is generous and can be raised."""
    raw = os.environ.get(START_TIMEOUT_ENV, "180")
    try:
        value = float(raw)
    except ValueError:
        raise LabError(f"{START_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise LabError(f"{START_TIMEOUT_ENV}={raw!r} must be between 0 and 3600 seconds")
    return value


def _knotd_of(run: Path) -> int | None:
    """The knotd started with this run's own knot.conf, found by its command line: a knotd that
    was still loading zones when `up` gave up has not written its pidfile yet."""
    conf = str(run / "knot" / "knot.conf")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            cmd = _pid_cmdline(int(entry.name)).split()
            if cmd and Path(cmd[0]).name == "knotd" and conf in cmd:
                return int(entry.name)
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); treat it as gone
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _pid_cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


# How many lines of a start-up log the error for a program that did not start shows.
LOG_LINES = 20


def _last_lines(logs: Iterable[Path]) -> str:
    """The end of each of `logs` that has anything in it, to follow the error that says a
    program did not start: what it said before it stopped (a traceback, the reason knotd
    refused its config)."""
    said = []
    for log in logs:
        with contextlib.suppress(OSError):
            lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
            if lines:
                said.append(f"\n--- the last lines of {log}:\n" + "\n".join(lines[-LOG_LINES:]))
    return "".join(said) or "".join(f"; {log} is empty or missing" for log in logs)


def _wait_file(
    path: Path,
    deadline: float,
    what: str,
    failed: Path | None = None,
    proc: subprocess.Popen[bytes] | None = None,
    logs: tuple[Path, ...] = (),
) -> str:
    """The text of `path` once the program that writes it has. If it ends first (`proc`,
    with its exit status), writes `failed`, or is not done by `deadline`, LabError says which,
    with the end of its `logs`: "did not start in time" alone hid a program that crashed at
    start (tests.lab.servers raising at import) behind the whole start timeout."""
    while True:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        if failed and failed.exists():
            raise LabError(f"{what} failed: {failed.read_text()}{_last_lines(logs)}")
        if proc is not None and (status := proc.poll()) is not None:
            if path.exists() and path.read_text().strip():
                continue  # written just before it ended: that is for the next step to find
            raise LabError(
                f"{what} exited with status {status} before it was ready (no {path})"
                + _last_lines(logs)
            )
        if time.monotonic() > deadline:
            raise LabError(f"{what} did not start in time (no {path}){_last_lines(logs)}")
        time.sleep(0.01)


def _spawn(command: list[str], out: Path) -> subprocess.Popen[bytes]:
    """`command` in a session of its own (a lab's programs outlive `up`), its output (and
    anything it says before it has a log of its own) appended to `out`."""
    with out.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def start_knotd(conf: Path, deadline: float) -> subprocess.Popen[bytes]:
    """knotd with `conf`, once it has written its pidfile (beside the conf, in run/). In the
    foreground of a session of its own, as the lab servers: `knotd -d` forks before it reads
    its config, so a config it refused ended it with status 0 and its reason on a closed
    stderr, and `up` waited out its timeout for the pidfile."""
    knot = conf.parent
    proc = _spawn(["knotd", "-c", str(conf)], knot / "knotd.out")
    logs = (knot / "knotd.out", knot / "knot.log")
    _wait_file(knot / "run" / "knot.pid", deadline, "knotd", proc=proc, logs=logs)
    return proc


def start_unbound(conf: Path, deadline: float) -> int:
    """Unbound with `conf` (it reads it, binds and forks: do-daemonize), by the PID it writes.
    A config it refuses ends it before it forks: its exit status and words in a LabError."""
    udir = conf.parent
    logs = (udir / "unbound.log",)
    done = subprocess.run(["unbound", "-c", str(conf)], capture_output=True, timeout=10)
    if done.returncode != 0:
        said = (done.stdout + done.stderr).decode(errors="replace").strip().splitlines()
        raise LabError(
            f"unbound ({conf}) exited with status {done.returncode} at start:\n"
            + "\n".join(said[-LOG_LINES:])
            + _last_lines(logs)
        )
    return int(_wait_file(udir / "unbound.pid", deadline, f"unbound ({conf})", logs=logs))


def _wait_dns(addr: str, deadline: float, what: str) -> None:
    q = dns.message.make_query("test.", "SOA")
    while True:
        try:
            # ignore_errors: skip a stray datagram (see dnslab.query_knot) instead of failing
            dns.query.udp(q, addr, port=53, timeout=0.2, ignore_errors=True)
            return
        except (dns.exception.Timeout, dns.query.BadResponse, OSError) as e:
            if time.monotonic() > deadline:
                raise LabError(f"{what} on {addr}:53 does not answer: {e!r}") from e
            time.sleep(0.01)


def read_pointer() -> Path | None:
    env = os.environ.get("MAILSEC_LAB_RUN")
    if env:
        return Path(env)
    if POINTER.exists():
        return Path(POINTER.read_text().strip())
    return None


def load_state(run_dir: Path | None = None) -> dict[str, Any]:
    run = run_dir or read_pointer()
    if run is None or not (run / "state.json").exists():
        raise LabError("no lab run found (set MAILSEC_LAB_RUN or run `python -m tests.lab up`)")
    return json.loads((run / "state.json").read_text())


def is_alive(state: dict[str, Any]) -> bool:
    pids = state.get("pids", {})
    return bool(pids) and all(_pid_alive(p) for p in pids.values())


def _server_files(scenarios: list[Scenario], pki: LabPKI, run: Path) -> dict[str, Any]:
    certs = run / "pki" / "servers"
    smtp_rows: list[dict[str, Any]] = []
    vhosts: list[dict[str, Any]] = []
    for s in scenarios:
        for h in s.smtp:
            row: dict[str, Any] = {
                "host": h.host,
                "ip": h.ip,
                "port": h.port,
                "starttls": h.starttls,
                "tls_min": h.tls_min,
                "tls_max": h.tls_max,
                "banner_delay": h.banner_delay,
                "max_connections": h.max_connections,
                "window": h.window,
                "reoffer_starttls": h.reoffer_starttls,
                "starttls_reply": h.starttls_reply,
                "greeting": h.greeting,
                "ehlo_reply": h.ehlo_reply,
                "require_sni": h.require_sni,
                "ciphers": h.ciphers,
                "close_after_starttls": h.close_after_starttls,
                "starttls_stall": h.starttls_stall,
                "tls_alert": h.tls_alert,
                "ehlo_delay": h.ehlo_delay,
                "starttls_keyword": h.starttls_keyword,
                "tls_ehlo_keywords": list(h.tls_ehlo_keywords),
                "starttls_masked": h.starttls_masked,
                "starttls_pipelined": h.starttls_pipelined,
                "starttls_second_ehlo": h.starttls_second_ehlo,
                "after_starttls_220": h.after_starttls_220,
                "bare_lf": h.bare_lf,
                "weak_cert": h.cert.weak,
                # s41i: the CA a client certificate must chain to (none is ever offered)
                "client_ca": str(run / "pki" / "root.pem") if h.client_cert else None,
            }
            issued = pki.leaf(h.cert_ref, h.host, h.cert)
            row["cert"], row["key"] = map(
                str, pki.write_server(issued, certs, f"smtp-{h.host}-{h.ip}")
            )
            if h.nosni_sans:
                # The default certificate a ClientHello without SNI gets (s21s)
                default = pki.leaf(f"{h.cert_ref}#nosni", h.host, CertSpec(sans=h.nosni_sans))
                row["nosni_cert"], row["nosni_key"] = map(
                    str, pki.write_server(default, certs, f"smtp-{h.host}-{h.ip}-nosni")
                )
            smtp_rows.append(row)
        for w in s.https:
            issued = pki.leaf(w.host, w.host, w.cert)
            cert, key = pki.write_server(issued, certs, f"https-{w.host}")
            files = []
            for f in w.files:
                body = served_body(pki, s, w, f)
                files.append(
                    {
                        "path": f.path,
                        "status": f.status,
                        "content_type": f.content_type,
                        "headers": list(f.headers),
                        "body_b64": base64.b64encode(body).decode(),
                        "framing": f.framing,
                        "delay": f.delay,
                        "trickle_bytes": f.trickle_bytes,
                        "trickle_every": f.trickle_every,
                        "stall_after": f.stall_after,
                    }
                )
            vhosts.append(
                {
                    "host": w.host,
                    "ip": w.ip,
                    "port": w.port,
                    "cert": str(cert),
                    "key": str(key),
                    "files": files,
                    "default": w.default,
                }
            )
    # report sinks (checklist §11.0): an HTTPS receiver and an SMTP sink for *.lab.test
    for name, ip in (("rpt.lab.test", dnslab.RPT_ADDR),):
        cert, key = pki.write_server(
            pki.leaf(name, name, CertSpec(sans=(name,))), certs, f"https-{name}"
        )
        vhosts.append(
            {
                "host": name,
                "ip": ip,
                "port": 443,
                "cert": str(cert),
                "key": str(key),
                "receiver": True,
                "files": [],
            }
        )
    sink = "smtp.lab.test"
    cert, key = pki.write_server(
        pki.leaf(sink, sink, CertSpec(sans=(sink,))), certs, f"smtp-{sink}"
    )
    smtp_rows.append(
        {
            "host": sink,
            "ip": dnslab.SINK_ADDR,
            "port": 25,
            "starttls": True,
            "tls_min": "1.2",
            "tls_max": "1.3",
            "cert": str(cert),
            "key": str(key),
        }
    )
    dflt = "default.lab.invalid"
    cert, key = pki.write_server(
        pki.leaf(dflt, dflt, CertSpec(sans=(dflt,))), certs, "https-default"
    )
    tcp_rows = [
        {"ip": t.ip, "port": t.port, "behaviour": t.behaviour} for s in scenarios for t in s.tcp
    ]
    # s35l: second authoritative servers; their apex copies are written with the zones
    secondaries = [
        {"ip": s.secondary.ip, "zone": s.domain, "upstream": dnslab.KNOT_ADDR}
        for s in scenarios
        if s.secondary is not None
    ]
    return {
        "smtp": smtp_rows,
        "tcp": tcp_rows,
        "secondaries": secondaries,
        "https": {"vhosts": vhosts, "default_cert": str(cert), "default_key": str(key)},
    }


@contextlib.contextmanager
def _start_lock(timeout: float | None = None) -> Iterator[None]:
    """One `up` at a time on this machine: two starting at the same instant both found no lab
    running and then fought over the same 127.x addresses. The second now waits, as long as a
    start may take (start_timeout()), then finds the first one's lab and says so."""
    timeout = start_timeout() if timeout is None else timeout
    POINTER.parent.mkdir(parents=True, exist_ok=True)
    with open(POINTER.parent / "start.lock", "w") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabError(
                        f"another lab has been starting for {timeout:.0f} s; giving up"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def up(extra_dirs: Iterable[str] = (), delay_ms: int | None = None) -> dict[str, Any]:
    with _start_lock():
        return _up(extra_dirs, delay_ms)


def _up(extra_dirs: Iterable[str], delay_ms: int | None) -> dict[str, Any]:
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        raise LabError(
            f"missing programs {missing}: run scripts/install-system-deps.sh "
            "(apt-get install knot knot-dnsutils unbound ldnsutils dnsutils)"
        )
    old = read_pointer()
    if old and (old / "state.json").exists():
        st = json.loads((old / "state.json").read_text())
        if any(_pid_alive(p) for p in st.get("pids", {}).values()):
            raise LabError(
                f"a lab is already running in {old}; run `python -m tests.lab down` first"
            )
    started = time.monotonic()
    deadline = started + start_timeout()
    extra_dirs = [str(Path(d).resolve()) for d in extra_dirs]
    scenarios = load_scenarios(extra_dirs)
    run = Path(tempfile.mkdtemp(prefix="mailsec-lab-"))
    state: dict[str, Any] = {"run_dir": str(run), "pids": {}}
    timings: dict[str, float] = {}

    def mark(what: str) -> None:
        timings[what] = round(time.monotonic() - started, 3)

    try:
        pki = LabPKI()
        ca_bundle = pki.write_cas(run / "pki")
        conf = _server_files(scenarios, pki, run)
        if delay_ms is not None:
            conf.update(
                delay_ms=delay_ms, delay_listen=dnslab.DELAY_ADDR, delay_upstream=dnslab.KNOT_ADDR
            )
        (run / "servers.json").write_text(json.dumps(conf))
        # the Python servers import aiohttp/aiosmtpd (~0.3 s): start them first, in parallel with DNS
        servers = _spawn([sys.executable, "-m", "tests.lab.servers", str(run)], run / "servers.log")
        state["pids"]["servers"] = servers.pid

        mark("servers_spawned")
        zones = dnslab.plan_zones(scenarios, pki)
        dnslab.write_zones(zones, run / "knot" / "zones", pki.now)
        secret = base64.b64encode(os.urandom(32)).decode()
        for d in ("run", "db"):
            (run / "knot" / d).mkdir(parents=True, exist_ok=True)
        knot_conf = run / "knot" / "knot.conf"
        knot_conf.write_text(dnslab.knot_conf(run, zones, secret))
        state["pids"]["knotd"] = start_knotd(knot_conf, deadline).pid

        mark("knot_started")
        signed = [z.name for z in zones.values() if z.mode in dnslab.KNOT_SIGNED]
        keys = dnslab.wait_dnskeys(signed, deadline)
        by_parent: dict[str, list[tuple[str, int, str, str]]] = {}
        for z in zones.values():
            if z.name == "test" or z.mode == "unsigned":
                continue
            ds = (
                z.presigned_ds
                if z.mode in dnslab.PRESIGNED
                else dnslab.ds_records(
                    z.origin, keys[z.name], z.signing.ds_digests, z.signing.ds_keys
                )
            )
            if z.mode == "ds-mismatch":
                ds = [dnslab.corrupt_ds(d) for d in ds]
            if z.signing.ds_algorithm is not None:
                ds = [dnslab.relabel_ds(d, z.signing.ds_algorithm) for d in ds]
            parent = dnslab.parent_of(z.name, zones)
            by_parent.setdefault(parent, []).extend((z.origin, 300, "DS", d) for d in ds)
        for parent, adds in by_parent.items():
            dnslab.publish_ds(parent, secret, adds)
        mark("ds_published")
        anchor = dnslab.ds_records("test.", keys["test"])

        resolvers = [("unbound", dnslab.UNBOUND_ADDR, dnslab.KNOT_ADDR, False)]
        if delay_ms is not None:
            resolvers.append(("unbound_slow", dnslab.SLOW_UNBOUND_ADDR, dnslab.DELAY_ADDR, True))
        for name, addr, upstream, forward in resolvers:
            udir = run / name
            udir.mkdir()
            (udir / "test.ds").write_text("".join(f"test. 300 IN DS {d}\n" for d in anchor))
            (udir / "unbound.conf").write_text(dnslab.unbound_conf(udir, addr, upstream, forward))
            state["pids"][name] = start_unbound(udir / "unbound.conf", deadline)
        mark("unbound_started")
        _wait_file(
            run / "servers.ready",
            deadline,
            "lab servers",
            run / "servers.failed",
            proc=servers,
            logs=(run / "servers.log",),
        )
        for name, addr, _, _ in resolvers:
            _wait_dns(addr, deadline, name)

        mark("ready")
        env = {
            "MAILSEC_RESOLVER": f"{dnslab.UNBOUND_ADDR}:53",
            "MAILSEC_CA_BUNDLE": str(ca_bundle),
            "MAILSEC_ALLOW_PRIVATE_TARGETS": "1",
            "MAILSEC_EXTRA_PUBLIC_SUFFIXES": "test,lab.test",
            "MAILSEC_LAB_RUN": str(run),
            **VANTAGE_ENV,
        }
        state.update(
            {
                "resolver": f"{dnslab.UNBOUND_ADDR}:53",
                "ca_bundle": str(ca_bundle),
                "authoritative": f"{dnslab.KNOT_ADDR}:53",
                "tsig": {"name": dnslab.TSIG_NAME, "algorithm": "hmac-sha256", "secret": secret},
                "env": env,
                "trust_anchor": [f"test. DS {d}" for d in anchor],
                "rogue_root": str(run / "pki" / "rogue-root.pem"),
                "report_sinks": {
                    "https": "https://rpt.lab.test/",
                    "smtp": "smtp.lab.test:25",
                    "mail_dir": str(run / "mail"),
                    "reports_dir": str(run / "reports"),
                },
                "events": str(run / "events.jsonl"),
                "scenario_dirs": [str(d) for d in scenario_dirs(extra_dirs)],
                "zones": sorted(zones),
                "knot_conf": str(knot_conf),
                "unbound_conf": {n: str(run / n / "unbound.conf") for n, *_ in resolvers},
                "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "startup_seconds": round(time.monotonic() - started, 3),
                "timings": timings,
            }
        )
        if delay_ms is not None:
            state.update(
                slow_resolver=f"{dnslab.SLOW_UNBOUND_ADDR}:53",
                delay_ms=delay_ms,
                delay_proxy=f"{dnslab.DELAY_ADDR}:53",
            )
        (run / "state.json").write_text(json.dumps(state, indent=1))
        POINTER.parent.mkdir(parents=True, exist_ok=True)
        POINTER.write_text(str(run))
        return state
    except BaseException:
        (run / "state.json").write_text(json.dumps(state, indent=1))
        down(run, keep=True)
        raise


def down(run_dir: Path | None = None, keep: bool = False) -> list[str]:
    """Stop every recorded PID (TERM, then KILL after 3 s); returns what was stopped."""
    run = run_dir or read_pointer()
    if run is None or not (run / "state.json").exists():
        return []
    state = json.loads((run / "state.json").read_text())
    pids: dict[str, int] = dict(state.get("pids", {}))
    # knotd may have written its pidfile before state.json recorded it
    pidfile = run / "knot/run/knot.pid"
    if "knotd" not in pids and pidfile.exists():
        with contextlib.suppress(ValueError):
            pids["knotd"] = int(pidfile.read_text())
    if "knotd" not in pids and (knotd := _knotd_of(run)) is not None:
        pids["knotd"] = knotd
    stopped = []
    for name, pid in pids.items():
        # never signal a recycled PID: the command line must be one of ours
        cmd = _pid_cmdline(pid)
        if not _pid_alive(pid) or not any(
            w in cmd for w in ("knotd", "unbound", "tests.lab.servers")
        ):
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        stopped.append(f"{name}:{pid}")
    deadline = time.monotonic() + 3
    for pid in pids.values():
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if _pid_alive(pid) and any(
            w in _pid_cmdline(pid) for w in ("knotd", "unbound", "tests.lab.servers")
        ):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    if POINTER.exists() and POINTER.read_text().strip() == str(run):
        POINTER.unlink()
    if not keep:
        shutil.rmtree(run, ignore_errors=True)
    return stopped
