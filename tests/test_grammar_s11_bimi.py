"""BIMI assertion-record grammar corners (BIMI draft "Assertion Record Definition", checklist
§10), each with the outcome the draft and checklist give, run through the engine.

bimi-record = bimi-version (bimi-sep bimi-location) (bimi-sep bimi-evidence-location)
[bimi-sep]; bimi-version = %x76 *WSP "=" *WSP %x42.49.4d.49 1DIGIT; bimi-sep = *WSP %x3b
*WSP; bimi-location = %x6c *WSP "=" bimi-uri; bimi-uri = [FWS] URI [FWS], HTTPS only.
Tag names are %x.. bytes (lower case only) and receivers MUST NOT fix capitalisation.
"""

from __future__ import annotations

import pytest

from checks.findings import Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_spf import flagged

# (record, fails, warns, infos that must be there, why)
CASES: list[tuple[str, set[str], set[str], set[str], str]] = [
    (f"v=BIMI1; l={LOGO}; a={CERT}", set(), set(), set(), "the good record"),
    (f"v=BIMI1;l={LOGO};a={CERT}", set(), set(), set(), "no WSP"),
    (f"v=BIMI1 ; l = {LOGO} ; a = {CERT}", set(), set(), set(), "WSP around ';' and '='"),
    (f"v=BIMI1;\tl={LOGO};\ta={CERT}", set(), set(), set(), "tabs are WSP"),
    (f"v=BIMI1; l={LOGO}; a={CERT};", set(), set(), set(), "a trailing ';'"),
    ("v=BIMI1; l=; a=;", set(), set(), {"BIMI-03"}, "declination"),
    ("v=BIMI1; l=; a=", set(), set(), {"BIMI-03"}, "declination without the last ';'"),
    (f"v=bimi1; l={LOGO}; a={CERT}", {"BIMI-02"}, set(), set(), "no capitalisation fixes"),
    (f"V=BIMI1; l={LOGO}; a={CERT}", {"BIMI-02"}, set(), set(), "%x76 is a lower-case v"),
    (f"v=BIMI1.0; l={LOGO}; a={CERT}", {"BIMI-02"}, set(), set(), "BIMI1.0 is not BIMI1"),
    (f"l={LOGO}; v=BIMI1; a={CERT}", {"BIMI-02"}, set(), set(), "v must be first"),
    (f"v=BIMI1; a={CERT}", {"BIMI-03"}, set(), set(), "l= is required"),
    (f"v=BIMI1; L={LOGO}; a={CERT}", {"BIMI-03"}, set(), set(), "L= is not l="),
    (
        f"v=BIMI1; l=http://bimi.example.com/logo.svg; a={CERT}",
        {"BIMI-04"},
        set(),
        set(),
        "http is not https",
    ),
    (
        f"v=BIMI1; l=https://bimi.example.com/logo.png; a={CERT}",
        {"BIMI-04"},
        set(),
        set(),
        "the logo must be SVG",
    ),
    (
        f"v=BIMI1; l={LOGO},https://bimi.example.com/other.svg; a={CERT}",
        {"BIMI-04"},
        set(),
        set(),
        "a single URI only",
    ),
    (f"v=BIMI1; l={LOGO}", set(), {"BIMI-05"}, set(), "no evidence document"),
    (f"v=BIMI1; l={LOGO}; a=", set(), {"BIMI-05"}, set(), "empty a= is no evidence"),
    (
        f"v=BIMI1; l={LOGO}; a=http://bimi.example.com/vmc.pem",
        {"BIMI-05"},
        set(),
        set(),
        "evidence over http",
    ),
    (f"v=BIMI1; l={LOGO}; a={CERT}; avp=personal", set(), set(), set(), "avp=personal"),
    (f"v=BIMI1; l={LOGO}; a={CERT}; avp=logo", set(), {"BIMI-06"}, set(), "avp=logo"),
    (f"v=BIMI1; l={LOGO}; a={CERT}; lps=sales,eu-team", set(), set(), set(), "lps list"),
    (f"v=BIMI1; l={LOGO}; a={CERT}; lps=a_b", set(), {"BIMI-07"}, set(), "'_' not in lps"),
    (
        f"v=BIMI1; l={LOGO}; l={LOGO}; a={CERT}",
        {"BIMI-02"},
        set(),
        set(),
        "a repeated tag is a syntax error",
    ),
    (
        f"v=BIMI1; l=HTTPS://bimi.example.com/logo.svg; a={CERT}",
        set(),
        set(),
        set(),
        "URI schemes are case-insensitive (RFC 3986 §3.1)",
    ),
    ("v=BIMI1;", {"BIMI-03"}, {"BIMI-05"}, set(), "only the version"),
    (f"v=BIMI2; l={LOGO}; a={CERT}", {"BIMI-02"}, set(), set(), "another version"),
    (f"v=BIMI1 l={LOGO}; a={CERT}", {"BIMI-02"}, set(), set(), "no ';' after the version"),
]


@pytest.mark.parametrize(
    ("record", "fails", "warns", "infos", "why"), CASES, ids=[c[0] for c in CASES]
)
def test_it_judges_each_record_as_the_grammar_says(
    record: str, fails: set[str], warns: set[str], infos: set[str], why: str
) -> None:
    found = bimi_run(record)
    assert flagged(found) == {"fail": fails, "warn": warns, "error": set()}, why
    seen = {f.id for f in found if f.status == Status.INFO}
    assert infos <= seen, why
