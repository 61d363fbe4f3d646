"""BIMI-09 on .svgz logos: a gzip stream cut short, and one that expands past our read limit.

Found in the s12b blind round (lab s12b-svgz passes whole .svgz files). check_svg inflated the
stream and parsed whatever came out: a file cut before gzip's end marker (an upload or copy that
stopped early) passed as a valid logo when the SVG text happened to be complete, although it is
not a valid SVGZ document (draft Indicator Validation: a logo that is not valid SVG or SVGZ
fails) and the mark-certificate comparison already called it broken. A stream inflating past
SVG_FETCH_LIMIT was cut at the limit and then failed as "not well-formed XML", with "the logo
is 512 KB": false on both counts. Like an uncompressed logo over the limit (a warning against
the 32 KB guidance, profile not checked), it is now a warning that says so, never a pass."""

from __future__ import annotations

import gzip

from checks import bimi
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.test_bimi import GOOD_SVG, LOGO

PAD = b"<!-- layer metadata from a design tool, repeated by a careless export -->\n"


def logo_findings(body: bytes) -> list[Finding]:
    out = Collector(Mechanism.BIMI)
    bimi._logo(out, LOGO, HttpsResult(url=LOGO, status=200, body=body))
    return out.findings


def test_it_fails_an_svgz_cut_before_its_end_marker() -> None:
    whole = gzip.compress(GOOD_SVG)
    cut = whole[:-8]  # the CRC-32 and length trailer missing: the SVG text itself is complete
    report = bimi.check_svg(cut)
    assert not report.ok
    assert report.problems == [
        "the .svgz file is cut short (its gzip stream ends before the end marker), so it is "
        "not a complete SVGZ file"
    ]
    (finding,) = [f for f in logo_findings(cut) if f.id == "BIMI-09"]
    assert finding.status == Status.FAIL
    assert "cut short" in finding.summary
    # The whole file still passes.
    assert bimi.check_svg(whole).ok
    assert [f.status for f in logo_findings(whole)] == [Status.PASS]


def test_an_svgz_expanding_past_the_read_limit_is_a_warning_not_malformed_xml() -> None:
    svg = GOOD_SVG + b"\n" + PAD * (bimi.SVG_FETCH_LIMIT // len(PAD) + 100)
    packed = gzip.compress(svg)
    assert len(packed) < 32 * 1024 < bimi.SVG_FETCH_LIMIT < len(svg)
    report = bimi.check_svg(packed)
    assert report.problems == []
    assert not report.ok  # never a pass: the profile was not checked
    assert report.warnings == [
        f"the .svgz file inflates to more than {bimi.SVG_FETCH_LIMIT // 1024} KB, far above the "
        "32 KB the BIMI Group recommends: receivers set their own limit and may ignore it. Its "
        f"SVG profile was not checked (only the first {bimi.SVG_FETCH_LIMIT // 1024} KB were "
        "read)"
    ]
    found = logo_findings(packed)
    assert [(f.id, f.status) for f in found] == [("BIMI-09", Status.WARN)]
    assert "not well-formed" not in found[0].summary
    assert "the logo is 512 KB" not in found[0].summary
