"""Defects blind round s32s found (tests/test_engine_s32s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import bimi, dkim, https, spf, tlsrpt
from checks.findings import Finding
from checks.https import HttpsResult
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s27k_blind import rsa_key
from tests.test_spf import make_ctx, published

K2048 = rsa_key(2048)
VENDOR = {
    ("tls.reportwatch.io", "MX"): ["10 mx1.reportwatch.io."],
    ("mx1.reportwatch.io", "A"): ["203.0.113.25"],
}


def _tlsrpt(domain: str, record: str) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (f"_smtp._tls.{domain}", "TXT"): [record],
        **VENDOR,
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]

    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        return HttpsResult(url=url, status=404, body=b"Not Found")

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fetch):
            return await tlsrpt.evaluate(ctx)

    return asyncio.run(go())


def _offered(findings: list[Finding]) -> set[str]:
    """The TLS-RPT records the findings' fixes offer."""
    return {
        published(line)[1]
        for f in findings
        for line in f.fix.splitlines()
        if line.startswith("_smtp._tls.")
    }


def test_report_addresses_separated_by_a_semicolon_are_both_kept() -> None:
    # tlsrpt07-semicolon-between-uris: 'rua=a; b' (the DMARC-list habit with ';'). The record is
    # invalid (RFC 8460 §3: after ';' comes a name=value field), and the record offered dropped
    # the vendor's address, the second one the owner listed.
    findings = _tlsrpt(
        "ashby-wholesale.com",
        "v=TLSRPTv1; rua=mailto:tlsrpt@ashby-wholesale.com; mailto:ashby@tls.reportwatch.io",
    )
    (fault,) = [f for f in findings if f.id == "TLSRPT-09"]
    assert str(fault.status) == "fail"
    assert "separated by ','" in fault.summary
    assert _offered(findings) == {
        "v=TLSRPTv1; rua=mailto:tlsrpt@ashby-wholesale.com,mailto:ashby@tls.reportwatch.io"
    }


def test_report_addresses_separated_by_a_blank_are_both_kept() -> None:
    # tlsrpt07-blank-between-uris: 'rua=a b'. The record offered named an invented mailbox,
    # tls-reports@<domain>, in place of both of the owner's.
    findings = _tlsrpt(
        "dunmore-studios.com",
        "v=TLSRPTv1; rua=mailto:tlsrpt@dunmore-studios.com mailto:dunmore@tls.reportwatch.io",
    )
    assert [str(f.status) for f in findings if f.id == "TLSRPT-06"] == ["fail"]
    assert _offered(findings) == {
        "v=TLSRPTv1; rua=mailto:tlsrpt@dunmore-studios.com,mailto:dunmore@tls.reportwatch.io"
    }


def test_a_field_that_is_no_address_is_still_dropped() -> None:
    # The control: a stray word after ';' is no address of the owner's; it is left out.
    findings = _tlsrpt(
        "dunmore-studios.com", "v=TLSRPTv1; rua=mailto:tlsrpt@dunmore-studios.com; weekly"
    )
    assert _offered(findings) == {"v=TLSRPTv1; rua=mailto:tlsrpt@dunmore-studios.com"}


def _dkim(domain: str, selector: str, more: dict[Any, Any]) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        **more,
    }
    ctx = make_ctx(domain, zone, dkim_selectors=(selector,))
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dkim.evaluate(ctx))


def test_a_key_at_the_panel_doubled_name_is_named_and_moved() -> None:
    # dkim01-key-at-doubled-name: the owner typed the full name into a panel that appends the
    # zone, so the key sits at google._domainkey.<d>.<d>. DKIM-01 said only that no key is
    # published for 'google', sending the owner after a key they did publish.
    domain = "eastgate-pharmacy.com"
    key = f"v=DKIM1; k=rsa; p={K2048}"
    findings = _dkim(domain, "google", {(f"google._domainkey.{domain}.{domain}", "TXT"): [key]})
    (finding,) = [f for f in findings if f.id == "DKIM-01"]
    assert str(finding.status) == "info"
    assert f"google._domainkey.{domain}.{domain}" in finding.summary
    assert f"google._domainkey.{domain}" in finding.summary
    fix = finding.fix.splitlines()
    assert published(fix[0]) == (f"google._domainkey.{domain}", key)
    assert any(f"google._domainkey.{domain}.{domain}" in line for line in fix[1:])


