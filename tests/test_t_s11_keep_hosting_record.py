"""Keep hosting (hosting `enable` while the policy winds down) serves the policy again in its
mode with a new id. A customer with a plain `_mta-sts` TXT must publish that id, or senders
keep the mode none copy they fetched after Stop hosting for its max_age (RFC 8461 §3.1, §5.1).
The email and the event log said so; the page's message said only "Hosting is on. Publish the
records below." The other hosting actions give the exact record there (622d0d3, a9c96ab)."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase, fake_dns


def record_line(policy: HostedPolicy) -> str:
    return f'_mta-sts.{policy.name} TXT "v=STSv1; id={policy.policy_id};"'


class KeepHostingMessageTests(HostingCase):
    def winding_down(self, record: str) -> HostedPolicy:
        """Hosted, synced once with `_mta-sts` found as `record`, then Stop hosting."""
        policy = self.host(["mx1.example.org"])
        with fake_dns(record=record):
            service.sync(policy, now=T0 + timedelta(minutes=5))
            service.disable(HostedPolicy.objects.get(pk=policy.pk), now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.DISABLING and "mode: none" in policy.text
        return policy

    def press(self, action: str, record: str, when: datetime) -> list[str]:
        """The messages the hosting page shows after POSTing `action` at `when`."""
        client = Client()
        client.force_login(self.alice)
        with mock.patch.object(timezone, "now", return_value=when), fake_dns(record=record):
            response = client.post(reverse(f"hosting:{action}", args=[self.domain.code]))
            assert response.status_code == 302
            page = client.get(reverse("hosting:page", args=[self.domain.code]))
        assert page.status_code == 200
        return [str(m) for m in page.context["messages"]]

    def test_keep_hosting_gives_a_plain_txt_customer_the_record_to_publish(self) -> None:
        policy = self.winding_down("txt")
        stopped_id = policy.policy_id
        shown = self.press("enable", "stale", T0 + timedelta(minutes=20))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.ACTIVE and "mode: testing" in policy.text
        assert policy.policy_id != stopped_id
        assert len(shown) == 1, shown
        assert shown[0].startswith("Hosting is on.")
        assert record_line(policy) in shown[0]
        # In the words of the email and the event log (one renderer: plain_txt_told).
        told = policy.events.filter(kind="record").latest("created").message
        assert told.removesuffix(f" New policy id {policy.policy_id}.") in shown[0]

    def test_keep_hosting_with_a_cname_into_our_zone_gives_no_record(self) -> None:
        self.winding_down("cname")
        shown = self.press("enable", "cname", T0 + timedelta(minutes=20))
        assert shown == ["Hosting is on. Publish the records below."]

    def test_turning_hosting_on_the_first_time_gives_no_record(self) -> None:
        # No record was found yet: the page's records table says what to publish.
        shown = self.press("enable", "txt", T0)
        assert shown == ["Hosting is on. Publish the records below."]

    def test_the_resumed_step_does_not_tell_a_plain_txt_customer_to_keep_the_old_record(
        self,
    ) -> None:
        # The record step asks for the new id; the resumed step before it must not say the
        # opposite ("keep the _mta-sts record").
        self.winding_down("txt")
        self.press("enable", "stale", T0 + timedelta(minutes=20))
        policy = HostedPolicy.objects.get(domain=self.domain)
        resumed = policy.events.filter(kind="resumed").latest("created").message
        assert "keep the mta-sts record and publish the _mta-sts record below" in resumed
        assert "_mta-sts records" not in resumed

    def test_the_resumed_step_tells_a_cname_customer_to_keep_both_records(self) -> None:
        self.winding_down("cname")
        self.press("enable", "cname", T0 + timedelta(minutes=20))
        policy = HostedPolicy.objects.get(domain=self.domain)
        resumed = policy.events.filter(kind="resumed").latest("created").message
        assert resumed.endswith("keep the mta-sts and _mta-sts records.")
