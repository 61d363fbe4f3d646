"""DMARC trial notes on the offered record, as a reviewer found them (review of e80309f).

1. A hold (_trial_hold) kept one policy while another rose: p=quarantine; np=reject; t=y had
   the record hold np=quarantine and say "This keeps what receivers apply now", while RFC 9989
   receivers' p rose from none to quarantine. The rise is said now, and the hold names what it
   keeps.
2. A note said to wait for clean reports where none can arrive: the record with no usable
   report address in force. It now says to publish a report address first, keeping the trial.
3. DMARC-08 said RFC 9989 receivers "apply it to all" under t=y when only p was none: they
   step sp down too (RFC 9989 §4.7).
"""

from __future__ import annotations

from checks.findings import Finding
from tests.test_fix_s14_trial_step import RUA, applied_to_all, bad_findings, offered

FTP = "rua=ftp://reports.example.org"
WAIT_UNFOLLOWABLE = "once your reports are clean"
ADD_ITS_ADDRESS = (
    "none arrive before a usable report address is published, so first add this record's rua "
    "to the record you have now, keeping the trial"
)
ADD_AN_ADDRESS = (
    "with a report address (rua) added: none arrive until you add one to the record you have "
    "now, keeping the trial"
)


def fixes_by_id(record: str) -> dict[str, Finding]:
    return {f.id: f for f in bad_findings(record) if f.fix}


# -------------------------------------------------------------- 1. a hold beside a rise


def test_a_hold_beside_a_rising_policy_says_the_rise() -> None:
    # fo=0:1 (DMARC-14) is a finding about something else: its fix ends the t=y trial.
    record = f"v=DMARC1; p=quarantine; np=reject; t=y; fo=0:1; {RUA}"
    assert applied_to_all(record) == ("quarantine", "none")
    fix = fixes_by_id(record)["DMARC-14"].fix
    assert applied_to_all(offered(fixes_by_id(record)["DMARC-14"])) == ("quarantine", "quarantine")
    assert (
        "This record leaves out t=y, ending the trial: RFC 9989 receivers will apply "
        "p=quarantine (now none) to all failing mail." in fix
    ), fix
    assert "It keeps np at what receivers apply now (np=quarantine)" in fix
    assert "This keeps what receivers apply now" not in fix


def test_the_reviewers_record_no_longer_says_it_keeps_what_receivers_apply() -> None:
    found = fixes_by_id(f"v=DMARC1; p=quarantine; np=reject; t=y; {FTP}")
    assert "p=quarantine (now none)" in found["DMARC-12"].fix
    # DMARC-09's own advice raises p ("remove t=y"): the hold names only np as kept.
    for finding in found.values():
        assert "This keeps what receivers apply now (np=quarantine)" not in finding.fix
    assert "This keeps np at what receivers apply now (np=quarantine)" in found["DMARC-09"].fix


def test_a_hold_under_pct_and_t_y_says_each_rfcs_rise() -> None:
    found = fixes_by_id(f"v=DMARC1; p=reject; sp=quarantine; np=reject; pct=50; t=y; fo=0:1; {RUA}")
    for finding_id in ("DMARC-08", "DMARC-09", "DMARC-14", "DMARC-19"):
        fix = found[finding_id].fix
        assert applied_to_all(offered(found[finding_id])) == ("reject", "reject")
        assert "It keeps np at what receivers apply now (np=quarantine)" in fix, finding_id
        assert "This keeps what receivers apply now" not in fix
    assert (
        "RFC 9989 receivers will apply p=reject (now quarantine) and sp=quarantine (now none)"
        in found["DMARC-08"].fix
    )
    assert "RFC 7489 receivers will apply p=reject (now reject for 50%" in found["DMARC-09"].fix
    assert "RFC 7489 receivers will apply p=reject" in found["DMARC-14"].fix
    assert "RFC 9989 receivers will apply p=reject" in found["DMARC-14"].fix


# ------------------------------------------------------ 2. waiting for reports that never come


def test_a_report_address_fix_says_to_publish_the_address_first() -> None:
    fix = fixes_by_id(f"v=DMARC1; p=reject; t=y; {FTP}")["DMARC-12"].fix
    assert "ending the trial" in fix
    assert WAIT_UNFOLLOWABLE not in fix
    assert ADD_ITS_ADDRESS in fix, fix


def test_dmarc_06_s_report_address_fix_says_to_publish_it_first() -> None:
    found = bad_findings("v=DMARC1; p=none; sp=reject; pct=50; t=y")
    (no_reports,) = [f for f in found if f.id == "DMARC-06" and "no report address" in f.summary]
    assert WAIT_UNFOLLOWABLE not in no_reports.fix
    assert ADD_ITS_ADDRESS in no_reports.fix, no_reports.fix
    # The trial fixes add no address: they say to add one.
    for finding in found:
        if finding.id in ("DMARC-08", "DMARC-09"):
            assert WAIT_UNFOLLOWABLE not in finding.fix
            assert ADD_AN_ADDRESS in finding.fix, finding.fix


def test_no_report_address_anywhere_says_to_add_one() -> None:
    found = fixes_by_id("v=DMARC1; p=reject; pct=50; t=y")
    assert {"DMARC-08", "DMARC-09", "DMARC-19"} <= set(found)
    for finding in found.values():
        assert WAIT_UNFOLLOWABLE not in finding.fix, finding.id
        assert ADD_AN_ADDRESS in finding.fix, (finding.id, finding.fix)


def test_a_hold_without_reports_says_to_add_an_address() -> None:
    found = fixes_by_id("v=DMARC1; p=reject; pct=0; t=y")
    for finding in found.values():
        assert "This keeps what receivers apply now (quarantine)" in finding.fix
        assert WAIT_UNFOLLOWABLE not in finding.fix, finding.id


def test_reports_in_force_keep_the_plain_wait() -> None:
    fix = fixes_by_id(f"v=DMARC1; p=reject; pct=50; t=y; {RUA}")["DMARC-08"].fix
    assert "publish it once your reports are clean." in fix
    assert "none arrive" not in fix


# ------------------------------------------------------------ 3. DMARC-08 under t=y, p=none


def test_dmarc_08_under_t_y_with_an_enforcing_sp_says_the_step_down() -> None:
    found = fixes_by_id("v=DMARC1; p=none; sp=reject; pct=50; t=y")
    summary = found["DMARC-08"].summary
    assert "RFC 9989 receivers ignore pct and apply the next weaker policy to all of it" in summary
    assert "apply it to all" not in summary


def test_dmarc_08_without_t_y_still_says_all() -> None:
    summary = fixes_by_id(f"v=DMARC1; p=none; sp=reject; pct=50; {RUA}")["DMARC-08"].summary
    assert "RFC 9989 receivers ignore pct and apply it to all" in summary
