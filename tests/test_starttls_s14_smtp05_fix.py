"""SMTP-05: a server still advertising STARTTLS after the TLS handshake (RFC 3207 §4.2 MUST
NOT) was warned about with no fix. Real SMTP server with real TLS on 127.0.0.1; no lab."""

from __future__ import annotations

import pytest

from checks.findings import Status
from tests import test_starttls_s9_wire as wire
from tests.test_starttls import HOST, run_probe
from tests.test_starttls_extra2 import _findings

bundle = wire.bundle
pki = wire.pki
tls = wire.tls


def test_starttls_offered_again_after_tls_says_what_to_change(
    tls: object, bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "EHLO_IN_TLS", wire.EHLO)  # the same EHLO answer inside TLS
    probe = run_probe(wire.mta(tls), bundle)
    assert probe.tls_ok and probe.starttls_after_tls, probe.problem
    finding = _findings(probe, under_sts=True)["SMTP-05"]
    assert finding.status == Status.WARN
    assert HOST in finding.fix
    assert "STARTTLS" in finding.fix and "RFC 3207" in finding.fix
