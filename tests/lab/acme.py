"""Pebble (ACME CA) and Caddy (on-demand TLS) for the hosting tests, started on demand.

The base lab does not run them: only the hosted MTA-STS tests need a real ACME issuance in front
of the app, and Caddy must proxy to the Django live server those tests start. So this module
starts both next to a running lab and stops them by PID afterwards (lab-recipes §6):

    edge = acme.start(lab, upstream="localhost:8123", ask_url="http://localhost:8123/hosting/ask")
    ...  # https://mta-sts.<hosted domain> on edge.address, trusting edge.pebble_root
    edge.stop()

* pebble listens on 127.0.61.3:14000 (ACME) and :15000 (management), with its own HTTPS
  certificate from a throwaway CA minted here (Caddy trusts it through `acme_ca_root`); its VA
  resolves through the lab's validating Unbound and validates HTTP-01 against Caddy's :80 for
  real. Its roots are new at every start: `pebble_root` is fetched after each start, and Caddy's
  storage is always fresh, or it would keep certificates from a dead CA.
* Caddy binds 127.0.61.2:80 and :443 only (the address `sts.hostpol.lab.test` has), admin off,
  every certificate on demand behind the app's `ask` endpoint.
* Two sessions cannot both own those sockets: a lock file serializes them (the second waits).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.lab.control import Lab

CADDY_ADDR = "127.0.61.2"
PEBBLE_ADDR = "127.0.61.3"
PEBBLE_PORT = 14000
PEBBLE_MGMT_PORT = 15000
LOCK = Path(os.environ.get("MAILSEC_ACME_LOCK", "/tmp/mailsec-lab/acme.lock"))


class AcmeError(RuntimeError):
    pass


@dataclass
class Edge:
    run_dir: Path
    address: str
    pebble_root: Path  # the only root that issued Caddy's certificates
    bundle: Path  # lab CA + pebble root, for clients that must trust both (SSL_CERT_FILE)
    pids: dict[str, int] = field(default_factory=dict)
    _lock: IO[str] | None = field(default=None, repr=False)

    def log(self, name: str) -> str:
        path = self.run_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for pid in self.pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for pid in self.pids.values():
            while time.monotonic() < deadline:
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                time.sleep(0.02)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.pids.clear()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _mint_listener_cert(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a leaf for pebble's own HTTPS listener (not the certificates it issues)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lab ACME listener CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(PEBBLE_ADDR))]
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pebble-wfe")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / "listener-ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "pebble-wfe.pem").write_bytes(leaf.public_bytes(pem))
    (directory / "pebble-wfe.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return directory / "listener-ca.pem", directory / "pebble-wfe.pem", directory / "pebble-wfe.key"


def _wait_port(
    host: str, port: int, deadline: float, what: str, proc: subprocess.Popen[bytes]
) -> None:
    while True:
        if proc.poll() is not None:
            raise AcmeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        if time.monotonic() > deadline:
            raise AcmeError(f"{what} is not listening on {host}:{port}")
        time.sleep(0.02)


def _take_lock(timeout: float = 300) -> IO[str]:
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    handle = LOCK.open("w")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise AcmeError(f"another session holds {LOCK} (pebble + Caddy in use)") from None
            time.sleep(0.2)


CADDYFILE = """{{
	admin off
	storage file_system {run}/caddy/data
	default_bind {caddy}
	http_port 80
	https_port 443
	skip_install_trust
	ocsp_stapling off
	acme_ca https://{pebble}:{pebble_port}/dir
	acme_ca_root {listener_ca}
	email lab@lab.test
	on_demand_tls {{
		ask {ask}
	}}
	log {{
		output file {run}/caddy.log
		level INFO
	}}
}}
https:// {{
	tls {{
		on_demand
	}}
	reverse_proxy {upstream}
}}
"""


# The name the session's pebble refuses (tests/conftest.py `edge`): a customer domain under
# our policy zone's lab name, whose records a test adds and removes itself.
REFUSED_DOMAIN = "refused.hostpol.lab.test"
REFUSED_NAME = f"mta-sts.{REFUSED_DOMAIN}"


def start(
    lab: Lab,
    *,
    upstream: str,
    ask_url: str,
    timeout: float = 20,
    domain_blocklist: list[str] | None = None,
) -> Edge:
    """Start pebble, then Caddy proxying to `upstream` (host:port of the app).
    `domain_blocklist`: names pebble refuses to issue for (its `domainBlocklist`: the name and
    every name under it get a rejectedIdentifier error at the new order), as an ACME CA that
    refuses a hosted name; none by default."""
    for tool in ("pebble", "caddy"):
        if not shutil.which(tool):
            raise AcmeError(f"{tool} is missing: run scripts/install-system-deps.sh")
    lock = _take_lock()
    run = Path(tempfile.mkdtemp(prefix="mailsec-acme-"))
    resolver_host = lab.resolver.rpartition(":")[0]
    edge = Edge(run, CADDY_ADDR, run / "pebble-root.pem", run / "bundle.pem", _lock=lock)
    try:
        deadline = time.monotonic() + timeout
        listener_ca, cert, key = _mint_listener_cert(run)
        config = {
            "pebble": {
                "listenAddress": f"{PEBBLE_ADDR}:{PEBBLE_PORT}",
                "managementListenAddress": f"{PEBBLE_ADDR}:{PEBBLE_MGMT_PORT}",
                "certificate": str(cert),
                "privateKey": str(key),
                "httpPort": 80,
                "tlsPort": 443,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
            }
        }
        if domain_blocklist:
            config["pebble"]["domainBlocklist"] = list(domain_blocklist)
        (run / "pebble.json").write_text(json.dumps(config))
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        with (run / "pebble.log").open("ab") as log:
            pebble = subprocess.Popen(
                ["pebble", "-config", str(run / "pebble.json"), "-dnsserver", f"{resolver_host}:53"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True,
            )  # fmt: skip
        edge.pids["pebble"] = pebble.pid
        _wait_port(PEBBLE_ADDR, PEBBLE_MGMT_PORT, deadline, "pebble", pebble)
        context = ssl.create_default_context(cafile=str(listener_ca))
        url = f"https://{PEBBLE_ADDR}:{PEBBLE_MGMT_PORT}/roots/0"
        while True:
            try:
                with urllib.request.urlopen(url, context=context, timeout=2) as response:
                    edge.pebble_root.write_bytes(response.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        edge.bundle.write_bytes(Path(lab.ca_bundle).read_bytes() + edge.pebble_root.read_bytes())

        for sub in ("caddy/data", "caddy/config", "caddy/home"):
            (run / sub).mkdir(parents=True, exist_ok=True)
        caddyfile = CADDYFILE.format(
            run=run, caddy=CADDY_ADDR, pebble=PEBBLE_ADDR, pebble_port=PEBBLE_PORT,
            listener_ca=listener_ca, ask=ask_url, upstream=upstream,
        )  # fmt: skip
        (run / "Caddyfile").write_text(caddyfile)
        caddy_env = {
            **os.environ,
            "HOME": str(run / "caddy/home"),
            "XDG_CONFIG_HOME": str(run / "caddy/config"),
            "XDG_DATA_HOME": str(run / "caddy/data"),
        }
        with (run / "caddy-stderr.log").open("ab") as log:
            caddy = subprocess.Popen(
                ["caddy", "run", "--config", str(run / "Caddyfile"), "--adapter", "caddyfile"],
                cwd=run, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=caddy_env,
                start_new_session=True,
            )  # fmt: skip
        edge.pids["caddy"] = caddy.pid
        _wait_port(CADDY_ADDR, 443, deadline, "caddy", caddy)
        return edge
    except BaseException:
        logs = {n: edge.log(n)[-1500:] for n in ("pebble", "caddy-stderr")}
        edge.stop()
        if isinstance(logs, dict) and any(logs.values()):
            raise AcmeError(f"pebble/Caddy did not start: {logs}") from None
        raise
