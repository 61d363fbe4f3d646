"""DMARC and TLS-RPT fixes that were missing: fo=0:1, an invalid t or psd, the RFC 7489 and
RFC 9989 views that differ, no SPF and no DKIM, and report addresses that cannot be delivered.

A record fix is the owner's record with only what its finding is about changed, and once
published the engine no longer raises the finding. A TLS-RPT address that cannot be delivered
gets what to change (its domain's MX, the report host's address, or the address) and, when the
record names other addresses, the record without the undeliverable ones.
"""

from __future__ import annotations

from checks import dmarc, tlsrpt
from checks.findings import Finding, Status
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_spf import Zone, published, run

D = "example.org"
RUA = f"rua=mailto:dmarc@{D}"
BASE: Zone = {(D, "MX"): ["10 mx1.example.org."], (D, "TXT"): ["v=spf1 mx -all"]}


def dmarc_findings(record: str, domain: str = D, zone: Zone | None = None) -> list[Finding]:
    return run(dmarc, domain, {**BASE, **(zone or {}), (f"_dmarc.{D}", "TXT"): [record]})


def one(found: list[Finding], check_id: str, status: Status = Status.WARN) -> Finding:
    (finding,) = [f for f in found if f.id == check_id and f.status == status]
    return finding


def fixed(finding: Finding) -> str:
    name, record = published(finding.fix)
    assert name == f"_dmarc.{D}"
    return record


def test_fo_0_1_becomes_fo_1_what_rfc_7489_receivers_do_with_it() -> None:
    record = f"v=DMARC1; p=reject; {RUA}; ruf=mailto:f@{D}; fo=0:1"
    suggestion = fixed(one(dmarc_findings(record), "DMARC-14"))
    assert suggestion == f"v=DMARC1; p=reject; {RUA}; ruf=mailto:f@{D}; fo=1"
    assert not [f for f in dmarc_findings(suggestion) if f.id == "DMARC-14"]


def test_invalid_fo_options_are_left_out_and_the_valid_ones_kept() -> None:
    record = f"v=DMARC1; p=reject; {RUA}; ruf=mailto:f@{D}; fo=d:x"
    suggestion = fixed(one(dmarc_findings(record), "DMARC-14"))
    assert suggestion == f"v=DMARC1; p=reject; {RUA}; ruf=mailto:f@{D}; fo=d"


def test_an_invalid_t_is_left_out_as_receivers_read_it_now() -> None:
    record = f"v=DMARC1; p=reject; t=yes; {RUA}"
    suggestion = fixed(one(dmarc_findings(record), "DMARC-09"))
    # t=y would weaken reject to quarantine for RFC 9989 receivers: not done unseen.
    assert suggestion == f"v=DMARC1; p=reject; {RUA}"
    assert not [f for f in dmarc_findings(suggestion) if f.id == "DMARC-09"]


def test_an_invalid_psd_is_left_out() -> None:
    record = f"v=DMARC1; p=quarantine; {RUA}; psd=maybe"
    suggestion = fixed(one(dmarc_findings(record), "DMARC-10"))
    assert suggestion == f"v=DMARC1; p=quarantine; {RUA}"


def test_views_differing_over_pct_agree_once_the_fix_is_published() -> None:
    for record in (
        f"v=DMARC1; {RUA}; p=reject; pct=25; ri=3600",
        f"v=DMARC1; p=quarantine; pct=0; sp=none; {RUA}",
    ):
        finding = one(dmarc_findings(record), "DMARC-19")
        suggestion = fixed(finding)
        assert "pct" not in suggestion
        assert ("ri=3600" in suggestion) == ("ri=3600" in record)
        assert ("sp=none" in suggestion) == ("sp=none" in record)
        again = dmarc_findings(suggestion)
        assert one(again, "DMARC-19", Status.PASS)


def test_views_reading_different_records_are_told_to_publish_the_domains_own() -> None:
    # RFC 9989's tree walk stops at the psd=n record of b.example.org; RFC 7489 receivers take
    # the record of the organisational domain example.org.
    domain = f"a.b.{D}"
    zone: Zone = {
        (domain, "MX"): ["10 mx1.example.org."],
        (f"_dmarc.b.{D}", "TXT"): [f"v=DMARC1; p=none; psd=n; {RUA}"],
    }
    found = dmarc_findings(f"v=DMARC1; p=reject; {RUA}", domain, zone)
    fix = one(found, "DMARC-19").fix
    assert fix.startswith(f"Publish one DMARC record at _dmarc.{domain} ")
    # Published there, both views read it.
    zone[(f"_dmarc.{domain}", "TXT")] = [f"v=DMARC1; p=reject; {RUA}"]
    assert one(dmarc_findings(f"v=DMARC1; p=reject; {RUA}", domain, zone), "DMARC-19", Status.PASS)


def test_no_spf_and_no_dkim_says_what_to_publish() -> None:
    found = run(
        dmarc,
        D,
        {
            (D, "MX"): ["10 mx1.example.org."],
            (f"_dmarc.{D}", "TXT"): [f"v=DMARC1; p=reject; {RUA}"],
        },
    )
    fix = one(found, "DMARC-18").fix
    assert "SPF record for example.org" in fix and "DKIM" in fix


TLS = f"_smtp._tls.{D}"


def tls_findings(record: str, zone: Zone) -> list[Finding]:
    return run(
        tlsrpt, D, {**BASE, ("mx1.example.org", "A"): ["192.0.2.1"], **zone, (TLS, "TXT"): [record]}
    )


def test_an_address_at_a_null_mx_domain_gets_the_record_without_it() -> None:
    record = "v=TLSRPTv1; rua=mailto:tls@nomail.example.net,mailto:tls@example.org; x-note=kept"
    zone: Zone = {("nomail.example.net", "MX"): ["0 ."], (D, "MX"): ["10 mx1.example.org."]}
    finding = one(tls_findings(record, zone), "TLSRPT-10")
    first, *rest = finding.fix.split("\n")
    assert "nomail.example.net" in first and "null MX" in first
    name, suggestion = published(rest[-1])
    assert name == TLS
    assert suggestion == "v=TLSRPTv1; rua=mailto:tls@example.org; x-note=kept"
    assert parse_tlsrpt_record(suggestion).valid
    # Published, no address is undeliverable any more.
    again = tls_findings(suggestion, zone)
    assert one(again, "TLSRPT-10", Status.PASS)


def test_a_lone_undeliverable_address_is_not_traded_for_an_invented_one() -> None:
    finding = one(tls_findings("v=TLSRPTv1; rua=mailto:tls@gone.example.net", {}), "TLSRPT-10")
    assert finding.fix.startswith("Give gone.example.net MX records")
    assert " TXT " not in finding.fix and "tls-reports@" not in finding.fix


def test_a_report_host_without_an_address_is_named() -> None:
    record = "v=TLSRPTv1; rua=https://rpt.example.net/v1,https://rpt2.example.net/v1"
    zone: Zone = {("rpt2.example.net", "A"): ["192.0.2.9"]}
    finding = one(tls_findings(record, zone), "TLSRPT-10")
    assert finding.fix.startswith("Publish an address (A or AAAA record) for rpt.example.net")
    assert published(finding.fix.split("\n")[-1]) == (
        TLS,
        "v=TLSRPTv1; rua=https://rpt2.example.net/v1",
    )
