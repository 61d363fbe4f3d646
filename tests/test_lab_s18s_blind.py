"""Blind round s18s: MX hosts, STARTTLS and their certificates in shapes no earlier set listed.

Each scenario (tests/lab/scenarios/s18s_*.toml, MX hosts on 127.0.91.x) is a signed zone with two
MX (MTA-STS enforce unless its title says otherwise, TLS-RPT, SPF, DMARC) and one delta: a
preference tie with a broken backup, one address of a name answering STARTTLS with 454, the
STARTTLS keyword in lower case or with a parameter, a 2-second EHLO, a certificate naming only an
IP, a partial-label or parent wildcard, a P-384 / RSA-1024 / SHA-1-signed leaf, a chain sent
root first or with an unrelated certificate, an 800-day leaf, a leaf with 6 hours left, and an MX
record written in capitals. The expectations below and in the files' [expect] tables were
written from checklist §1, §2d, §8, §9 and the RFCs, and committed before the engine ran on them.

For each scenario: the statuses at fail and at warn are exactly the file's [expect] lists, no
check reads "could not check", and every row of EXPECT names a finding with that check id and
status whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from checks.findings import DomainReport, Status
from tests.lab.scenarios import load_scenarios
from tests.test_engine_lab import describe, scenario_report

P, W, F = Status.PASS, Status.WARN, Status.FAIL

# label -> [(check id, status, words the finding must contain)]
EXPECT: dict[str, list[tuple[str, Status, tuple[str, ...]]]] = {
    "tiebackexp": [
        ("SMTP-10", F, ("mx3.s18s-tiebackexp.lab.test", "expired")),
        ("MTASTS-32", W, ("mx3.s18s-tiebackexp.lab.test",)),
        ("SMTP-10", P, ("mx1.s18s-tiebackexp.lab.test",)),
    ],
    "addr454": [
        ("SMTP-04", F, ("mx1.s18s-addr454.lab.test", "127.0.91.14", "454")),
        ("MTASTS-32", F, ("mx1.s18s-addr454.lab.test",)),
        ("DANE-10", F, ("mx1.s18s-addr454.lab.test",)),
        ("SMTP-04", P, ("127.0.91.13",)),
    ],
    "starttlslower": [("SMTP-03", P, ("mx1.s18s-starttlslower.lab.test",))],
    "starttlsparam": [("SMTP-03", P, ("mx1.s18s-starttlsparam.lab.test",))],
    "ehloslow": [
        ("SMTP-02", P, ("mx1.s18s-ehloslow.lab.test",)),
        ("DANE-07", P, ("mx1.s18s-ehloslow.lab.test",)),
    ],
    "sanip": [
        ("SMTP-11", F, ("mx1.s18s-sanip.lab.test",)),
        ("MTASTS-32", F, ("mx1.s18s-sanip.lab.test",)),
        ("SMTP-09", P, ("mx1.s18s-sanip.lab.test",)),
    ],
    "partialwild": [
        ("SMTP-11", F, ("mx1.s18s-partialwild.lab.test", "mx*.s18s-partialwild.lab.test")),
        ("MTASTS-32", F, ("mx1.s18s-partialwild.lab.test",)),
    ],
    "wildparent": [
        ("SMTP-11", F, ("mx1.s18s-wildparent.lab.test", "*.lab.test")),
        ("MTASTS-32", F, ("mx1.s18s-wildparent.lab.test",)),
    ],
    "p384": [
        ("SMTP-14", P, ("mx1.s18s-p384.lab.test",)),
        ("DANE-07", P, ("mx1.s18s-p384.lab.test",)),
    ],
    "rsa1024": [
        ("SMTP-14", F, ("mx1.s18s-rsa1024.lab.test", "1024")),
        ("MTASTS-32", F, ("mx1.s18s-rsa1024.lab.test",)),
    ],
    "sha1": [
        ("SMTP-14", F, ("mx1.s18s-sha1.lab.test", "SHA1")),
        # Corrected after the blind run: a SHA-1 signature on the leaf fails path validation in
        # every current verifier (OpenSSL 3 from security level 1, Go, cryptography), so the
        # chain does not validate: SMTP-09, warn without MTA-STS (checklist SMTP-09), as
        # docs/scoring.md (v5) decided. An RSA-1024 leaf differs: some verifiers take it, so
        # SMTP-09 passes and only MTA-STS validation (OpenSSL level 2) fails (s18s-rsa1024).
        ("SMTP-09", W, ("mx1.s18s-sha1.lab.test", "signed with SHA-1")),
    ],
    "rootfirst": [
        ("SMTP-09", P, ("mx1.s18s-rootfirst.lab.test",)),
        ("DANE-07", P, ("mx1.s18s-rootfirst.lab.test",)),
        # Corrected after the blind run (harness): MTASTS-32 passes once for the whole domain
        # ("Every address of every MX host ..."), not per host; it fails per host.
        ("MTASTS-32", P, ("every address of every mx host",)),
    ],
    "extracert": [
        ("SMTP-09", P, ("mx1.s18s-extracert.lab.test",)),
        # Corrected after the blind run (harness): MTASTS-32 passes once for the whole domain
        # ("Every address of every MX host ..."), not per host; it fails per host.
        ("MTASTS-32", P, ("every address of every mx host",)),
    ],
    "longlife": [("SMTP-10", P, ("mx1.s18s-longlife.lab.test",))],
    "hours": [
        ("SMTP-10", W, ("mx1.s18s-hours.lab.test",)),
        # Corrected after the blind run (harness): MTASTS-32 passes once for the whole domain
        # ("Every address of every MX host ..."), not per host; it fails per host.
        ("MTASTS-32", P, ("every address of every mx host",)),
        ("DANE-07", P, ("mx1.s18s-hours.lab.test",)),
    ],
    "mxupper": [
        ("MTASTS-30", P, ()),
        ("SMTP-11", P, ("mx1.s18s-mxupper.lab.test",)),
        ("DANE-07", P, ("mx1.s18s-mxupper.lab.test",)),
    ],
}

SCENARIOS = {
    s.name.removeprefix("s18s-"): s for s in load_scenarios() if s.name.startswith("s18s-")
}


def test_every_s18s_scenario_has_expectations() -> None:
    assert set(SCENARIOS) == set(EXPECT)


def _run(lab: Any, name: str) -> DomainReport:
    scenario = SCENARIOS[name]
    return scenario_report(lab, scenario)


@pytest.mark.lab
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_s18s_scenario_reads_as_expected(lab: Any, name: str) -> None:
    scenario = SCENARIOS[name]
    report = _run(lab, name)
    assert not report.error, report.error
    found = {(f.id, f.status) for f in report.findings}
    assert {i for i, s in found if s == F} == scenario.expect_fail, describe(report)
    assert {i for i, s in found if s == W} == scenario.expect_warn, describe(report)
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert not errors, describe(report)
    assert scenario.present <= {i for i, _ in found}, describe(report)
    from tests.test_engine_lab import assert_rows

    assert_rows(report, EXPECT[name])


@pytest.mark.lab
def test_s18s_lab_serves_the_declared_certificates(lab: Any) -> None:
    """The new lab knobs mint what the scenarios say (key, signature hash, dates, chain order)."""
    from pathlib import Path

    certs = Path(lab.run_dir) / "pki" / "servers"

    def chain(host: str, ip: str) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates((certs / f"smtp-{host}-{ip}.pem").read_bytes())

    p384 = chain("mx1.s18s-p384.lab.test", "127.0.91.28")[0].public_key()
    assert isinstance(p384, ec.EllipticCurvePublicKey) and p384.curve.name == "secp384r1"
    weak = chain("mx1.s18s-rsa1024.lab.test", "127.0.91.30")[0].public_key()
    assert isinstance(weak, rsa.RSAPublicKey) and weak.key_size == 1024
    sha1 = chain("mx1.s18s-sha1.lab.test", "127.0.91.32")[0]
    assert sha1.signature_hash_algorithm is not None
    assert sha1.signature_hash_algorithm.name == "sha1"
    root_first = [
        c.subject.rfc4514_string() for c in chain("mx1.s18s-rootfirst.lab.test", "127.0.91.33")
    ]
    assert "Lab Root R1" in root_first[1] and "Lab Issuing CA 1" in root_first[2]
    extra = [
        c.subject.rfc4514_string() for c in chain("mx1.s18s-extracert.lab.test", "127.0.91.35")
    ]
    assert "Lab Issuing CA 1" in extra[1] and "Rogue Root X" in extra[2]
    long = chain("mx1.s18s-longlife.lab.test", "127.0.91.37")[0]
    assert (long.not_valid_after_utc - long.not_valid_before_utc).days == 800
    hours = chain("mx1.s18s-hours.lab.test", "127.0.91.39")[0]
    left = hours.not_valid_after_utc.timestamp() - time.time()
    assert 0 < left < 6 * 3600 + 600
