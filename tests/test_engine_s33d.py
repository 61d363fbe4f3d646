"""Task s33d: one record per name in the fixes of one run.

A reviewer saw DMARC-06 offer `_dmarc TXT "v=DMARC1; p=quarantine; …"` and DMARC-08
`"v=DMARC1; p=none; …"` in one run, both as "publish this record": an owner following both has
two DMARC records, which receivers take as none (RFC 7489 §6.6.3), as for MTA-STS (RFC 8461
§3.1) and TLS-RPT (RFC 8460 §3); two SPF records are a permerror (RFC 7208 §4.5). The
mechanisms merge the repairs they can (checks.dmarc RecordRepairs); an owner's step on top of
them (p=quarantine, '-all', dropping a report address) stays with its finding, as a repair must
not force it. Each fix offering a record another fix of the run offers differently now says so
(checks.onerecord), naming the other findings and which record makes which changes.

Where the engine offers a whole record of these kinds (txt_fix and record lines in checks/,
and the findings whose fixes offer one in the fix corpus): SPF: spf.py (SPF-01, -02, -03, -05,
-08, -09, -10, -11, -14, -15, -17 per MX host, -18, -19), mx.py (MX-01, MX-03 no-mail records);
DMARC: dmarc.py (DMARC-01 ... -10, -12, -13, -14, -16, -17, -19: merged_record, _moved_fix,
RecordRepairs, the report authoriser's v=DMARC1), bimi.py (BIMI-08, a policy BIMI accepts),
mx.py (MX-01); MTA-STS: mtasts.py (MTASTS-01, -02, -04 ... -08, -10, -19 ... -31, -33: setup,
new ids, the record kept beside one deleted, delegated names); TLS-RPT: tlsrpt.py (TLSRPT-01,
-02, -04, -05, -06, -07, -09, -10) and mtasts.py (MTASTS-34). In the corpus of 1031 runs, 7
offered two different records for one name before s33d: DMARC-06/-09, DMARC-06/-12,
DMARC-07/-09, SPF-09/-10 (twice), MX-03 and SPF-18/SPF-08, TLSRPT-06/-10."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from checks import engine
from checks.config import CheckConfig
from checks.findings import DomainReport, Finding
from checks.onerecord import KINDS, offered_records, one_record_per_name
from tests.test_engine_s19z_nomail import in_memory_dns
from tests.test_fix_texts import CASES, Case, findings_for
from tests.test_mx import FakeDns

D = "example.org"
BASE: dict[tuple[str, str], list[str] | str] = {
    (D, "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    (D, "TXT"): ['"v=spf1 mx -all"'],
    (f"_dmarc.{D}", "TXT"): [f'"v=DMARC1; p=reject; rua=mailto:dmarc@{D}"'],
    (f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua=mailto:tls@{D}"'],
}


def check(zone: dict[tuple[str, str], list[str] | str], *mechanisms: str) -> DomainReport:
    """The whole engine (check_domain) on an in-memory zone, for `mechanisms` only."""
    config = CheckConfig(timeout=0.5, allow_private_targets=True)
    with in_memory_dns(FakeDns({**BASE, **zone})):
        return asyncio.run(engine.check_domain(D, config, mechanisms=mechanisms))


def offering(findings: list[Finding], name: str) -> dict[str, str]:
    """finding id -> the whole record its fix offers at `name`."""
    out: dict[str, str] = {}
    for finding in findings:
        for record in offered_records(finding.fix):
            if record.name == name:
                out[finding.id] = record.value
    return out


def test_s33d_dmarc_06_and_08_say_they_are_one_record() -> None:
    """The reviewer's run: p=none sampled at pct=50. DMARC-06's record moves to quarantine,
    DMARC-08's drops pct and keeps p=none: two records, each now saying the other is one
    record with it, and that DMARC-06's makes DMARC-08's change too."""
    report = check(
        {(f"_dmarc.{D}", "TXT"): [f'"v=DMARC1; p=none; pct=50; rua=mailto:dmarc@{D}"']}, "dmarc"
    )
    records = offering(report.findings, f"_dmarc.{D}")
    assert {"DMARC-06", "DMARC-08"} <= set(records), records
    assert "p=quarantine" in records["DMARC-06"] and "p=none" in records["DMARC-08"]
    fixes = {f.id: f.fix for f in report.findings if f.id in records}
    assert f"One DMARC record at _dmarc.{D}: this record also makes the change" in fixes["DMARC-06"]
    assert "DMARC-08" in fixes["DMARC-06"].split("One DMARC record")[1]
    assert (
        f"One DMARC record at _dmarc.{D}: DMARC-06's fix offers one that makes this change"
        in (fixes["DMARC-08"])
    )
    for fix in fixes.values():
        assert "count as none (RFC 7489 §6.6.3)" in fix
        assert "never both" in fix


def test_s33d_dmarc_06_and_12_a_bare_report_address() -> None:
    report = check(
        {(f"_dmarc.{D}", "TXT"): [f'"v=DMARC1; p=none; rua=dmarc@{D},mailto:agg@{D}"']}, "dmarc"
    )
    records = offering(report.findings, f"_dmarc.{D}")
    assert len(set(records.values())) == 2, records
    fixes = {f.id: f.fix for f in report.findings if f.id in records}
    assert "this record also makes the change DMARC-12 asks for" in fixes["DMARC-06"]
    assert "DMARC-06's fix offers one that makes this change too" in fixes["DMARC-12"]


def test_s33d_spf_09_and_10_say_they_are_one_record() -> None:
    report = check({(D, "TXT"): [f'"v=spf1 mx ~all include:_spf.gone.example a:old.{D}"']}, "spf")
    records = offering(report.findings, D)
    assert records.get("SPF-09") == "v=spf1 mx -all", records
    assert records.get("SPF-10") == "v=spf1 mx ~all", records
    fixes = {f.id: f.fix for f in report.findings if f.id in records}
    assert f"One SPF record at {D}: this record also makes the change SPF-10" in fixes["SPF-09"]
    assert f"One SPF record at {D}: SPF-09's fix offers one" in fixes["SPF-10"]
    # Two SPF records are not none but an error (RFC 7208 §4.5).
    assert all(
        "Two SPF records at one name are an error (permerror) that receivers may treat as a "
        "failure (RFC 7208 §3.2, §4.5)" in fix
        for fix in fixes.values()
    )


def test_s33d_tlsrpt_06_and_10_say_they_are_one_record() -> None:
    rua = f"mailto:tls@{D},http://rpt.{D}/v1,https://rpt.gone.example/v1"
    report = check({(f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua={rua}"']}, "tls-rpt")
    records = offering(report.findings, f"_smtp._tls.{D}")
    assert {"TLSRPT-06", "TLSRPT-10"} <= set(records), records
    fixes = {f.id: f.fix for f in report.findings if f.id in records}
    assert "TLSRPT-10's fix offers one that makes this change too" in fixes["TLSRPT-06"]
    assert "this record also makes the change TLSRPT-06 asks for" in fixes["TLSRPT-10"]
    assert all("count as none (RFC 8460 §3)" in fix for fix in fixes.values())


def test_s33d_one_record_offered_alike_by_two_fixes_needs_no_note() -> None:
    """DMARC's repairs are merged (RecordRepairs): t=y and pct=50 under p=reject give DMARC-08
    and DMARC-09 the same record, which is one record already."""
    report = check(
        {(f"_dmarc.{D}", "TXT"): [f'"v=DMARC1; p=reject; pct=50; t=y; rua=mailto:d@{D}"']},
        "dmarc",
    )
    records = offering(report.findings, f"_dmarc.{D}")
    assert len(records) >= 2 and len(set(records.values())) == 1, records
    assert not any("One DMARC record" in f.fix for f in report.findings)


def test_s33d_a_record_to_delete_is_not_an_offer() -> None:
    fix = (
        f'Delete the record _mta-sts.{D}. TXT "v=STSv1; id=1;" and keep the other, written as '
        f'it is:\n_mta-sts.{D}. TXT "v=STSv1; id=1"'
    )
    assert [r.value for r in offered_records(fix)] == ["v=STSv1; id=1"]
    fix = f'Delete the TLS-RPT record at _smtp._tls.{D}:\n_smtp._tls.{D}. TXT "v=TLSRPTv1; rua=x"'
    assert offered_records(fix) == []


# --- The sweep: every run of the fix-text corpus (lab scenarios and extra cases) -------------

ONE = re.compile(
    r"One (?P<what>SPF|DMARC|MTA-STS|TLS-RPT) record at (?P<name>\S+): (?P<rest>[^\n]*)"
)


def rival_groups(findings: list[Finding]) -> dict[tuple[str, str], dict[int, str]]:
    """(name, kind) -> {index of a finding: the one record its fix offers there}, for names
    where the run's fixes offer more than one record."""
    groups: dict[tuple[str, str], dict[int, set[str]]] = {}
    for index, finding in enumerate(findings):
        for record in offered_records(finding.fix):
            groups.setdefault((record.name, record.kind), {}).setdefault(index, set()).add(
                record.value
            )
    return {
        key: {i: next(iter(v)) for i, v in by.items() if len(v) == 1}
        for key, by in groups.items()
        if len(set().union(*by.values())) > 1
    }


