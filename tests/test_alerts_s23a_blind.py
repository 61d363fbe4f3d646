"""Round s23a blind sequences (tests/data/alerts/s23a.json, written before any was run): more
histories the s17 round does not cover (short-lived certificates, a score drop made of
"could not check", MTA-STS enforce -> testing, an MX without STARTTLS, a flapping MX, a
TLS-report failure-rate spike, a lapsed verification, teammates switching modes, two domains
on two days). The harness is s17's (tests/test_alerts_s17_blind.py): engine-shaped runs
through AlertState.observe, emails through the send task into Django's outbox; this module
adds a few worlds: sts "testing" (MTASTS-33 info, MX validation findings warn as the engine
makes them under testing), and the probe states "no-starttls" (EHLO without STARTTLS) and
"short:<lifetime days>:<notAfter ISO>" (a valid certificate of that lifetime)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.core import mail
from django.test import override_settings

import tests.test_alerts_s17_blind as s17
from checks import mtasts, mx, scoring, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, DomainReport, Finding, Mechanism, Status
from mailsec.alerts.models import AlertState

DATA = json.loads((Path(__file__).parent / "data" / "alerts" / "s23a.json").read_text())


def probe_of(host: str, address: str, state: str, now: datetime) -> starttls.SmtpProbe:
    """s17's probe states, and "no-starttls" and "short:<days>:<notAfter>"."""
    if state == "no-starttls":
        return starttls.SmtpProbe(
            host=host,
            address=address,
            connected=True,
            banner=f"{host} ESMTP",
            ehlo_ok=True,
            extensions=["PIPELINING", "8BITMIME"],
            starttls_offered=False,
        )
    if state.startswith("short:"):
        _, days, end = state.split(":", 2)
        not_after = datetime.fromisoformat(end)
        probe = s17.probe_of(host, address, "good", now)
        leaf = s17._leaf(host, not_after, now)
        leaf.not_before = (not_after - timedelta(days=int(days))).isoformat()
        probe.leaf = leaf
        probe.chain = [leaf]
        return probe
    return s17.probe_of(host, address, state, now)


