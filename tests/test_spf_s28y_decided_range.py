"""Round s28y: SPF-09 is true when a '?' or '~' range decides every address of a family first.

'v=spf1 ?ip4:0.0.0.0/0 -all' passed SPF-09 ("ends in '-all'"), yet receivers stop at the first
matching term (RFC 7208 §4.6.2) and ip4 with /0 matches every IPv4 address (§5.6): every IPv4
sender gets neutral and never reaches '-all'. SPF-09 now judges the IPv4 ending as that
range's qualifier, as the checklist judges an ending: '?' warn, '~' info; '-' is a refusal
like '-all' and passes. IPv6 still reaches '-all', and the text says so. SPF-19 keeps its one
warning on the term, in the same words ("every IPv4 address that no term before it matches")."""

from __future__ import annotations

import pytest

from checks import spf
from checks.findings import Finding, Status
from tests.test_spf import run

D = "example.com"


def findings(record: str) -> dict[str, list[Finding]]:
    zone = {
        (D, "TXT"): [record],
        (D, "MX"): ["10 mx.example.com."],
        ("mx.example.com", "A"): ["192.0.2.1"],
    }
    out: dict[str, list[Finding]] = {}
    for f in run(spf, D, zone):
        out.setdefault(f.id, []).append(f)
    return out


@pytest.mark.parametrize(
    ("record", "term", "result", "family", "other", "status"),
    [
        ("v=spf1 ?ip4:0.0.0.0/0 -all", "?ip4:0.0.0.0/0", "neutral", "IPv4", "IPv6", Status.WARN),
        (
            "v=spf1 mx ~ip4:0.0.0.0/0 -all",
            "~ip4:0.0.0.0/0",
            "softfail",
            "IPv4",
            "IPv6",
            Status.INFO,
        ),
        ("v=spf1 mx ?ip6:::/0 -all", "?ip6:::/0", "neutral", "IPv6", "IPv4", Status.WARN),
        ("v=spf1 mx ?ip4:0.0.0.0/0 ~all", "?ip4:0.0.0.0/0", "neutral", "IPv4", "IPv6", Status.WARN),
    ],
)
def test_a_weaker_range_decides_the_family_before_the_ending(
    record: str, term: str, result: str, family: str, other: str, status: Status
) -> None:
    found = findings(record)
    [finding] = found["SPF-09"]
    assert finding.status == status
    assert f"'{term}'" in finding.summary
    assert f"gives '{result}' to every {family} address that no term before it matches" in (
        finding.summary
    )
    assert f"so mail from unlisted {family} servers is" in finding.summary
    assert f"only {other} servers that are not listed reach" in finding.summary
    # SPF-19 warns once about the term itself, in the same words.
    [range_warning] = found["SPF-19"]
    assert range_warning.status == Status.WARN
    assert f"gives '{result}' to every {family} address that no term before it matches" in (
        range_warning.summary
    )


def test_both_families_decided_leave_no_one_reaching_the_ending() -> None:
    [finding] = findings("v=spf1 mx ~ip4:0.0.0.0/0 ?ip6:::/0 -all")["SPF-09"]
    assert finding.status == Status.WARN  # the weaker of the two decides the status
    assert "no server that is not listed reaches '-all'" in finding.summary


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 -ip4:0.0.0.0/0 mx -all",  # refused as '-all' would
        "v=spf1 mx -all ?ip4:0.0.0.0/0",  # after 'all': never reached (SPF-10)
        "v=spf1 mx ?ip4:10.0.0.0/8 -all",  # a part of IPv4 only: the rest reach '-all'
    ],
)
def test_a_range_that_does_not_weaken_the_ending_still_passes(record: str) -> None:
    [finding] = findings(record)["SPF-09"]
    assert finding.status == Status.PASS


def test_a_weaker_range_does_not_change_a_weaker_ending() -> None:
    [finding] = findings("v=spf1 mx ~ip4:0.0.0.0/0 ?all")["SPF-09"]
    assert finding.status == Status.WARN