def test_s33d_sweep_finds_the_rival_records_it_reads() -> None:
    """The sweep's reading on a run that has them, so that its passing says something."""
    findings = [
        Finding("DMARC-06", "warn", "dmarc", "", fix=f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine"'),  # type: ignore[arg-type]
        Finding("DMARC-08", "warn", "dmarc", "", fix=f'_dmarc.{D}. TXT "v=DMARC1; p=none"'),  # type: ignore[arg-type]
    ]
    assert list(rival_groups(findings)) == [(f"_dmarc.{D}", "v=dmarc1")]


@pytest.mark.parametrize("case", CASES)
def test_s33d_no_run_offers_two_records_for_one_name_unsaid(case: Case) -> None:
    """Where a run's fixes offer two different SPF, DMARC, MTA-STS or TLS-RPT records for one
    name, each fix offering one says, naming every other finding offering another, that the
    name holds one (and which record makes which change); no run offers two unsaid."""
    domain, zone, served, selectors = case.inputs()
    findings = one_record_per_name(findings_for(domain, zone, served, selectors))
    for (name, kind), by_index in rival_groups(findings).items():
        what = KINDS[kind][0]
        for index, value in by_index.items():
            finding = findings[index]
            notes = [m for m in ONE.finditer(finding.fix) if m["name"] == name]
            assert len(notes) == 1, (finding.id, name, finding.fix)
            assert notes[0]["what"] == what
            others = {findings[i].id for i, v in by_index.items() if v != value}
            assert others, (finding.id, by_index)
            for other in others - {finding.id}:
                assert other in notes[0]["rest"], (finding.id, other, notes[0]["rest"])
            assert f"Two {what} records at one name {KINDS[kind][1]} (" in notes[0]["rest"]
            assert "never both" in notes[0]["rest"]


def _fix(check_id: str, name: str, value: str, subject: str = "", **evidence: Any) -> Finding:
    return Finding(
        check_id,
        "warn",  # type: ignore[arg-type]
        "dmarc",  # type: ignore[arg-type]
        "",
        subject=subject,
        evidence=evidence,
        fix=f'{name}. TXT "{value}"',
    )


def test_s33d_records_neither_of_which_makes_the_others_change() -> None:
    """f45: DMARC-07 drops sp=none, DMARC-09 holds np=quarantine; neither carries the other."""
    name = f"_dmarc.{D}"
    now = "v=DMARC1; p=reject; sp=none; np=reject; t=y"
    findings = one_record_per_name(
        [
            _fix("DMARC-07", name, "v=DMARC1; p=reject; np=reject", name, record=now),
            _fix("DMARC-09", name, "v=DMARC1; p=reject; sp=none; np=quarantine", name),
        ]
    )
    for finding, other in zip(findings, ("DMARC-09", "DMARC-07"), strict=True):
        assert (
            f"One DMARC record at {name}: {other}'s fix offers another for another finding, "
            "and neither record makes the other's change."
        ) in finding.fix
        assert finding.fix.endswith("offered anew, on the record you published.")


def test_s33d_without_the_published_record_no_claim_of_which_carries_what() -> None:
    name = f"_dmarc.{D}"
    findings = one_record_per_name(
        [
            _fix("DMARC-06", name, "v=DMARC1; p=quarantine"),
            _fix("DMARC-08", name, "v=DMARC1; p=none"),
            _fix("DMARC-12", name, "v=DMARC1; p=none; rua=mailto:d@example.org"),
        ]
    )
    assert findings[0].fix.split("\n")[1] == (
        f"One DMARC record at {name}: the fixes of DMARC-08 and DMARC-12 offer another, for "
        "another finding. Two DMARC records at one name count as none (RFC 7489 §6.6.3): "
        "publish one record there, in place of any you have, never both."
    )


def test_s33d_one_carrier_and_one_other_are_both_named() -> None:
    name = f"_dmarc.{D}"
    now = "v=DMARC1; p=none; pct=50; t=y"
    findings = one_record_per_name(
        [
            _fix("DMARC-06", name, "v=DMARC1; p=quarantine", name, record=now),
            _fix("DMARC-08", name, "v=DMARC1; p=none; t=y"),
            _fix("DMARC-09", name, "v=DMARC1; p=none; pct=50"),
        ]
    )
    note = findings[1].fix.split("\n")[1]
    assert "DMARC-06's fix offers one that makes this change too" in note
    assert "DMARC-09's fix offers another, for another finding." in note
    assert (
        findings[0]
        .fix.split("\n")[1]
        .startswith(
            f"One DMARC record at {name}: this record also makes the changes DMARC-08 and "
            "DMARC-09 ask for; the fixes of DMARC-08 and DMARC-09 offer one without this "
            "finding's own change."
        )
    )
