"""An MX record whose exchange starts with a `*` label (found by blind round s38g,
a_literal_wildcard_mx_is_never_a_pattern): no host name (RFC 1123 §2.1: letters, digits,
hyphens), but a valid mx *pattern*, so it was served as `mx: *.mx.example.org`, a wildcard
covering every host under mx.example.org that nobody chose (RFC 8461 §4.1). It is left out
as an underscore MX is, and the owner is told why."""

from __future__ import annotations

from typing import Any

from mailsec.hosting import policy as rules
from mailsec.hosting import service
from tests import test_hosting_s12_blind as s12
from tests.test_hosting import T0, HostingCase


class LiteralWildcardMx(HostingCase):
    def test_it_is_left_out_of_the_policy_and_told(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org.", "*.mx.example.org."]}
        with s12.wire_mx(state):
            policy, said = service.enable_told(self.domain, now=T0)
        assert "mx: *.mx.example.org" not in policy.text
        assert policy.text == (
            "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
        )
        assert policy.unlistable_mx() == ["*.mx.example.org"]
        told = " ".join(m for _, m in said)
        assert "The MX *.mx.example.org cannot be listed" in told, said

    def test_its_leaving_removes_nothing(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org.", "*.mx.example.org."]}
        with s12.wire_mx(state):
            policy, _ = service.enable_told(self.domain, now=T0)
            text, policy_id = policy.text, policy.policy_id
            state["mx"] = ["mx1.example.org."]
            _, said = service.sync_told(policy, now=T0 + s12.offset("1h"))
        policy.refresh_from_db()
        assert (policy.text, policy.policy_id, policy.pending_removals) == (text, policy_id, {})
        assert not [m for _, m in said if "stays in the policy" in m], said

    def test_only_wildcard_mx_is_refused_at_host_mtasts(self) -> None:
        state: dict[str, Any] = {"mx": ["*.mx.example.org."]}
        with s12.wire_mx(state):
            try:
                service.enable_told(self.domain, now=T0)
            except service.HostingRefused as exc:
                refused = str(exc)
            else:
                refused = ""
        assert "*.mx.example.org:" in refused and "no host name" in refused, refused

    def test_an_owner_wildcard_pattern_stays_a_pattern(self) -> None:
        assert rules.pattern_problem("*.mx.example.org") is None
        assert rules.host_problem("mx1.example.org") is None
        assert rules.host_problem("*.mx.example.org") is not None


class KeepsListingWhatTheTextLists(HostingCase):
    """The notices that say what the policy keeps listing (a null MX, lookups failing for a
    day, a flap, Keep hosting) named every live MX, those left out of the text too (an IP
    address, an underscore, a '*' label): 'keeps listing 192.0.2.1, mx1.example.org' while
    senders get only mx1. They name what the text lists (noticed in blind round s38g)."""

    def test_the_null_mx_notice_names_only_listed_hosts(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org.", "*.mx.example.org.", "192.0.2.1."]}
        with s12.wire_mx(state):
            policy, _ = service.enable_told(self.domain, now=T0)
            state["mx"] = "null"
            _, said = service.sync_told(policy, now=T0 + s12.offset("1h"))
        [notice] = [m for kind, m in said if kind == "mx-unusable"]
        assert "keeps listing mx1.example.org." in notice, notice
        assert "192.0.2.1" not in notice and "*.mx" not in notice, notice
