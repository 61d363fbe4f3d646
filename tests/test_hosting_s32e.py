"""Task s32e item 1: deleting a domain whose policy we host in testing/enforce tells the team
which records to keep until when.

The policy outlives the domain, served as mode none with a new id until every testing/enforce
copy senders may hold has expired (RFC 8461 §8.3, docs/hosting.md *Deleting the domain*).
That needs mta-sts.<domain> and _mta-sts.<domain> to stay published until then; before, only
the person pressing Remove saw the date, on the page. Now each member who has not turned
emails about the domain off is emailed once, through the real Remove view."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.accounts.models import Profile
from mailsec.alerts.models import AlertRecipient, AlertSetting
from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from tests.test_hosting import HostingCase

ZONE = {
    "MAILSEC_POLICY_ZONE": "policy.mailsec.example",
    "MAILSEC_POLICY_DNS_SERVER": ("127.0.0.1", 53),
    "MAILSEC_POLICY_HOST": "mta-sts-host.mailsec.example",
}


@contextmanager
def our_zone() -> Iterator[None]:
    """Our DNS zone's updates are not what is under test here (test_hosting covers them)."""
    with mock.patch.object(PolicyZone, "publish"), mock.patch.object(PolicyZone, "withdraw"):
        yield


@override_settings(**ZONE)
class DeletedDomainTellsTheTeam(HostingCase):
    def remove(self) -> None:
        self.client.force_login(self.alice)
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(f"/domains/{self.domain.code}/remove/")
        assert r.status_code == 302

    def hosted(self, mode: str = "enforce") -> HostedPolicy:
        with our_zone():
            policy = self.host(["mx1.example.org"], mode=mode, max_age=86400)
        mail.outbox.clear()
        return policy

    def test_it_tells_each_member_which_records_to_keep_until_when(self) -> None:
        self.hosted()
        self.remove()
        policy = HostedPolicy.objects.get()
        until = f"{policy.release_at:%-d %b %Y, %H:%M} UTC"
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        message = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        assert message.subject == (
            f"[mailsec] example.org was deleted: keep its MTA-STS records until {until}"
        )
        body = message.body
        assert "alice@example.org deleted example.org from the team" in body
        assert "in mode enforce" in body
        assert "RFC 8461 §5.1" in body and "RFC 8461 §8.3" in body
        assert "mta-sts.example.org. CNAME mta-sts-host.mailsec.example." in body
        assert "_mta-sts.example.org. CNAME example.org.policy.mailsec.example." in body
        assert f"Keep these records published until {until}" in body
        assert f"After {until} you may remove them" in body
        # Its link stops all alert emails and the weekly summary: in the footer, whose page
        # asks first, never as a one-click header a mail client presses unasked (s45m).
        assert "List-Unsubscribe" not in message.extra_headers
        assert "Stop all alert emails and the weekly summary: " in body
        html = message.alternatives[0][0]
        assert "example.org.policy.mailsec.example." in html and until in html

    def test_a_plain_txt_is_given_with_the_new_id(self) -> None:
        policy = self.hosted()
        policy.record_state = "txt"
        policy.save(update_fields=["record_state"])
        self.remove()
        policy = HostedPolicy.objects.get()
        body = mail.outbox[0].body
        assert f'_mta-sts.example.org. TXT "v=STSv1; id={policy.policy_id};"' in body
        assert "is a plain TXT record: publish it with the id above" in body

    def test_it_is_in_each_members_time_zone(self) -> None:
        Profile.objects.filter(user=self.bob).update(time_zone="Europe/Berlin")
        self.hosted()
        self.remove()
        until = HostedPolicy.objects.get().release_at
        assert until is not None
        with timezone.override("Europe/Berlin"):
            local = f"{timezone.localtime(until):%-d %b %Y, %H:%M} (Europe/Berlin)"
        [bobs] = [m for m in mail.outbox if m.to == ["bob@example.org"]]
        assert local in bobs.subject and local in bobs.body

    def test_it_respects_the_members_email_settings(self) -> None:
        AlertSetting.objects.create(user=self.bob, domain=self.domain, mode=AlertSetting.Mode.OFF)
        AlertRecipient.objects.update_or_create(
            user=self.alice, defaults={"unsubscribed_all": True}
        )
        self.hosted()
        self.remove()
        assert HostedPolicy.objects.get().is_detached
        assert mail.outbox == []

    def test_it_tells_nothing_when_the_policy_goes_with_the_domain(self) -> None:
        self.hosted(mode="none")  # only ever mode none: no sender holds a copy to wait for
        self.remove()
        assert not HostedPolicy.objects.exists()
        assert mail.outbox == []

    def test_it_tells_once(self) -> None:
        self.hosted()
        stale = Domain.objects.get(pk=self.domain.pk)  # what a second tab's press still holds
        self.remove()
        assert len(mail.outbox) == 2
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            assert stale.delete_by(self.alice) is False
        assert len(mail.outbox) == 2
        r = self.client.post(f"/domains/{self.domain.code}/remove/")
        assert r.status_code == 404 and len(mail.outbox) == 2

    def test_a_mail_that_fails_does_not_fail_the_deletion(self) -> None:
        self.hosted()
        with mock.patch("mailsec.hosting.deleted.send_templated", side_effect=OSError("down")):
            self.remove()
        assert HostedPolicy.objects.get().is_detached
        assert (
            timezone.now() - timedelta(minutes=1)
            < HostedPolicy.objects.get().events.get(kind="detached").created
        )
