"""Task s36w: webapp follow-ups for MSPs and owners.

1. The TLS reports of all domains (/tlsrpt/all-domains/, s35t) were linked from the domain list
   only: a domain's TLS reports dashboard links to it too. Staff, who may open any domain's
   dashboard, see only their own teams' domains there.
2. The Domains page added a name that does not exist in the DNS (NXDOMAIN) without a word: the
   add (and the bulk add, per name) now says so, still adding it. A lookup that failed is not
   "does not exist"; the lookups of a bulk add are bounded as a whole.
3. "Check again now" on the free check left the previous run's offer under the new, pending
   run: the answer swaps the offer for the new run's (htmx out of band).
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from checks.dns import DnsAnswer
from mailsec.accounts.models import Profile, Team
from mailsec.domains import existence
from mailsec.domains.models import Domain
from mailsec.freecheck.models import FreeCheck
from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check
from tests.test_freecheck_s9_results import engine_report
from tests.test_mx import FakeDns
from tests.test_reports_s35t import add_domain, add_report

ALL_DOMAINS = "/tlsrpt/all-domains/"


# 1. The all-domains page, linked from the dashboards ------------------------------------------


class AllDomainsLinkTestCase(BaseTestCase):
    def setUp(self) -> None:
        today = timezone.now().date()
        _, self.mine = add_domain(self.team, "mine.example")
        add_report(self.mine, today, ok=10, failed=2)
        _, self.theirs = add_domain(self.charlies_team, "theirs.example")
        add_report(self.theirs, today, ok=5, failed=5)

    def rows(self, page: str) -> list[str]:
        return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)

    def test_a_domains_dashboard_links_to_all_domains(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get(reverse("reports:dashboard", args=[self.mine.token]))
        self.assertEqual(page.status_code, 200)
        links = re.findall(
            r'<a [^>]*href="/tlsrpt/all-domains/"[^>]*>(.*?)</a>', page.content.decode()
        )
        self.assertEqual(len(links), 1, links)
        self.assertIn("all your domains", words(links[0]))

    def test_staff_see_only_their_own_teams_there(self) -> None:
        ops = User.objects.create_user("ops", "ops@example.org", is_staff=True)
        team = Team.create_for(ops)
        Profile.objects.create(user=ops, current_team=team)
        _, own = add_domain(team, "ops-own.example")
        add_report(own, timezone.now().date(), ok=1)
        self.client.force_login(ops)
        # Staff may open any domain's dashboard (reports.views.get_address_for)...
        dashboard = self.client.get(reverse("reports:dashboard", args=[self.theirs.token]))
        self.assertEqual(dashboard.status_code, 200)
        self.assertIn(f'href="{ALL_DOMAINS}"', dashboard.content.decode())
        # ...but the page of all domains is the person's teams', staff or not.
        page = self.client.get(ALL_DOMAINS).content.decode()
        self.assertEqual(self.rows(page), ["ops-own.example"])
        self.assertNotIn("theirs.example", page)
        self.assertNotIn("mine.example", page)

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(reverse("reports:dashboard", args=[self.mine.token])).status_code, 404
        )
        page = self.client.get(ALL_DOMAINS).content.decode()
        self.assertEqual(self.rows(page), ["theirs.example"])
        self.assertNotIn("mine.example", page)


# 2. A name that does not exist, told at add time -------------------------------------------------


def answering(
    rcodes: dict[str, str], delay: float = 0.0, calls: list[tuple[str, str]] | None = None
) -> Any:
    """A stand-in for DnsClient.query: `rcodes` by name (NOERROR otherwise), after `delay`."""

    async def query(self: Any, name: str, rdtype: str, **_: Any) -> DnsAnswer:
        if calls is not None:
            calls.append((name, rdtype))
        await asyncio.sleep(delay)
        rcode = rcodes.get(name, "NOERROR")
        return DnsAnswer(name, rdtype, rcode, detail="" if rcode != "TIMEOUT" else "no answer")

    return mock.patch("checks.dns.DnsClient.query", query)


class LookupOn(BaseTestCase):
    def setUp(self) -> None:
        # Off for the other tests (tests/conftest.py): they would ask 127.0.0.1:9 and wait.
        on = mock.patch.object(existence, "LOOKUP_SECONDS", 3.0)
        on.start()
        self.addCleanup(on.stop)
        self.client.force_login(self.alice)


class AddTestCase(LookupOn):
    def add(self, name: str) -> tuple[Any, list[str]]:
        r = self.client.post(reverse("domains:add"), {"name": name, "team": self.team.code})
        return r, [str(m) for m in get_messages(r.wsgi_request)]

    def test_a_name_that_does_not_exist_is_added_with_a_word(self) -> None:
        calls: list[tuple[str, str]] = []
        with answering({"exmaple.com": "NXDOMAIN"}, calls=calls):
            r, said = self.add("exmaple.com")
        domain = Domain.objects.get(team=self.team, name="exmaple.com")
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)
        # One lookup of the name, and of the self-check's signed zone once a name is missing
        # (a resolver that says NXDOMAIN of that too says it of every name: s36v).
        self.assertEqual(calls, [("exmaple.com", "MX"), ("isc.org", "DNSKEY")])
        self.assertEqual(said[0], "Added exmaple.com. Now prove you control it.")
        missing = [m for m in said if "does not exist" in m]
        self.assertEqual(len(missing), 1, said)
        self.assertIn("exmaple.com does not exist in the DNS", missing[0])
        self.assertIn("check the spelling", missing[0])
        page = self.client.get(f"/domains/{domain.code}/").content.decode()
        self.assertIn("exmaple.com does not exist in the DNS", page)

    def test_a_failed_lookup_is_not_does_not_exist(self) -> None:
        for rcode in ("SERVFAIL", "TIMEOUT", "REFUSED"):
            with self.subTest(rcode), answering({f"{rcode.lower()}.example.org": rcode}):
                _, said = self.add(f"{rcode.lower()}.example.org")
                self.assertTrue(Domain.objects.filter(name=f"{rcode.lower()}.example.org").exists())
                self.assertFalse([m for m in said if "not exist" in m], said)

    def test_a_name_that_exists_gets_no_word(self) -> None:
        with answering({}):
            _, said = self.add("example.org")
        self.assertEqual(said, ["Added example.org. Now prove you control it."])

    def test_a_resolver_that_never_answers_holds_the_add_for_the_bound_only(self) -> None:
        with mock.patch.object(existence, "LOOKUP_SECONDS", 1.0), answering({}, delay=30):
            started = time.monotonic()
            _, said = self.add("slow.example.org")
            took = time.monotonic() - started
        # The bound (1 s) and the page, with room for a loaded machine: unbounded, 30 s.
        self.assertLess(took, 5.0)
        self.assertTrue(Domain.objects.filter(name="slow.example.org").exists())
        self.assertFalse([m for m in said if "not exist" in m], said)

    def test_a_name_already_in_the_team_is_not_looked_up(self) -> None:
        Domain.objects.create(team=self.team, name="exmaple.com")
        calls: list[tuple[str, str]] = []
        with answering({"exmaple.com": "NXDOMAIN"}, calls=calls):
            _, said = self.add("exmaple.com")
        self.assertEqual(calls, [])
        self.assertEqual(said, ["exmaple.com is already in your team's domains."])


class BulkAddTestCase(LookupOn):
    def paste(self, names: list[str]) -> str:
        r = self.client.post(
            reverse("domains:add_many"), {"names": "\n".join(names), "team": self.team.code}
        )
        self.assertEqual(r.status_code, 200)
        return r.content.decode()

    def row(self, page: str, name: str) -> str:
        for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S):
            if f">{name}<" in row or f"{name}</" in row:
                return words(row)
        raise AssertionError(f"no row for {name}")

    def test_each_missing_name_is_told_and_still_added(self) -> None:
        with answering({"typo-one.example.org": "NXDOMAIN", "broken.example.org": "SERVFAIL"}):
            page = self.paste(["typo-one.example.org", "real.example.org", "broken.example.org"])
        self.assertEqual(Domain.objects.filter(team=self.team).count(), 3)
        self.assertIn("does not exist in the DNS", self.row(page, "typo-one.example.org"))
        self.assertNotIn("not exist", self.row(page, "real.example.org"))
        self.assertNotIn("not exist", self.row(page, "broken.example.org"))
        status = words(re.search(r'<p role="status">.*?</p>', page, re.S).group(0))  # type: ignore[union-attr]
        self.assertIn("1 of them does not exist in the DNS", status)

    def test_forty_slow_lookups_take_the_bound_not_forty_waits(self) -> None:
        names = [f"n{i}.example.org" for i in range(40)]
        missing = {name: "NXDOMAIN" for name in names[::2]}
        # Each answer takes 0.4 s: one after another that is 16 s; 10 at a time, 1.6 s.
        with answering(missing, delay=0.4):
            started = time.monotonic()
            page = self.paste(names)
            took = time.monotonic() - started
        # Every other name told below: all 40 were answered within the 3 s, so not one after
        # another. The time, with room for a loaded machine: serial lookups take 16 s.
        self.assertLess(took, 8.0)
        self.assertEqual(Domain.objects.filter(team=self.team).count(), 40)
        for i, name in enumerate(names):
            told = "does not exist in the DNS" in self.row(page, name)
            self.assertEqual(told, i % 2 == 0, name)

    def test_a_resolver_that_never_answers_holds_the_paste_for_the_bound_only(self) -> None:
        names = [f"n{i}.example.org" for i in range(30)]
        with mock.patch.object(existence, "LOOKUP_SECONDS", 1.0), answering({}, delay=30):
            started = time.monotonic()
            page = self.paste(names)
            took = time.monotonic() - started
        self.assertLess(took, 5.0)  # the bound (1 s) and the page; unbounded, 30 s a name
        self.assertNotIn("not exist", page)
        self.assertEqual(Domain.objects.filter(team=self.team).count(), 30)


# 3. Check again now: the offer is the new run's ---------------------------------------------------

TYPO = "exmaple-typo.example.org"


def offers(page: str) -> list[str]:
    return re.findall(r'<aside class="fc-cta".*?</aside>', page, re.S)


class CheckAgainOfferTestCase(FreeCheckTestCase):
    def nxdomain_run(self) -> FreeCheck:
        report = engine_report(TYPO, FakeDns({}))
        when = timezone.now() - timedelta(minutes=4)
        return FreeCheck.objects.create(
            domain=TYPO,
            status=FreeCheck.State.DONE,
            report=report.to_dict(),
            created=when,
            started=when,
            finished=when,
        )

    def again(self, check: FreeCheck, **extra: Any) -> Any:
        with mock.patch(DELAY):
            return self.client.post(
                f"/check/{check.code}/again", HTTP_X_FORWARDED_FOR="198.51.100.7", **extra
            )

    def test_the_previous_runs_no_such_name_is_not_left_beside_the_new_run(self) -> None:
        old = self.nxdomain_run()
        self.assertIn(
            "Nothing to monitor yet",
            offers(self.client.get(old.get_absolute_url()).content.decode())[0],
        )
        r = self.again(old, HTTP_HX_REQUEST="true")
        new = FreeCheck.objects.exclude(pk=old.pk).get()
        self.assertEqual(new.status, FreeCheck.State.PENDING)
        page = r.content.decode()
        (swapped,) = offers(page)
        self.assertIn('hx-swap-oob="true"', swapped)
        # What the new run's own page shows while it is under way: the same offer.
        (own,) = offers(self.client.get(new.get_absolute_url()).content.decode())
        self.assertEqual(words(swapped), words(own))
        self.assertNotIn("does not exist", words(swapped))
        self.assertNotIn("Nothing to monitor yet", swapped)
        # The report is still the swap's target, first in the answer.
        self.assertLess(page.index('id="fc-report"'), page.index('class="fc-cta"'))

    def test_a_name_that_existed_keeps_an_offer_the_poll_replaces_at_the_end(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        r = self.again(old, HTTP_HX_REQUEST="true")
        (swapped,) = offers(r.content.decode())
        self.assertIn("Monitor example.org — sign up free", words(swapped))

    def test_a_refused_press_keeps_the_old_runs_offer(self) -> None:
        old = self.nxdomain_run()
        with self.settings(MAILSEC_FREE_CHECK_DOMAIN_RATE=1):
            self.again(old)
            FreeCheck.objects.filter(status=FreeCheck.State.PENDING).update(
                status=FreeCheck.State.ERROR
            )
            r = self.again(old, HTTP_HX_REQUEST="true")
        self.assertIn("has been checked once", r.content.decode())
        self.assertEqual(FreeCheck.objects.count(), 2)
        # The old report stays, and so does the offer beside it: nothing swapped out of band.
        self.assertEqual(offers(r.content.decode()), [])

    def test_without_htmx_it_goes_to_the_new_runs_page(self) -> None:
        old = self.nxdomain_run()
        r = self.again(old)
        new = FreeCheck.objects.exclude(pk=old.pk).get()
        self.assertRedirects(r, new.get_absolute_url(), fetch_redirect_response=False)
