"""s24v: the account page says the zone the person chose, even while the pages still hold an
older one (mailsec.middleware.TimeZoneMiddleware reads the profile again only every
TIME_ZONE_READ_EVERY seconds, and a change made elsewhere than on the account page, as in the
admin, is not told to it): the page reads the profile anyway, and its words ("Pages and emails
show times in ...") are about the setting, which emails follow at once."""

from __future__ import annotations

from mailsec.accounts.models import Profile
from mailsec.middleware import time_zone_name
from tests.conftest import BaseTestCase


class AccountPageZoneTestCase(BaseTestCase):
    def test_it_says_the_zone_chosen_in_another_browser(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/account/"), "show times in <strong>UTC</strong>")
        # Changed in the admin: the pages still hold UTC for a few minutes.
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        r = self.client.get("/account/")
        self.assertContains(r, '<option value="Europe/Berlin" selected>')
        self.assertContains(r, "show times in <strong>Europe/Berlin</strong>")
        # And the next pages follow it from now on.
        self.assertEqual(time_zone_name(r.wsgi_request), "Europe/Berlin")

    def test_it_checks_ownership(self) -> None:
        # The page is the signed-in person's own: bob's zone never shows on alice's page.
        Profile.objects.filter(user=self.bob).update(time_zone="Asia/Tokyo")
        self.client.force_login(self.alice)
        r = self.client.get("/account/")
        self.assertContains(r, "show times in <strong>UTC</strong>")
        self.assertNotContains(r, "<strong>Asia/Tokyo</strong>")
