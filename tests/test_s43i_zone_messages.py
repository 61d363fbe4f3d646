"""Task s43i: messages give times in the reader's zone, naming it, as the
page beside them does (docs/webapp.md, Time zones: "2 Dec 2026, 08:05 (Europe/Berlin)", "07:05
UTC" for someone on UTC), and the Host MTA-STS button always says the mode it starts in
(docs/hosting.md).

- Host MTA-STS pressed by a team while another team hosting the name is turning hosting off:
  the refusal said "mode none is served until 8 Dec 2026, 12:00 UTC" under the page's notice
  "… until 8 Dec 2026, 04:00 (America/Los_Angeles)" (s43f) for a reader in Los Angeles: now in
  the notice's words (s43c fixed the same in the message after Stop hosting).
- Hosting starting from the policy the domain serves: the page before the press ("as the check
  of … fetched it") and the message after it gave the check's time in UTC. The Hosting on
  event keeps its text as written, in UTC (docs/webapp.md: Stay UTC, by design).
- The free check's refusal (429) said "(at 15:40 UTC)" beside the form's note giving the same
  moment in the reader's zone.
- The button said its mode only when starting from a served policy (or testing after an
  unread one): the usual start read "Host MTA-STS for example.org" alone.

DNS answers are the stubs of tests/test_hosting; the served policy is the engine's own finding
(tests/test_hosting_s19o_start)."""

from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.contrib.messages import get_messages
from django.test import override_settings
from django.test.client import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Profile
from mailsec.domains.models import Domain
from mailsec.freecheck import ratelimit
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests import test_hosting_s19o_start as s19o
from tests.test_freecheck import DELAY, FreeCheckTestCase
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s19o_start import (
    LIVE,
    SERVED,
    ZONE,
    engine_findings,
    store_run,
)


class Start(HostingCase):
    """StartTestCase's helpers, without its tests (which run in their own file)."""

    url = s19o.StartTestCase.url
    checked_serving = s19o.StartTestCase.checked_serving


LA = "America/Los_Angeles"


def in_zone(moment: datetime, zone: str) -> str:
    """A time as the pages write it: "11 Dec 2026, 20:59 (America/Los_Angeles)", "… UTC"."""
    here = moment.astimezone(ZoneInfo(zone))
    label = "UTC" if zone == "UTC" else f"({zone})"
    return f"{here.day} {here:%b %Y, %H:%M} {label}"


def unread(domain: Domain) -> None:
    """The latest check could not read the served policy (its fetch timed out)."""
    store_run(domain, engine_findings(ZONE, SERVED, error_kind="timeout"), [])
    domain.refresh_from_db()


def page_text(content: bytes) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", content.decode())).split())


