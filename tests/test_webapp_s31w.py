"""s31w: the web app walked as an owner and as an MSP with 50 domains, against the product
lessons (/work/shared/notes/product-lessons.md). What the walk found and what was fixed:

1. The domain list's "To look at" line and its Show filter left out every domain whose only
   fault is a mechanism not deployed: a client domain without MTA-STS (20 points) or DMARC
   (15) scored lowest of the team yet was in no count and no filter, while a p=none warning
   was. Such a domain now counts as "with a mechanism not deployed" (Show: Not deployed).
2. The alerts page listed the team's domains in SQL's order of the A-labels (client1,
   client10, client11 … client2; bücher.de after www.), where the domain list puts them in
   the order people read them (client2 before client10, bücher.de among the b's). It now
   pages the same order as the list.
3. A form sent from a page whose session had ended (expired, or signed out in another tab)
   went through the sign-in to the form's own URL: a GET there answers 405 with an empty
   page, and the name typed into Add was lost. The sign-in now leads back to the page the
   form was on, and the Add form keeps the name typed.

The runs are the engine's f01 lab report moved to each domain and scored by checks.scoring,
stored through CheckRun.finish as a worker stores them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checks import scoring
from checks.findings import DomainReport
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_page_queries import F01

Findings = list[dict[str, Any]]


def without_mtasts(name: str, findings: Findings) -> None:
    """No MTA-STS record at all: MTASTS-01 says so (info), the category is not deployed."""
    findings[:] = [f for f in findings if f["mechanism"] != "mta-sts"]
    findings.append(
        {
            "id": "MTASTS-01",
            "status": "info",
            "mechanism": "mta-sts",
            "summary": f"{name} publishes no MTA-STS record.",
            "subject": f"_mta-sts.{name}",
            "evidence": {},
            "fix": "",
        }
    )


def dmarc_none(name: str, findings: Findings) -> None:
    for f in findings:
        if f["id"] == "DMARC-05":
            f["status"], f["summary"] = "warn", "The policy is p=none."


def dmarc_failing(name: str, findings: Findings) -> None:
    for f in findings:
        if f["id"] == "DMARC-05":
            f["status"], f["summary"] = "fail", "The DMARC record is invalid."


def checked(domain: Domain, *changes: Callable[[str, Findings], None]) -> Domain:
    """`domain`, verified, with one finished run of f01's report moved to its name and
    changed by `changes`, scored as the engine scores it."""
    data = json.loads(json.dumps(F01).replace("f01.lab.test", domain.name))
    for change in changes:
        change(domain.name, data["findings"])
    report = DomainReport.from_dict(data)
    scoring.apply(report)
    Domain.objects.filter(pk=domain.pk).update(verified_at=timezone.now())
    run = CheckRun.objects.create(domain=domain)
    assert run.claim()
    assert run.finish(report.to_dict())
    return domain


class NotDeployedInTheListTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        add = lambda name: Domain.objects.create(team=self.team, name=name)  # noqa: E731
        self.good = checked(add("good.com"))
        self.no_sts = checked(add("no-sts.com"), without_mtasts)
        self.warned = checked(add("warned.com"), dmarc_none)
        self.both = checked(add("both.com"), dmarc_none, without_mtasts)
        self.failing = checked(add("failing.com"), dmarc_failing)

    def names(self, url: str) -> list[str]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        rows = response.content.decode().split('<th scope="row">')[1:]
        return [row.split("</a>")[0].rsplit(">", 1)[1] for row in rows]

    def test_it_counts_domains_with_a_mechanism_not_deployed(self) -> None:
        page = self.client.get("/domains/").content.decode()
        # The lowest score of the team (no MTA-STS: 20 points) is something to look at.
        self.assertIn('<a href="?status=undeployed">2 with a mechanism not deployed</a>', page)
        self.assertIn('<a href="?status=failing">1 failing</a>', page)
        self.assertIn('<a href="?status=attention">2 need attention</a>', page)

    def test_it_filters_the_domains_with_a_mechanism_not_deployed(self) -> None:
        # Those whose worst finding is a warning too (both.com: "Not deployed: MTA-STS"
        # under it).
        self.assertEqual(self.names("/domains/?status=undeployed"), ["both.com", "no-sts.com"])
        page = self.client.get("/domains/?status=undeployed&sort=score").content.decode()
        self.assertIn("2 of 5 domains</strong>: with a mechanism not deployed.", page)
        self.assertIn('<option value="undeployed" selected>Not deployed</option>', page)

    def test_its_filter_costs_no_more_queries_than_the_others(self) -> None:
        self.client.get("/domains/")  # the header's count of teams, cached for a minute
        counts = []
        for status in ("failing", "undeployed"):
            with CaptureQueriesContext(connection) as queries:
                self.client.get(f"/domains/?status={status}")
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_it_says_why_the_filter_keeps_nothing(self) -> None:
        Domain.objects.filter(pk__in=[self.no_sts.pk, self.both.pk]).delete()
        page = self.client.get("/domains/?status=undeployed").content.decode()
        self.assertIn("No domain matches the filter: with a mechanism not deployed.", page)


class AlertsPageOrderTestCase(BaseTestCase):
    NAMES = ["client10.example.com", "client2.example.com", "xn--bcher-kva.de", "www.zoo.com"]

    def setUp(self) -> None:
        self.client.force_login(self.alice)
        for name in self.NAMES:
            Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())

    def shown(self, url: str) -> list[str]:
        """The names as the page lists them (each row links to the domain's page)."""
        page = self.client.get(url).content.decode()
        shown = ["client10.example.com", "client2.example.com", "bücher.de", "www.zoo.com"]
        return [n for _, n in sorted((page.index(f">{n}</a>"), n) for n in shown)]

    def test_it_lists_the_domains_as_the_domain_list_does(self) -> None:
        expected = ["bücher.de", "client2.example.com", "client10.example.com", "www.zoo.com"]
        self.assertEqual(self.shown("/alerts/"), expected)
        self.assertEqual(self.shown("/domains/"), expected)  # the list's order, for reference

    def test_it_pages_in_that_order(self) -> None:
        for i in range(50):
            Domain.objects.create(team=self.team, name=f"client{i + 20}.example.com")
        page = self.client.get("/alerts/?page=2").content.decode()
        # 54 domains, 50 a page: bücher.de, client2, client10, client20 … client66 first;
        # client67, client68, client69 and www.zoo.com on the second page.
        for name in ("client2.example.com", "client66.example.com", "bücher.de"):
            with self.subTest(name=name):
                self.assertNotIn(f">{name}</a>", page)
        for name in ("client67.example.com", "client69.example.com", "www.zoo.com"):
            with self.subTest(name=name):
                self.assertIn(f">{name}</a>", page)


class FormSentAfterTheSessionEndedTestCase(BaseTestCase):
    """The Domains page open in a tab whose session ended (it expired, or the person signed
    out in another tab): pressing Add led to the sign-in page and, once signed in, to the
    form's own URL, which answers a GET with 405 and an empty page; the name typed was lost.
    Now the sign-in leads back to the page the form was on (the Add form: with the name in
    its field)."""

    def next_after_sign_in(self, url: str, data: dict[str, str], referer: str | None) -> str:
        headers = {"Referer": referer} if referer else {}
        response = self.client.post(url, data, headers=headers)
        self.assertEqual(response.status_code, 302)
        location = urlsplit(response["Location"])
        self.assertEqual(location.path, reverse("account_login"))
        return parse_qs(location.query)["next"][0]

    def test_it_brings_the_name_typed_back_to_the_add_form(self) -> None:
        back = self.next_after_sign_in(
            "/domains/add/", {"name": "shop.example.com"}, "http://testserver/domains/?page=2"
        )
        self.assertEqual(back, "/domains/?add=shop.example.com")
        self.client.force_login(self.alice)
        page = self.client.get(back)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'value="shop.example.com"')
        self.assertFalse(Domain.objects.filter(name="shop.example.com").exists())

    def test_it_leads_back_to_the_page_the_form_was_on(self) -> None:
        self.assertEqual(
            self.next_after_sign_in("/alerts/weekly/", {}, "http://testserver/alerts/?page=2"),
            "/alerts/?page=2",
        )
        domain = Domain.objects.create(team=self.team, name="a.example.com")
        page = f"http://testserver/domains/{domain.code}/"
        back = self.next_after_sign_in(f"/domains/{domain.code}/verify/", {}, page)
        self.assertEqual(back, f"/domains/{domain.code}/")
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(back).status_code, 200)

    def test_it_never_leads_to_another_site(self) -> None:
        for referer in ("https://evil.example.net/domains/", None):
            with self.subTest(referer=referer):
                back = self.next_after_sign_in("/alerts/weekly/", {}, referer)
                self.assertEqual(back, reverse("domains:index"))

    def test_a_page_asked_for_signed_out_is_still_the_one_after_sign_in(self) -> None:
        response = self.client.get("/alerts/?page=2")
        self.assertEqual(response["Location"], "/accounts/login/?next=/alerts/%3Fpage%3D2")
