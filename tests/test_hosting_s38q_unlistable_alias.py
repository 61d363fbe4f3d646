"""The notice for an MX host that is an alias (HostedPolicy.alias_message) when that MX host
itself is one no mx line can name (an underscore label, a literal '*' label: rules.host_problem).
It said "The policy lists <host>, the name in your MX record, which MTA-STS senders match"
and "<host> stays listed for max_age", while the served text leaves such a host out
(listed_patterns, abbc988c) and new_mx_message tells the owner so. The notice now follows the
text served, as the other notices do since abd19af6 / 2d6775a4 (task s38q, item 1).

DNS answers come from a real wire server through the engine's resolver (the s10 fixture)."""

from __future__ import annotations

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase
from tests.test_hosting_s10_cname_mx import wire_dns


def zone(alias: str, target: str, *, dangling: bool = False) -> dict[tuple[str, str], list[str]]:
    """example.org's MX: mx1 (a plain host) and `alias`, a CNAME for `target`."""
    records = {
        ("example.org.", "MX"): [
            "example.org. 300 MX 10 mx1.example.org.",
            f"example.org. 300 MX 20 {alias}.",
        ],
        ("mx1.example.org.", "A"): ["mx1.example.org. 300 A 192.0.2.1"],
        (f"{alias}.", "A"): [f"{alias}. 300 CNAME {target}."],
    }
    if not dangling:
        records[(f"{alias}.", "A")].append(f"{target}. 300 A 192.0.2.7")
        records[(f"{target}.", "A")] = [f"{target}. 300 A 192.0.2.7"]
    return records


class UnlistableAliasWording(HostingCase):
    def alias_said(self, policy: HostedPolicy) -> str:
        [said] = [
            m for m in policy.events.values_list("message", flat=True) if "is an alias (CNAME)" in m
        ]
        return said

    def assert_not_said_listed(self, policy: HostedPolicy, alias: str) -> str:
        policy.refresh_from_db()
        assert alias in policy.mx_live
        assert alias not in policy.listed_patterns()
        assert f"mx: {alias}" not in policy.text
        said = self.alias_said(policy)
        assert f"The policy lists {alias}" not in said, said
        assert f"{alias} stays listed" not in said, said
        assert f"{alias} cannot be listed in an MTA-STS policy" in said, said
        # the page says the same as the event
        [on_page] = policy.alias_warnings()
        assert on_page == said
        return said

    def test_an_underscore_alias_is_not_said_to_be_listed(self) -> None:
        with wire_dns(zone("_mx.example.org", "mx2.example.org")):
            policy = service.enable(self.domain, now=T0)
        said = self.assert_not_said_listed(policy, "_mx.example.org")
        # the advice to point the MX at the alias's listable target stands, and it is added
        assert "Point the MX record at mx2.example.org" in said, said
        assert "mx2.example.org is added at once" in said, said

    def test_a_literal_star_alias_is_not_said_to_be_listed(self) -> None:
        with wire_dns(zone("*.mx.example.org", "mx2.example.org")):
            policy = service.enable(self.domain, now=T0)
        said = self.assert_not_said_listed(policy, "*.mx.example.org")
        assert "Point the MX record at mx2.example.org" in said, said

    def test_a_dangling_unlistable_alias_is_not_said_to_be_listed(self) -> None:
        with wire_dns(zone("_mx.example.org", "gone.provider.example", dangling=True)):
            policy = service.enable(self.domain, now=T0)
        said = self.assert_not_said_listed(policy, "_mx.example.org")
        assert "does not exist" in said, said
        assert "Point the MX record at gone.provider.example" not in said, said

    def test_a_listable_alias_wording_is_unchanged(self) -> None:
        with wire_dns(zone("mail.example.org", "mx2.example.org")):
            policy = service.enable(self.domain, now=T0)
        said = self.alias_said(policy)
        assert "The policy lists mail.example.org, the name in your MX record" in said, said
        assert "mail.example.org stays listed for max_age" in said, said

    def test_an_unlistable_alias_an_extra_pattern_covers_is_said_so(self) -> None:
        with wire_dns(zone("_mx.example.org", "mx2.example.org")):
            policy = service.enable(self.domain, now=T0)
        policy.mx_extra = ["*.example.org"]
        said = policy.alias_message("_mx.example.org", "mx2.example.org")
        assert "The policy lists _mx.example.org" not in said, said
        assert "your extra pattern *.example.org matches it" in said, said
        assert "its certificate must be valid for _mx.example.org" in said, said
        assert "_mx.example.org stays listed" not in said, said
