"""The notice for an MX target that is an alias (HostedPolicy.alias_message) said what the
policy does once the MX record points at the alias's target: "<target> stays listed" when
the target was among patterns(), "<target> is added at once" otherwise. patterns() includes
live MX hosts the served text leaves out (an IP address, a '_' or a '*' label: no mx line
can name them, rules.host_problem), so for such a target both were untrue: the text never
lists it (task s38k, item 3). Since abd19af6 the other notices use what the text lists
(listed_patterns); this one now does too, and for a target no mx line can name it says so.

DNS answers come from a real wire server through the engine's resolver (the s10 fixture)."""

from __future__ import annotations

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase
from tests.test_hosting_s10_cname_mx import wire_dns


def zone(target: str, *, target_is_mx: bool) -> dict[tuple[str, str], list[str]]:
    mx = ["example.org. 300 MX 10 mx1.example.org.", "example.org. 300 MX 30 mail.example.org."]
    if target_is_mx:
        mx.append(f"example.org. 300 MX 20 {target}.")
    return {
        ("example.org.", "MX"): mx,
        ("mx1.example.org.", "A"): ["mx1.example.org. 300 A 192.0.2.1"],
        ("mail.example.org.", "A"): [
            f"mail.example.org. 300 CNAME {target}.",
            f"{target}. 300 A 192.0.2.7",
        ],
        (f"{target}.", "A"): [f"{target}. 300 A 192.0.2.7"],
    }


class AliasTargetWording(HostingCase):
    def alias_said(self, policy: HostedPolicy) -> str:
        [said] = [
            m for m in policy.events.values_list("message", flat=True) if "is an alias (CNAME)" in m
        ]
        return said

    def test_a_live_target_the_text_leaves_out_is_not_said_to_stay_listed(self) -> None:
        with wire_dns(zone("mail_1.example.org", target_is_mx=True)):
            policy = service.enable(self.domain, now=T0)
        policy.refresh_from_db()
        assert "mail_1.example.org" in policy.patterns()
        assert "mail_1.example.org" not in policy.listed_patterns()
        assert "mx: mail_1.example.org" not in policy.text
        said = self.alias_said(policy)
        assert "mail_1.example.org stays listed" not in said, said
        assert "mail_1.example.org is added at once" not in said, said
        assert "mail_1.example.org cannot be listed in an MTA-STS policy" in said, said

    def test_a_target_no_mx_line_can_name_is_not_said_to_be_added(self) -> None:
        with wire_dns(zone("mail_1.example.org", target_is_mx=False)):
            policy = service.enable(self.domain, now=T0)
        said = self.alias_said(policy)
        assert "mail_1.example.org is added at once" not in said, said
        assert "mail_1.example.org cannot be listed in an MTA-STS policy" in said, said

    def test_a_listable_target_wording_is_unchanged(self) -> None:
        with wire_dns(zone("mx2.example.org", target_is_mx=True)):
            policy = service.enable(self.domain, now=T0)
        assert "mx2.example.org stays listed" in self.alias_said(policy)
        said = policy.alias_message("mail.example.org", "mx3.example.org")
        assert "(the policy follows: mx3.example.org is added at once," in said, said
