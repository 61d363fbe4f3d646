"""DMARC records real domains publish that the fixtures do not list (checklist §6)."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_spf import make_ctx, published, run

D = "example.com"
BASE: dict[Any, Any] = {(D, "TXT"): ["v=spf1 mx -all"], (D, "MX"): ["10 mx.example.com."]}


def findings(record: str, domain: str = D, extra: dict[Any, Any] | None = None) -> list[Finding]:
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): [record], **(extra or {})}
    return run(dmarc, domain, zone)


def policy(domain: str, zone: dict[Any, Any]) -> dmarc.DmarcPolicy:
    async def go() -> dmarc.DmarcPolicy:
        return await dmarc.get_policy(make_ctx(domain, zone))

    return asyncio.run(go())


def of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


def test_pct_with_digits_that_are_not_ascii_is_not_a_number() -> None:
    # pct is 1*3DIGIT (RFC 7489 §6.4), and ABNF DIGIT is 0-9 only (RFC 5234 B.1). Python's
    # str.isdigit() also accepts "²" (which int() then refuses: the check crashed) and
    # fullwidth "５0" (which int() reads as 50: the check invented a 50 % sampling rate).
    for value in ("²", "５0", "٣"):
        record = f"v=DMARC1; p=reject; pct={value}"
        assert dmarc.parse_dmarc(record).pct is None
        found = findings(record)
        assert [f.status for f in of(found, "DMARC-08")] == [Status.FAIL]
        # RFC 7489 receivers fall back to the default pct=100: the policy is plain reject.
        assert policy(D, {(f"_dmarc.{D}", "TXT"): [record]}).effective_7489 == "reject"


def test_a_record_published_with_its_quotes_is_repaired_without_weakening_it() -> None:
    # Pasting the zone-file form into a DNS panel stores the quotes as part of the text:
    # '"v=DMARC1; ...; p=reject"' does not start with v=DMARC1, so receivers ignore it
    # (RFC 7489 §6.3, RFC 9989 §4.7). The repair read the last tag as p='reject"' (invalid)
    # and suggested p=none, dropped sp=reject, and dropped a rua ending in the quote.
    cases = {
        '"v=DMARC1; rua=mailto:d@example.com; p=reject"': (
            "v=DMARC1; p=reject; rua=mailto:d@example.com"
        ),
        '"v=DMARC1; p=quarantine; sp=reject"': "v=DMARC1; p=quarantine; sp=reject",
        "'v=DMARC1; p=reject; rua=mailto:d@example.com'": (
            "v=DMARC1; p=reject; rua=mailto:d@example.com"
        ),
        '\\"v=DMARC1; p=reject\\"': "v=DMARC1; p=reject",
    }
    for record, expected in cases.items():
        found = findings(record)
        (finding,) = of(found, "DMARC-03")
        assert finding.status == Status.FAIL
        assert published(finding.fix) == (f"_dmarc.{D}", expected), record


def test_report_authorisation_records_are_parsed_like_policy_records() -> None:
    # RFC 7489 §7.1 step 5 / RFC 9990 §3: each TXT at <domain>._report._dmarc.<host> is
    # parsed as a tag list whose first tag must be v=DMARC1 (the "v" is case-insensitive ABNF,
    # whitespace around "=" allowed; the value is exactly DMARC1). A text-prefix test took
    # "v=DMARC10" as authorisation and refused "V=DMARC1;" and "v = DMARC1".
    record = "v=DMARC1; p=reject; rua=mailto:d@vendor.net"
    auth = "example.com._report._dmarc.vendor.net"
    for text, status in (
        ("v=DMARC1", Status.PASS),
        ("V=DMARC1;", Status.PASS),
        ("v = DMARC1 ; rua=mailto:r@vendor.net", Status.PASS),
        ("v=DMARC10", Status.FAIL),
        ("v=DMARC1x; rua=mailto:r@vendor.net", Status.FAIL),
    ):
        found = findings(record, extra={(auth, "TXT"): [text]})
        assert [f.status for f in of(found, "DMARC-13")] == [status], text
    # The same holds for a wildcard authorisation.
    wildcard = {("*._report._dmarc.vendor.net", "TXT"): ["v=DMARC10"]}
    assert [f.status for f in of(findings(record, extra=wildcard), "DMARC-13")] == [Status.FAIL]


def test_a_subdomain_that_does_not_exist_gets_np_from_rfc_9989_receivers() -> None:
    # RFC 9989 §4.10.1: a subdomain that does not exist (NXDOMAIN, §3.2.13 / RFC 8020) takes
    # np from the organisational domain's record, falling back to sp, then p (§4.7). RFC 7489
    # has no np. promo.example.com has no DNS records at all: FakeDns answers NXDOMAIN.
    promo = "promo.example.com"
    strict = "v=DMARC1; p=quarantine; np=reject; rua=mailto:d@example.com"
    views = policy(promo, {(f"_dmarc.{D}", "TXT"): [strict]})
    assert not views.author_exists
    assert (views.effective_7489, views.effective_9989) == ("quarantine", "reject")
    # A subdomain that exists still gets sp (or p): np is not for it.
    existing = policy(promo, {(f"_dmarc.{D}", "TXT"): [strict], (promo, "A"): ["192.0.2.1"]})
    assert (existing.effective_7489, existing.effective_9989) == ("quarantine", "quarantine")

    # np=none leaves the non-existent subdomain at monitoring only for RFC 9989 receivers.
    open_np = "v=DMARC1; p=reject; np=none; rua=mailto:d@example.com"
    found = findings(open_np, promo)
    (warning,) = of(found, "DMARC-06")
    assert "np=none" in warning.summary and "RFC 9989 receivers" in warning.summary
    assert published(warning.fix) == (f"_dmarc.{D}", "v=DMARC1; p=reject; rua=mailto:d@example.com")
    assert [f.status for f in of(found, "DMARC-19")] == [Status.WARN]
    # The same record gives an existing subdomain reject in both views.
    found = findings(open_np, promo, {(promo, "A"): ["192.0.2.1"]})
    assert not of(found, "DMARC-06")
    assert [f.status for f in of(found, "DMARC-19")] == [Status.PASS]
