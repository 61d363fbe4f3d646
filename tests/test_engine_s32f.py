"""Engine follow-ups left by s31 (task s32f), each written failing before its fix."""

from __future__ import annotations

from typing import Any

from checks import spf
from checks.findings import Finding
from tests.test_engine_s29g import MX
from tests.test_spf import run

D = "example.com"
OPEN = {("open.example.net", "TXT"): ["v=spf1 +all"]}
# Names with addresses of one family only: an `a` of one is a void lookup for servers of the
# other family, which ask only for their own (RFC 7208 §5.3, §4.6.4).
V4_ONLY = {(f"v4-{i}.example.net", "A"): ["192.0.2.9"] for i in range(3)}
V6_ONLY = {(f"v6-{i}.example.net", "AAAA"): ["2001:db8::9"] for i in range(3)}
THREE_V4_ONLY = " ".join(f"a:v4-{i}.example.net" for i in range(3))
THREE_V6_ONLY = " ".join(f"a:v6-{i}.example.net" for i in range(3))


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def _spf(record: str, zone: dict[Any, Any] | None = None) -> list[Finding]:
    return run(spf, D, {**MX, (D, "TXT"): [record], **OPEN, **V4_ONLY, **V6_ONLY, **(zone or {})})


# ------------------------- 1. the receiver-order walk follows servers of both address families


def test_spf09_tells_an_ipv6_void_permerror_before_the_open_include() -> None:
    # An IPv6 server meets three void lookups (names with A records only) and gets a permanent
    # error before the include; an IPv4 server reaches the include and passes.
    found = _one(_spf(f"v=spf1 {THREE_V4_ONLY} include:open.example.net -all"), "SPF-09")
    assert str(found.status) == "fail"
    assert "every IPv4 server on the Internet passes SPF as your domain" in found.summary
    assert (
        "An IPv6 server that is not listed never reaches it: checking it stops first with a "
        "permanent error (SPF-06, for IPv6 senders)"
    ) in found.summary
    assert found.evidence["first_stop"] == {"IPv4": "open", "IPv6": "SPF-06"}


def test_spf09_tells_an_ipv4_void_permerror_the_ipv6_servers_pass_by() -> None:
    # The other way round: IPv6 servers pass at the include now, not 'once the error is fixed'.
    found = _one(_spf(f"v=spf1 {THREE_V6_ONLY} include:open.example.net -all"), "SPF-09")
    assert "every IPv6 server on the Internet passes SPF as your domain" in found.summary
    assert "permanent error (SPF-06, for IPv4 senders)" in found.summary
    assert "Once that error is fixed, every server" not in found.summary


def test_spf08_behind_an_open_include_names_the_family_stopped_before_it() -> None:
    record = f"v=spf1 {THREE_V4_ONLY} include:open.example.net include:gone.example.net -all"
    findings = _spf(record)
    found = _one(findings, "SPF-08")
    assert "every IPv4 server passes first at the include of open.example.net" in found.summary
    assert "every IPv6 server not listed stops before it at a permanent error (SPF-06)" in (
        found.summary
    )
    # SPF-09 still says the dead include comes after the open one.
    assert "before the permanent error later in the record (SPF-08)" in (
        _one(findings, "SPF-09").summary
    )


def test_spf09_without_family_voids_speaks_of_every_server() -> None:
    # Control (passes before and after): two IPv4-only names stay within the limit.
    record = "v=spf1 a:v4-0.example.net a:v4-1.example.net include:open.example.net -all"
    found = _one(_spf(record), "SPF-09")
    assert "every server on the Internet passes SPF as your domain" in found.summary
    assert "first_stop" not in found.evidence
