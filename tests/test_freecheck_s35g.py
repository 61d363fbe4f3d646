"""Task s35g: follow-ups of the free check's blind round s35f (tests/test_freecheck_s35f_blind.py).

1. A signed-in visitor whose team already monitors the domain was offered "Monitor <d> — add
   it to your domains" (the Domains page then said "already in your team"): the offer is now a
   link to that domain's page, "<d> is in your team: see its checks". Only the visitor's own
   teams count: another team holding the name changes nothing on their page.
2. A name that does not exist (NXDOMAIN) was offered "Monitor <d> — sign up free": there is
   nothing to monitor; the offer says the name does not exist and to check its spelling and
   registration. The offer follows the run as it finishes (the polling partial swaps it).
3. A single label typed with its trailing dot (`ORG.`) was refused with "it has no dot": a
   top-level domain is now called one, a single label, whatever dot ends it.
"""

from __future__ import annotations

import html
import re

from django.utils import timezone

from checks.domainname import DomainNameError, to_ascii_domain
from mailsec.accounts.models import Membership, Team
from mailsec.domains.models import Domain
from mailsec.freecheck.models import FreeCheck
from tests.pages import words
from tests.test_freecheck import FreeCheckTestCase, done_check
from tests.test_freecheck_s9_results import engine_report
from tests.test_mx import FakeDns

TYPO = "exmaple-typo.example.org"


def offer(content: bytes) -> str:
    """The page's offer box (the aside under the results), as HTML."""
    found = re.search(r'<aside class="fc-cta".*?</aside>', content.decode(), re.S)
    assert found is not None, content.decode()[-3000:]
    return found.group(0)


def links(fragment: str) -> dict[str, str]:
    """Each link's words -> its address."""
    return {
        words(text): html.unescape(href)
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', fragment, re.S)
    }


