"""Blind round s22n: DNSSEC, DANE and the MTA-STS policy fetch in shapes no earlier set listed.

Each scenario (tests/lab/scenarios/s22n_*.toml, MX hosts on 127.0.108.10 and up, policy hosts
on 127.0.108.1; 127.0.108.2 is a policy address where nothing listens) is a signed domain with
two MX names, TLS-RPT, SPF and DMARC, and one thing operators really publish: a DANE-TA pin
left over from a CA change beside the current one, a TLSA record made from the certificate a
server sends without SNI, a 2 0 0 record on a leaf-only server, DANE-TA on a CN-only
certificate, a root CA pinned "as a fallback" that is never sent, one MX name on two boxes
with a key each and both pinned; a 4096-bit RSA KSK whose DNSKEY answer needs TCP, one expired
RRSIG on the backup MX's address, on _mta-sts or on the policy host's address; a policy
answered with two Content-Type lines, with a web host's analytics footer, with CR CR LF line
ends, from a host with a dead second address, empty, or behind a cross-signed root chain.

The expectations (the files' [expect] tables and EXPECT below) were written from checklist §2,
§7, §8, §9 and the RFCs the notes cite, and committed before the engine ran on them.

For each scenario: the check ids at fail and at warn are exactly the file's [expect] lists,
every id in its `error` list reads "could not check" (nothing does where the list is empty),
every id in `present` appears, and every row of EXPECT names a finding with that id and status
whose subject, summary or fix (what an admin reads) contains each of the given words
(case-insensitive). Rows marked "after the blind run" were changed once the engine had run;
the scenario files' notes say why.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import DomainReport, Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_engine_lab import describe, scenario_report

P, N, W, F = Status.PASS, Status.INFO, Status.WARN, Status.FAIL  # N: info (a note)


def _h(n: str, label: str) -> str:
    return f"{n}.s22n-{label}.lab.test"


# label -> [(check id, status, words the finding must contain)]
EXPECT: dict[str, list[tuple[str, Status, tuple[str, ...]]]] = {
    # One 2 1 1 still matches: the stale one beside it is no DANE-12 warning (RFC 7671 §8.4).
    "mixroll": [
        ("DANE-07", P, (_h("mx1", "mixroll"),)),
        ("DANE-07", P, (_h("mx2", "mixroll"),)),
    ],
    # DANE clients send SNI (RFC 7672 §8.1); the record pins the no-SNI certificate, and the
    # finding says so, or the admin makes the same record again.
    "nosnitlsa": [
        ("DANE-07", F, (_h("mx1", "nosnitlsa"), "SNI")),
        ("DANE-07", P, (_h("mx2", "nosnitlsa"),)),
        ("MTASTS-32", P, ()),
    ],
    # 2 0 0 carries the TA certificate: a leaf-only server still authenticates (RFC 7671 §5.2.2).
    "ta200leaf": [
        ("DANE-07", P, (_h("mx1", "ta200leaf"),)),
        ("DANE-09", P, (_h("mx1", "ta200leaf"),)),
        ("DANE-06", W, (_h("mx1", "ta200leaf"),)),
        ("SMTP-09", W, (_h("mx1", "ta200leaf"),)),
    ],
    # RFC 7672 §3.2.3: the CN-ID counts when there is no DNS-ID; PKIX (RFC 9525) does not.
    "tacnonly": [
        ("DANE-07", P, (_h("mx1", "tacnonly"),)),
        ("DANE-09", P, (_h("mx1", "tacnonly"),)),
        ("SMTP-11", W, (_h("mx1", "tacnonly"),)),
    ],
    # A 2 1 1 of a root that is never sent can never match (RFC 7671 §5.2.2, §8.4).
    "eeroot": [
        ("DANE-12", W, (_h("mx1", "eeroot"), "2 1 1")),
        ("DANE-07", P, (_h("mx1", "eeroot"),)),
    ],
    # Each box matches its own record; neither record is stale.
    "twoboxes": [
        ("DANE-07", P, (_h("mx1", "twoboxes"), "127.0.108.20")),
        ("DANE-07", P, (_h("mx1", "twoboxes"), "127.0.108.21")),
    ],
    "rsa4096": [
        ("DNSSEC-01", P, ()),
        ("DNSSEC-03", P, ()),
        ("DANE-07", P, (_h("mx1", "rsa4096"),)),
    ],
    # After the blind run (engine right, as s11d-bogusbackup): the MX host's bogus address is
    # DNSSEC-09 and MX-06, not DNSSEC-01; DANE-02 now says that no TLSA exists and only the
    # proof of that fails (it said "the TLSA records ... fail").
    "mxaddrexp": [
        ("DNSSEC-09", F, (_h("mx2", "mxaddrexp"),)),
        ("MX-06", W, (_h("mx2", "mxaddrexp"),)),
        ("DNSSEC-07", F, ("_25._tcp.mx2.s22n-mxaddrexp.lab.test",)),
        ("DANE-02", F, (_h("mx2", "mxaddrexp"), "has no TLSA records", "DNSSEC-07")),
    ],
    "mtastsexp": [
        ("DNSSEC-01", F, ("_mta-sts.s22n-mtastsexp.lab.test",)),
        ("DANE-07", P, (_h("mx1", "mtastsexp"),)),
    ],
    # After the blind run: DNSSEC-01 did not look at the policy host's name (dnssec.py now does).
    "polhostexp": [
        ("DNSSEC-01", F, ("mta-sts.s22n-polhostexp.lab.test", "policy")),
        ("DANE-07", P, (_h("mx1", "polhostexp"),)),
    ],
    "twoctype": [("MTASTS-15", F, ("text/html",))],
    "footer": [("MTASTS-28", F, ("<script",))],
    # After the blind run: five MTASTS-29 warnings about blank lines the file does not have
    # (the CR of each CR CR LF split off); MTASTS-19 now names the lines as the editor shows them.
    "crcrlf": [("MTASTS-19", F, ("Lines 1, 2, 3, 4, 5", "CR CR LF"))],
    "deadaddr": [("MTASTS-17", W, ("127.0.108.2",))],
    # After the blind run (engine right): one finding for a file with no policy in it.
    "emptybody": [("MTASTS-28", F, ("empty",))],
    "polcrossroot": [("MTASTS-12", P, ())],
}

SCENARIOS: dict[str, Scenario] = {
    s.domain.removeprefix("s22n-").removesuffix(".lab.test"): s
    for s in load_scenarios()
    if s.domain.startswith("s22n-")
}


def test_every_s22n_scenario_has_expectations() -> None:
    assert set(SCENARIOS) == set(EXPECT)


def test_s22n_scenarios_stay_in_their_address_block() -> None:
    for s in SCENARIOS.values():
        ips = [h.ip for h in s.smtp] + [w.ip for w in s.https]
        assert ips and all(ip.startswith("127.0.108.") for ip in ips), s.domain


def _run(lab: Any, name: str) -> DomainReport:
    scenario = SCENARIOS[name]
    return scenario_report(lab, scenario)


@pytest.mark.lab
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_s22n_scenario_reads_as_expected(lab: Any, name: str) -> None:
    scenario = SCENARIOS[name]
    report = _run(lab, name)
    assert not report.error, report.error
    found = {(f.id, f.status) for f in report.findings}
    assert {i for i, s in found if s == F} == scenario.expect_fail, describe(report)
    assert {i for i, s in found if s == W} == scenario.expect_warn, describe(report)
    errors = {f.id for f in report.findings if f.status == Status.ERROR}
    assert scenario.expect_error <= errors, describe(report)
    # Only a name that does not validate may leave something "could not check".
    if not scenario.expect_error:
        assert not errors, describe(report)
    assert scenario.present <= {i for i, _ in found}, describe(report)
    from tests.test_engine_lab import assert_rows, readable_text

    assert_rows(report, EXPECT[name], readable_text)
