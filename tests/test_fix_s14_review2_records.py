"""DMARC and TLS-RPT fixes of one record after the second review of 88eaff7: one record with
every repair its findings ask for, offered on each of them.

Each fix was built from the published record with only its own repair: with t=y and fo=0:1,
DMARC-09's fix repaired fo but DMARC-14's kept t=y; with pct=0 and t=y, DMARC-08's kept t=y and
DMARC-09's kept pct=0; TLSRPT-07's kept the null-MX address TLSRPT-10's removed. Publishing
one brought another finding back. The owner's policy choices (moving off p=none, DMARC-06)
stay with their own finding.
"""

from __future__ import annotations

from checks import dmarc, tlsrpt
from checks.findings import Finding, Status
from tests.test_spf import Zone, published, run

D = "example.org"
RUA = f"rua=mailto:dmarc@{D}"
BASE: Zone = {(D, "MX"): ["10 mx1.example.org."], (D, "TXT"): ["v=spf1 mx -all"]}
BAD = (Status.FAIL, Status.WARN)


def dmarc_findings(record: str) -> list[Finding]:
    return run(dmarc, D, {**BASE, (f"_dmarc.{D}", "TXT"): [record]})


def record_of(finding: Finding) -> str:
    (line,) = [line for line in finding.fix.split("\n") if ". TXT " in line]
    return published(line)[1]


def test_the_fixes_of_one_dmarc_record_are_one_record() -> None:
    # pct=0 with t=y: receivers apply quarantine now, which the record keeps
    # (tests/test_fix_s14_trial_step.py); both views apply it, so DMARC-19 passes (s47b).
    for written, ids, expected in (
        (
            f"v=DMARC1; p=reject; t=y; fo=0:1; {RUA}",
            {"DMARC-09", "DMARC-14"},
            f"p=reject; {RUA}; fo=1",
        ),
        (
            f"v=DMARC1; p=reject; pct=0; t=y; {RUA}",
            {"DMARC-08", "DMARC-09"},
            f"p=quarantine; {RUA}",
        ),
    ):
        found = [f for f in dmarc_findings(written) if f.status in BAD]
        assert {f.id for f in found} == ids, written
        fixed = {record_of(f) for f in found}
        assert fixed == {f"v=DMARC1; {expected}"}
        (record,) = fixed
        assert not [f for f in dmarc_findings(record) if f.status in BAD], record


def test_moving_off_p_none_stays_the_monitoring_findings_choice() -> None:
    found = dmarc_findings(f"v=DMARC1; p=none; t=yes; fo=0:1; {RUA}")
    fixes = {f.id: record_of(f) for f in found if f.status in BAD}
    assert fixes["DMARC-09"] == fixes["DMARC-14"] == f"v=DMARC1; p=none; {RUA}; fo=1"
    assert fixes["DMARC-06"] == f"v=DMARC1; p=quarantine; {RUA}; fo=1"


def test_the_tls_rpt_record_fix_leaves_out_an_address_at_a_null_mx_domain() -> None:
    written = "v=TLSRPTv1; rua=mailto:tls@nullmx.example,mailto:tls@example.org!10m"
    zone: Zone = {
        **BASE,
        ("mx1.example.org", "A"): ["192.0.2.1"],
        ("nullmx.example", "MX"): ["0 ."],
        (f"_smtp._tls.{D}", "TXT"): [written],
    }
    found = [f for f in run(tlsrpt, D, zone) if f.status in BAD]
    assert {f.id for f in found} == {"TLSRPT-07", "TLSRPT-10"}
    expected = "v=TLSRPTv1; rua=mailto:tls@example.org"
    assert {record_of(f) for f in found} == {expected}
    assert "null MX" in next(f.fix for f in found if f.id == "TLSRPT-07")
    again = run(tlsrpt, D, {**zone, (f"_smtp._tls.{D}", "TXT"): [expected]})
    assert not [f for f in again if f.status in BAD]
