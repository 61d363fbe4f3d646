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

from checks import dkim, spf, tlsrpt
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


# --- 3. A stray quote at the end: TLS-RPT and SPF name it -----------------------------------

D = "example.org"
TLS = f"_smtp._tls.{D}"


def _tlsrpt(record: str) -> list[Finding]:
    zone = {
        (D, "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        (TLS, "TXT"): [record],
    }
    return [f for f in run(tlsrpt, D, zone) if f.status in BAD]


@pytest.mark.parametrize(
    ("record", "address"),
    [
        (f'v=TLSRPTv1; rua=mailto:tls@{D}";', f"mailto:tls@{D}"),
        (f'v=TLSRPTv1; rua=mailto:tls@{D}"', f"mailto:tls@{D}"),
        ('v=TLSRPTv1; rua=https://reports.example.net/tls\\";', "https://reports.example.net/tls"),
    ],
)
def test_a_quote_ending_a_report_address_is_named(record: str, address: str) -> None:
    (finding,) = _tlsrpt(record)  # and no TLSRPT-07 "must be percent-encoded"
    assert finding.id == "TLSRPT-06" and finding.status == Status.FAIL  # unchanged
    assert "has no usable address" not in finding.summary
    assert "is written with a quote (" in finding.summary
    assert "a quote typed with the record, which the DNS panel kept as part of its text. " in (
        finding.summary
    )
    assert "A quote is no part of an address, so senders cannot send reports to it; " in (
        finding.summary
    )
    assert finding.summary.endswith(f"write it as '{address}' (RFC 8460 §3).")
    # The owner's address without the quote, not the example mailbox.
    assert _record_lines(finding.fix) == [f"v=TLSRPTv1; rua={address}"]


def test_quotes_around_a_report_address_beside_a_good_one() -> None:
    (finding,) = _tlsrpt(f'v=TLSRPTv1; rua=mailto:a@{D},"mailto:tls@{D}"')
    assert finding.id == "TLSRPT-06" and finding.status == Status.WARN  # one address works
    assert "is written between quotes (" in finding.summary
    assert "Quotes are no part of an address" in finding.summary
    assert _record_lines(finding.fix) == [f"v=TLSRPTv1; rua=mailto:a@{D},mailto:tls@{D}"]


def test_a_broken_address_without_its_quote_keeps_its_words() -> None:
    # No address without the quote either: as before (and TLSRPT-07 on the quote).
    finding = _only(_tlsrpt('v=TLSRPTv1; rua=mailto:nobody";'), "TLSRPT-06")
    assert "has no usable address" in finding.summary
    assert "tls-reports@example.org" in finding.fix


def _spf(record: str) -> list[Finding]:
    zone = {(D, "MX"): ["10 mx1.example.org."], ("mx1.example.org", "A"): ["192.0.2.11"]}
    return [f for f in run(spf, D, {**zone, (D, "TXT"): [record]}) if f.status in BAD]


@pytest.mark.parametrize(
    ("record", "named", "meant"),
    [
        (
            'v=spf1 mx -all";',
            "the record ends with a quote and a ';' ('\"' at the end, then ';'): a quote typed "
            "with the record, which the DNS panel kept as part of its text, and a ';', which SPF "
            "does not use (terms are separated by spaces, RFC 7208 §4.6.1), so receivers read "
            "'-all\";' as its last term, which is not valid. Retype the record without them: "
            "'v=spf1 mx -all'.",
            "v=spf1 mx -all",
        ),
        (
            'v=spf1 mx -all"',
            "the record ends with a quote ('\"' at the end): a quote typed with the record, "
            "which the DNS panel kept as part of its text, so receivers read '-all\"' as its "
            "last term, which is not valid. Retype the record without it: 'v=spf1 mx -all'.",
            "v=spf1 mx -all",
        ),
        (
            "v=spf1 mx ~all' ",
            'the record ends with a quote ("\'" at the end): a quote typed with the record, '
            "which the DNS panel kept as part of its text, so receivers read '~all'' as its "
            "last term, which is not valid. Retype the record without it: 'v=spf1 mx ~all'.",
            "v=spf1 mx ~all",
        ),
    ],
)
def test_a_quote_ending_an_spf_record_is_named(record: str, named: str, meant: str) -> None:
    (finding,) = _spf(record)
    assert finding.id == "SPF-04" and finding.status == Status.FAIL  # a permanent error still
    assert "takes no argument" not in finding.summary
    assert finding.summary == (
        "The SPF record of example.org is invalid, so receivers treat SPF as a permanent "
        f"error: {named}"
    )
    assert finding.fix == f'example.org. TXT "{meant}"'  # it had none


def test_an_spf_record_broken_without_its_quote_too_is_said_as_before() -> None:
    (finding,) = _spf('v=spf1 mx -all:x"')
    assert "takes no argument" in finding.summary and "quote" not in finding.summary
    assert finding.fix == ""
