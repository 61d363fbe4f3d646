"""An MX target that is an alias (`example.org MX 10 mail.example.org.` with `mail.example.org
CNAME host7.provider.example.`): RFC 2181 §10.3 forbids it and RFC 5321 §5.1 puts it "outside
the scope" of SMTP, so senders may refuse it (the engine's MX-04, warn). The MX sync lists the
MX record's name, rightly (tests/test_hosting_s10_cname_mx), but said nothing of the alias:
"New MX mail.example.org: added to the policy at once." Now the event, the email and the
hosting page say that the MX target is a CNAME and what to do, once per change; the sync's
policy is unchanged.

DNS answers come from a real wire server through the engine's resolver (the s10 fixture)."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase
from tests.test_hosting_s10_cname_mx import aliased_zone, wire_dns

ALIAS_SAID = "The MX target mail.example.org is an alias (CNAME) for host7.provider.example"


def plain_zone() -> dict[tuple[str, str], list[str]]:
    return {
        ("example.org.", "MX"): ["example.org. 300 MX 10 mx1.example.org."],
        ("mx1.example.org.", "A"): ["mx1.example.org. 300 A 192.0.2.1"],
    }


class CnameMxToldTestCase(HostingCase):
    def messages(self, policy: HostedPolicy) -> list[str]:
        return list(policy.events.order_by("created", "pk").values_list("message", flat=True))

    def test_hosting_an_aliased_mx_tells_the_owner_and_lists_the_record_name(self) -> None:
        with wire_dns(aliased_zone()):
            policy = service.enable(self.domain, now=T0)
        policy.refresh_from_db()
        # The sync's policy as before: the MX record's name, which senders match.
        assert policy.mx_live == ["mail.example.org"]
        assert "mx: mail.example.org\r\n" in policy.text and "provider" not in policy.text
        [said] = [m for m in self.messages(policy) if "alias" in m]
        assert said.startswith(ALIAS_SAID)
        assert "RFC 2181 §10.3" in said and "RFC 5321 §5.1" in said
        assert "senders may refuse" in said
        assert "Point the MX record at host7.provider.example" in said
        assert any(ALIAS_SAID in m.body for m in mail.outbox)

    def test_a_new_mx_that_is_an_alias_is_told_once(self) -> None:
        zone = plain_zone()
        with wire_dns(zone):
            policy = service.enable(self.domain, now=T0)
            assert not [m for m in self.messages(policy) if "alias" in m]
            zone.update(aliased_zone())  # mail.example.org joins mx1, as an alias
            zone[("example.org.", "MX")] = [
                "example.org. 300 MX 10 mx1.example.org.",
                "example.org. 300 MX 20 mail.example.org.",
            ]
            assert service.sync(policy, now=T0 + timedelta(minutes=5))
            assert not service.sync(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert policy.mx_live == ["mail.example.org", "mx1.example.org"]
        told = [m for m in self.messages(policy) if ALIAS_SAID in m]
        assert len(told) == 1, told
        assert policy.mx_aliases == {"mail.example.org": "host7.provider.example"}

    def test_an_mx_that_becomes_an_alias_and_back_is_told_each_time(self) -> None:
        zone = aliased_zone()
        zone[("mail.example.org.", "A")] = ["mail.example.org. 300 A 192.0.2.7"]
        with wire_dns(zone):
            policy = service.enable(self.domain, now=T0)
            zone[("mail.example.org.", "A")] = aliased_zone()[("mail.example.org.", "A")]
            assert not service.sync(policy, now=T0 + timedelta(minutes=5))  # text unchanged
            zone[("mail.example.org.", "A")] = ["mail.example.org. 300 A 192.0.2.7"]
            service.sync(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        said = [m for m in self.messages(policy) if "alias" in m]
        assert len(said) == 2 and said[0].startswith(ALIAS_SAID)
        assert said[1].startswith("The MX target mail.example.org is no longer an alias")
        assert policy.mx_aliases == {}

    def test_the_hosting_page_says_it_while_it_lasts(self) -> None:
        with wire_dns(aliased_zone()):
            policy = service.enable(self.domain, now=T0)
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        policy_card = page.content.decode().split('id="policy-title"')[1].split("</section>")[0]
        assert ALIAS_SAID in " ".join(policy_card.split())
        policy.mx_aliases = {}
        policy.save()
        page = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        policy_card = page.content.decode().split('id="policy-title"')[1].split("</section>")[0]
        assert "alias (CNAME)" not in policy_card
