"""A way back from "unsubscribe from all" (the alert mails' one-click link): before, nothing
cleared it, so domains added later never emailed that person again whatever default they chose.
The alerts page offers it; domains unsubscribing turned off stay off, each a visible choice."""

from __future__ import annotations

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertSetting, recipients
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

Mode = AlertSetting.Mode


@override_settings(SITE_ROOT="https://mailsec.example")
class ResubscribeTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        Client().post(unsubscribe_url(self.alice, None).removeprefix("https://mailsec.example"))
        self.client.force_login(self.alice)

    def test_the_page_offers_it_and_later_domains_email_again(self) -> None:
        r = self.client.get(reverse("alerts:settings"))
        self.assertContains(r, reverse("alerts:resubscribe"))
        r = self.client.post(reverse("alerts:resubscribe"), follow=True)
        self.assertContains(r, "Alert emails are on again for domains added later")
        self.assertNotContains(r, reverse("alerts:resubscribe"))  # nothing left to undo
        later = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.mode_for(self.alice, later), Mode.IMMEDIATE)
        self.assertIn(self.alice, recipients(later, Mode.IMMEDIATE))
        # The domain unsubscribing turned off stays off: that was a choice per domain.
        self.assertEqual(AlertSetting.mode_for(self.alice, self.a), Mode.OFF)

    def test_it_is_only_ones_own(self) -> None:
        Client().post(unsubscribe_url(self.bob, None).removeprefix("https://mailsec.example"))
        self.client.post(reverse("alerts:resubscribe"))
        later = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.mode_for(self.bob, later), Mode.OFF)

    def test_it_needs_a_post_with_the_csrf_token(self) -> None:
        self.assertEqual(self.client.get(reverse("alerts:resubscribe")).status_code, 405)
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        self.assertEqual(client.post(reverse("alerts:resubscribe")).status_code, 403)
        later = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        self.assertEqual(AlertSetting.mode_for(self.alice, later), Mode.OFF)
