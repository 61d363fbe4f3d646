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

import json
from datetime import datetime, timedelta
from pathlib import Path

import tests.test_alerts_s17_blind as s17
from checks import starttls

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


class S23aBlindSequencesTestCase(s17.BlindSequencesTestCase):
    """s17's player (and its settings, which override_settings on a class passes to subclasses)
    with this round's worlds, sequences and probe states."""

    DATA = DATA
    probe = staticmethod(probe_of)
    mode_finding = True
