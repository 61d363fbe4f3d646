"""What a team's extra alert address (08bf234, TeamAlertAddress) reads, s19b: a shared mailbox
or a ticketing system has no account, so its alerts and digests say which team added it and
who can remove it, with no "Alert settings" link; it hears that a domain left the team's
monitoring ("control lost"), with its own one-click unsubscribe; and a pending address whose
link expired is shown so on the Alerts page, with a button that mails a new link."""

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
    AlertState,
    Notification,
    TeamAlertAddress,
)
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_alerts import good_result, mta_sts_record_gone, send_digests_tomorrow
from tests.test_domains import LOCMEM, stub_dns

SITE = "https://mailsec.example"
TICKETS = "tickets@msp.example"
SETTINGS_PATH = "/alerts/"


def html_of(message: Any) -> str:
    return str(message.alternatives[0][0])


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_DIGEST_HOUR=0,
    CACHES=LOCMEM,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT=SITE,
)
class TeamAddressEmailsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate-limit counters
        self.team.name = "Acme MSP"
        self.team.save(update_fields=["name"])
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.clock = timezone.now() - timedelta(hours=1)
        self.client.force_login(self.alice)

    # --- helpers ----------------------------------------------------------------------------

    def add(self, email: str, mode: str = "immediate") -> Any:
        return self.client.post(
            reverse("alerts:add_address", args=[self.team.code]),
            {"email": email, "mode": mode},
            follow=True,
        )

    def confirm_link(self, email: str) -> str:
        """The confirmation link of the last mail to `email`, as a path on our site."""
        sent = self.sent_to(email)
        self.assertTrue(sent, f"no mail to {email}")
        url = re.search(r"https://mailsec\.example(/alerts/address/\S+/)", sent[-1].body)
        assert url is not None
        return url.group(1)

    def add_and_confirm(self, email: str = TICKETS, mode: str = "immediate") -> TeamAlertAddress:
        self.add(email, mode)
        Client().post(self.confirm_link(email))  # no account, no session
        mail.outbox.clear()
        cache.clear()
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
        self.send_pending()

    def send_pending(self) -> None:
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])

    def regress(self) -> None:
        """The MTA-STS record disappears, and a re-check confirms it: one alert."""
        self.check_run(good_result())
        self.check_run(mta_sts_record_gone())
        self.check_run(mta_sts_record_gone(), kind="confirm")

    def sent_to(self, email: str) -> list[Any]:
        return [m for m in mail.outbox if email in m.to]

    def lose_control(self) -> None:
        """charlie's team verifies a.test while alice's team's value is no longer published."""
        rival = Domain.objects.create(team=self.charlies_team, name="a.test")
        with stub_dns({"_mailsec-challenge.a.test": [rival.challenge_value]}):
            self.assertTrue(rival.verify())
        self.domain.refresh_from_db()
        self.assertIsNone(self.domain.verified_at)

    # --- 1. alerts and digests say why a shared mailbox gets them ---------------------------

    def assert_reads_as_the_teams_address(self, message: Any) -> None:
        for body in (message.body, html_of(message)):
            flat = " ".join(body.split())
            self.assertIn("Acme MSP added this address", flat)
            self.assertIn("alice@example.org", flat)  # the owner, who can remove it
            self.assertIn("can remove it", flat)
            # No link to a page that is a person's own settings: the mailbox has no account.
            self.assertNotIn(SITE + SETTINGS_PATH + "\n", body)
            self.assertNotIn(f'href="{SITE}{SETTINGS_PATH}"', body)
            self.assertNotIn("Alert settings", body)
            self.assertNotIn("because you", flat)
        # Its own one-click unsubscribe is still in the footer.
        self.assertIn(message.extra_headers["List-Unsubscribe"].strip("<>"), message.body)

    def test_an_alert_to_the_address_says_which_team_added_it_and_who_removes_it(self) -> None:
        self.add_and_confirm()
        self.regress()
        (alert,) = self.sent_to(TICKETS)
        self.assert_reads_as_the_teams_address(alert)
        # A member's email keeps the person's own wording and settings link.
        (alices,) = self.sent_to("alice@example.org")
        self.assertIn("Alert settings", alices.body)
        self.assertIn("because you monitor a.test", alices.body)
        self.assertNotIn("added this address", alices.body)

    def test_a_digest_to_the_address_says_which_team_added_it(self) -> None:
        self.add_and_confirm(mode="digest")
        self.regress()
        self.assertEqual(send_digests_tomorrow(), 1)  # confirmed now, after today's hour
        self.send_pending()
        (digest,) = self.sent_to(TICKETS)
        self.assert_reads_as_the_teams_address(digest)
        self.assertIn("on Acme MSP's domains", digest.body)
        self.assertNotIn("your domains", digest.body)

    # --- 2. "control lost" reaches the team's addresses -------------------------------------

    def test_control_lost_reaches_the_teams_confirmed_addresses(self) -> None:
        tickets = self.add_and_confirm()
        digest = self.add_and_confirm("digest@msp.example", mode="digest")
        self.add("pending@msp.example")  # never confirmed: hears nothing
        muted = self.add_and_confirm("muted@msp.example")
        muted.muted_domains.add(self.domain)
        gone = self.add_and_confirm("gone@msp.example")
        TeamAlertAddress.objects.filter(pk=gone.pk).update(unsubscribed_at=timezone.now())
        mail.outbox.clear()

        self.lose_control()

        # Each member in their own email (in their own time zone); each confirmed address
        # in its own.
        members = [m.to for m in mail.outbox if m.to[0].endswith("@example.org")]
        self.assertEqual(members, [["alice@example.org"], ["bob@example.org"]])
        self.assertEqual(self.sent_to("pending@msp.example"), [])
        self.assertEqual(self.sent_to("muted@msp.example"), [])
        self.assertEqual(self.sent_to("gone@msp.example"), [])
        for address in (tickets, digest):
            (message,) = self.sent_to(address.email)
            self.assertEqual(message.to, [address.email])
            self.assertIn("a.test is no longer verified for Acme MSP", message.subject)
            self.assertIn("Another team proved control of a.test", message.body)
            self.assertIn("Acme MSP added this address", " ".join(message.body.split()))
            self.assertIn("Acme MSP added this address", " ".join(html_of(message).split()))
            self.assertNotIn("your team", message.body)
            # Its own one-click unsubscribe, which stops that domain for this address only.
            link = message.extra_headers["List-Unsubscribe"].strip("<>")
            self.assertEqual(
                message.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
            )
            self.assertIn(link, message.body)
            r = Client(enforce_csrf_checks=True).post(
                link.removeprefix(SITE), {"List-Unsubscribe": "One-Click"}
            )
            self.assertContains(r, "Unsubscribed")
            self.assertEqual(list(address.muted_domains.all()), [self.domain])
        self.assertEqual(len(mail.outbox), 4)

    def test_control_lost_goes_to_a_members_address_once(self) -> None:
        self.add_and_confirm()
        dave = User.objects.create_user("dave", TICKETS)
        Membership.objects.create(team=self.team, user=dave)
        self.lose_control()
        (message,) = self.sent_to(TICKETS)
        # The member's own email, as a person: not the one to the team's address.
        self.assertNotIn("added this address", " ".join(message.body.split()))

    # --- 3. a pending address whose link expired --------------------------------------------

    def expire(self, email: str) -> None:
        TeamAlertAddress.objects.filter(email=email).update(
            confirmation_sent_at=timezone.now() - timedelta(days=8)
        )

    def resend_form(self, page: str, address: TeamAlertAddress) -> dict[str, str]:
        """The fields of the address's "Send a new link" form on the Alerts page."""
        action = reverse("alerts:add_address", args=[self.team.code])
        for form in re.findall(r"<form\b.*?</form>", page, re.S):
            if f'action="{action}"' in form and "Send a new link" in form and address.email in form:
                return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        self.fail(f"no 'Send a new link' form for {address.email}")

    def test_an_expired_link_is_shown_and_a_new_one_can_be_sent(self) -> None:
        self.add(TICKETS, mode="digest")
        old_link = self.confirm_link(TICKETS)
        self.expire(TICKETS)
        cache.clear()
        address = TeamAlertAddress.objects.get(email=TICKETS)
        page = self.client.get(reverse("alerts:settings")).content.decode()
        self.assertIn("link expired", page)
        fields = self.resend_form(page, address)
        self.assertEqual(fields["email"], TICKETS)
        self.assertEqual(fields["mode"], "digest")  # as it was added
        # A teammate sees the state, not the button.
        bob = Client()
        bob.force_login(self.bob)
        bobs_page = bob.get(reverse("alerts:settings")).content.decode()
        self.assertIn("link expired", bobs_page)
        self.assertNotIn("Send a new link", bobs_page)

        mail.outbox.clear()
        r = self.client.post(
            reverse("alerts:add_address", args=[self.team.code]), fields, follow=True
        )
        self.assertContains(r, "We sent a new confirmation link to tickets@msp.example")
        new_link = self.confirm_link(TICKETS)
        self.assertNotEqual(new_link, old_link)  # a new link, not the dead one revived
        self.assertEqual(Client().post(old_link).status_code, 404)
        self.assertContains(Client().post(new_link), "Confirmed")
        address.refresh_from_db()
        self.assertIsNotNone(address.confirmed_at)
        self.assertEqual(address.mode, "digest")

    def test_a_new_link_stays_within_the_rate_limits(self) -> None:
        self.add(TICKETS)
        self.expire(TICKETS)
        mail.outbox.clear()
        # ACCOUNT_RATE_LIMITS "confirm_email": one link per 10 s per address, whichever form.
        r = self.add(TICKETS)
        self.assertContains(r, "Too many confirmation emails")
        self.assertEqual(mail.outbox, [])

    def test_the_cap_says_which_addresses_never_confirmed(self) -> None:
        for n in range(MAX_TEAM_ADDRESSES):
            self.add(f"box{n}@msp.example")
        self.expire("box1@msp.example")
        self.expire("box3@msp.example")
        r = self.add("one-more@msp.example")
        self.assertContains(r, "remove one before adding another")
        self.assertContains(
            r, "box1@msp.example and box3@msp.example never confirmed: their links expired"
        )
