"""Runtime control of a running lab, for tests: DNS changes, resolver flushes, what servers saw.

from tests.lab.control import Lab
lab = Lab.from_state()
lab.update("f01.lab.test", replace=[("_mta-sts", 300, "TXT", '"v=STSv1; id=2"')])
lab.flush("f01.lab.test")
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.resolver

from tests.lab import dnslab
from tests.lab.runner import load_state
from tests.lab.scenarios import Scenario, load_scenarios

Record = tuple[str, int, str, str]  # (relative or absolute name, ttl, type, rdata text)


@dataclass
class Lab:
    state: dict[str, Any]
    _scenarios: list[Scenario] | None = field(default=None, repr=False)

    @classmethod
    def from_state(cls, run_dir: str | Path | None = None) -> Lab:
        return cls(load_state(Path(run_dir) if run_dir else None))

    # -- what the product needs
    @property
    def resolver(self) -> str:
        return str(self.state["resolver"])

    @property
    def slow_resolver(self) -> str | None:
        return self.state.get("slow_resolver")

    @property
    def ca_bundle(self) -> str:
        return str(self.state["ca_bundle"])

    @property
    def env(self) -> dict[str, str]:
        return dict(self.state["env"])

    @property
    def run_dir(self) -> Path:
        return Path(self.state["run_dir"])

    @property
    def authoritative(self) -> str:
        return str(self.state["authoritative"])

    def scenarios(self) -> list[Scenario]:
        if self._scenarios is None:
            # exactly the folders this run was started with, whatever the environment says now
            self._scenarios = load_scenarios(self.state.get("scenario_dirs", [])[1:], use_env=False)
        return self._scenarios

    def scenario(self, domain: str) -> Scenario:
        domain = domain if domain.endswith(".test") else f"{domain}.lab.test"
        for s in self.scenarios():
            if s.domain == domain:
                return s
        raise KeyError(domain)

    def dns_resolver(self, slow: bool = False) -> dns.resolver.Resolver:
        """A dnspython resolver on the lab resolver; never reads /etc/resolv.conf."""
        host, _, port = (
            self.slow_resolver if slow and self.slow_resolver else self.resolver
        ).rpartition(":")
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = [host]
        r.port = int(port)
        r.use_edns(0, dns.flags.DO, 1232)
        r.lifetime = 5
        return r

    # -- runtime changes
    def update(
        self,
        zone: str,
        *,
        add: Sequence[Record] = (),
        replace: Sequence[Record] = (),
        delete: Sequence[tuple[str, ...]] = (),
    ) -> None:
        """RFC 2136 UPDATE with the lab TSIG key; knot re-signs at once.

        `delete` items are passed to dnspython's UpdateMessage.delete: (name,), (name, type) or
        (name, type, rdata)."""
        dnslab.send_update(
            zone.rstrip("."),
            self.state["tsig"]["secret"],
            add=list(add),
            replace=list(replace),
            delete=list(delete),
        )

    def flush(self, zone: str | None = None) -> None:
        """Forget cached answers in every lab resolver (zone, bogus and infra caches)."""
        for conf in self.state["unbound_conf"].values():
            cmds = [["flush_zone", zone.rstrip(".")]] if zone else [["flush_zone", "test"]]
            cmds += [["flush_bogus"], ["flush_negative"], ["flush_infra", "all"]]
            for c in cmds:
                subprocess.run(
                    ["unbound-control", "-c", conf, *c], check=True, capture_output=True, timeout=5
                )

    # -- what the servers saw
    def events(self, event: str | None = None) -> list[dict[str, Any]]:
        path = Path(self.state["events"])
        if not path.exists():
            return []
        out = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [e for e in out if event is None or e.get("event") == event]

    def http_requests(self, host: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events("http") if host is None or e["host"] == host]

    def tls_handshakes(self, sni: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events("tls") if sni is None or e["sni"] == sni]

    def smtp_connections(self, host: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events("connect") if host is None or e["host"] == host]

    def mails(self) -> list[dict[str, Any]]:
        """Mail accepted by any MX host or the smtp.lab.test sink, with its raw bytes."""
        mail_dir = self.run_dir / "mail"
        return [e | {"raw": (mail_dir / e["file"]).read_bytes()} for e in self.events("mail")]

    def reports(self) -> list[dict[str, Any]]:
        """Bodies POSTed to https://rpt.lab.test/..., oldest first."""
        rdir = self.run_dir / "reports"
        out = []
        for meta in sorted(rdir.glob("*.json"), key=lambda p: [int(x) for x in p.stem.split("-")]):
            out.append(
                json.loads(meta.read_text()) | {"body": meta.with_suffix(".body").read_bytes()}
            )
        return out
