"""SPF-19 on a and mx with a prefix length: "a/0" authorises every IPv4 address."""

from __future__ import annotations

from typing import Any

from checks import spf
from checks.findings import Status
from tests.test_spf import run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "A"): ["192.0.2.1"],
    (D, "AAAA"): ["2001:db8::1"],
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("mx.example.com", "TXT"): ["v=spf1 a -all"],
}


def wide(record: str) -> list[str]:
    """The terms SPF-19 warns about when example.com publishes `record`."""
    found = run(spf, D, {**ZONE, (D, "TXT"): [record]})
    return [f.evidence["term"] for f in found if f.id == "SPF-19" and f.status == Status.WARN]


def test_a_and_mx_with_a_short_prefix_are_over_broad() -> None:
    # RFC 7208 §5.3/§5.4: "a/0" matches when the client is in the /0 network around one of
    # the domain's addresses, that is always; "mx//0" does the same for IPv6.
    for term in ("a/0", "+a/8", "mx/15", "a:mx.example.com/1", "mx//0", "a/24//31", "~mx//16"):
        assert wide(f"v=spf1 {term} -all") == [term], term


def test_usual_a_and_mx_prefixes_are_not_flagged() -> None:
    for term in ("a", "mx", "a/24", "mx/16", "a//64", "mx:example.com/28//48", "a/32//128"):
        assert wide(f"v=spf1 {term} -all") == [], term


def test_the_ip_ranges_are_still_judged_as_before() -> None:
    assert wide("v=spf1 ip4:0.0.0.0/1 ip6:2001:db8::/32 -all") == ["ip4:0.0.0.0/1"]
    assert spf.parse_spf("v=spf1 a/0 -all").permerror is False
