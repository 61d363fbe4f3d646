"""Task s42y: the team that now controls a domain hears of the wind-down still served for it.

An MSP hosted MTA-STS (enforce, max_age a week) for the name; the client's own team verified it
and the MSP lost control (or the MSP removed the domain and the client verified later). We
then serve mode none with a new id at mta-sts.<name> until every enforce copy senders may hold
has expired, then answer 404 (RFC 8461 §5.1, §8.3). Only the MSP was emailed that date. The
client, who controls the DNS now, must hear it on its hosting page and its domain page: were it
to remove the mta-sts CNAME and move its MX before then, senders still holding the cached
enforce policy would refuse its mail. Once the client hosts here (its own policy takes the name
over) or the wind-down is released, nothing of it is said. The other team is never named.

The world, the actions and the readings are those of blind round s42n (S42nCase): the Django
test client on the real views, the real models, signals and tasks.
"""

from __future__ import annotations

import html
from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from mailsec.hosting import tasks as hosting_tasks
from mailsec.hosting.models import HostedPolicy
from tests.test_webapp_s42n_blind import NAME, POLICY_HOST, S42nCase

STILL_SERVED = f"A policy for {NAME} is still served at {POLICY_HOST} (mode: none) until"


class WindDownToldTestCase(S42nCase):
    def pages(self, who: str = "cleo") -> tuple[str, str]:
        assert self.client_domain is not None
        code = self.client_domain.code
        hosting = self.page(who, f"/hosting/{code}/")
        domain = self.page(who, f"/domains/{code}/")
        assert hosting[0] == 200 and domain[0] == 200, (hosting[0], domain[0])
        return html.unescape(hosting[1]), html.unescape(domain[1])

    def release_words(self) -> str:
        policy = HostedPolicy.objects.get(name=NAME)
        assert policy.domain is None and policy.state == HostedPolicy.State.DISABLING
        assert policy.release_at is not None
        release = policy.release_at
        return f"{STILL_SERVED} {release.day} {release:%b %Y, %H:%M} UTC"

    def assert_told(self, text: str, until: str) -> None:
        self.assertIn(until, text)
        self.assertIn(
            "so that senders' cached copies of an earlier policy in mode testing or enforce "
            "expire safely: a sender holding one in enforce delivers only to the MX hosts it "
            "lists until it expires.",
            text,
        )
        self.assertIn(
            f"Keep mta-sts.{NAME} a CNAME to {settings.MAILSEC_POLICY_HOST} and the "
            f"_mta-sts.{NAME} record published until then",
            text,
        )
        self.assertIn(
            "or host MTA-STS here: your own policy then takes over the name at once.", text
        )
        # Nothing of the other team: its name, its people, its policy id.
        self.assertNotIn("MSP Ops", text)
        for who in ("mara", "mo", "vic"):
            self.assertNotIn(self.users[who].email, text)
        self.assertNotIn(self.first_policy_id, text)
        self.assertNotIn(HostedPolicy.objects.get(name=NAME).policy_id, text)

    def test_it_tells_the_new_owner_after_control_is_lost(self) -> None:
        self.lost_to_client()
        until = self.release_words()
        hosting, domain = self.pages()
        self.assert_told(hosting, until)
        self.assert_told(domain, until)

    def test_it_tells_a_team_that_verifies_after_the_domain_was_removed(self) -> None:
        self.remove_by_mo()
        until = self.release_words()
        # Added before it is verified: nothing yet (it proves no control of the DNS).
        self.client_adds()
        hosting, domain = self.pages()
        self.assertNotIn(STILL_SERVED, hosting)
        self.assertNotIn(STILL_SERVED, domain)
        # Verified a day later: told, the date unchanged.
        later = timezone.now() + timedelta(days=1)
        with mock.patch("django.utils.timezone.now", return_value=later):
            self.client_verifies(msp_value_too=False)
        hosting, domain = self.pages()
        self.assert_told(hosting, until)
        self.assert_told(domain, until)

    def test_it_says_the_date_in_the_readers_zone(self) -> None:
        self.lost_to_client()
        release_at = HostedPolicy.objects.get(name=NAME).release_at
        assert release_at is not None
        profile = self.users["cleo"].profile
        profile.time_zone = "Europe/Berlin"
        profile.save()
        local = timezone.localtime(release_at, timezone=ZoneInfo("Europe/Berlin"))
        for text in self.pages():
            self.assertIn(f"{STILL_SERVED} {local.day} {local:%b %Y, %H:%M} (Europe/Berlin)", text)

    def test_it_says_nothing_once_the_client_hosts_here(self) -> None:
        self.lost_to_client()
        self.pages()  # cached before the takeover
        self.client_hosts()
        policy = HostedPolicy.objects.get(name=NAME)
        self.assertIsNotNone(policy.domain)
        self.assertEqual(policy.domain, self.client_domain)
        # The client's own policy is served now (testing, its first start), not mode none.
        self.assertEqual(self.served_mode(), "testing")
        for text in self.pages():
            self.assertNotIn(STILL_SERVED, text)

    def test_it_says_nothing_once_released(self) -> None:
        self.lost_to_client()
        hosting, domain = self.pages()  # cached while the wind-down lasts
        self.assertIn(STILL_SERVED, domain)
        later = timezone.now() + timedelta(days=7, minutes=1)
        with self.dns(), mock.patch("django.utils.timezone.now", return_value=later):
            hosting_tasks.sync_all()
        self.assertEqual(self.served()[0], 404)
        for text in self.pages():
            self.assertNotIn(STILL_SERVED, text)

    def test_it_tells_nothing_to_the_team_that_lost_control(self) -> None:
        self.lost_to_client()
        code = self.msp_domain.code
        for url in (f"/hosting/{code}/", f"/domains/{code}/"):
            status, text = self.page("mara", url)
            text = html.unescape(text)
            self.assertEqual(status, 200)
            self.assertNotIn(STILL_SERVED, text)

    def test_it_tells_nothing_while_the_msp_still_hosts(self) -> None:
        # Both values published: the MSP keeps the domain and serves its enforce policy.
        self.client_verifies(msp_value_too=True)
        self.assertEqual(self.served_mode(), "enforce")
        for text in self.pages():
            self.assertNotIn(STILL_SERVED, text)
