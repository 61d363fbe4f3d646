"""s25q: engine leftovers of this session's rounds.

1. MTASTS-02 (two or more v=STSv1 records at _mta-sts): the summary said "Keep one." while the
   fix offered a record with a new id matching neither published record. Decided: records with
   different ids are replaced by one record with a new id (nothing tells which id the policy
   served now went with, and senders holding a policy under a kept id would not fetch it
   again, RFC 8461 §3.1, §5.1); copies of one record (same id and fields) keep that record
   once. Summary and fix now say the same. Status unchanged (fail).
2. DKIM-01 (no key found) on a parked domain (null MX, and SPF authorising nobody or no SPF):
   it told the owner to find the selector their mail provider signs with. A domain that sends
   no mail signs none (RFC 7505 §4.2), as DMARC-18 says since 7c11109. Status unchanged (info).
3. A stray quote at the end of a TLS-RPT report address ('rua=mailto:x@y";') read "has no
   usable address" with the example mailbox in the fix; at the end of an SPF record
   ('v=spf1 ... -all";') "'all' takes no argument" with no fix. Both now name the quote and
   offer the record without it, as DMARC and DKIM do. Statuses unchanged.
"""

from __future__ import annotations

import re

import pytest

from checks import dkim
from checks.findings import Finding, Status
from tests.test_mtasts import ZONE, evaluate
from tests.test_spf import run

BAD = (Status.FAIL, Status.WARN)


def _only(findings: list[Finding], check_id: str) -> Finding:
    (finding,) = [f for f in findings if f.id == check_id]
    return finding


def _record_lines(fix: str) -> list[str]:
    """The TXT records a fix publishes, one a line."""
    return [m[1] for m in re.finditer(r'^\S+ TXT "(.*)"$', fix, re.M)]


# --- 1. MTASTS-02: summary and fix agree ------------------------------------------------------


def _sts(monkeypatch: pytest.MonkeyPatch, records: list[str]) -> list[Finding]:
    return evaluate(monkeypatch, {**ZONE, ("_mta-sts.example.org", "TXT"): records})


def test_two_ids_are_replaced_by_one_record_with_a_new_id(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _sts(monkeypatch, ['"v=STSv1; id=20250301T1200"', '"v=STSv1; id=20261101T0800"'])
    two = _only(findings, "MTASTS-02")
    assert two.status == Status.FAIL  # unchanged
    assert "Keep one." not in two.summary
    assert two.summary.endswith(
        "Replace both with one record with a new id: nothing tells which of their ids the "
        "policy served now goes with, and a new id makes senders that cached a policy under "
        "either fetch the one served now."
    )
    # The fix says to delete both, names them, and publishes one record with a new id.
    assert two.fix.startswith(
        "Delete both and publish this one record in their place (records at "
        '_mta-sts.example.org now: "v=STSv1; id=20250301T1200" and '
        '"v=STSv1; id=20261101T0800"):\n'
    )
    (record,) = _record_lines(two.fix)
    new_id = record.removeprefix("v=STSv1; id=")
    assert new_id not in ("20250301T1200", "20261101T0800") and new_id.isalnum()


def test_a_broken_record_beside_a_valid_one_gets_the_same_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its repair alone (a new id for it) would leave two records: every record fix is the one.
    findings = _sts(monkeypatch, ['"v=STSv1; id=20250301T1200"', '"v=STSv1; id=bad!"'])
    two, five = _only(findings, "MTASTS-02"), _only(findings, "MTASTS-05")
    assert five.status == Status.FAIL and five.fix == two.fix
    assert "Delete both and publish this one record in their place" in five.fix


def test_copies_of_one_record_keep_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _sts(monkeypatch, ['"v=STSv1; id=20250301T1200"', '"v=STSv1; id=20250301T1200"'])
    two = _only(findings, "MTASTS-02")
    assert two.status == Status.FAIL
    assert two.summary.endswith(
        "They are two copies of one record (id 20250301T1200): delete one and keep the other."
    )
    assert two.fix == (
        "Delete one of the 2 identical records at _mta-sts.example.org, keeping one:\n"
        '_mta-sts.example.org. TXT "v=STSv1; id=20250301T1200"'
    )


def test_three_records_and_a_policy_change_name_step_2(monkeypatch: pytest.MonkeyPatch) -> None:
    # The served policy misses mx2: the record goes with the changed file (its step 2).
    body = "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
    zone = {
        **ZONE,
        ("_mta-sts.example.org", "TXT"): [
            '"v=STSv1; id=A1"',
            '"v=STSv1; id=B2"',
            '"v=STSv1; id=A1"',
        ],
    }
    two = _only(evaluate(monkeypatch, zone, body=body), "MTASTS-02")
    assert "Replace all 3 with one record with a new id" in two.summary
    assert "under any of them fetch" in two.summary
    assert two.fix.startswith(
        "Replace all 3 with the one record in step 2 (records at _mta-sts.example.org now: "
        '"v=STSv1; id=A1", "v=STSv1; id=B2" and "v=STSv1; id=A1"):\n1. Replace the policy file'
    )
    assert "mx: mx2.example.org" in two.fix


# --- 2. DKIM-01 on a parked domain --------------------------------------------------------------

P = "parked.example"
NOT_MISSING = "does not mean DKIM is missing"


def _dkim_01(zone: dict[tuple[str, str], object]) -> Finding:
    return _only(run(dkim, P, {(P, "MX"): ["0 ."], **zone}), "DKIM-01")


def test_a_parked_domain_is_told_it_needs_no_key() -> None:
    finding = _dkim_01({(P, "TXT"): ["v=spf1 -all"]})
    assert finding.status == Status.INFO  # unchanged
    assert NOT_MISSING not in finding.summary and "selector of its own" not in finding.summary
    assert finding.summary.endswith(
        "parked.example publishes a null MX and its SPF record authorises no sender "
        "('v=spf1 -all'): a domain that takes no mail should send none (RFC 7505 §4.2), and one "
        "that sends no mail needs no DKIM key."
    )
    assert finding.evidence["sends_no_mail"] is True


def test_a_null_mx_without_spf_is_parked_too_as_dmarc_18_has_it() -> None:
    finding = _dkim_01({(P, "TXT"): "NOERROR"})
    assert "parked.example publishes a null MX and it has no SPF record:" in finding.summary
    assert NOT_MISSING not in finding.summary


@pytest.mark.parametrize(
    "zone",
    [
        # A null MX, but an SPF record that authorises senders: it sends mail.
        {(P, "TXT"): ["v=spf1 include:_spf.example.net -all"]},
        # A BIMI record says it sends mail too.
        {
            (P, "TXT"): ["v=spf1 -all"],
            (f"default._bimi.{P}", "TXT"): ["v=BIMI1; l=https://x/l.svg"],
        },
        # Real MX records: it takes mail, and may well send it.
        {(P, "MX"): ["10 mx.parked.example."], (P, "TXT"): ["v=spf1 -all"]},
    ],
)
def test_a_domain_that_may_send_is_told_to_find_its_selector(
    zone: dict[tuple[str, str], object],
) -> None:
    finding = _dkim_01(zone)
    assert NOT_MISSING in finding.summary and "sends_no_mail" not in finding.evidence
