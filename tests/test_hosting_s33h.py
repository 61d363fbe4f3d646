"""Task s33h: what blind round s33h found in hosted MTA-STS, and when Stop hosting started.

1. An MX host the owner also typed under extra patterns stays in the policy when it leaves the
   MX records, and the leaving email says so ("It stays in the policy as one of your extra
   patterns"). The hosting page still listed it under "Leaving the policy ... after <date>"
   (its pending entry is kept on purpose, should the owner take the pattern out): the page
   said it goes when it does not (docs/hosting.md: "you are told so, not that it goes").
   Found by tests/test_hosting_s33h_blind.py, the_id_changes_exactly_when_the_body_does.

2. Stop hosting did not store when it started. The deletion emails of a domain (or team)
   deleted while it wound down said mode none "has been served ... since then", a then the
   reader was never given; the hosting page said only until when. HostedPolicy.disabling_since
   (migration 0014) is set when the winding down starts and cleared when it ends (Keep
   hosting, the release), and both say the date."""

from __future__ import annotations

import importlib
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.test import override_settings
from django.urls import reverse

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy, HostingEvent
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s25_blind import text_of
from tests.test_hosting_s32e import ZONE, our_zone


class TypedHostLeavingIsNotListedAsLeaving(HostingCase):
    def page(self) -> str:
        self.client.force_login(self.alice)
        r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        assert r.status_code == 200
        return text_of(r.content.decode())

    def test_a_host_typed_under_extra_is_not_said_to_leave(self) -> None:
        with fake_dns(["mx1.example.org", "mx2.example.org"]) as dns:
            policy = service.enable(self.domain, now=T0)
            policy.mx_extra = ["mx1.example.org"]
            policy.save()
            dns["mx"] = ["mx2.example.org"]
            service.sync(policy, now=T0 + timedelta(days=1))
        policy.refresh_from_db()
        assert "mx: mx1.example.org\r\n" in policy.text
        page = self.page()
        assert "Leaving the policy" not in page, page
        assert "mx1.example.org after" not in page, page

    def test_a_host_not_typed_is_still_listed_with_its_time(self) -> None:
        with fake_dns(["mx1.example.org", "mx2.example.org"]) as dns:
            policy = service.enable(self.domain, now=T0)
            policy.mx_extra = ["mx1.example.org"]
            policy.save()
            dns["mx"] = ["mx1.example.org"]
            service.sync(policy, now=T0 + timedelta(days=1))
        page = self.page()
        assert "Leaving the policy" in page
        assert "mx2.example.org after 9 Dec 2026, 12:00" in page


@override_settings(**ZONE)
class StopHostingKeepsWhenItStarted(HostingCase):
    def winding_down(self, at: timedelta) -> HostedPolicy:
        with our_zone():
            policy = self.host(["mx1.example.org"], mode="enforce", max_age=86400)
            service.disable(policy, now=T0 + at)
        policy.refresh_from_db()
        mail.outbox.clear()
        return policy

    def test_stop_hosting_stores_its_start_and_keep_hosting_clears_it(self) -> None:
        policy = self.winding_down(timedelta(hours=3))
        assert policy.disabling_since == T0 + timedelta(hours=3)
        with our_zone(), fake_dns(["mx1.example.org"]):
            service.enable_told(self.domain, now=T0 + timedelta(hours=4))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.ACTIVE
        assert policy.disabling_since is None

    def test_the_release_clears_it(self) -> None:
        policy = self.winding_down(timedelta(hours=3))
        assert policy.release_at is not None
        with our_zone(), fake_dns(["mx1.example.org"]):
            service.sync_told(policy, now=policy.release_at + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.OFF
        assert policy.disabling_since is None

    def test_the_page_says_since_when(self) -> None:
        self.winding_down(timedelta(hours=3))
        self.client.force_login(self.alice)
        r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        page = text_of(r.content.decode())
        assert "Turning off since 1 Dec 2026, 15:00 UTC : mode none is served until" in page

    def test_the_domain_deleted_email_says_since_when(self) -> None:
        self.winding_down(timedelta(hours=3))
        self.client.force_login(self.alice)
        with (
            our_zone(),
            mock.patch("django.utils.timezone.now", return_value=T0 + timedelta(hours=4)),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.client.post(f"/domains/{self.domain.code}/remove/")
        bobs = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        said = "mode: none has been served at mta-sts.example.org since 1 Dec 2026, 15:00 UTC"
        assert said in bobs.body, bobs.body
        html = bobs.alternatives[0][0].replace("<code>", "").replace("</code>", "")
        assert said in html, html
        assert "since then" not in bobs.body


class DisablingSinceFromEvents(HostingCase):
    """Migration 0014 dates a policy already winding down by its events: the first
    'disabling' or 'detached' after the latest start or Keep hosting."""

    def test_it_takes_the_winding_down_after_the_latest_keep_hosting(self) -> None:
        from django.apps import apps

        fill = importlib.import_module(
            "mailsec.hosting.migrations.0014_policy_disabling_since"
        ).fill_from_events
        policy = self.host(["mx1.example.org"])
        HostedPolicy.objects.filter(pk=policy.pk).update(state="disabling", release_at=T0)
        steps = ["enabled", "disabling", "resumed", "disabling", "detached"]
        for hours, kind in enumerate(steps):
            HostingEvent.objects.create(
                policy=policy, kind=kind, message=kind, created=T0 + timedelta(hours=hours)
            )
        fill(apps, None)
        policy.refresh_from_db()
        assert policy.disabling_since == T0 + timedelta(hours=3)

    def test_without_events_it_stays_unknown(self) -> None:
        from django.apps import apps

        fill = importlib.import_module(
            "mailsec.hosting.migrations.0014_policy_disabling_since"
        ).fill_from_events
        policy = self.host(["mx1.example.org"])
        HostedPolicy.objects.filter(pk=policy.pk).update(state="disabling", release_at=T0)
        HostingEvent.objects.filter(policy=policy).delete()
        fill(apps, None)
        policy.refresh_from_db()
        assert policy.disabling_since is None
