"""SPF and DMARC on records real domains publish that the fixtures do not list."""

from __future__ import annotations

from typing import Any

from checks import dmarc, spf
from checks.findings import Finding, Status
from tests.test_spf import run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("mx.example.com", "TXT"): ["v=spf1 a -all"],
}


def spf_findings(record: str, **extra: Any) -> list[Finding]:
    zone = {**ZONE, (D, "TXT"): [record], **extra}
    return run(spf, D, zone)


def dmarc_findings(record: str, **extra: Any) -> list[Finding]:
    zone = {**ZONE, (D, "TXT"): ["v=spf1 mx -all"], (f"_dmarc.{D}", "TXT"): [record], **extra}
    return run(dmarc, D, zone)


def of(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


def test_it_refuses_an_ip_network_with_a_slash_and_no_prefix_length() -> None:
    # ip4-cidr-length = "/" followed by digits (RFC 7208 §5.6): "ip4:192.0.2.1/" is a syntax
    # error, so receivers return permerror.
    for record in ("v=spf1 ip4:192.0.2.1/ -all", "v=spf1 ip6:2001:db8::/ -all"):
        assert spf.parse_spf(record).permerror, record
        assert Status.FAIL in [f.status for f in of(spf_findings(record), "SPF-04")]
    assert not spf.parse_spf("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all").problems
