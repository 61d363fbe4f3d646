"""DMARC record grammar corners (RFC 7489 §6.3/§6.4, RFC 9989 §4.7/§4.8 ABNF), each with the
outcome the RFCs and checklist §6 give, run through the engine without the lab.

RFC 9989 §4.8: dmarc-record = dmarc-version *(dmarc-sep dmarc-tag) [dmarc-sep];
dmarc-version = "v" equals %s"DMARC1" (the value case-sensitive, "v" an ABNF literal and so
case-insensitive); dmarc-sep = *WSP ";" *WSP; equals = *WSP "=" *WSP; dmarc-tag =
1*ALPHA equals 1*dmarc-value. Value keywords ("reject", "y", "r") are ABNF literals too.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import dmarc
from checks.findings import Status
from tests.test_spf import flagged, run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "TXT"): ["v=spf1 mx -all"],
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
}
RUA = "rua=mailto:d@example.com"
RUF = "ruf=mailto:f@example.com"

# (record, fails, warns, infos that must be there, why)
CASES: list[tuple[str, set[str], set[str], set[str], str]] = [
    (f"v=DMARC1; p=reject; {RUA}", set(), set(), set(), "the good record"),
    # Version.
    (f"V=DMARC1; p=reject; {RUA}", set(), set(), set(), "the tag name v is case-insensitive"),
    (f"v=dmarc1; p=reject; {RUA}", {"DMARC-03"}, set(), set(), '%s"DMARC1" is case-sensitive'),
    (f"v=DMARC1.0; p=reject; {RUA}", {"DMARC-03"}, set(), set(), "DMARC1.0 is not DMARC1"),
    (f"p=reject; v=DMARC1; {RUA}", {"DMARC-03"}, set(), set(), "v must be first"),
    (f" v=DMARC1; p=reject; {RUA}", {"DMARC-03"}, set(), set(), "nothing before v"),
    (f"v=DMARC1 p=reject; {RUA}", {"DMARC-03"}, set(), set(), "no ';' after the version"),
    # Whitespace (WSP = SP / HTAB around ';' and '=').
    (f"v = DMARC1 ; p = reject ; {RUA}", set(), set(), set(), "WSP around '=' and ';'"),
    (f"v=DMARC1;\tp=reject;\t{RUA}", set(), set(), set(), "tabs are WSP"),
    (f"v=DMARC1;p=reject;{RUA}", set(), set(), set(), "no WSP at all"),
    (f"v=DMARC1; p=reject; {RUA};", set(), set(), set(), "a trailing ';'"),
    (f"v=DMARC1; p=reject; {RUA}; ", set(), set(), set(), "a trailing '; '"),
    # Tag names and keyword values are ABNF literals: case-insensitive.
    (f"v=DMARC1; P=reject; {RUA}", set(), set(), set(), "P= is p="),
    (f"v=DMARC1; p=REJECT; {RUA}", set(), set(), set(), "REJECT is reject"),
    (f"v=DMARC1; p=reject; aspf=S; ADKIM=r; {RUA}", set(), set(), set(), "alignment literals"),
    (f"v=DMARC1; p=reject; t=N; {RUA}", set(), set(), set(), "t=N is t=n"),
    # p (checklist DMARC-05, DMARC-06).
    (f"v=DMARC1; p=; {RUA}", {"DMARC-05"}, set(), set(), "p= empty is invalid; rua => none"),
    (f"v=DMARC1; p=rejected; {RUA}", {"DMARC-05"}, set(), set(), "invalid p value"),
    (f"v=DMARC1; {RUA}", set(), {"DMARC-05", "DMARC-06"}, set(), "no p: p=none in RFC 9989"),
    # Without p and rua, RFC 7489 receivers apply no DMARC (§6.6.3 step 6), RFC 9989 p=none.
    ("v=DMARC1;", set(), {"DMARC-05", "DMARC-06", "DMARC-19"}, set(), "only the version"),
    ("v=DMARC1", set(), {"DMARC-05", "DMARC-06", "DMARC-19"}, set(), "the version alone"),
    (f"v=DMARC1; sp=reject; {RUA}", set(), {"DMARC-05", "DMARC-06"}, set(), "sp without p"),
    (f"v=DMARC1; {RUA}; p=reject", set(), {"DMARC-05"}, set(), "p not second (RFC 7489)"),
    (f"v=DMARC1; p=none; {RUA}", set(), {"DMARC-06"}, set(), "monitoring only"),
    # sp / np (DMARC-07).
    (f"v=DMARC1; p=reject; sp=none; {RUA}", set(), {"DMARC-07"}, set(), "sp=none under reject"),
    (f"v=DMARC1; p=reject; np=reject; {RUA}", set(), set(), set(), "np is an RFC 9989 tag"),
    (
        f"v=DMARC1; p=reject; np=; {RUA}",
        {"DMARC-05", "DMARC-07"},
        {"DMARC-19"},
        set(),
        "np= empty spoils the record for RFC 9989 receivers only",
    ),
    (f"v=DMARC1; p=reject; sp=all; {RUA}", {"DMARC-05", "DMARC-07"}, set(), set(), "bad sp"),
    # pct (DMARC-08).
    (f"v=DMARC1; p=reject; pct=100; {RUA}", set(), set(), {"DMARC-08"}, "pct=100 is info"),
    (f"v=DMARC1; p=reject; pct=101; {RUA}", {"DMARC-08"}, set(), set(), "pct over 100"),
    (f"v=DMARC1; p=reject; pct=-1; {RUA}", {"DMARC-08"}, set(), set(), "pct is 1*DIGIT"),
    (f"v=DMARC1; p=reject; pct=; {RUA}", {"DMARC-08"}, set(), set(), "pct empty"),
    (
        f"v=DMARC1; p=reject; pct=50; {RUA}",
        set(),
        {"DMARC-08", "DMARC-19"},
        set(),
        "pct=50: the RFC 7489 and RFC 9989 views differ",
    ),
    # t and psd (DMARC-09, DMARC-10).
    # t=y is DMARC-09's alone: DMARC-19 leaves it out so one cause gives one finding.
    (f"v=DMARC1; p=reject; t=y; {RUA}", set(), {"DMARC-09"}, set(), "testing"),
    (f"v=DMARC1; p=reject; t=; {RUA}", set(), {"DMARC-09"}, set(), "t= empty is not y/n"),
    (f"v=DMARC1; p=reject; t=yes; {RUA}", set(), {"DMARC-09"}, set(), "t=yes is not y/n"),
    (f"v=DMARC1; p=reject; psd=n; {RUA}", set(), set(), {"DMARC-10"}, "psd=n is info"),
    (f"v=DMARC1; p=reject; psd=u; {RUA}", set(), set(), set(), "psd=u is the default"),
    (f"v=DMARC1; p=reject; psd=x; {RUA}", set(), {"DMARC-10"}, set(), "psd=x invalid"),
    # rf / ri (DMARC-11 info: historic in RFC 9989, so even a malformed value changes nothing).
    (f"v=DMARC1; p=reject; ri=3600; {RUA}", set(), set(), {"DMARC-11"}, "historic ri"),
    (f"v=DMARC1; p=reject; ri=abc; {RUA}", set(), set(), {"DMARC-11"}, "ri is historic"),
    (f"v=DMARC1; p=reject; rf=afrf; {RUA}", set(), set(), {"DMARC-11"}, "historic rf"),
    # rua / ruf URIs (DMARC-12).
    (f"v=DMARC1; p=reject; {RUA}!10m", set(), set(), {"DMARC-12"}, "obsolete !size is info"),
    (f"v=DMARC1; p=reject; {RUA}!10", set(), set(), {"DMARC-12"}, "!size without a unit"),
    (
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com",
        set(),
        set(),
        set(),
        "two URIs separated by ','",
    ),
    (
        "v=DMARC1; p=reject; rua=mailto:a@example.com , mailto:b@example.com",
        set(),
        set(),
        set(),
        "WSP around ','",
    ),
    (
        "v=DMARC1; p=reject; rua=mailto:a@example.com; mailto:b@example.com",
        set(),
        {"DMARC-12"},
        set(),
        "a second URI after ';' is a stray element: DMARC-12 says it gets no reports",
    ),
    ("v=DMARC1; p=reject; rua=d@example.com", {"DMARC-12"}, set(), set(), "no scheme"),
    ("v=DMARC1; p=reject; rua=", {"DMARC-12"}, set(), set(), "rua= empty"),
    # fo / ruf (DMARC-14, DMARC-15).
    (f"v=DMARC1; p=reject; {RUA}; {RUF}; fo=1", set(), set(), {"DMARC-15"}, "fo=1 with ruf"),
    (f"v=DMARC1; p=reject; {RUA}; {RUF}; fo=d:s", set(), set(), set(), "fo=d:s"),
    (f"v=DMARC1; p=reject; {RUA}; {RUF}; fo=0:1:d:s", set(), {"DMARC-14"}, set(), "0 and 1"),
    (f"v=DMARC1; p=reject; {RUA}; {RUF}; fo=2", set(), {"DMARC-14"}, set(), "fo=2 invalid"),
    (f"v=DMARC1; p=reject; {RUA}; fo=1", set(), set(), {"DMARC-14"}, "fo without ruf"),
    # adkim / aspf (DMARC-16).
    (f"v=DMARC1; p=reject; adkim=x; {RUA}", {"DMARC-16"}, set(), set(), "adkim=x"),
    (f"v=DMARC1; p=reject; aspf=strict; {RUA}", {"DMARC-16"}, set(), set(), "aspf=strict"),
    # Repeated, unknown and empty elements (DMARC-17).
    (
        f"v=DMARC1; p=reject; p=none; {RUA}",
        set(),
        {"DMARC-06", "DMARC-17"},
        set(),
        "p twice: receivers differ, so the weaker p=none counts (DMARC-06)",
    ),
    (f"v=DMARC1; p=reject; foo=bar; {RUA}", set(), {"DMARC-17"}, set(), "unknown tag"),
    (f"v=DMARC1; p=reject;; {RUA}", set(), {"DMARC-17"}, set(), "';;' is an empty element"),
    (f"v=DMARC1; p=reject; {RUA}; junk", set(), {"DMARC-17"}, set(), "no 'tag=value'"),
    # More URI, value and tag-name corners.
    (f"v=DMARC1; p=reject; {RUA}!10M", set(), set(), {"DMARC-12"}, "size unit in upper case"),
    ("v=DMARC1; p=reject; rua=MAILTO:d@example.com", set(), set(), set(), "scheme case"),
    (f"v=DMARC1; p=reject; {RUA},", set(), {"DMARC-12"}, set(), "an empty URI after ','"),
    (f"v=DMARC1; p=reject; {RUA}; fo=D; {RUF}", set(), set(), set(), "fo=D is fo=d"),
    (f"v=DMARC1; p=reject; {RUA}; fo=; {RUF}", set(), {"DMARC-14"}, set(), "fo= empty"),
    (f"v=DMARC1; p=reject; adkim=; {RUA}", {"DMARC-16"}, set(), set(), "adkim= empty"),
    (f"v=DMARC1; p=reject; 1x=y; {RUA}", set(), {"DMARC-17"}, set(), "tag name is 1*ALPHA"),
    (
        f"v=DMARC1; p=quarantine; pct=0; {RUA}",
        set(),
        {"DMARC-08", "DMARC-19"},
        set(),
        "pct=0: RFC 7489 receivers apply none",
    ),
]


@pytest.mark.parametrize(
    ("record", "fails", "warns", "infos", "why"), CASES, ids=[c[0] for c in CASES]
)
def test_it_judges_each_record_as_the_grammar_says(
    record: str, fails: set[str], warns: set[str], infos: set[str], why: str
) -> None:
    found = run(dmarc, D, {**ZONE, (f"_dmarc.{D}", "TXT"): [record]})
    assert flagged(found) == {"fail": fails, "warn": warns, "error": set()}, why
    seen = {f.id for f in found if f.status == Status.INFO}
    assert infos <= seen, why