def messages_of(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


class ContestMessageTestCase(HostingCase):
    """Alice's team hosts example.org and presses Stop hosting; charlie's team has verified the
    name too and presses Host MTA-STS while alice's value is still published."""

    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        service.disable(self.policy)
        self.policy.refresh_from_db()
        self.theirs = Domain.objects.create(team=self.charlies_team, name="example.org")

    def press(self, zone: str) -> tuple[str, Client]:
        from tests.test_domains import stub_dns

        Profile.objects.filter(user=self.charlie).update(time_zone=zone)
        client = Client()
        client.force_login(self.charlie)
        values = [self.domain.challenge_value, self.theirs.challenge_value]
        with stub_dns({"_mailsec-challenge.example.org": values}):
            assert self.theirs.verify()
            with fake_dns(["mx9.example.net"]):
                response = client.post(reverse("hosting:enable", args=[self.theirs.code]))
        assert response.status_code == 302
        [text] = messages_of(response)
        return text, client

    def test_the_refusal_gives_the_release_in_the_readers_zone(self) -> None:
        text, client = self.press(LA)
        assert self.policy.release_at is not None
        assert "is hosted by another team, which is turning hosting off" in text, text
        assert f"served until {in_zone(self.policy.release_at, LA)} so senders" in text, text
        assert "UTC" not in text, text
        # Nothing changed: the other team's policy still winds down, ours was never made.
        assert HostedPolicy.objects.get().domain == self.domain
        # The notice beside it on the page (s43f): the same date in the same words.
        with fake_dns(["mx9.example.net"]):
            page = client.get(reverse("hosting:page", args=[self.theirs.code]))
        assert f"until {in_zone(self.policy.release_at, LA)}, so that" in page_text(page.content)

    def test_someone_on_utc_reads_utc(self) -> None:
        text, _ = self.press("UTC")
        assert self.policy.release_at is not None
        assert f"served until {in_zone(self.policy.release_at, 'UTC')} so senders" in text


class StartMessageTestCase(Start):
    """The domain serves mode enforce (tests/test_hosting_s19o_start.SERVED); alice is in Los
    Angeles."""

    def test_the_page_and_the_message_give_the_check_in_the_readers_zone(self) -> None:
        self.checked_serving()
        self.domain.refresh_from_db()
        run = self.domain.last_run
        assert run is not None and run.finished is not None
        utc = f"{run.finished:%-d %b %Y, %H:%M} UTC"
        Profile.objects.filter(user=self.alice).update(time_zone=LA)
        self.client.force_login(self.alice)
        with fake_dns(LIVE):
            before = page_text(self.client.get(self.url("page")).content)
            assert f"(as the check of {in_zone(run.finished, LA)} fetched it)" in before, before
            assert utc not in before
            basis = service.starting_point(self.domain, LIVE).basis
            response = self.client.post(self.url("enable"), {"start": basis})
        assert response.status_code == 302
        [text] = messages_of(response)
        assert f"served at the check of {in_zone(run.finished, LA)} (mode enforce" in text, text
        assert "UTC" not in text, text
        # The event is kept as written, in UTC (docs/webapp.md: Stay UTC).
        event = HostedPolicy.objects.get().events.get(kind="enabled")
        assert f"served at the check of {utc} (mode enforce" in event.message, event.message

    def test_the_unread_start_says_its_check_in_the_readers_zone(self) -> None:
        unread(self.domain)
        run = self.domain.last_run
        assert run is not None and run.finished is not None
        Profile.objects.filter(user=self.alice).update(time_zone=LA)
        self.client.force_login(self.alice)
        with fake_dns(LIVE):
            page = page_text(self.client.get(self.url("page")).content)
            response = self.client.post(self.url("enable"), {"start": "unread"})
        assert f"The check of {in_zone(run.finished, LA)} could not read the policy" in page, page
        [text] = messages_of(response)
        assert f"Started in mode testing: the check of {in_zone(run.finished, LA)} could" in text
        event = HostedPolicy.objects.get().events.get(kind="enabled")
        assert f"the check of {run.finished:%-d %b %Y, %H:%M} UTC could not" in event.message


class ButtonTestCase(Start):
    """The Host MTA-STS button says the mode it starts in, whatever the start
    (docs/hosting.md)."""

    def button(self) -> str:
        self.client.force_login(self.alice)
        with fake_dns(LIVE):
            page = self.client.get(self.url("page")).content.decode()
        [label] = re.findall(
            r'<button type="submit" class="btn">(Host MTA-STS[^<]*)</button>', page
        )
        return label

    def test_the_usual_start_says_testing(self) -> None:
        assert self.button() == "Host MTA-STS for example.org, starting in mode testing"

    def test_after_mode_none_served_it_says_testing(self) -> None:
        self.checked_serving(SERVED.replace("mode: enforce", "mode: none"))
        assert self.button() == "Host MTA-STS for example.org, starting in mode testing"

    def test_an_unread_policy_says_testing(self) -> None:
        unread(self.domain)
        assert self.button() == "Host MTA-STS for example.org, starting in mode testing"

    def test_a_served_enforce_policy_says_enforce(self) -> None:
        self.checked_serving()
        assert self.button() == "Host MTA-STS for example.org, starting in mode enforce"

    def test_hosting_again_after_the_release_says_testing(self) -> None:
        with fake_dns(LIVE):
            policy = service.enable(self.domain, now=T0)
        # Released, as tests/test_hosting_s19o_start does it.
        policy.state, policy.release_at = HostedPolicy.State.OFF, None
        policy.save()
        assert self.button() == "Host MTA-STS for example.org, starting in mode testing"


@override_settings(MAILSEC_FREE_CHECK_RATE=3, MAILSEC_FREE_CHECK_WINDOW=600)
class FreeCheckRefusalTestCase(FreeCheckTestCase):
    """The free check's refusal says when to come back in the reader's zone, as the note on
    the form beside it says when the count starts again: it said "(at 15:40 UTC)" above
    "you can check again at 21:10 (Asia/Kolkata)" for someone signed in there."""

    def setUp(self) -> None:
        super().setUp()
        frozen = time.time()  # the counters' clock stands still, at the real time
        clock = patch.object(ratelimit, "wall_time", lambda: frozen)
        clock.start()
        self.addCleanup(clock.stop)

    def refused(self) -> tuple[str, datetime]:
        with patch(DELAY):
            for name in ("one.example.com", "two.example.com", "three.example.com"):
                assert self.submit(name).status_code == 302
            r = self.submit("four.example.com")
        assert r.status_code == 429
        again = timezone.now() + timedelta(seconds=int(r["Retry-After"]))
        return " ".join(html.unescape(r.content.decode()).split()), again

    def test_signed_in_in_kolkata(self) -> None:
        zone = "Asia/Kolkata"  # +05:30: a time in UTC differs in its minutes too
        Profile.objects.filter(user=self.alice).update(time_zone=zone)
        self.client.force_login(self.alice)
        page, again = self.refused()
        said = re.findall(r"\b(\d\d):(\d\d) \(Asia/Kolkata\)", page)
        assert len(said) == 2 and len(set(said)) == 1, said  # the refusal and the note
        assert re.search(r"\(at \d\d:\d\d \(Asia/Kolkata\)\)", page), page
        assert not re.search(r"\d\d:\d\d UTC", page), page
        here = again.astimezone(ZoneInfo(zone))
        hour, minute = said[0]
        named = here.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
        assert abs(named - here) <= timedelta(minutes=1), (named, here)

    def test_signed_out_reads_utc(self) -> None:
        page, again = self.refused()
        said = re.findall(r"\b(\d\d:\d\d) UTC", page)
        assert len(said) == 2 and len(set(said)) == 1, said
        assert "(at " + said[0] + " UTC)" in page, page