def result_for(domain: str, world: dict[str, Any], now: datetime) -> dict[str, Any]:
    """s17.result_for with MTA-STS in mode enforce (sts "pass") or testing, and MTASTS-33."""
    version = scoring.SCORE_VERSION + int(world.get("version", 0))
    hosts_spec = world.get("mx", {"mx1": {"v4": "good"}})
    patterns = [f"{p}.{domain}" for p in world.get("patterns", ["mx1"])]
    sts, rpt = world.get("sts", "pass"), world.get("rpt", "pass")
    mode = {"pass": "enforce", "testing": "testing"}.get(sts)
    ctx = CheckContext(domain, CheckConfig(allow_private_targets=True))
    hosts, probes = [], []
    for i, (short, addresses) in enumerate(sorted(hosts_spec.items()), start=1):
        name = f"{short}.{domain}"
        addrs = []
        for family, state in sorted(addresses.items()):
            address = f"192.0.2.{i}" if family == "v4" else f"2001:db8::{i}"
            addrs.append(address)
            probes.append((SimpleNamespace(name=name), probe_of(name, address, state, now)))
        hosts.append(mx.MxHost(name=name, preference=10 * i, addresses=addrs))
    mxset = mx.MxSet(answer=None, hosts=hosts)  # type: ignore[arg-type]
    policy = (
        starttls._Context(sts_mode=mode, sts_usable=True, patterns=patterns)
        if mode
        else starttls._Context()
    )
    smtp = Collector(Mechanism.SMTP)
    starttls._reachability(smtp, probes, ctx, mxset)
    for host, probe in probes:
        if (probe.connected and not probe.could_not_check) or probe.ehlo_ok:
            starttls._per_probe(smtp, host, probe, policy, None, ctx)

    severity = Status.FAIL if mode == "enforce" else Status.WARN
    sts_findings = Collector(Mechanism.MTASTS)
    if mode:
        by_host: dict[str, list[tuple[str, Any]]] = {}
        for host, probe in probes:
            by_host.setdefault(host.name, []).append((probe.address, probe))
        verdicts = [mtasts._probe_verdict(p) for _, p in probes]

        async def validate() -> None:
            validation = mtasts.MxValidation(
                probes=by_host, ok="fail" not in verdicts, failed="fail" in verdicts
            )

            async def known() -> mtasts.MxValidation:
                return validation

            await ctx.once("mtasts:validation", known)
            target = SimpleNamespace(mode=mode, fix="")
            matched = [h for h in hosts if h.name in patterns]
            await mtasts._validation_findings(
                ctx,
                mtasts.MtaStsState(patterns=list(patterns)),
                mxset,
                matched,
                severity,
                sts_findings,
                target,  # type: ignore[arg-type]
            )

        asyncio.run(validate())
    names = [h.name for h in hosts]
    uncovered = [n for n in names if n not in patterns]
    findings = [
        Finding("MX-01", Status.PASS, Mechanism.MX, f"{domain} has MX.", domain,
                {"answers": [f"{h.preference} {h.name}." for h in hosts], "query": f"{domain} MX"}),
        s17._record("MTASTS-01", Mechanism.MTASTS, f"_mta-sts.{domain}",
                    "pass" if mode else sts, "v=STSv1; id=1"),
        s17._record("TLSRPT-01", Mechanism.TLSRPT, f"_smtp._tls.{domain}", rpt,
                    f"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"),
        *smtp.findings,
    ]  # fmt: skip
    if mode:
        policy_url = f"https://mta-sts.{domain}/.well-known/mta-sts.txt"
        findings.append(
            Finding(
                "MTASTS-33",
                Status.PASS if mode == "enforce" else Status.INFO,
                Mechanism.MTASTS,
                "Mode enforce: senders refuse to deliver over unauthenticated TLS."
                if mode == "enforce"
                else "Mode testing: failures are only reported, so there is no downgrade "
                "protection yet. Switch to enforce once reports are clean.",
                policy_url,
                {},
            )
        )
        findings.append(
            Finding(
                "MTASTS-30",
                severity if uncovered else Status.PASS,
                Mechanism.MTASTS,
                f"{', '.join(uncovered)} is not covered by the MTA-STS policy of {domain}."
                if uncovered
                else f"Every MX host of {domain} is covered by its MTA-STS policy.",
                domain,
                {"mx": names, "patterns": patterns},
            )
        )
        findings += sts_findings.findings
    report = DomainReport(domain=domain, findings=findings)
    scoring.apply(report)
    data = report.to_dict()
    data["score_version"] = version
    return data


@override_settings(
    ALERT_CONFIRM_DELAY=600,
    ALERT_SCORE_DROP=10,
    ALERT_DIGEST_HOUR=7,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class S23aBlindSequencesTestCase(s17.BlindSequencesTestCase):
    """s17's player with this round's worlds and sequences."""

    def step(self, step: list[Any]) -> None:
        if step[0] != "run":
            super().step(step)
            return
        _, world, kind, *rest = step
        domain = self.domains[rest[0] if rest else "a.test"]
        spec = DATA["worlds"][world] if isinstance(world, str) else world
        self.clock += timedelta(minutes=11)
        result = result_for(domain.name, spec, self.clock)
        run = s17.store_run(domain, result, "confirm" if kind == "c" else "scheduled", self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            AlertState.observe(run)
        self.send_pending()

    def test_the_blind_sequences(self) -> None:
        """Every sequence of this round, each in a savepoint of its own; every mismatch named."""
        from django.db import transaction

        mismatches = []
        for seq in DATA["sequences"]:
            mail.outbox.clear()
            sid = transaction.savepoint()
            try:
                got = self.play(seq)
            finally:
                transaction.savepoint_rollback(sid)
            problem = self.compare(seq, got)
            if seq.get("open"):
                self.assertTrue(problem, f"{seq['id']} matches now: update its entry")
            elif problem:
                mismatches.append(f"{seq['id']} {seq['title']}:\n  {problem}")
        self.assertEqual(mismatches, [], "\n".join(mismatches))
