"""After a change to a hosted policy, a customer with a plain `_mta-sts` TXT (not a CNAME into
our zone) must publish the record with the new id, or senders holding the policy keep applying
it (RFC 8461 §3.1, §5.1). The email and the event log say so (test_hosting_s10_plain_txt_changes);
the page's own message, the first thing the person who pressed the button reads, must say it
too, in the same words, with the exact record."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any
from unittest import mock

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import DAY, T0, WEEK, HostingCase, fake_dns


def record_line(policy: HostedPolicy) -> str:
    return f'_mta-sts.example.org TXT "v=STSv1; id={policy.policy_id};"'


class SavedMessageTests(HostingCase):
    def synced(self, record: str, mx: list[str] | None = None) -> HostedPolicy:
        """Hosted, and synced once with `_mta-sts` found as `record` (txt, cname...)."""
        policy = self.host(mx or ["mx1.example.org"])
        with fake_dns(mx or ["mx1.example.org"], record=record):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.record_state == record
        return policy

    def messages_after(
        self, action: str, data: dict[str, Any] | None = None, ready: bool = False
    ) -> list[str]:
        """The messages the page shows after POSTing `action`. ready: the evidence for enforce
        counts as sufficient (what makes it so is test_hosting_readiness's business)."""
        client = Client()
        client.force_login(self.alice)
        url = reverse(f"hosting:{action}", args=[self.domain.code])
        when = T0 + timedelta(minutes=10)
        with (
            mock.patch.object(timezone, "now", return_value=when),
            fake_dns(record="txt"),
            mock.patch("mailsec.hosting.views.enforce_readiness") as readiness,
        ):
            if ready:
                readiness.return_value.ready = True
            else:
                readiness.side_effect = AssertionError("enforce_readiness is not expected")
            assert client.post(url, data or {}).status_code == 302
        with fake_dns(record="stale"):
            response = client.get(reverse("hosting:page", args=[self.domain.code]))
        assert response.status_code == 200
        return [str(m) for m in response.context["messages"]]

    def test_saving_settings_gives_the_record_to_publish(self) -> None:
        policy = self.synced("txt")
        shown = self.messages_after("update", {"mode": "testing", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        # The email's words (one renderer), with the new id: name, type and value.
        told = policy.events.get(kind="record").message
        assert record_line(policy) in told
        assert len(shown) == 1 and shown[0].startswith("Saved.")
        assert told.removesuffix(f" New policy id {policy.policy_id}.") in shown[0]

    def test_the_record_reaches_the_page_html(self) -> None:
        self.synced("txt")
        client = Client()
        client.force_login(self.alice)
        with fake_dns(record="stale"):
            response = client.post(
                reverse("hosting:update", args=[self.domain.code]),
                {"mode": "none", "max_age": WEEK, "extra": ""},
                follow=True,
            )
        policy = HostedPolicy.objects.get(domain=self.domain)
        # In the message at the top, not only in the records table further down.
        shown = re.search(r'<div class="messages".*?</div>', response.content.decode(), re.S)
        assert shown is not None
        assert record_line(policy) in html.unescape(shown.group(0))

    def test_switch_to_enforce_gives_the_record_to_publish(self) -> None:
        policy = self.synced("txt")
        shown = self.messages_after("enforce", ready=True)
        policy.refresh_from_db()
        assert policy.mode == "enforce"
        assert any(record_line(policy) in m for m in shown), shown

    def test_stop_hosting_gives_the_record_to_publish(self) -> None:
        policy = self.synced("txt")
        shown = self.messages_after("disable")
        policy.refresh_from_db()
        assert policy.state == "disabling"
        assert any(record_line(policy) in m for m in shown), shown

    def test_a_provider_pattern_gives_the_record_to_publish(self) -> None:
        mx = ["tenant.mail.protection.outlook.com"]
        policy = self.synced("txt", mx)
        shown = self.messages_after("suggest", {"pattern": "*.mail.protection.outlook.com"})
        policy.refresh_from_db()
        assert policy.mx_extra
        assert any(record_line(policy) in m for m in shown), shown

    def test_compare_with_mx_now_gives_the_record_to_publish(self) -> None:
        # A new MX found by the owner's own "Compare with MX now": a new id, as after Save.
        policy = self.synced("txt")
        client = Client()
        client.force_login(self.alice)
        with fake_dns(["mx1.example.org", "mx2.example.org"], record="txt"):
            client.post(reverse("hosting:sync", args=[self.domain.code]))
            response = client.get(reverse("hosting:page", args=[self.domain.code]))
        shown = [str(m) for m in response.context["messages"]]
        policy.refresh_from_db()
        assert "mx: mx2.example.org" in policy.text
        assert len(shown) == 1 and shown[0].startswith("The policy follows your MX: updated.")
        assert record_line(policy) in shown[0]

    def test_compare_with_mx_now_with_nothing_new_says_only_that(self) -> None:
        self.synced("txt")
        client = Client()
        client.force_login(self.alice)
        with fake_dns(["mx1.example.org"], record="txt"):
            client.post(reverse("hosting:sync", args=[self.domain.code]))
            response = client.get(reverse("hosting:page", args=[self.domain.code]))
        shown = [str(m) for m in response.context["messages"]]
        assert shown == ["The policy follows your MX: nothing to change."]

    def test_a_cname_into_our_zone_is_only_told_saved(self) -> None:
        self.synced("cname")
        shown = self.messages_after("update", {"mode": "testing", "max_age": DAY, "extra": ""})
        assert shown == ["Saved."]

    def test_nothing_changed_says_so(self) -> None:
        self.synced("txt")
        shown = self.messages_after("update", {"mode": "testing", "max_age": WEEK, "extra": ""})
        assert shown == ["Nothing changed."]
