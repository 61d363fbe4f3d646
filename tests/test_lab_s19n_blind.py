"""Blind round s19n: DNSSEC and DANE in shapes no earlier set listed.

Each scenario (tests/lab/scenarios/s19n_*.toml, MX hosts on 127.0.95.x) is one thing a mail
admin really gets wrong or does unusually: a DS for the ZSK only, a DS whose algorithm field says
8 or 1 for an algorithm-13 key, signatures from a signer whose clock runs a day ahead, one
expired RRSIG on a TLSA RRset, DANE-TA pinning a root the server does send, a stale 3 1 1 beside
a working 2 1 1, selector and matching-type mix-ups, 3 1 2 and 3 0 0 records, a backup MX name
that no longer exists, a TLSA CNAME left dangling at an old provider, CNAME'd MX hosts with TLSA
at the original name only or at both names, a CA that rotated its intermediate under a DANE-TA
pin, a next-key record that lost a byte, and an MX in an unsigned sub-zone without TLSA.

The expectations (the files' [expect] tables and EXPECT below) were written from checklist §7,
§8, §9 and RFCs 4035, 6698, 7671 and 7672, and committed before the engine ran on them.

For each scenario: the check ids at fail and at warn are exactly the file's [expect] lists,
every id in its `error` list reads "could not check" (nothing does where the list is empty), and every row of
EXPECT names a finding with that id and status whose subject, summary, evidence or fix contains
each of the given words (case-insensitive) in what an admin reads: its subject, summary or fix.
Rows marked "after the blind run" were sharpened or corrected once the engine had run; the
scenario files' notes say why.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import DomainReport, Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_engine_lab import describe, scenario_report

P, N, W, F = Status.PASS, Status.INFO, Status.WARN, Status.FAIL  # N: info (a note)

# label -> [(check id, status, words the finding must contain)]
EXPECT: dict[str, list[tuple[str, Status, tuple[str, ...]]]] = {
    # The DS names the ZSK: the fix is the DS of the key with flags 257 (RFC 4035 §5.2).
    "dszsk": [
        ("DNSSEC-01", F, ("s19n-dszsk.lab.test",)),
        # Sharpened after the blind run: the fix is the exact DS of the key that signs the
        # key set (it said "Sign the DNSKEY RRset with the key the DS points to").
        ("DNSSEC-02", F, ("zone-signing key (flags 256)", "IN DS", "flags 257")),
    ],
    # DS algorithm 8, key algorithm 13: bogus; the text names both numbers.
    "dsalg8": [
        ("DNSSEC-01", F, ("s19n-dsalg8.lab.test",)),
        # After the blind run: it said "its digest does not match", which is untrue.
        ("DNSSEC-02", F, ("algorithm 8", "algorithm 13", "only the algorithm field", "bogus")),
    ],
    # DS algorithm 1 (unsupported): insecure, not bogus (RFC 4035 §5.2); the DS is still wrong.
    "dsalgmd5": [
        # After the blind run: DNSSEC-01 said "not DNSSEC-signed ... enable signing" and
        # DNSSEC-02 "validating resolvers treat the zone as bogus"; neither is so.
        ("DNSSEC-01", N, ("is signed", "insecure", "Replace the DS")),
        ("DNSSEC-02", F, ("algorithm 1", "algorithm 13", "insecure")),
    ],
    # Inception in the future: "not yet valid", not "expired" (RFC 4035 §5.3.1).
    "sigfuture": [
        ("DNSSEC-01", F, ("s19n-sigfuture.lab.test",)),
        # After the blind run: it said only "outside their validity window".
        ("DNSSEC-05", F, ("not valid yet", "clock")),
    ],
    # One bogus TLSA RRset in a zone that otherwise validates.
    "tlsaexpsig": [
        # After the blind run: the summary said only "bogus", not why.
        ("DANE-02", F, ("mx1.s19n-tlsaexpsig.lab.test", "signature expired")),
        ("DANE-11", W, ("mx1.s19n-tlsaexpsig.lab.test",)),
        ("DNSSEC-01", P, ()),
        ("DANE-07", P, ("mx2.s19n-tlsaexpsig.lab.test",)),
    ],
    "roottasent": [("DANE-07", P, ("mx1.s19n-roottasent.lab.test",))],
    "staleeeta": [
        ("DANE-12", W, ("mx1.s19n-staleeeta.lab.test", "3 1 1")),
        ("DANE-07", P, ("mx1.s19n-staleeeta.lab.test",)),
    ],
    # The digest is the certificate's: the text says it would match as 3 0 1.
    "selectormix": [("DANE-07", F, ("mx1.s19n-selectormix.lab.test", "127.0.95.24", "3 0 1"))],
    # A SHA-256 digest under matching type 2: the text says it would be right as 3 1 1.
    "mtypemix": [
        ("DANE-05", F, ("mx1.s19n-mtypemix.lab.test", "3 1 1")),
        # Corrected after the blind run (see the file's note): coverage counts usable records.
        ("DANE-11", W, ("mx1.s19n-mtypemix.lab.test",)),
    ],
    "tlsa312": [
        ("DANE-07", P, ("mx1.s19n-tlsa312.lab.test",)),
        ("DANE-06", N, ("3 1 2",)),
    ],
    "tlsa300": [
        ("DANE-06", W, ("mx1.s19n-tlsa300.lab.test", "3 0 0")),
        ("DANE-07", P, ("mx1.s19n-tlsa300.lab.test",)),
    ],
    # DANE-11 warned "mx2 has none ... mail can still reach the others without
    # authentication" for a host that receives no mail at all (fixed after the blind run).
    "mx2nx": [
        ("DANE-11", P, ("with an address", "mx2.s19n-mx2nx.lab.test")),
        ("MX-06", W, ("mx2.s19n-mx2nx.lab.test",)),
        ("DANE-07", P, ("mx1.s19n-mx2nx.lab.test",)),
    ],
    # The alias target that no longer exists is named, so the admin knows what to remove.
    "tlsacnamegone": [
        # After the blind run: it offered a TLSA record to publish beside the CNAME, which
        # no zone accepts (RFC 1034 §3.6.2), and did not mention the alias.
        ("DANE-01", N, ("_25._tcp.mx1.s19nprov-a.test", "does not exist", "Remove the CNAME")),
        ("DANE-11", W, ("mx1.s19n-tlsacnamegone.lab.test",)),
    ],
    "cnameorig": [
        ("DANE-07", P, ("mx1.s19n-cnameorig.lab.test",)),
        ("MX-04", W, ("mx1.s19n-cnameorig.lab.test",)),
    ],
    # Corrected after the blind run (harness): DANE-07 is reported under the MX name and
    # address; DANE-01 says which TLSA name was used (the expanded one).
    "cnameboth": [
        ("DANE-07", P, ("mx1.s19n-cnameboth.lab.test",)),
        ("DANE-01", P, ("_25._tcp.host1.s19nprov-b.test",)),
    ],
    # The CA the server now uses is named, so the admin knows which key to pin. Corrected
    # after the blind run: DANE-07, not DANE-09 (see the file's note); the text named
    # neither the new CA nor its record.
    "carotate": [("DANE-07", F, ("mx1.s19n-carotate.lab.test", "Lab Issuing CA 4", "2 1 1"))],
    "nextkeytypo": [
        ("DANE-05", W, ("mx1.s19n-nextkeytypo.lab.test", "31")),
        ("DANE-07", P, ("mx1.s19n-nextkeytypo.lab.test",)),
    ],
    "unsmx": [
        ("DNSSEC-01", P, ()),
        ("DNSSEC-09", N, ("mx.mail.s19n-unsmx.lab.test",)),
    ],
}

SCENARIOS: dict[str, Scenario] = {
    s.domain.removeprefix("s19n-").removesuffix(".lab.test"): s
    for s in load_scenarios()
    if s.domain.startswith("s19n-")
}


def test_every_s19n_scenario_has_expectations() -> None:
    assert set(SCENARIOS) == set(EXPECT)


def _run(lab: Any, name: str) -> DomainReport:
    scenario = SCENARIOS[name]
    return scenario_report(lab, scenario)


@pytest.mark.lab
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_s19n_scenario_reads_as_expected(lab: Any, name: str) -> None:
    scenario = SCENARIOS[name]
    report = _run(lab, name)
    assert not report.error, report.error
    found = {(f.id, f.status) for f in report.findings}
    assert {i for i, s in found if s == F} == scenario.expect_fail, describe(report)
    assert {i for i, s in found if s == W} == scenario.expect_warn, describe(report)
    errors = {f.id for f in report.findings if f.status == Status.ERROR}
    assert scenario.expect_error <= errors, describe(report)
    # Only a bogus zone's lookups may read "could not check" (as F48, F49).
    if not scenario.expect_error:
        assert not errors, describe(report)
    assert scenario.present <= {i for i, _ in found}, describe(report)
    from tests.test_engine_lab import assert_rows, readable_text

    assert_rows(report, EXPECT[name], readable_text)
