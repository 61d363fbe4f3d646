"""Checklist rules whose (condition -> severity) pairs the engine did not reach as written."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import bimi, https, spf
from checks.findings import Finding, Status
from checks.https import HttpsResult
from tests.test_bimi import ENFORCING, LOGO
from tests.test_spf import flagged, make_ctx, run, statuses

D = "example.com"
MX = {(D, "MX"): ["10 mx.example.com."], ("mx.example.com", "A"): ["192.0.2.25"]}


def test_it_warns_about_a_near_miss_spf_record_beside_the_spf_record() -> None:
    # SPF-02 (RFC 7208 §4.5): "v=spf1;" does not match, so receivers discard that record and
    # apply the other one alone; the senders only the near miss lists are not authorised.
    zone = {
        **MX,
        (D, "TXT"): ["v=spf1 mx -all", "v=spf1;include:_spf.example.net -all"],
        ("_spf.example.net", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    }
    found = run(spf, D, zone)
    assert statuses(found, "SPF-01") == [Status.PASS]
    assert statuses(found, "SPF-02") == [Status.WARN]
    (near,) = [f for f in found if f.id == "SPF-02"]
    assert "names include:_spf.example.net" in near.summary
    assert near.evidence["near_misses"] == ["v=spf1;include:_spf.example.net -all"]
    assert flagged(found)["fail"] == set()


def test_it_says_nothing_of_spf_02_when_the_near_miss_adds_no_sender() -> None:
    # Other TXT records, or the SPF record pasted again with a different ending: receivers
    # ignore the copy and lose nothing by it.
    for other in ("google-site-verification=abc", "v=spf1; mx ~all"):
        zone = {**MX, (D, "TXT"): ["v=spf1 mx -all", other]}
        assert statuses(run(spf, D, zone), "SPF-02") == [], other


def test_a_lone_near_miss_still_fails_spf_02() -> None:
    # The checklist's own case: the near miss is the only candidate, so the domain has no SPF.
    zone = {**MX, (D, "TXT"): ["v=spf1;include:_spf.example.net -all"]}
    assert statuses(run(spf, D, zone), "SPF-02") == [Status.FAIL]


def test_it_warns_rather_than_fails_for_a_logo_over_the_fetch_limit() -> None:
    # BIMI-09: the size limit is receiver-defined; above the 32 KB guidance it is a warning.
    # The profile of a logo we did not read in full is not known, so it never passes either.
    head = b'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps">'
    big = HttpsResult(url=LOGO, status=200, body=head + b" " * 1024, truncated=True)

    found = _bimi_with_logo(big)
    assert statuses(found, "BIMI-09") == [Status.WARN]
    (logo,) = [f for f in found if f.id == "BIMI-09"]
    assert "32 KB" in logo.summary and "not checked" in logo.summary


def _bimi_with_logo(logo: HttpsResult) -> list[Finding]:
    """BIMI evaluated with `logo` as what the logo host served (the network stands in)."""
    zone: dict[Any, Any] = {
        **MX,
        (f"default._bimi.{D}", "TXT"): [f"v=BIMI1; l={LOGO}"],
        (f"_dmarc.{D}", "TXT"): [ENFORCING],
    }

    async def served(ctx: Any, url: str, *, max_bytes: int = 65536) -> HttpsResult:
        return logo

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", served):
            return await bimi.evaluate(make_ctx(D, zone))

    return asyncio.run(go())
