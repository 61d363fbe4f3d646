"""Stop hosting winds down: mode none is served until every testing/enforce copy senders may
hold has expired, then the name is released. The whole team must know that is happening and
until when, not hear of it first at the release (when the records are to be removed); and a
Keep hosting in between must reach them too, or they would believe the release still comes."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, WEEK, HostingCase, fake_dns


class DisablingTests(HostingCase):
    def cname_policy(self) -> HostedPolicy:
        policy = self.host(["mx1.example.org"], mode="enforce", max_age=WEEK)
        with fake_dns(["mx1.example.org"], record="cname"):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        mail.outbox.clear()
        return policy

    def test_every_member_hears_when_disabling_starts_and_until_when(self) -> None:
        policy = self.cname_policy()
        service.disable(policy, now=T0 + timedelta(hours=1))
        policy.refresh_from_db()
        assert policy.release_at is not None
        until = f"{policy.release_at:%-d %b %Y, %H:%M} UTC"
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        for message in mail.outbox:
            assert "mode none is served until" in message.body and until in message.body
            assert "being turned off" in message.subject
            # a CNAME into our zone: we change the id, no record for the owner to publish
            assert "_mta-sts.example.org TXT" not in message.body
        assert policy.events.filter(kind="disabling").count() == 1

    def test_every_member_hears_when_keep_hosting_cancels_it(self) -> None:
        policy = self.cname_policy()
        service.disable(policy, now=T0 + timedelta(hours=1))
        mail.outbox.clear()
        with fake_dns(["mx1.example.org"], record="cname"):
            service.enable(self.domain, now=T0 + timedelta(hours=2))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.ACTIVE
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        for message in mail.outbox:
            assert "no longer being turned off" in message.body
            assert "Mode enforce is served again" in message.body
        assert policy.events.filter(kind="resumed").count() == 1

    def test_the_first_enable_emails_nobody(self) -> None:
        # The person who pressed Host MTA-STS knows; the page lists the records.
        mail.outbox.clear()
        self.host(["mx1.example.org"])
        assert mail.outbox == []
