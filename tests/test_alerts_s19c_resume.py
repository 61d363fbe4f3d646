"""A team's extra address that stopped a domain (an alert's one-click link) gets it back as
the unsubscribe page tells it to (s19c 1): the owner adds it again, it is mailed a link, and
following that link (a POST: the mailbox opted out, so the mailbox opts back in) resumes the
domains it stopped. Its other domains keep coming meanwhile; the mail limits are the
confirmation links'."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.alerts.emails import address_unsubscribe_url
from mailsec.alerts.models import TeamAlertAddress
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

SITE = "https://mailsec.example"
TICKETS = "tickets@msp.example"


@override_settings(
    CACHES=LOCMEM,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT=SITE,
)
class ResumeStoppedDomainsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate-limit counters
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.other = Domain.objects.create(
            team=self.team, name="b.test", verified_at=timezone.now()
        )
        self.client.force_login(self.alice)

    # --- helpers ----------------------------------------------------------------------------

    def add(self, email: str = TICKETS, mode: str = "immediate") -> Any:
        return self.client.post(
            reverse("alerts:add_address", args=[self.team.code]),
            {"email": email, "mode": mode},
            follow=True,
        )

    def link(self) -> str:
        """The link of the last mail to TICKETS, as a path on our site."""
        sent = [m for m in mail.outbox if TICKETS in m.to]
        self.assertTrue(sent, "no mail to the address")
        found = re.search(r"https://mailsec\.example(/alerts/address/\S+/)", sent[-1].body)
        assert found is not None
        return found.group(1)

    def confirmed_address_that_stopped_a_test(self) -> TeamAlertAddress:
        """Added, confirmed by its mailbox, then a.test stopped with an alert's link; the
        limits' counters and the outbox as they would be ten seconds later."""
        self.add()
        Client().post(self.link())
        address = TeamAlertAddress.objects.get(email=TICKETS)
        page = Client().post(address_unsubscribe_url(address, self.domain).removeprefix(SITE))
        self.assertContains(page, "Ask the team's owner to add")
        self.assertEqual(list(address.muted_domains.all()), [self.domain])
        cache.clear()
        mail.outbox.clear()
        return address

    def receives(self, domain: Domain) -> bool:
        return TeamAlertAddress.receiving(domain, "immediate") == [
            TeamAlertAddress.objects.get(email=TICKETS)
        ]

    # --- the journey ------------------------------------------------------------------------

    def test_it_resumes_a_stopped_domain_once_the_mailbox_follows_the_owners_link(self) -> None:
        address = self.confirmed_address_that_stopped_a_test()
        page = self.add()
        self.assertContains(page, f"We sent {TICKETS} a link to get the alerts about a.test")
        (sent,) = mail.outbox
        self.assertEqual(sent.to, [TICKETS])
        self.assertIn("a.test", sent.subject)
        self.assertEqual(sent.extra_headers["Reply-To"], "alice@example.org")
        # Sent, not yet followed: still stopped for a.test, b.test goes on.
        self.assertFalse(self.receives(self.domain))
        self.assertTrue(self.receives(self.other))
        self.assertContains(page, "stopped for a.test (a link to get them again was sent on")
        # A GET (a link scanner) changes nothing.
        link = self.link()
        self.assertContains(Client().get(link), "Get these alerts again")
        self.assertFalse(self.receives(self.domain))
        page = Client().post(link)
        self.assertContains(page, "gets the alert emails of")
        self.assertTrue(self.receives(self.domain))
        self.assertTrue(self.receives(self.other))
        address.refresh_from_db()
        self.assertEqual(address.state, "confirmed")
        self.assertEqual(address.mode, "immediate")
        self.assertNotContains(self.client.get(reverse("alerts:settings")), "stopped for")

    def test_the_link_resumes_once(self) -> None:
        address = self.confirmed_address_that_stopped_a_test()
        self.add()
        link = self.link()
        Client().post(link)
        # The mailbox stops a.test again: the old link no longer undoes that.
        address.muted_domains.add(self.domain)
        page = Client().post(link)
        self.assertContains(page, "Confirmed")
        self.assertFalse(self.receives(self.domain))

    def test_an_expired_link_resumes_nothing(self) -> None:
        self.confirmed_address_that_stopped_a_test()
        self.add()
        # Eight days on: confirmed nine days ago, asked eight days ago.
        now = timezone.now()
        TeamAlertAddress.objects.filter(email=TICKETS).update(
            confirmed_at=now - timedelta(days=9), confirmation_sent_at=now - timedelta(days=8)
        )
        page = Client().post(self.link())
        self.assertContains(page, "This link has expired", status_code=404)
        self.assertFalse(self.receives(self.domain))
        self.assertContains(self.client.get(reverse("alerts:settings")), "expired")

    def test_the_alerts_page_offers_the_owner_the_request(self) -> None:
        self.confirmed_address_that_stopped_a_test()
        page = self.client.get(reverse("alerts:settings"))
        self.assertContains(page, "stopped for a.test")
        self.assertContains(page, "Ask it to get them again")
        # Teammates see the state, not the button.
        bob = Client()
        bob.force_login(self.bob)
        page = bob.get(reverse("alerts:settings"))
        self.assertContains(page, "stopped for a.test")
        self.assertNotContains(page, "Ask it to get them again")

    def test_the_request_is_within_the_confirmation_links_limits(self) -> None:
        # ACCOUNT_RATE_LIMITS "confirm_email": one link per address per ten seconds.
        self.confirmed_address_that_stopped_a_test()
        self.add()
        page = self.add()
        self.assertContains(page, "Too many confirmation emails")
        self.assertEqual(len(mail.outbox), 1)

    def test_a_confirmed_address_with_nothing_stopped_is_told_so_and_mailed_nothing(
        self,
    ) -> None:
        self.add()
        Client().post(self.link())
        cache.clear()
        mail.outbox.clear()
        self.assertContains(self.add(), f"{TICKETS} already gets the team&#x27;s alerts.")
        self.assertEqual(mail.outbox, [])

    def test_only_the_owner_asks(self) -> None:
        self.confirmed_address_that_stopped_a_test()
        for user in (self.bob, self.charlie):
            client = Client()
            client.force_login(user)
            r = client.post(
                reverse("alerts:add_address", args=[self.team.code]),
                {"email": TICKETS, "mode": "immediate"},
            )
            self.assertEqual(r.status_code, 404)
        self.assertEqual(mail.outbox, [])
