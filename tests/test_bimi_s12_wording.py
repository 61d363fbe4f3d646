"""BIMI wording the s12b blind round found wanting (s12b_redirect, s12b_selector).

A logo (l=) or mark certificate (a=) URL that answers a redirect said only "answers HTTP 301
instead of serving the SVG file": not where it points, nor that mailbox providers do not follow
it, nor the record to publish. The guarded HTTPS client never follows redirects (as receivers
do not), so the fetch result carries the status and its Location.

A domain whose only BIMI record is at another selector (brand._bimi) read "publishes no BIMI
record". Selectors cannot be listed from DNS and the engine is given none for BIMI (only DKIM
selectors are configured), so it asks default._bimi alone and now says exactly that."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest import mock

from checks import bimi, https
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.test_bimi import CERT, ENFORCING, GOOD_SVG, GOOD_VMC, LOGO, D
from tests.test_spf import flagged, make_ctx

NEW_LOGO = "https://cdn.example.com/brand/logo.svg"
NEW_CERT = "https://bimi.example.com/2026/vmc.pem"


def moved(status: int, location: str | None) -> HttpsResult:
    headers = {"location": location} if location is not None else {}
    return HttpsResult(url="", status=status, headers=headers, body=b"<a>moved</a>")


def run(record: str, answers: dict[str, HttpsResult], domain: str = D) -> list[Finding]:
    """BIMI findings for `record` at default._bimi.`domain`, each URL answered from `answers`
    (else the good logo or mark certificate)."""
    zone: dict[Any, Any] = {
        (domain, "MX"): ["10 mx.example.com."],
        (f"default._bimi.{domain}", "TXT"): [record],
        (f"_dmarc.{domain}", "TXT"): [ENFORCING],
    }

    async def fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):
        if url in answers:
            return answers[url]
        return HttpsResult(url=url, status=200, body=GOOD_VMC if url.endswith(".pem") else GOOD_SVG)

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fetch):
            return await bimi.evaluate(make_ctx(domain, zone))

    return asyncio.run(go())


def only(found: list[Finding], check_id: str, status: Status = Status.FAIL) -> Finding:
    (finding,) = [f for f in found if f.id == check_id and f.status == status]
    return finding


def test_a_logo_redirect_says_where_and_gives_the_record_to_publish() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    for status in (301, 302, 307, 308):
        found = run(record, {LOGO: moved(status, NEW_LOGO)})
        assert flagged(found)["fail"] == {"BIMI-09"}, status
        logo = only(found, "BIMI-09")
        assert f"HTTP {status}" in logo.summary
        assert f"redirect to {NEW_LOGO}" in logo.summary
        assert "do not follow redirects" in logo.summary
        assert f"l= set to {NEW_LOGO}" in logo.summary
        # The record with l= replaced and a= exactly as published.
        assert logo.fix == f'default._bimi.{D}. TXT "v=BIMI1; l={NEW_LOGO}; a={CERT}"'
        assert logo.evidence["redirect"] == {"location": NEW_LOGO, "target": NEW_LOGO}


def test_a_relative_location_is_resolved_against_the_logo_url() -> None:
    found = run(f"v=BIMI1; l={LOGO}; a={CERT}", {LOGO: moved(301, "/new/logo.svg")})
    logo = only(found, "BIMI-09")
    target = "https://bimi.example.com/new/logo.svg"
    assert f"redirect to {target}" in logo.summary
    assert logo.fix == f'default._bimi.{D}. TXT "v=BIMI1; l={target}; a={CERT}"'


def test_the_fix_keeps_every_other_tag_as_published() -> None:
    record = f"v=BIMI1;  a={CERT} ;avp=personal; l={LOGO} ; lps=news,info;"
    logo = only(run(record, {LOGO: moved(308, NEW_LOGO)}), "BIMI-09")
    assert logo.fix == (
        f'default._bimi.{D}. TXT "v=BIMI1;  a={CERT} ;avp=personal; l={NEW_LOGO} ; lps=news,info;"'
    )


def test_an_http_location_is_said_and_the_fix_is_to_serve_the_file_at_l() -> None:
    found = run(f"v=BIMI1; l={LOGO}; a={CERT}", {LOGO: moved(301, "http://bimi.example.com/x.svg")})
    logo = only(found, "BIMI-09")
    assert "redirect to http://bimi.example.com/x.svg" in logo.summary
    assert "http:// URL" in logo.summary and "HTTPS only" in logo.summary
    assert f"Serve the SVG file at {LOGO} itself" in logo.summary
    assert "l= set to" not in logo.summary and logo.fix == ""


def test_a_redirect_without_location_or_to_no_logo_url_says_serve_it_at_l() -> None:
    for answer, said in (
        (moved(302, None), "without a Location header"),
        (moved(301, "https://bimi.example.com/logo.png"), "not .png"),
        (moved(301, LOGO), "the same URL"),
    ):
        logo = only(run(f"v=BIMI1; l={LOGO}; a={CERT}", {LOGO: answer}), "BIMI-09")
        assert said in logo.summary, said
        assert f"Serve the SVG file at {LOGO} itself" in logo.summary
        assert logo.fix == ""


def test_a_mark_certificate_redirect_is_told_the_same_way() -> None:
    # a= is fetched by the same client, which does not follow redirects either.
    found = run(f"v=BIMI1; l={LOGO}; a={CERT}", {CERT: moved(301, NEW_CERT)})
    assert flagged(found)["fail"] == {"BIMI-10"}
    mark = only(found, "BIMI-10")
    assert f"redirect to {NEW_CERT}" in mark.summary
    assert "do not follow redirects" in mark.summary and f"a= set to {NEW_CERT}" in mark.summary
    assert mark.fix == f'default._bimi.{D}. TXT "v=BIMI1; l={LOGO}; a={NEW_CERT}"'
    http = only(
        run(f"v=BIMI1; l={LOGO}; a={CERT}", {CERT: moved(307, "http://bimi.example.com/v.pem")}),
        "BIMI-10",
    )
    assert "http:// URL" in http.summary and f"Serve the PEM file at {CERT} itself" in http.summary
    assert http.fix == ""


def test_when_both_urls_redirect_one_record_names_both_targets() -> None:
    found = run(
        f"v=BIMI1; l={LOGO}; a={CERT}", {LOGO: moved(301, NEW_LOGO), CERT: moved(301, NEW_CERT)}
    )
    fixes = {only(found, "BIMI-09").fix, only(found, "BIMI-10").fix}
    assert fixes == {f'default._bimi.{D}. TXT "v=BIMI1; l={NEW_LOGO}; a={NEW_CERT}"'}


def test_other_statuses_keep_their_wording() -> None:
    logo = only(run(f"v=BIMI1; l={LOGO}; a={CERT}", {LOGO: moved(404, None)}), "BIMI-09")
    assert logo.summary == "The logo URL answers HTTP 404 instead of serving the SVG file."


def test_the_location_comes_through_the_real_https_client(tmp_path: Path) -> None:
    """A TLS server on 127.0.0.1 answering 301: the guarded client does not follow it and
    hands its Location to BIMI-09."""
    from tests.test_https import TlsServer

    server = TlsServer(
        tmp_path,
        "bimi.example.com",
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: /2026/logo.svg\r\n"
        b"Content-Type: text/html\r\nContent-Length: 5\r\n\r\nmoved",
    )
    ctx = make_ctx(
        D,
        {("bimi.example.com", "A"): ["127.0.0.1"]},
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=server.ca_bundle,
        timeout=2.0,
    )
    try:
        result = asyncio.run(bimi._fetch(ctx, LOGO, bimi.SVG_FETCH_LIMIT))
    finally:
        server.close()
    assert len(server.requests) == 1  # not followed
    out = Collector(Mechanism.BIMI)
    assert bimi._logo(out, LOGO, result, "the fix") is None
    (logo,) = out.findings
    assert logo.status == Status.FAIL and logo.fix == "the fix"
    assert "HTTP 301 with a redirect to https://bimi.example.com/2026/logo.svg" in logo.summary


def bimi01(zone: dict[Any, Any], domain: str = D) -> Finding:
    async def go() -> list[Finding]:
        return await bimi.evaluate(make_ctx(domain, zone))

    found = asyncio.run(go())
    assert [f.id for f in found] == ["BIMI-01"]
    return found[0]


def test_a_record_at_another_selector_only_is_not_called_no_bimi() -> None:
    # s12b_selector: brand._bimi carries the record, default._bimi nothing.
    zone: dict[Any, Any] = {
        (D, "MX"): ["10 mx.example.com."],
        (f"brand._bimi.{D}", "TXT"): [f"v=BIMI1; l={LOGO}; a={CERT}"],
        (f"_dmarc.{D}", "TXT"): [ENFORCING],
    }
    absent = bimi01(zone)
    assert absent.status == Status.INFO  # severity kept
    assert "publishes no BIMI record" not in absent.summary
    assert absent.summary.startswith(f"No BIMI record at default._bimi.{D};")
    assert "BIMI-Selector header" in absent.summary
    assert f"other selectors (<selector>._bimi.{D}) are not checked here" in absent.summary
    assert absent.evidence["selectors_checked"] == ["default"]
    assert absent.evidence["published"] is False


def test_a_subdomain_names_both_places_asked() -> None:
    absent = bimi01({(f"news.{D}", "MX"): ["10 mx.example.com."]}, f"news.{D}")
    assert absent.summary.startswith(
        f"No BIMI record at default._bimi.news.{D} or at default._bimi.{D} (the organisational"
    )


def test_a_domain_that_receives_no_mail_keeps_its_reason() -> None:
    absent = bimi01({(D, "MX"): ["0 ."]})
    assert absent.summary == (
        f"No BIMI record at default._bimi.{D} ({D} does not receive mail, so BIMI does not apply)."
    )
