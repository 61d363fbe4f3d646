"""Defects blind round s32s found (tests/test_engine_s32s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import https, tlsrpt
from checks.findings import Finding
from checks.https import HttpsResult
from tests.test_engine_s26c_blind import CnameDns
from tests.test_spf import make_ctx, published

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
