"""Task s38l, item 3, in Debian's chromium (no lab): at 1280 px the domain list broke a long
domain name at its hyphens, `mail-security-|monitoring.example` over two or three lines (the
names' column is the narrowest the table can make it: the page is 60rem wide, and the worst
finding's words take the room). An MSP reads a column of names: each now stays on one line
(a name whose label alone is too long for any column, `a.long-name`, still breaks, s17). On a
phone's 390 px the list is cards, each name on a line of its own as wide as the window: it
may wrap there, and nothing goes past the window's edge.

No screenshot compared: each name link's line boxes are counted (getClientRects: one per line
an inline element is on) and its height compared with its line height."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.domains.models import NOT_IN_DNS_WORDS, Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WIDER_THAN_WINDOW, csp_violations, owner, signed_in
from tests.test_browser_s14_list import team_of
from tests.test_browser_s15_phone import OFF_SCREEN, WIDTHS
from tests.test_browser_s17_list import TABLE_IN_BOX
from tests.test_domains_s14_list_filter import make

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

# What an MSP's customers are called: words joined by hyphens, under a country's suffix too.
HYPHENATED = [
    "mail-security-monitoring.example",
    "customer-portal-eu-west-1.example.co.uk",
    "northwind-traders-holding.example.de",
    "contoso-pharmaceuticals.example.com",
    "fabrikam-residences-and-hotels.example",
]
# How many lines each name link is on, and its height against its line height.
LINES = """(links) => links.map((link) => {
  const style = getComputedStyle(link);
  return [link.textContent, link.getClientRects().length,
          Math.round(link.getBoundingClientRect().height), parseFloat(style.lineHeight)];
})"""


def the_list(team: Any) -> None:
    for i, name in enumerate(HYPHENATED):
        # Failing with a finding's words, not verified, not in the DNS: the other columns'
        # words compete for the width, as on the MSP's list (s38f).
        if i % 3 == 0:
            make(team, name, score=35, worst="fail")
        elif i % 3 == 1:
            make(team, name, verified=False)
        else:
            domain = make(team, name, verified=False)
            Domain.objects.filter(pk=domain.pk).update(verify_error=NOT_IN_DNS_WORDS)
    for i in range(20):
        make(team, f"client{i:02d}.example.org", score=90 + i % 10)
    # A label no column can hold keeps breaking (s17's rule, a.long-name).
    Domain.objects.create(team=team, name="a" * 50 + ".example", verified_at=None)


@pytest.mark.django_db(transaction=True)
def test_a_hyphenated_name_stays_on_one_line_at_1280(browser: Browser, live_server: Any) -> None:
    alice = owner()
    the_list(team_of(alice))
    context = signed_in(browser, live_server, alice, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/domains/")
    table = page.locator("table.domains")
    expect(table.locator("tbody tr")).to_have_count(26)
    test_browser_s11_readiness.settled(page)
    assert csp_violations(page) == []
    measured = table.locator("tbody th a:not(.long-name)").evaluate_all(LINES)
    assert {name for name, *_ in measured} >= set(HYPHENATED)
    wrapped = [m for m in measured if m[1] != 1 or m[2] > m[3] * 1.5]
    assert wrapped == [], wrapped
    # And the table still fits its box, every cell on screen.
    inside, box = table.evaluate(TABLE_IN_BOX)
    assert inside <= box, (inside, box)
    assert page.evaluate(OFF_SCREEN, "table.domains td, table.domains th") == []


@pytest.mark.django_db(transaction=True)
def test_the_same_list_fits_a_phone(browser: Browser, live_server: Any) -> None:
    alice = owner()
    the_list(team_of(alice))
    context = signed_in(browser, live_server, alice, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/domains/")
    table = page.locator("table.domains")
    expect(table.locator("tbody tr")).to_have_count(26)
    test_browser_s11_readiness.settled(page)
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    inside, box = table.evaluate(TABLE_IN_BOX)
    assert inside <= box, (inside, box)
    off = page.evaluate(OFF_SCREEN, "table.domains td, table.domains th, table.domains th a")
    assert off == [], off
