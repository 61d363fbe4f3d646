"""Round s28n: SPF-19's words for a very large range that does not pass its addresses.

'-ip4:0.0.0.0/0', '~ip4:…' or '?ip4:…' (and '-a/0') match a very large range but give its
addresses fail, softfail or neutral: they authorise nothing, yet SPF-19 said the term
"authorises a very large address range". The warning stays (checklist SPF-19 is a heuristic on
the prefix); it now says what the term does: the result it gives and the terms after it that
those addresses never reach."""

from __future__ import annotations

import pytest

from checks import spf
from checks.findings import Finding, Status
from tests.test_spf import run

D = "example.com"


def spf19(record: str) -> list[Finding]:
    zone = {
        (D, "TXT"): [record],
        (D, "MX"): ["10 mx.example.com."],
        ("mx.example.com", "A"): ["192.0.2.1"],
        (D, "A"): ["192.0.2.2"],
    }
    return [f for f in run(spf, D, zone) if f.id == "SPF-19"]


@pytest.mark.parametrize(
    ("record", "term", "result"),
    [
        ("v=spf1 -ip4:0.0.0.0/0 mx -all", "-ip4:0.0.0.0/0", "fail"),
        ("v=spf1 mx ~ip4:0.0.0.0/0 -all", "~ip4:0.0.0.0/0", "softfail"),
        ("v=spf1 mx ?ip4:10.0.0.0/8 -all", "?ip4:10.0.0.0/8", "neutral"),
        ("v=spf1 mx -ip6:::/0 -all", "-ip6:::/0", "fail"),
        ("v=spf1 -a/0 mx -all", "-a/0", "fail"),
    ],
)
def test_a_range_that_passes_nothing_is_not_said_to_authorise(
    record: str, term: str, result: str
) -> None:
    [finding] = spf19(record)
    assert finding.status == Status.WARN
    assert "authorises a" not in finding.summary and "passes SPF as your domain" not in (
        finding.summary
    )
    assert f"'{term}' authorises no one" in finding.summary
    assert f"'{result}'" in finding.summary


def test_it_names_the_terms_those_addresses_never_reach() -> None:
    [finding] = spf19("v=spf1 -ip4:0.0.0.0/0 mx -all")
    assert "'mx'" in finding.summary and "'-all'" in finding.summary
    [finding] = spf19("v=spf1 mx ~ip4:0.0.0.0/0")
    assert "never reach" not in finding.summary  # nothing after it


def test_a_passing_range_still_authorises() -> None:
    [finding] = spf19("v=spf1 ip4:10.0.0.0/8 -all")
    assert "'ip4:10.0.0.0/8' authorises a very large address range (/8)" in finding.summary
    [finding] = spf19("v=spf1 ip4:0.0.0.0/0 -all")
    assert "passes SPF as your domain" in finding.summary
