"""MTASTS-13..17 and BIMI-04/-10 (other than a refused certificate) give a fix that names the
host, the URL and what to change there. No network: the served files of tests/test_fix_texts."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import bimi, https, mtasts
from checks.bimi import parse_bimi
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_bimi import CERT, GOOD_SVG, LOGO, mint
from tests.test_fix_texts import BASE, GOOD_POLICY, POLICY_URL, SERVED, D, findings_for
from tests.test_fix_texts import proposed_records as records
from tests.test_spf import make_ctx

HOST = f"mta-sts.{D}"
PLAIN = {"content-type": "text/plain"}


def fail(findings: list[Finding], check_id: str, status: Status = Status.FAIL) -> Finding:
    [found] = [f for f in findings if f.id == check_id and f.status == status]
    return found


def test_a_redirect_says_serve_the_file_itself() -> None:
    moved = {POLICY_URL: (301, {"location": f"https://www.{D}/x"}, b"")}
    fix = fail(findings_for(D, BASE, moved), "MTASTS-14").fix
    assert fix.startswith(f"Serve the policy file at {POLICY_URL} itself with HTTP 200")
    gone = {POLICY_URL: (404, PLAIN, b"not found")}
    fix = fail(findings_for(D, BASE, gone), "MTASTS-14").fix
    assert fix == f"Serve the policy file at {POLICY_URL} with HTTP 200 (it answers HTTP 404 now)."


def test_a_wrong_media_type_says_which_header() -> None:
    html = {POLICY_URL: (200, {"content-type": "text/html"}, GOOD_POLICY)}
    fix = fail(findings_for(D, BASE, html), "MTASTS-15").fix
    assert fix.startswith(f"Serve {POLICY_URL} with the header 'Content-Type: text/plain'")


def _fetch_with(**fields: Any) -> Any:
    async def fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2])
        for name, value in fields.items():
            setattr(result, name, value)
        return result

    return fetch


def _mtasts(**fields: Any) -> list[Finding]:
    with mock.patch.object(https, "fetch", _fetch_with(**fields)):
        return asyncio.run(mtasts.evaluate(make_ctx(D, BASE)))


def test_an_oversized_policy_says_serve_only_the_policy() -> None:
    findings = _mtasts(status=200, headers=PLAIN, body=GOOD_POLICY, truncated=True)
    fix = fail(findings, "MTASTS-16").fix
    assert fix.startswith(f"Serve only the policy file at {POLICY_URL}")


def test_a_failed_handshake_says_configure_sni() -> None:
    fix = fail(
        _mtasts(error_kind="tls", error="TLS handshake failed: unrecognized name"), "MTASTS-13"
    ).fix
    assert f"answer a TLS handshake for the name {HOST} (SNI)" in fix
    assert "ask them" in fix


def test_an_address_that_does_not_serve_says_which_one() -> None:
    outcomes = [
        https.AddressOutcome("192.0.2.80", True, status=200, body_sha256="a", meaning="m"),
        https.AddressOutcome(
            "2001:db8::80", False, "could not connect to port 443: Connection refused", "connect"
        ),
    ]
    findings = _mtasts(status=200, headers=PLAIN, body=GOOD_POLICY, per_address=outcomes)
    fix = fail(findings, "MTASTS-17", Status.WARN).fix
    assert fix.startswith(f"Make 2001:db8::80 serve the policy file at {POLICY_URL}")
    assert f"remove them from the A/AAAA records of {HOST}" in fix
    different = [
        https.AddressOutcome("192.0.2.80", True, status=200, body_sha256="a", meaning="m1"),
        https.AddressOutcome("192.0.2.81", True, status=200, body_sha256="b", meaning="m2"),
    ]
    findings = _mtasts(status=200, headers=PLAIN, body=GOOD_POLICY, per_address=different)
    fix = fail(findings, "MTASTS-17", Status.WARN).fix
    assert fix.startswith(f"Serve the same policy file at {POLICY_URL} on every address")
    assert "192.0.2.80, 192.0.2.81" in fix


def _bimi_fix(record: str) -> str:
    zone = {**BASE, (f"default._bimi.{D}", "TXT"): [record]}
    return fail(findings_for(D, zone, SERVED), "BIMI-04").fix


def test_an_http_logo_url_gets_the_record_with_https() -> None:
    fix = _bimi_fix(f"v=BIMI1; l=http://bimi.{D}/logo.svg; a=")
    assert fix.startswith(f"Serve the logo at https://bimi.{D}/logo.svg and publish")
    [(owner, _, rdata)] = records(fix)
    value = b"".join(rdata.strings).decode()
    assert owner == f"default._bimi.{D}."
    assert value == f"v=BIMI1; l=https://bimi.{D}/logo.svg; a="
    assert parse_bimi(value).errors == []


def test_a_png_logo_says_convert_it_to_svg_tiny_ps() -> None:
    fix = _bimi_fix(f"v=BIMI1; l=https://bimi.{D}/logo.png")
    assert fix.startswith("Convert the logo to an SVG Tiny Portable/Secure file")
    assert f"default._bimi.{D}" in fix


def _mark(body: bytes, status: int = 200) -> list[Finding]:
    out = Collector(Mechanism.BIMI)
    logo = https.HttpsResult(url=LOGO, host="bimi.example.com", status=200, body=GOOD_SVG)
    result = https.HttpsResult(url=CERT, host="bimi.example.com", status=status, body=body)
    bimi._mark(out, CERT, result, ["example.com"], GOOD_SVG, logo)
    return [f for f in out.findings if f.status == Status.FAIL]


def test_an_expired_mark_certificate_says_renew_it_with_its_issuer() -> None:
    [finding] = _mark(mint(days=(-400, -1)))
    issuer = finding.evidence["mark"]["issuer"]
    assert finding.fix.startswith(
        f"Renew the mark certificate with the authority that issued it, '{issuer}': it expired on "
    )
    assert finding.fix.endswith(f"Then publish the new PEM file at {CERT}.")


def test_a_mark_certificate_for_another_logo_says_publish_its_logo() -> None:
    other = GOOD_SVG.replace(b"<title>", b"<title>Other ")
    assert other != GOOD_SVG
    [finding] = _mark(mint(svg=other))
    assert finding.fix.startswith(f"Publish at {LOGO} exactly the SVG file")


def test_a_mark_certificate_for_another_name_says_get_one_for_the_domain() -> None:
    [finding] = _mark(mint(sans=("other-brand.example",)))
    assert finding.fix.startswith("Get a mark certificate (VMC or CMC) for example.com")
    assert CERT in finding.fix


def test_a_missing_mark_file_says_serve_it() -> None:
    [finding] = _mark(b"not found", status=404)
    assert finding.fix.startswith(f"Serve the mark certificate's PEM file at {CERT} with HTTP 200")
