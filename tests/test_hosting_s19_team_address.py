"""Hosted MTA-STS notices reach a team's confirmed extra alert addresses (08bf234: an MSP's
ticketing system or shared mailbox), as the members' do: a new MX host followed reaches them
with their own one-click unsubscribe and the words of an address with no account; a pending,
unsubscribed or muted address, or another team's, hears nothing."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts.models import TeamAlertAddress
from mailsec.hosting import service
from tests.test_hosting import T0, HostingCase, fake_dns

TICKETS = "tickets@msp.example"


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class HostingNoticesToTeamAddressesTestCase(HostingCase):
    def address(self, email: str, team: object | None = None, **fields: object) -> TeamAlertAddress:
        return TeamAlertAddress.objects.create(
            team=team or self.team, email=email, confirmed_at=timezone.now(), **fields
        )

    def follow_new_mx(self) -> None:
        policy = self.host(["mx1.example.org"])
        mail.outbox.clear()
        with fake_dns(["mx1.example.org", "mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(minutes=5))

    def test_a_confirmed_address_hears_what_members_hear(self) -> None:
        self.address(TICKETS)
        self.follow_new_mx()
        to_tickets = [m for m in mail.outbox if m.to == [TICKETS]]
        to_alice = [m for m in mail.outbox if m.to == [self.alice.email]]
        assert len(to_tickets) == 1 and len(to_alice) == 1
        message = to_tickets[0]
        assert "mx2.example.org" in message.body
        assert "added this address (tickets@msp.example) for its mailsec alerts" in message.body
        assert "Alert settings" not in message.body
        unsubscribe = message.extra_headers["List-Unsubscribe"]
        assert unsubscribe.strip("<>") in message.body
        # Its link is its own, not a member's.
        assert unsubscribe != to_alice[0].extra_headers["List-Unsubscribe"]
        assert "Alert settings" in to_alice[0].body

    def test_pending_unsubscribed_muted_and_other_teams_addresses_hear_nothing(self) -> None:
        TeamAlertAddress.objects.create(team=self.team, email="pending@msp.example")
        self.address("gone@msp.example", unsubscribed_at=timezone.now())
        muted = self.address("muted@msp.example")
        muted.muted_domains.add(self.domain)
        self.address("theirs@other.example", team=self.charlies_team)
        self.follow_new_mx()
        told = {address for m in mail.outbox for address in m.to}
        assert (
            told
            & {
                "pending@msp.example",
                "gone@msp.example",
                "muted@msp.example",
                "theirs@other.example",
            }
            == set()
        )
        assert self.alice.email in told
