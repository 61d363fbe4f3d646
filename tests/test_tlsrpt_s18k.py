"""TLSRPT-10 on a mailto domain whose MX hosts have no address (blind lab round s18k,
s18k-rptdeadmx): an MX is a route only when one of its hosts resolves (RFC 5321 §5.1)."""

from __future__ import annotations

import asyncio

from checks import tlsrpt
from checks.findings import Finding, Status
from tests.test_mx import FakeDns, bad, make_ctx, statuses

# Autouse: the https report host sits at a documentation address; its POST probe is stubbed.
from tests.test_tlsrpt_record import _endpoints_take_posts  # noqa: F401

RECORD = '"v=TLSRPTv1; rua=mailto:tls@in.vendor.test,https://rpt.example.net/v1"'
BASE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("rpt.example.net", "A"): ["198.51.100.1"],
    ("_smtp._tls.example.org", "TXT"): [RECORD],
}


def run(zone: dict[tuple[str, str], list[str] | str]) -> list[Finding]:
    ctx = make_ctx("example.org", zone)
    ctx.dns = FakeDns(zone)  # type: ignore[assignment]
    return asyncio.run(tlsrpt.evaluate(ctx))


def test_it_warns_when_no_mx_host_of_the_mailto_domain_has_an_address() -> None:
    zone = {**BASE, ("in.vendor.test", "MX"): ["10 mx.in.vendor.test."]}
    findings = run(zone)
    assert bad(findings) == {("TLSRPT-10", "warn")}
    (f,) = [f for f in findings if f.id == "TLSRPT-10"]
    assert f.subject == "mailto:tls@in.vendor.test"
    assert "mx.in.vendor.test" in f.summary and "no address" in f.summary
    assert "mx.in.vendor.test" in f.fix
    # The https address still works: the record without the dead mailbox is offered.
    assert "rua=https://rpt.example.net/v1" in f.fix


def test_it_is_satisfied_when_one_mx_host_resolves() -> None:
    zone = {
        **BASE,
        ("in.vendor.test", "MX"): ["10 gone.vendor.test.", "20 mx2.vendor.test."],
        ("mx2.vendor.test", "AAAA"): ["2001:db8::25"],
    }
    findings = run(zone)
    assert bad(findings) == set()
    assert statuses(findings, "TLSRPT-10") == [Status.PASS]


def test_it_cannot_tell_when_the_mx_host_lookup_fails() -> None:
    zone = {
        **BASE,
        ("in.vendor.test", "MX"): ["10 mx.in.vendor.test."],
        ("mx.in.vendor.test", "A"): "SERVFAIL",
        ("mx.in.vendor.test", "AAAA"): "SERVFAIL",
    }
    findings = run(zone)
    assert bad(findings) == set()
    assert statuses(findings, "TLSRPT-10") == [Status.ERROR]
