"""What a review of the bulk alert settings (5034c61, e8bf288) found: the daily digest and the
weekly summary read only the saved per-domain rows, while the page, mode_for and recipients()
also apply the person's per-team default for domains they chose nothing for. A domain with no
row whose default is the digest then reached no email at all: after "email me about domains
added later again" (the rows are not written while unsubscribed from all), and after leaving
and rejoining the team (a domain added meanwhile has no row); and the weekly summary listed a
domain whose default is off. Now every email reads the same mode the page shows."""

from __future__ import annotations

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership
from mailsec.alerts import weekly
from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertSetting, Change, recipients
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_alerts import send_digests_tomorrow

Mode = AlertSetting.Mode


def problem(domain: Domain) -> None:
    Change.objects.create(
        domain=domain,
        kind="score",
        key="score:",
        summary="The score dropped from 90 to 60.",
        state=Change.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
    ALERT_DIGEST_HOUR=0,
)
class DefaultsReachTheEmailsTestCase(BaseTestCase):
    def later_default(self, user_client: Client, mode: str) -> None:
        user_client.post(reverse("alerts:set_default", args=[self.team.code]), {"mode": mode})

    def test_after_resubscribing_a_digest_default_reaches_the_digest(self) -> None:
        self.client.force_login(self.alice)
        self.later_default(self.client, "digest")
        Client().post(unsubscribe_url(self.alice, None).removeprefix("https://mailsec.example"))
        domain = Domain.objects.create(team=self.team, name="d.test", verified_at=timezone.now())
        self.client.post(reverse("alerts:resubscribe"))
        self.assertEqual(AlertSetting.mode_for(self.alice, domain), Mode.DIGEST)
        self.assertIn(self.alice, recipients(domain, Mode.DIGEST))
        problem(domain)
        # Confirmed now, after today's digest hour: tomorrow's digest tells it.
        self.assertEqual(send_digests_tomorrow(), 1)

    def test_a_default_ends_with_the_membership_on_every_path(self) -> None:
        # A queryset delete (as the admin's) ends what bob chose, as the team page does:
        # kept, it came back on rejoining unseen. Rejoined, he is alerted as a new member.
        bob = Client()
        bob.force_login(self.bob)
        self.later_default(bob, "digest")
        Membership.objects.filter(team=self.team, user=self.bob).delete()
        domain = Domain.objects.create(team=self.team, name="d.test", verified_at=timezone.now())
        Membership.objects.create(team=self.team, user=self.bob)
        self.assertEqual(AlertSetting.mode_for(self.bob, domain), Mode.IMMEDIATE)
        problem(domain)
        # Not even tomorrow's digest, the one that would tell a change confirmed now.
        self.assertEqual(send_digests_tomorrow(), 0)

    def test_the_weekly_summary_follows_an_off_default(self) -> None:
        self.client.force_login(self.alice)
        self.later_default(self.client, "off")
        Client().post(unsubscribe_url(self.alice, None).removeprefix("https://mailsec.example"))
        domain = Domain.objects.create(team=self.team, name="d.test", verified_at=timezone.now())
        self.client.post(reverse("alerts:resubscribe"))
        self.assertEqual(AlertSetting.mode_for(self.alice, domain), Mode.OFF)
        self.assertNotIn(domain, weekly.domains_for(self.alice))
        kept = Domain.objects.create(team=self.charlies_team, name="y.test")
        kept.verified_at = timezone.now()
        kept.save()
        Membership.objects.create(team=self.charlies_team, user=self.alice)
        self.assertIn(kept, weekly.domains_for(self.alice))  # another team: immediate
