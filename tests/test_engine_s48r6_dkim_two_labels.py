"""Review s48r6 of s48r4's DKIM-01 "same provider zone" (52b82ae0): the target less its first
label, when the target has only two labels (`selector1._domainkey.<d> CNAME example.net`).
Held with no code change: the zone compared is then the organisational domain (example.net),
never the public suffix (net), so an alias into another organisation under the same TLD
holding a key does not make "nothing to do", and one into the same organisation does."""

from __future__ import annotations

from tests.test_engine_s44e_blind import Case, run_case
from tests.test_engine_s48r4_dkim import D, _named, _zone


def test_s48r6_two_label_target_is_not_a_whole_tld() -> None:
    report = run_case(
        Case(
            "s48r6",
            D,
            _zone({"selector1": "example.net", "selector2": "k.other.net"}, ["k.other.net"]),
        )
    )
    [said] = _named(report.findings, "selector1")
    assert "alias of example.net, which holds no TXT record" in said.summary
    assert "nothing to do" not in said.summary
    assert "turn DKIM signing on" in said.summary


def test_s48r6_two_label_target_beside_a_key_in_the_same_organisation() -> None:
    report = run_case(
        Case(
            "s48r6",
            D,
            _zone({"selector1": "example.net", "selector2": "k.example.net"}, ["k.example.net"]),
        )
    )
    [said] = _named(report.findings, "selector1")
    assert "while 'selector2' holds your key there is nothing to do" in said.summary