class TeamHasTheDomainTestCase(FreeCheckTestCase):
    def test_a_visitor_whose_team_has_the_domain_is_led_to_its_page(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        check = done_check("example.org")
        for user in (self.alice, self.bob):  # the owner and a teammate
            with self.subTest(user=user.username):
                self.client.force_login(user)
                cta = offer(self.client.get(check.get_absolute_url()).content)
                self.assertNotIn("add it to your domains", cta)
                self.assertNotIn("sign up free", cta)
                found = links(cta)
                self.assertEqual(
                    found.get("example.org is in your team: see its checks"),
                    f"/domains/{domain.code}/",
                    cta,
                )
                page = self.client.get(f"/domains/{domain.code}/")
                self.assertEqual(page.status_code, 200)

    def test_a_host_names_offer_looks_for_its_mail_domain(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        check = done_check("www.example.org")
        self.client.force_login(self.alice)
        cta = offer(self.client.get(check.get_absolute_url()).content)
        self.assertEqual(
            links(cta).get("example.org is in your team: see its checks"),
            f"/domains/{domain.code}/",
        )
        self.assertIn("Check example.org first", words(cta))  # the host-name hint stays

    def test_an_idn_is_named_as_people_write_it(self) -> None:
        domain = Domain.objects.create(team=self.team, name="xn--bcher-kva.de")
        check = done_check("xn--bcher-kva.de")
        self.client.force_login(self.alice)
        cta = offer(self.client.get(check.get_absolute_url()).content)
        self.assertEqual(
            links(cta).get("bücher.de is in your team: see its checks"),
            f"/domains/{domain.code}/",
        )

    def test_another_of_the_visitors_teams_is_named(self) -> None:
        other = Team.objects.create(name="Client Acme")
        Membership.objects.create(team=other, user=self.alice, role=Membership.Role.MEMBER)
        domain = Domain.objects.create(team=other, name="example.org")
        check = done_check("example.org")
        self.client.force_login(self.alice)  # current team: self.team, which has it not
        cta = offer(self.client.get(check.get_absolute_url()).content)
        self.assertEqual(
            links(cta).get("example.org is in your team Client Acme: see its checks"),
            f"/domains/{domain.code}/",
            cta,
        )

    def test_the_current_team_comes_first(self) -> None:
        other = Team.objects.create(name="Client Acme")
        Membership.objects.create(team=other, user=self.alice, role=Membership.Role.MEMBER)
        Domain.objects.create(team=other, name="example.org")
        mine = Domain.objects.create(team=self.team, name="example.org")
        check = done_check("example.org")
        self.client.force_login(self.alice)
        cta = offer(self.client.get(check.get_absolute_url()).content)
        self.assertIn(f'href="/domains/{mine.code}/"', cta)
        self.assertEqual(len(links(cta)), 1, cta)

    def test_it_checks_ownership(self) -> None:
        """An outsider's team holding the name leaks nothing: charlie is offered to add it,
        and alice's page says nothing of charlie's team."""
        alices = Domain.objects.create(team=self.team, name="example.org")
        check = done_check("example.org")
        self.client.force_login(self.charlie)
        page = self.client.get(check.get_absolute_url()).content.decode()
        cta = offer(page.encode())
        self.assertIn("Monitor example.org — add it to your domains", words(cta))
        self.assertNotIn("in your team", page)
        self.assertNotIn(str(alices.code), page)
        self.assertNotIn(self.team.name, page)

        charlies_own = done_check("example.net")
        Domain.objects.create(team=self.charlies_team, name="example.net")
        self.client.force_login(self.alice)
        page = self.client.get(charlies_own.get_absolute_url()).content.decode()
        self.assertIn("Monitor example.net — add it to your domains", words(offer(page.encode())))
        self.assertNotIn("in your team", page)

    def test_someone_signed_out_is_still_offered_to_sign_up(self) -> None:
        Domain.objects.create(team=self.team, name="example.org")
        check = done_check("example.org")
        cta = offer(self.client.get(check.get_absolute_url()).content)
        self.assertIn("Monitor example.org — sign up free", words(cta))
        self.assertNotIn("in your team", cta)


class NameDoesNotExistTestCase(FreeCheckTestCase):
    def finished(self, domain: str, dns: FakeDns) -> FreeCheck:
        report = engine_report(domain, dns)
        return FreeCheck.objects.create(
            domain=domain,
            status=FreeCheck.State.DONE,
            report=report.to_dict(),
            started=timezone.now(),
            finished=timezone.now(),
        )

    def test_a_name_that_does_not_exist_is_offered_no_monitoring(self) -> None:
        check = self.finished(TYPO, FakeDns({}))
        self.assertTrue(check.does_not_exist)
        for who in ("signed out", "signed in"):
            with self.subTest(who):
                if who == "signed in":
                    self.client.force_login(self.alice)
                cta = offer(self.client.get(check.get_absolute_url()).content)
                text = words(cta)
                self.assertNotIn("Monitor", text)
                self.assertNotIn("sign up free", text)
                self.assertNotIn("add it to your domains", text)
                self.assertNotIn("Keep watching", text)
                self.assertIn(f"{TYPO} does not exist in the DNS", text)
                self.assertIn("spelling", text)
                self.assertIn("registered", text)
                self.assertEqual(links(cta), {}, cta)

    def test_a_name_that_exists_keeps_the_offer(self) -> None:
        name = "empty.example.org"
        check = self.finished(name, FakeDns({(name, "TXT"): ['"x"']}))
        self.assertFalse(check.does_not_exist)
        self.assertIn(
            f"Monitor {name} — sign up free",
            words(offer(self.client.get(check.get_absolute_url()).content)),
        )

    def test_a_monitored_name_that_disappeared_still_links_to_its_page(self) -> None:
        """The team's domain gone from the DNS (a lapsed registration): its page is where the
        team sees that and its alerts, so the link stays."""
        domain = Domain.objects.create(team=self.team, name=TYPO)
        check = self.finished(TYPO, FakeDns({}))
        self.client.force_login(self.alice)
        cta = offer(self.client.get(check.get_absolute_url()).content)
        self.assertEqual(
            links(cta).get(f"{TYPO} is in your team: see its checks"), f"/domains/{domain.code}/"
        )

    def test_the_offer_follows_the_run_as_it_finishes(self) -> None:
        """The page was loaded while the run was under way (with the ordinary offer): the
        polling partial that shows the finished run replaces the offer (htmx out-of-band)."""
        check = self.finished(TYPO, FakeDns({}))
        r = self.client.get(f"/check/{check.code}/results", HTTP_HX_REQUEST="true")
        self.assertEqual(r.status_code, 200)
        swapped = re.search(
            r'<aside class="fc-cta"[^>]*hx-swap-oob="true".*?</aside>', r.content.decode(), re.S
        )
        self.assertIsNotNone(swapped, r.content.decode()[-2000:])
        assert swapped is not None
        self.assertIn("does not exist", words(swapped.group(0)))
        self.assertNotIn("sign up free", swapped.group(0))

        mine = Domain.objects.create(team=self.team, name="example.org")
        done = done_check("example.org")
        self.client.force_login(self.alice)
        r = self.client.get(f"/check/{done.code}/results", HTTP_HX_REQUEST="true")
        self.assertIn(f'href="/domains/{mine.code}/"', r.content.decode())

    def test_a_run_under_way_swaps_no_offer(self) -> None:
        check = FreeCheck.objects.create(
            domain="example.org", status=FreeCheck.State.RUNNING, started=timezone.now()
        )
        r = self.client.get(f"/check/{check.code}/results", HTTP_HX_REQUEST="true")
        self.assertNotIn("fc-cta", r.content.decode())
        # One offer on the full page, whatever the state.
        page = self.client.get(check.get_absolute_url()).content.decode()
        self.assertEqual(page.count('<aside class="fc-cta"'), 1)


class SingleLabelTestCase(FreeCheckTestCase):
    def refusal(self, text: str) -> str:
        with self.assertRaises(DomainNameError) as refused:
            to_ascii_domain(text, allow_special_use=False)
        return str(refused.exception)

    def test_a_top_level_domain_is_called_one_whatever_dot_ends_it(self) -> None:
        for typed, suggestion in (
            ("org", "example.org"),
            ("ORG.", "example.org"),
            ("com.", "example.com"),
            ("xn--p1ai", "example.com"),
            ("рф.", "example.com"),
        ):
            with self.subTest(typed):
                message = self.refusal(typed)
                self.assertNotIn("no dot", message)
                self.assertIn("single label", message)
                self.assertIn("top-level domain", message)
                self.assertIn(f"such as {suggestion}.", message)
                self.assertTrue(message.startswith(typed), message)

    def test_the_form_and_the_api_say_it(self) -> None:
        r = self.submit("ORG.")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "single label", status_code=400)
        self.assertNotContains(r, "no dot", status_code=400)
        self.assertFalse(FreeCheck.objects.exists())
        api = self.client.get("/api/v1/check", {"domain": "com."})
        self.assertEqual(api.status_code, 400)
        self.assertIn("top-level domain", api.json()["error"])
        self.assertNotIn("no dot", api.json()["error"])

    def test_another_single_label_typed_with_its_dot(self) -> None:
        message = self.refusal("intranet.")
        self.assertNotIn("no dot", message)
        self.assertIn("single label", message)
        self.assertIn("a computer's name on a local network", message)

    def test_a_single_label_without_a_dot_keeps_its_words(self) -> None:
        # True of it, and what the Domains page's paste tests read (test_web_s13_domain_paste).
        self.assertIn("it has no dot", self.refusal("intranet"))
        self.assertIn("RFC 6761", self.refusal("localhost."))
