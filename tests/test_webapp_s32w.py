"""s32w: webapp follow-ups left by s31w, and what a walk in chromium as a new user and as an
MSP found.

1. A domain verified by the background lookup (its owner added it, left, and published the
   record later) told nobody: the team now hears once, in one email per person per lookup
   run, with a link, unless the person turned its emails off.
2. "Since last week" showed a bare "–" beside a partial score (a category could not be
   checked, so last week's score does not compare): the cell now says why, briefly, with the
   whole reason in its title.
3. A verified domain never checked had an empty "worst finding" cell: it now says "Not
   checked yet" and where its first check is: due (within a minute), under way (claimed by
   the beat: queued or running), or tried again at a time after it could not complete. From
   the domain's row alone: the list reads no runs.
4. People in several teams (an MSP with a team per client) switched teams only on the
   Account page: the header's team name is now a switcher listing their own teams.
5. The walk (a new user adding a domain, an MSP with a team per client): the pages that give
   the TXT record said we look for it for a week "so you can come back later"; they now say
   the team is emailed when we find it (item 1), so nobody has to come back to see.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks import scoring
from checks.findings import DomainReport
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_page_queries import F01

Findings = list[dict[str, Any]]


def starttls_not_checked(name: str, findings: Findings) -> None:
    """Every STARTTLS probe timed out: the category could not be checked (a partial score)."""
    for f in findings:
        if f["mechanism"] == "smtp":
            f["status"] = "error"


def run_of(
    domain: Domain, days_ago: float = 0, *changes: Callable[[str, Findings], None]
) -> CheckRun:
    """A run of f01's report moved to `domain`'s name, changed by `changes`, scored as the
    engine scores it and stored as a worker stores it, `days_ago`."""
    data = json.loads(json.dumps(F01).replace("f01.lab.test", domain.name))
    for change in changes:
        change(domain.name, data["findings"])
    report = DomainReport.from_dict(data)
    scoring.apply(report)
    Domain.objects.filter(pk=domain.pk).update(verified_at=timezone.now() - timedelta(days=30))
    when = timezone.now() - timedelta(days=days_ago)
    run = CheckRun.objects.create(domain=domain, created=when)
    assert run.claim()
    assert run.finish(report.to_dict())
    CheckRun.objects.filter(pk=run.pk).update(created=when, finished=when)
    run.refresh_from_db()
    domain.refresh_from_db()
    domain.set_last_run(run)
    return run


def trend_cell(page: str, name: str) -> str:
    row = page.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
    return row.split('data-label="Since last week">', 1)[1].split("</td>", 1)[0]


def worst_cell(page: str, name: str) -> str:
    row = page.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
    return row.split('data-label="Worst finding">', 1)[1].split("</td>", 1)[0]


class NoTrendSaysWhyTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name="shop.example.com")

    def test_it_says_why_a_partial_score_has_no_trend(self) -> None:
        run_of(self.domain, 8)
        run_of(self.domain, 0, starttls_not_checked)
        cell = trend_cell(self.client.get("/domains/").content.decode(), "shop.example.com")
        self.assertIn("not comparable", cell)
        self.assertIn("STARTTLS on the MX hosts could not be checked in this check", cell)
        self.assertIn("everything was checked a week before", cell)

    def test_it_says_why_when_last_weeks_score_was_the_partial_one(self) -> None:
        run_of(self.domain, 8, starttls_not_checked)
        run_of(self.domain, 0)
        cell = trend_cell(self.client.get("/domains/").content.decode(), "shop.example.com")
        self.assertIn("not comparable", cell)
        self.assertIn("STARTTLS on the MX hosts could not be checked a week before", cell)

    def test_it_says_there_is_no_check_a_week_before_yet(self) -> None:
        run_of(self.domain, 0, starttls_not_checked)
        cell = trend_cell(self.client.get("/domains/").content.decode(), "shop.example.com")
        self.assertIn('title="No trend: there is no check a week before yet."', cell)
        # In its title only: every row of a team's first week would say it.
        self.assertNotIn("</span></span>", cell)

    def test_it_says_the_rubric_changed(self) -> None:
        old = run_of(self.domain, 8)
        CheckRun.objects.filter(pk=old.pk).update(score_version=old.score_version - 1)
        run_of(self.domain, 0)
        cell = trend_cell(self.client.get("/domains/").content.decode(), "shop.example.com")
        self.assertIn("new rubric", cell)

    def test_a_comparable_partial_score_shows_its_trend(self) -> None:
        run_of(self.domain, 8, starttls_not_checked)
        run_of(self.domain, 0, starttls_not_checked)
        cell = trend_cell(self.client.get("/domains/").content.decode(), "shop.example.com")
        self.assertIn("no change", cell)


class NotCheckedYetTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def verified(self, name: str, next_check_in: timedelta | None = None) -> Domain:
        now = timezone.now()
        return Domain.objects.create(
            team=self.team,
            name=name,
            verified_at=now,
            next_check_at=now + next_check_in if next_check_in is not None else now,
        )

    def test_it_says_the_first_check_is_under_way(self) -> None:
        # Claimed by the beat (next_check_at moved on), its run queued or running.
        domain = self.verified("queued.example.com", timedelta(hours=6))
        CheckRun.objects.create(domain=domain)
        cell = worst_cell(self.client.get("/domains/").content.decode(), "queued.example.com")
        self.assertIn("Not checked yet", cell)
        self.assertIn("first check is under way", cell)

    def test_it_says_when_the_first_check_starts(self) -> None:
        self.verified("due.example.com")
        cell = worst_cell(self.client.get("/domains/").content.decode(), "due.example.com")
        self.assertIn("Not checked yet", cell)
        self.assertIn("first check is queued: it starts when a checker is free", cell)

    def test_it_says_when_a_failed_first_check_is_tried_again(self) -> None:
        domain = self.verified("failed.example.com", timedelta(hours=3))
        run = CheckRun.objects.create(domain=domain, status=CheckRun.Status.RUNNING)
        run.finish(None, "The check could not be completed (TimeoutError).")
        page = self.client.get("/domains/").content.decode()
        cell = worst_cell(page, "failed.example.com")
        self.assertIn("Not checked yet", cell)
        self.assertIn("first check could not be completed; the next is due at", cell)

    def test_the_filtered_list_says_it_too(self) -> None:
        domain = self.verified("queued.example.com", timedelta(hours=6))
        CheckRun.objects.create(domain=domain)
        page = self.client.get("/domains/?sort=score").content.decode()
        self.assertIn("first check is under way", worst_cell(page, "queued.example.com"))

    def test_the_list_reads_as_many_queries_for_many_such_domains(self) -> None:
        def queries(url: str) -> int:
            cache.clear()  # cold: every row is made
            with CaptureQueriesContext(connection) as found:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(found.captured_queries)

        domain = self.verified("d0.example.com", timedelta(hours=6))
        CheckRun.objects.create(domain=domain)
        one = [queries("/domains/?sort=score"), queries("/domains/?sort=checked")]
        for i in range(1, 30):
            domain = self.verified(f"d{i}.example.com", timedelta(hours=6))
            CheckRun.objects.create(domain=domain, status=("pending", "running")[i % 2])
        many = [queries("/domains/?sort=score"), queries("/domains/?sort=checked")]
        self.assertEqual(one, many)


def nav_of(response: Any) -> str:
    page = response.content.decode()
    return page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]


class TeamSwitcherInTheHeaderTestCase(BaseTestCase):
    """An MSP with a team per client switches where they work, in the header, not only on
    the Account page."""

    def setUp(self) -> None:
        from mailsec.accounts.models import Membership, Team

        # bob is in alice's team and, from now on, in charlie's and in two clients' teams.
        Membership.objects.create(team=self.charlies_team, user=self.bob)
        self.clients = [Team.objects.create(name=f"Client {i}") for i in (2, 10)]
        for team in self.clients:
            Membership.objects.create(team=team, user=self.bob, role=Membership.Role.VIEWER)
        self.client.force_login(self.bob)

    def test_it_lists_the_persons_teams_with_a_switch_for_each_other_one(self) -> None:
        nav = nav_of(self.client.get("/alerts/"))
        switches = re.findall(r'action="/team/([0-9a-f-]+)/switch/"', nav)
        others = {str(self.charlies_team.code), *(str(t.code) for t in self.clients)}
        self.assertEqual(set(switches), others)
        self.assertIn(f"{html.escape(self.team.name)}</strong> (current)", nav)
        # In the order people read names: Client 2 before Client 10.
        self.assertLess(nav.index("Client 2<"), nav.index("Client 10<"))
        self.assertIn('href="/account/#teams-title"', nav)

    def test_someone_in_one_team_has_no_switcher(self) -> None:
        self.client.force_login(self.alice)
        self.assertNotIn("/switch/", nav_of(self.client.get("/domains/")))

    def test_it_lists_no_team_the_person_is_not_in(self) -> None:
        from mailsec.accounts.models import Team

        other = Team.objects.create(name="Not bobs")
        nav = nav_of(self.client.get("/domains/"))
        self.assertNotIn(str(other.code), nav)
        self.assertNotIn("Not bobs", nav)
        # Nor may a switch to it be forged.
        r = self.client.post(f"/team/{other.code}/switch/", {"next": "alerts"})
        self.assertEqual(r.status_code, 404)

    def test_a_switch_stays_on_the_same_kind_of_page(self) -> None:
        for page, url in (("alerts", "/alerts/"), ("team", "/team/"), ("domains", "/domains/")):
            with self.subTest(page=page):
                r = self.client.post(f"/team/{self.clients[0].code}/switch/", {"next": page})
                self.assertRedirects(r, url, fetch_redirect_response=False)
        # Anything else (an outside URL) goes to the domain list, as before.
        r = self.client.post(
            f"/team/{self.clients[1].code}/switch/", {"next": "https://evil.example/"}
        )
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertIn("Client 10</strong> (current)", nav_of(self.client.get("/domains/")))

    def test_a_renamed_team_is_listed_by_its_new_name_at_once(self) -> None:
        from mailsec.accounts.models import Membership

        # bob owns Client 2 and works in it; the header's list of his teams is cached.
        Membership.objects.filter(team=self.clients[0], user=self.bob).update(role="owner")
        self.client.post(f"/team/{self.clients[0].code}/switch/")
        self.client.get("/domains/")
        self.client.post("/team/rename/", {"name": "Bäckerei Müller"})
        nav = nav_of(self.client.get("/team/"))
        self.assertIn("Bäckerei Müller</strong> (current)", nav)
        self.assertNotIn("Client 2", nav)

    def test_the_header_costs_as_many_queries_for_many_teams(self) -> None:
        from mailsec.accounts.models import Membership, Team

        def queries(url: str) -> int:
            cache.clear()  # the session's list of teams made afresh
            with CaptureQueriesContext(connection) as found:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(found.captured_queries)

        urls = ("/domains/", "/alerts/", "/team/", "/account/")
        self.client.force_login(self.alice)
        one = [queries(url) for url in urls]
        for i in range(15):
            team = Team.objects.create(name=f"Many {i}")
            Membership.objects.create(team=team, user=self.alice, role=Membership.Role.VIEWER)
        self.client.force_login(self.alice)
        many = [queries(url) for url in urls]
        self.assertEqual(one, many)


class VerifiedInTheBackgroundTestCase(BaseTestCase):
    """The owner added a domain and left; the background lookup later found its record."""

    def setUp(self) -> None:
        self.shop = Domain.objects.create(team=self.team, name="shop.example.com")

    def verify_in_the_background(self, *domains: Domain) -> int:
        from mailsec.domains.tasks import verify_pending
        from tests.test_domains import stub_dns

        # stub_dns points MAILSEC_RESOLVER at itself: a real DNS answer, from loopback.
        with stub_dns({d.challenge_name: [d.challenge_value] for d in domains}):
            return verify_pending()

    def test_the_team_hears_once_with_a_link(self) -> None:
        self.assertEqual(self.verify_in_the_background(self.shop), 1)
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), [self.alice.email, self.bob.email])
        sent = mail.outbox[0]
        self.assertEqual(
            sent.subject, "[mailsec] shop.example.com is verified: its checks start now"
        )
        self.assertIn(f"{settings.SITE_ROOT}/domains/{self.shop.code}/", sent.body)
        self.assertIn("_mailsec-challenge.shop.example.com", sent.body)
        self.assertIn("List-Unsubscribe", sent.extra_headers)
        self.assertEqual(sent.extra_headers["Auto-Submitted"], "auto-generated")
        # Run again, and told again: nothing more.
        self.verify_in_the_background(self.shop)
        from mailsec.domains.notices import tell_verified

        self.assertEqual(tell_verified([self.shop]), 0)
        self.assertEqual(len(mail.outbox), 2)

    def test_one_email_a_person_for_the_domains_of_one_run(self) -> None:
        others = [Domain.objects.create(team=self.team, name=f"c{i}.example.com") for i in (2, 10)]
        self.assertEqual(self.verify_in_the_background(self.shop, *others), 3)
        self.assertEqual(len(mail.outbox), 2)
        sent = next(m for m in mail.outbox if m.to == [self.alice.email])
        self.assertEqual(sent.subject, "[mailsec] 3 domains are verified: their checks start now")
        for d in (self.shop, *others):
            self.assertIn(f"/domains/{d.code}/", sent.body)
        # In the order of the domain list.
        self.assertLess(sent.body.index("c2.example.com"), sent.body.index("c10.example.com"))

    def test_it_follows_each_persons_email_settings(self) -> None:
        from mailsec.alerts.models import AlertRecipient, AlertSetting

        AlertSetting.set_mode(self.bob, self.shop, AlertSetting.Mode.OFF)
        self.verify_in_the_background(self.shop)
        self.assertEqual([m.to for m in mail.outbox], [[self.alice.email]])
        mail.outbox.clear()
        AlertRecipient.objects.update_or_create(
            user=self.alice, defaults={"unsubscribed_all": True}
        )
        later = Domain.objects.create(team=self.team, name="later.example.com")
        self.verify_in_the_background(later)
        self.assertEqual([m.to for m in mail.outbox], [[self.bob.email]])

    def test_a_domain_verified_on_its_page_sends_none(self) -> None:
        from tests.test_domains import stub_dns

        with stub_dns({self.shop.challenge_name: [self.shop.challenge_value]}):
            self.assertTrue(self.shop.verify())
        self.verify_in_the_background(self.shop)
        self.assertEqual(mail.outbox, [])

    def test_verified_again_after_losing_it_tells_again(self) -> None:
        self.verify_in_the_background(self.shop)
        self.assertEqual(len(mail.outbox), 2)
        Domain.objects.filter(pk=self.shop.pk).update(verified_at=None)
        later = timezone.now() + timedelta(seconds=1)
        with mock.patch("django.utils.timezone.now", return_value=later):
            self.verify_in_the_background(self.shop)
        self.assertEqual(len(mail.outbox), 4)

    def test_the_pages_that_give_the_record_say_the_team_will_be_told(self) -> None:
        """The walk: someone adding a domain reads that we look for the record for a week,
        and would come back to see whether we found it; they may leave and wait for the email."""
        self.client.force_login(self.alice)
        page = " ".join(self.client.get(f"/domains/{self.shop.code}/").content.decode().split())
        self.assertIn("every few minutes, and email your team when we find it", page)
        added = self.client.post("/domains/add-many/", {"names": "new1.example.com"})
        text = " ".join(added.content.decode().split())
        self.assertIn(
            "we look for the records in the background for a week and email your team as we find them",
            text,
        )
