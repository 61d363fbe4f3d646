"""Extra alert addresses per team (s19a): an MSP's ticketing system or a shared mailbox gets the
team's alerts without being signed up as a person. The owner adds it, a link mailed to it
confirms it (no account), and only then does it get alerts or a digest; its one-click
unsubscribe mutes it alone; one email per address per alert; a cap per team; the limits of the
account page's "add an address"; nothing of it reachable from another team."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership
from mailsec.alerts.models import (
    MAX_TEAM_ADDRESSES,
    AlertSetting,
    AlertState,
    Notification,
    TeamAlertAddress,
)
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_alerts import good_result, mta_sts_record_gone, send_digests_tomorrow
from tests.test_domains import LOCMEM

SITE = "https://mailsec.example"
TICKETS = "tickets@msp.example"


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_DIGEST_HOUR=0,
    CACHES=LOCMEM,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT=SITE,
)
class TeamAddressTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate-limit counters
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.clock = timezone.now() - timedelta(hours=1)
        self.client.force_login(self.alice)

    # --- helpers ----------------------------------------------------------------------------

    def add(self, email: str, mode: str = "immediate", client: Client | None = None) -> Any:
        return (client or self.client).post(
            reverse("alerts:add_address", args=[self.team.code]),
            {"email": email, "mode": mode},
            follow=True,
        )

    def confirm_link(self, email: str) -> str:
        """The confirmation link of the last mail to `email`, as a path on our site."""
        sent = [m for m in mail.outbox if m.to == [email]]
        self.assertTrue(sent, f"no mail to {email}")
        url = re.search(r"https://mailsec\.example(/alerts/address/\S+/)", sent[-1].body)
        assert url is not None
        return url.group(1)

    def add_and_confirm(self, email: str = TICKETS, mode: str = "immediate") -> TeamAlertAddress:
        self.add(email, mode)
        Client().post(self.confirm_link(email))  # no account, no session
        mail.outbox.clear()
        return TeamAlertAddress.objects.get(email=email)

    def check_run(self, result: dict[str, Any], kind: str = "scheduled") -> None:
        """Store a run, observe it, and send whatever it queued (as the worker would)."""
        self.clock += timedelta(minutes=1)
        run = CheckRun.objects.create(
            domain=self.domain,
            kind=kind,
            status=CheckRun.Status.DONE,
            created=self.clock,
            score=result["score"],
            mechanisms=result["mechanisms"],
            findings=result["findings"],
        )
        with self.captureOnCommitCallbacks(execute=False):
            AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])

    def regress(self) -> None:
        """The MTA-STS record disappears, and a re-check confirms it: one alert."""
        self.check_run(good_result())
        self.check_run(mta_sts_record_gone())
        self.check_run(mta_sts_record_gone(), kind="confirm")

    def recover(self) -> None:
        self.check_run(good_result())
        self.check_run(good_result(), kind="confirm")

    def sent_to(self, email: str) -> list[Any]:
        return [m for m in mail.outbox if email in m.to]

    # --- the journey ------------------------------------------------------------------------

    def test_it_adds_confirms_and_the_address_gets_the_teams_alerts(self) -> None:
        r = self.add("Tickets@MSP.example")
        self.assertContains(r, "We sent a confirmation link to tickets@msp.example")
        self.assertContains(r, "waiting for confirmation")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [TICKETS])
        self.assertEqual(mail.outbox[0].extra_headers["Reply-To"], "alice@example.org")
        link = self.confirm_link(TICKETS)
        # A GET only shows the button: a link scanner confirms nothing.
        anonymous = Client()
        self.assertContains(anonymous.get(link), "Send alerts here")
        self.assertIsNone(TeamAlertAddress.objects.get(email=TICKETS).confirmed_at)
        self.assertContains(anonymous.post(link), "Confirmed")
        self.assertIsNotNone(TeamAlertAddress.objects.get(email=TICKETS).confirmed_at)
        self.assertContains(self.client.get(reverse("alerts:settings")), "confirmed, email at once")
        mail.outbox.clear()

        self.regress()
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            ["alice@example.org", "bob@example.org", TICKETS],
        )
        (alert,) = self.sent_to(TICKETS)
        self.assertIn("a.test", alert.subject)
        self.assertEqual(alert.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        # Fixed: told to the address too, as it was told of the problem.
        mail.outbox.clear()
        self.recover()
        self.assertEqual(len(self.sent_to(TICKETS)), 1)
        self.assertIn("a.test: fixed", self.sent_to(TICKETS)[0].subject)

    def test_a_pending_address_gets_nothing(self) -> None:
        self.add(TICKETS)
        mail.outbox.clear()
        self.regress()
        self.assertEqual(self.sent_to(TICKETS), [])
        self.assertEqual(len(mail.outbox), 2)  # alice and bob
        # Nor a digest (tomorrow's, the one that tells a change confirmed now).
        TeamAlertAddress.objects.filter(email=TICKETS).update(mode="digest")
        self.assertEqual(send_digests_tomorrow(), 0)

    def test_an_expired_link_confirms_nothing(self) -> None:
        self.add(TICKETS)
        link = self.confirm_link(TICKETS)
        TeamAlertAddress.objects.filter(email=TICKETS).update(
            confirmation_sent_at=timezone.now() - timedelta(days=8)
        )
        r = Client().post(link)
        self.assertContains(r, "This link has expired", status_code=404)
        self.assertIsNone(TeamAlertAddress.objects.get(email=TICKETS).confirmed_at)

    def test_the_digest_mode_sends_a_daily_digest_and_no_alert(self) -> None:
        address = self.add_and_confirm(mode="digest")
        self.regress()
        self.assertEqual(self.sent_to(TICKETS), [])
        # Confirmed now, after today's digest hour: tomorrow's digest tells it.
        self.assertEqual(send_digests_tomorrow(), 1)
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        (digest,) = self.sent_to(TICKETS)
        self.assertIn("Daily digest", digest.subject)
        self.assertIn("a.test", digest.body)
        self.assertEqual(Notification.objects.get(kind="digest").team_address, address)

    # --- unsubscribe ------------------------------------------------------------------------

    def unsubscribe_link(self, message: Any) -> str:
        return message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix(SITE)

    def test_one_click_unsubscribe_mutes_that_address_only(self) -> None:
        other = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        address = self.add_and_confirm()
        self.regress()
        (alert,) = self.sent_to(TICKETS)
        link = self.unsubscribe_link(alert)
        self.assertContains(Client().get(link), "Stop alert emails?")
        # RFC 8058: a bare POST from the mail client, no session, no CSRF token.
        r = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})
        self.assertContains(r, "Unsubscribed")
        self.assertEqual(list(address.muted_domains.all()), [self.domain])
        self.assertTrue(TeamAlertAddress.objects.get(pk=address.pk).confirmed_at)
        # The next problem of a.test: the members are told, the address is not.
        mail.outbox.clear()
        self.recover()
        self.check_run(mta_sts_record_gone())
        self.check_run(mta_sts_record_gone(), kind="confirm")
        self.assertEqual(self.sent_to(TICKETS), [])
        self.assertEqual(len(self.sent_to("alice@example.org")), 2)  # fixed, then the new one
        # Members' settings untouched; another domain of the team still reaches the address.
        self.assertEqual(AlertSetting.mode_for(self.alice, self.domain), "immediate")
        self.assertEqual(
            TeamAlertAddress.receiving(other, "immediate"), [TeamAlertAddress.objects.get()]
        )
        self.assertContains(self.client.get(reverse("alerts:settings")), "stopped for a.test")

    def test_the_digests_unsubscribe_stops_the_whole_address(self) -> None:
        address = self.add_and_confirm(mode="digest")
        self.regress()
        self.assertEqual(send_digests_tomorrow(), 1)
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        (digest,) = self.sent_to(TICKETS)
        Client().post(self.unsubscribe_link(digest), {"List-Unsubscribe": "One-Click"})
        address.refresh_from_db()
        self.assertIsNotNone(address.unsubscribed_at)
        self.assertEqual(address.digest_domains(), [])
        self.assertContains(self.client.get(reverse("alerts:settings")), "unsubscribed: gets")
        # Added again, it must confirm anew: the old link is dead, a new one is mailed.
        old_link = reverse("alerts:confirm_address", args=[address.token])
        mail.outbox.clear()
        cache.clear()  # its first link was mailed seconds ago (1 per 10 s per address)
        self.add(TICKETS)
        address.refresh_from_db()
        self.assertIsNone(address.confirmed_at)
        self.assertIsNone(address.unsubscribed_at)
        self.assertNotEqual(self.confirm_link(TICKETS), old_link)
        self.assertEqual(Client().post(old_link).status_code, 404)

    # --- one email per address --------------------------------------------------------------

    def test_a_members_address_is_not_added(self) -> None:
        r = self.add("Bob@Example.org")
        self.assertContains(r, "is a member of")
        self.assertEqual(TeamAlertAddress.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

    def test_an_address_that_becomes_a_members_gets_one_email_per_alert(self) -> None:
        self.add_and_confirm()
        dave = User.objects.create_user("dave", TICKETS)
        Membership.objects.create(team=self.team, user=dave)
        self.regress()
        self.assertEqual(len(self.sent_to(TICKETS)), 1)
        self.assertEqual(Notification.objects.get(to_address=TICKETS).user, dave)

    # --- who may --------------------------------------------------------------------------

    def test_it_checks_ownership(self) -> None:
        address = self.add_and_confirm()
        self.add("pending@msp.example")
        pending = TeamAlertAddress.objects.get(email="pending@msp.example")
        mail.outbox.clear()
        for person, status in ((self.charlie, 404), (self.bob, 404)):
            client = Client()
            client.force_login(person)
            r = client.post(
                reverse("alerts:add_address", args=[self.team.code]), {"email": "x@evil.example"}
            )
            self.assertEqual(r.status_code, status)
            r = client.post(reverse("alerts:remove_address", args=[address.code]))
            self.assertEqual(r.status_code, status)
            r = client.post(
                reverse("alerts:set_address_mode", args=[address.code]), {"mode": "digest"}
            )
            self.assertEqual(r.status_code, status)
        self.assertEqual(TeamAlertAddress.objects.count(), 2)
        self.assertEqual(TeamAlertAddress.objects.get(pk=address.pk).mode, "immediate")
        self.assertEqual(mail.outbox, [])
        # A teammate sees them (not the forms); the outsider's page does not name them.
        bob = Client()
        bob.force_login(self.bob)
        page = bob.get(reverse("alerts:settings"))
        self.assertContains(page, TICKETS)
        self.assertNotContains(page, reverse("alerts:remove_address", args=[address.code]))
        charlie = Client()
        charlie.force_login(self.charlie)
        self.assertNotContains(charlie.get(reverse("alerts:settings")), TICKETS)
        # Confirming takes the mailed token: any other is a 404, signed in or not.
        r = charlie.post(reverse("alerts:confirm_address", args=["not-the-token"]))
        self.assertEqual(r.status_code, 404)
        r = charlie.post(reverse("alerts:confirm_address", args=[str(pending.code)]))
        self.assertEqual(r.status_code, 404)
        self.assertIsNone(TeamAlertAddress.objects.get(pk=pending.pk).confirmed_at)

    def test_charlies_addresses_never_get_alices_alerts(self) -> None:
        charlie = Client()
        charlie.force_login(self.charlie)
        charlie.post(
            reverse("alerts:add_address", args=[self.charlies_team.code]),
            {"email": TICKETS, "mode": "immediate"},
        )
        Client().post(self.confirm_link(TICKETS))
        mail.outbox.clear()
        self.regress()
        self.assertEqual(self.sent_to(TICKETS), [])

    def test_the_owner_removes_an_address_and_it_gets_nothing_more(self) -> None:
        address = self.add_and_confirm()
        r = self.client.post(reverse("alerts:remove_address", args=[address.code]), follow=True)
        self.assertContains(r, "no longer gets the team&#x27;s alerts")
        self.assertFalse(TeamAlertAddress.objects.exists())
        # A double click's second request reads as done, not as an error.
        r = self.client.post(reverse("alerts:remove_address", args=[address.code]), follow=True)
        self.assertEqual(r.status_code, 200)
        self.regress()
        self.assertEqual(self.sent_to(TICKETS), [])

    # --- cap and limits -----------------------------------------------------------------------

    def test_a_team_has_at_most_the_cap(self) -> None:
        for n in range(MAX_TEAM_ADDRESSES):
            self.add(f"box{n}@msp.example")
        r = self.add("one-more@msp.example")
        self.assertContains(r, "remove one before adding another")
        self.assertEqual(TeamAlertAddress.objects.filter(team=self.team).count(), 5)
        self.assertEqual(len(mail.outbox), MAX_TEAM_ADDRESSES)
        # Another team's cap is its own.
        charlie = Client()
        charlie.force_login(self.charlie)
        charlie.post(
            reverse("alerts:add_address", args=[self.charlies_team.code]),
            {"email": "one-more@msp.example", "mode": "immediate"},
        )
        self.assertEqual(TeamAlertAddress.objects.filter(team=self.charlies_team).count(), 1)

    def test_one_address_gets_one_link_per_ten_seconds(self) -> None:
        # ACCOUNT_RATE_LIMITS "confirm_email": 1/10s per address, shared with the account
        # page's own "add an address".
        self.add(TICKETS)
        r = self.add(TICKETS)
        self.assertContains(r, "Too many confirmation emails")
        self.assertEqual(len(mail.outbox), 1)

    def test_one_person_sends_at_most_the_account_pages_links_a_minute(self) -> None:
        # ACCOUNT_RATE_LIMITS "manage_email": 10 a minute per person. Removing and adding
        # again does not get round it.
        for n in range(12):
            self.add(f"box{n}@msp.example")
            TeamAlertAddress.objects.filter(team=self.team).delete()
        self.assertEqual(len(mail.outbox), 10)

    def test_a_lost_confirmation_is_sent_again_with_the_same_link(self) -> None:
        self.add(TICKETS)
        first = self.confirm_link(TICKETS)
        cache.clear()  # ten seconds later, as far as the limits go
        self.add(TICKETS)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(self.confirm_link(TICKETS), first)
        self.assertEqual(TeamAlertAddress.objects.count(), 1)
