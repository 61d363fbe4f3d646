"""SPF record grammar corners (RFC 7208 §4.5, §4.6, §5, §6, §7, §12 ABNF), each with the
outcome the RFC and checklist §4 give, run through the engine without the lab.

Each row: the record published at example.com, then the check ids expected to fail and to warn
(exactly: nothing else may fail or warn), and why.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import spf
from tests.test_spf import flagged, run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    (D, "A"): ["192.0.2.1"],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("mx.example.com", "TXT"): ["v=spf1 a -all"],
    ("_spf.example.net", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
    ("explain.example.com", "TXT"): ["Mail from %{i} is not allowed for %{d}"],
    # The names "x%%y.example.com" and "a%-b%_c.example.com" stand for (RFC 7208 §7.3).
    ("x%y.example.com", "A"): ["127.0.0.2"],
    ("a%20b c.example.com", "A"): ["127.0.0.2"],
}

# (record, fails, warns, why)
CASES: list[tuple[str, set[str], set[str], str]] = [
    # Version (§4.5, §12: "v=spf1" is an ABNF literal, so case-insensitive; SP or end after it).
    ("V=SPF1 mx -all", set(), set(), "version literal is case-insensitive"),
    ("v=SPF1 mx -all", set(), set(), "version literal is case-insensitive"),
    ("v=spf1 mx -all ", set(), set(), "record = version terms *SP: trailing spaces"),
    ("v=spf1  mx   -all", set(), set(), "terms are separated by 1*SP"),
    ("v=spf1\tmx -all", {"SPF-02"}, set(), "only SP follows the version: not an SPF record"),
    ("v=spf1 mx\t-all", {"SPF-04"}, set(), "a tab is no term separator: syntax error"),
    ("v=spf10 mx -all", {"SPF-02"}, set(), "v=spf10 is no SPF record"),
    ("v=spf1; mx -all", {"SPF-02"}, set(), "v=spf1; is no SPF record"),
    ("v=spf1 MX -ALL", set(), set(), "mechanism names are case-insensitive"),
    # ip4 / ip6 (§5.6, §12 qnum, RFC 4291 §2.2).
    ("v=spf1 ip4:192.0.2.1 -all", set(), set(), "plain ip4"),
    ("v=spf1 ip4:010.0.0.1 -all", {"SPF-04"}, set(), "qnum allows no leading zero"),
    ("v=spf1 ip4:192.0.2.300 -all", {"SPF-04"}, set(), "qnum is at most 255"),
    ("v=spf1 ip6:::ffff:1.2.3.4 -all", set(), set(), "RFC 4291 §2.2 mixed form is valid"),
    ("v=spf1 ip4:1.2.3.4/33 -all", {"SPF-04"}, set(), "ip4 prefix 0-32"),
    ("v=spf1 ip6:2001:db8::/129 -all", {"SPF-04"}, set(), "ip6 prefix 0-128"),
    ("v=spf1 ip4:192.0.2.0/ -all", {"SPF-04"}, set(), "'/' needs 1*DIGIT"),
    ("v=spf1 ip4:192.0.2.0/08 -all", {"SPF-04"}, set(), "ip4-cidr-length has no leading 0"),
    ("v=spf1 mx/24//64 -all", set(), set(), "dual-cidr-length on mx"),
    # Qualifiers and the terminal policy (§4.6.2, §4.7, checklist SPF-09).
    ("v=spf1 mx -all", set(), set(), "-all is the pass case"),
    ("v=spf1 mx ~all", set(), set(), "~all is info"),
    ("v=spf1 mx ?all", set(), {"SPF-09"}, "?all is warn"),
    ("v=spf1 mx +all", {"SPF-09"}, set(), "+all authorises the Internet"),
    ("v=spf1 mx all", {"SPF-09"}, set(), "'all' is '+all'"),
    ("v=spf1 mx", set(), {"SPF-09"}, "no terminal: neutral default"),
    ("v=spf1 ?mx -ip4:192.0.2.9 ~a -all", set(), set(), "qualifiers on every mechanism"),
    # Terms after all, redirect next to all (§5.1, §6.1, checklist SPF-10).
    ("v=spf1 -all mx", set(), {"SPF-10"}, "mechanisms after all are ignored"),
    ("v=spf1 mx -all -all", set(), {"SPF-10"}, "a second all after all is ignored"),
    ("v=spf1 mx -all redirect=_spf.example.net", set(), {"SPF-10"}, "redirect ignored"),
    ("v=spf1 redirect=_spf.example.net", set(), set(), "redirect alone takes the target's -all"),
    # Modifiers (§6, §12, checklist SPF-12).
    (
        "v=spf1 redirect=_spf.example.net redirect=_spf.example.net",
        {"SPF-12"},
        set(),
        "redirect twice is a permerror",
    ),
    (
        "v=spf1 mx exp=explain.example.com exp=explain.example.com -all",
        {"SPF-12"},
        set(),
        "exp twice is a permerror",
    ),
    ("v=spf1 mx -all exp=explain.example.com", set(), set(), "exp with a TXT"),
    ("v=spf1 mx -all exp=nothere.example.com", set(), set(), "§6.2: a missing exp is no error"),
    ("v=spf1 mx -all redirect=", {"SPF-04"}, set(), "redirect needs a domain-spec"),
    ("v=spf1 foo=bar mx -all", set(), set(), "unknown modifiers are ignored"),
    ("v=spf1 mx -all foo=%{x}", {"SPF-16"}, set(), "unknown modifier's macro-string is checked"),
    ("v=spf1 include=_spf.example.net -all", {"SPF-04"}, set(), "mechanism written with '='"),
    # Macros (§7.1, §7.2, §7.3, checklist SPF-16).
    ("v=spf1 exists:%{i}._spf.%{d} -all", set(), set(), "domain-spec ending with a macro"),
    ("v=spf1 exists:%{ir}.%{l1r-}._spf.%{d2} -all", set(), set(), "transformers and delimiters"),
    ("v=spf1 exists:%{I}.%{D}.example.com -all", set(), set(), "upper-case macro letters"),
    ("v=spf1 exists:x%%y.example.com -all", set(), set(), "%% is queried as '%'"),
    ("v=spf1 exists:a%-b%_c.example.com -all", set(), set(), "%- is '%20', %_ a space"),
    ("v=spf1 include:%{i}.example.net -all", set(), set(), "macro in an include domain-spec"),
    ("v=spf1 a:%{d} -all", set(), set(), "a domain-spec that is only a macro"),
    ("v=spf1 exists:%{x}.example.com -all", {"SPF-16"}, set(), "x is no macro letter"),
    ("v=spf1 exists:%{c}.example.com -all", {"SPF-16"}, set(), "c only in explanation text"),
    ("v=spf1 exists:%{i0}.example.com -all", {"SPF-16"}, set(), "DIGIT must be nonzero"),
    ("v=spf1 exists:%.example.com -all", {"SPF-16"}, set(), "'%' not followed by {, %, -, _"),
    ("v=spf1 exists:%{i.example.com -all", {"SPF-16"}, set(), "macro never closed"),
    ("v=spf1 exists:%{ix}.example.com -all", {"SPF-16"}, set(), "x is no transformer"),
    ("v=spf1 exists:%{p}.example.com -all", set(), {"SPF-11"}, "%{p} is as slow as ptr"),
    # domain-end (§7.1: "." toplabel ["."] / macro-expand).
    ("v=spf1 a:example.com. -all", set(), set(), "toplabel then a trailing dot"),
    # A macro then "." is no domain-end by the grammar, but pyspf checks the expanded name
    # and accepts it: implementations disagree, a warning (checklist §0).
    ("v=spf1 a:%{d}. -all", set(), {"SPF-16"}, "a macro then '.' is no domain-end"),
    ("v=spf1 exists:%{i}._spf.%{d}. -all", set(), {"SPF-16"}, "likewise after a longer spec"),
    ("v=spf1 redirect=%{h}.", set(), {"SPF-16"}, "likewise in redirect"),
    ("v=spf1 exists:%{i}.%{d}.example.com. -all", set(), set(), "toplabel then '.' is fine"),
    ("v=spf1 a:%{d}.. -all", {"SPF-16"}, set(), "an empty label after a macro"),
    ("v=spf1 a:mail..example.com -all", {"SPF-04"}, set(), "empty label"),
    ("v=spf1 a:example.123 -all", {"SPF-04"}, set(), "toplabel must hold a letter"),
    ("v=spf1 a:localhost -all", {"SPF-04"}, set(), "no '.' toplabel: not a domain-end"),
    # Other mechanisms.
    ("v=spf1 ptr -all", set(), {"SPF-11"}, "ptr SHOULD NOT be published"),
    ("v=spf1 include: -all", {"SPF-04"}, set(), "include needs a domain"),
    ("v=spf1 all:example.com", {"SPF-04"}, set(), "all takes no argument"),
    ("v=spf1 mx:example.com/33 -all", {"SPF-04"}, set(), "ip4-cidr-length on mx 0-32"),
    ("v=spf1 foo:bar -all", {"SPF-04"}, set(), "unknown mechanism"),
    # More modifier and mechanism corners (§12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / ".")).
    ("v=spf1 REDIRECT=_spf.example.net", set(), set(), "modifier names are case-insensitive"),
    (
        "v=spf1 Redirect=_spf.example.net redirect=_spf.example.net",
        {"SPF-12"},
        set(),
        "redirect twice in any case",
    ),
    ("v=spf1 mx -all exp=", {"SPF-04"}, set(), "exp needs a domain-spec"),
    ("v=spf1 1foo=bar mx -all", {"SPF-04"}, set(), "a modifier name starts with a letter"),
    ("v=spf1 foo.bar-1_x=baz mx -all", set(), set(), "unknown modifier name characters"),
    ("v=spf1 mx exp=explain.example.com", set(), {"SPF-09"}, "exp is no terminal"),
    ("v=spf1 ~ -all", {"SPF-04"}, set(), "a qualifier alone"),
    ("v=spf1 +-all", {"SPF-04"}, set(), "two qualifiers"),
    ("v=spf1 a/ -all", {"SPF-04"}, set(), "'/' without a length"),
    ("v=spf1 a//129 -all", {"SPF-04"}, set(), "ip6-cidr-length 0-128"),
    ("v=spf1 mx:example.com//64 -all", set(), set(), "ip6 prefix alone on mx"),
    ("v=spf1 ip6:2001:DB8::1 -all", set(), set(), "hex digits in upper case"),
    ("v=spf1 ip6:1.2.3.4 -all", {"SPF-04"}, set(), "an IPv4 address in ip6"),
    ("v=spf1 ip4:2001:db8::1 -all", {"SPF-04"}, set(), "an IPv6 address in ip4"),
    # SPF-09 fails it as '+all' for IPv6 (s30f): every IPv6 server passes before '-all'.
    ("v=spf1 ip6:2001:db8::/0 -all", {"SPF-09"}, {"SPF-19"}, "ip6 /0 is everybody"),
    ("v=spf1 include:_spf.example.net. -all", set(), set(), "include target with a root dot"),
    # A name in Unicode is SPF-15 alone, with the A-label record (s26e: SPF-04 said it again).
    ("v=spf1 a:ex\u00e4mple.com -all", {"SPF-15"}, set(), "US-ASCII only"),
]


@pytest.mark.parametrize(("record", "fails", "warns", "why"), CASES, ids=[c[0] for c in CASES])
def test_it_judges_each_record_as_the_grammar_says(
    record: str, fails: set[str], warns: set[str], why: str
) -> None:
    found = flagged(run(spf, D, {**ZONE, (D, "TXT"): [record]}))
    assert found == {"fail": fails, "warn": warns, "error": set()}, why
