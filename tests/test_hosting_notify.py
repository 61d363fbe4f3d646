"""Hosting emails follow each person's alert settings and carry one-click unsubscribe."""

from __future__ import annotations

from django.core import mail

from mailsec.alerts.models import AlertRecipient, AlertSetting
from mailsec.hosting.notify import tell
from tests.test_hosting import HostingCase


class HostingEmailTestCase(HostingCase):
    def test_each_member_gets_their_own_email_with_unsubscribe_headers(self) -> None:
        policy = self.host(["mx1.example.org"])
        mail.outbox.clear()
        tell(policy, "mx-added", "New MX mx2.example.org: added to the policy.")
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        assert all(len(m.to) == 1 for m in mail.outbox)
        for message in mail.outbox:
            assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert message.extra_headers["Auto-Submitted"] == "auto-generated"
            url = message.extra_headers["List-Unsubscribe"].strip("<>")
            assert url in message.body
        # The link in bob's email turns off bob's emails for this domain only.
        [bobs] = [m for m in mail.outbox if m.to == ["bob@example.org"]]
        url = bobs.extra_headers["List-Unsubscribe"].strip("<>")
        path = url.split("://", 1)[1].split("/", 1)[1]
        r = self.client.post("/" + path, {"List-Unsubscribe": "One-Click"})
        assert r.status_code == 200
        assert AlertSetting.mode_for(self.bob, self.domain) == AlertSetting.Mode.OFF
        assert AlertSetting.mode_for(self.alice, self.domain) == AlertSetting.Mode.IMMEDIATE

    def test_no_email_for_a_member_who_turned_emails_off(self) -> None:
        policy = self.host(["mx1.example.org"])
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.OFF)
        mail.outbox.clear()
        tell(policy, "mx-added", "New MX mx2.example.org: added to the policy.")
        assert [m.to for m in mail.outbox] == [["alice@example.org"]]
        AlertRecipient.objects.update_or_create(
            user=self.alice, defaults={"unsubscribed_all": True}
        )
        mail.outbox.clear()
        tell(policy, "cert", "The certificate could not be renewed.")
        assert mail.outbox == []
        # The event stays on the hosting page either way.
        assert policy.events.filter(kind="cert").exists()

    def test_a_digest_reader_still_hears_at_once(self) -> None:
        policy = self.host(["mx1.example.org"])
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        mail.outbox.clear()
        tell(policy, "released", "Hosting is off.")
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