def test_a_given_selector_with_no_key_anywhere_reads_as_before() -> None:
    # The control: nothing at the doubled name either, so the words are as before, no fix.
    domain = "eastgate-pharmacy.com"
    (finding,) = [f for f in _dkim(domain, "google", {}) if f.id == "DKIM-01"]
    assert "google._domainkey" not in finding.summary and not finding.fix


def _spf(domain: str, record: str) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (f"mx1.{domain}", "TXT"): ["v=spf1 a -all"],
        (domain, "TXT"): [record],
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(spf.evaluate(ctx))


def test_a_version_with_its_letters_swapped_is_the_owners_record() -> None:
    # spf02-sfp1-typo: 'v=sfp1 mx -all'. Receivers ignore it (RFC 7208 §4.5), but SPF-01 said
    # the domain publishes no SPF record and offered 'v=spf1 mx ~all', a weaker policy than
    # the owner's, never naming the record they published.
    domain = "brackenhurst-vets.co.uk"
    findings = _spf(domain, "v=sfp1 mx -all")
    (finding,) = [f for f in findings if f.id == "SPF-02"]
    assert str(finding.status) == "fail"
    assert "v=sfp1 mx -all" in finding.summary
    assert published(finding.fix) == (domain, "v=spf1 mx -all")
    assert not [f for f in findings if f.id == "SPF-01" and str(f.status) == "warn"]


def test_one_slip_in_the_version_reads_as_spf_two_slips_do_not() -> None:
    domain = "brackenhurst-vets.co.uk"
    for slipped in ("v=spg1 mx -all", "V-SPF1 mx -all", "v=sp1 mx -all"):
        (finding,) = [f for f in _spf(domain, slipped) if f.id == "SPF-02"]
        assert published(finding.fix) == (domain, "v=spf1 mx -all"), slipped
    # Other records at the apex are no SPF near miss: a DMARC record, a Sender ID record, a
    # token; 'v=sfx2' is two slips away.
    for other in ("v=DMARC1; p=none", "spf2.0/pra mx -all", "v=sfx2 mx -all", "v=msv1 t=abc"):
        assert not [f for f in _spf(domain, other) if f.id == "SPF-02"], other


def _bimi(domain: str, dmarc_records: list[str]) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (f"_dmarc.{domain}", "TXT"): dmarc_records,
        (f"default._bimi.{domain}", "TXT"): [
            f"v=BIMI1; l=https://bimi.{domain}/logo.svg; a=https://bimi.{domain}/vmc.pem"
        ],
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]

    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        return HttpsResult(url=url, status=404, body=b"Not Found")

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fetch):
            return await bimi.evaluate(ctx)

    return asyncio.run(go())


def test_bimi_under_two_dmarc_records_keeps_the_enforcing_one() -> None:
    # bimi08-two-dmarc-records: a p=reject record and a leftover p=none at _dmarc. BIMI-08 said
    # 'there is no DMARC policy' and offered a new p=quarantine record, a third one beside the
    # two, which leaves the domain with no DMARC policy still (RFC 7489 §6.6.3 step 5).
    domain = "trevose-surf.com"
    reject = f"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{domain}"
    (finding,) = [f for f in _bimi(domain, [reject, "v=DMARC1; p=none"]) if f.id == "BIMI-08"]
    assert str(finding.status) == "fail"
    assert f"_dmarc.{domain}" in finding.summary and "2 DMARC records" in finding.summary
    lines = finding.fix.splitlines()
    assert published(lines[0]) == (f"_dmarc.{domain}", reject)
    assert [line for line in lines[1:] if "p=none" in line and line.startswith("Delete")]
    assert "p=quarantine" not in finding.fix


def test_bimi_with_no_dmarc_record_still_gets_one_offered() -> None:
    # The control: no record at all, the usual quarantine record offered.
    domain = "trevose-surf.com"
    (finding,) = [f for f in _bimi(domain, []) if f.id == "BIMI-08"]
    assert "there is no DMARC policy" in finding.summary
    assert "p=quarantine" in finding.fix
