"""s24z: a person's time zone (Profile.time_zone), chosen on the account page; pages show
times in it (mailsec.middleware.TimeZoneMiddleware), and emails in their reader's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

from django.core import mail
from django.test import override_settings

from mailsec.accounts.models import Profile, time_zone_names
from mailsec.alerts import emails
from mailsec.alerts.models import AlertSetting, Change, Notification, TeamAlertAddress
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# 07:05 UTC: 08:05 in Berlin (CET), 20:05 at UTC+13 in Auckland (NZDT) on 2 Dec.
AT = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)


def zone_of(user: object) -> str:
    return Profile.objects.get(user=user).time_zone


class AccountTimeZoneTestCase(BaseTestCase):
    url = "/account/time-zone/"

    def test_it_defaults_to_utc_and_offers_every_iana_zone(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/account/")
        self.assertContains(r, '<option value="UTC" selected>UTC</option>', html=True)
        self.assertContains(r, '<option value="Pacific/Kiritimati">')
        self.assertContains(r, '<option value="America/Argentina/Buenos_Aires">')
        self.assertIn("Europe/Berlin", time_zone_names())
        self.assertNotIn("localtime", time_zone_names())  # the machine's own, no place

    def test_it_saves_a_time_zone(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"time_zone": "Europe/Berlin"}, follow=True)
        self.assertRedirects(r, "/account/")
        self.assertEqual(zone_of(self.alice), "Europe/Berlin")
        self.assertEqual(zone_of(self.bob), "UTC")
        self.assertContains(r, "Times are now shown in Europe/Berlin")
        self.assertContains(r, '<option value="Europe/Berlin" selected>', html=False)
        self.assertContains(r, "<strong>Europe/Berlin</strong>")

    def test_it_refuses_a_zone_it_does_not_know(self) -> None:
        self.client.force_login(self.alice)
        for bad in ("Mars/Olympus_Mons", "localtime", "", "europe/berlin", "UTC\n"):
            with self.subTest(bad=bad):
                r = self.client.post(self.url, {"time_zone": bad})
                self.assertEqual(r.status_code, 400)
                self.assertContains(r, 'aria-invalid="true"', status_code=400)
                self.assertEqual(zone_of(self.alice), "UTC")
        r = self.client.post(self.url, {})
        self.assertContains(r, "Choose a time zone.", status_code=400)

    def test_the_model_refuses_an_unknown_zone_too(self) -> None:
        from django.core.exceptions import ValidationError

        profile = Profile.objects.get(user=self.alice)
        profile.time_zone = "Mars/Olympus_Mons"
        with self.assertRaises(ValidationError):
            profile.full_clean()

    def test_it_checks_ownership(self) -> None:
        # The person's own setting: charlie's post changes charlie's zone, nobody else's.
        self.client.force_login(self.charlie)
        self.client.post(self.url, {"time_zone": "Asia/Tokyo"})
        self.assertEqual(zone_of(self.charlie), "Asia/Tokyo")
        self.assertEqual((zone_of(self.alice), zone_of(self.bob)), ("UTC", "UTC"))
        self.client.logout()
        r = self.client.post(self.url, {"time_zone": "Asia/Tokyo"})
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_get_is_refused(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)


@override_settings(CACHES=LOCMEM)
class PageTimesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=AT - timedelta(days=1)
        )
        Domain.objects.filter(pk=self.domain.pk).update(next_check_at=AT)
        self.url = f"/domains/{self.domain.code}/"

    def test_a_page_shows_times_in_the_readers_zone_and_says_which(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "2 Dec 2026, 08:05 (Europe/Berlin)</time>")
        self.assertNotContains(r, "07:05 UTC")
        # bob, on UTC, reads the same page (cached by alice's visit) in UTC.
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "2 Dec 2026, 07:05 UTC</time>")
        self.assertNotContains(r, "Europe/Berlin")
        # And alice again, from the cache: still hers.
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "08:05 (Europe/Berlin)</time>")

    def test_a_zone_chosen_in_another_browser_shows_once_read_again(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "07:05 UTC</time>")
        Profile.objects.filter(user=self.alice).update(time_zone="Pacific/Auckland")
        # Kept in the session for TIME_ZONE_READ_EVERY seconds, then read again.
        self.assertContains(self.client.get(self.url), "07:05 UTC</time>")
        with mock.patch("mailsec.middleware.TIME_ZONE_READ_EVERY", 0):
            r = self.client.get(self.url)
        self.assertContains(r, "2 Dec 2026, 20:05 (Pacific/Auckland)</time>")

    def test_the_chosen_zone_shows_on_the_next_page_of_the_same_browser(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(self.url)
        self.client.post("/account/time-zone/", {"time_zone": "Asia/Kolkata"})
        self.assertContains(self.client.get(self.url), "2 Dec 2026, 12:35 (Asia/Kolkata)")

    def test_the_api_answers_in_utc_and_does_not_vary_on_the_session(self) -> None:
        from mailsec.api.models import ApiKey

        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        _, key = ApiKey.create_for(self.team, "s24z", self.alice)
        self.client.force_login(self.alice)
        r = self.client.get("/api/v1/domains", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("Cookie", r.get("Vary", ""))


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class EmailTimesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=AT - timedelta(days=1)
        )
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")

    def alert_for(self, recipient: object) -> Notification:
        """An alert about two changes first seen at different times, confirmed by a re-check
        at AT: the email says when, in the reader's zone."""
        run = CheckRun.objects.create(domain=self.domain, kind="confirm", status="done", created=AT)
        changes = [
            Change.objects.create(
                domain=self.domain,
                kind="score",
                key=f"score:{i}",
                summary=f"Change {i}.",
                state=Change.State.CONFIRMED,
                created=AT - timedelta(hours=hours),
                confirmed_at=AT,
                confirmed_run=run,
            )
            for i, hours in enumerate((1, 30))
        ]
        if isinstance(recipient, TeamAlertAddress):
            n = Notification.objects.create(
                team_address=recipient, domain=self.domain, kind="alert", to_address="t@x.test"
            )
        else:
            n = Notification.objects.create(
                user=recipient, domain=self.domain, kind="alert", to_address=recipient.email
            )
        n.changes.set(changes)
        return n

    def test_an_alert_says_times_in_its_readers_zone(self) -> None:
        berlin = emails.build_message(self.alert_for(self.alice))
        self.assertIn("a re-check at 2 Dec 2026, 08:05 (Europe/Berlin) confirmed", berlin.body)
        Change.objects.all().delete()
        utc = emails.build_message(self.alert_for(self.bob))
        self.assertIn("a re-check at 2 Dec 2026, 07:05 UTC confirmed", utc.body)

    def test_a_teams_extra_address_reads_utc(self) -> None:
        address = TeamAlertAddress.objects.create(
            team=self.team, email="t@x.test", mode=AlertSetting.Mode.IMMEDIATE, confirmed_at=AT
        )
        message = emails.build_message(self.alert_for(address))
        self.assertIn("a re-check at 2 Dec 2026, 07:05 UTC confirmed", message.body)

    def test_rendering_leaves_the_zone_it_found(self) -> None:
        from django.utils import timezone

        emails.build_message(self.alert_for(self.alice))
        self.assertEqual(timezone.get_current_timezone_name(), "UTC")

    def test_a_team_email_is_one_per_person_each_in_their_zone(self) -> None:
        Profile.objects.filter(user=self.bob).update(time_zone="America/New_York")
        self.domain._tell_control_lost(AT, AT + timedelta(days=1))
        by_person = {m.to[0]: m for m in mail.outbox}
        self.assertEqual(set(by_person), {"alice@example.org", "bob@example.org"})
        self.assertIn("on 2 Dec 2026, 08:05 (Europe/Berlin)", by_person["alice@example.org"].body)
        self.assertIn("on 2 Dec 2026, 02:05 (America/New_York)", by_person["bob@example.org"].body)
        html = by_person["bob@example.org"].alternatives[0][0]
        self.assertIn("until 3 Dec 2026, 02:05 (America/New_York)", html)
