"""The domain list of an MSP, 50 domains, at 390 px and 1280 px in Debian's chromium (session
17). A walkthrough found one long domain name without hyphens (a label of 50 letters) taking
half of a desktop's table: the name's column as wide as the whole name, the other columns
squeezed to a word a line and the worst finding cut off at the table's right edge, readable
only by scrolling the table sideways. The name must break instead, every column be on screen
and the table fit its box, at both widths."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from bench.domain_list_bench import make_domains
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import (
    WIDER_THAN_WINDOW,
    csp_violations,
    owner,
    signed_in,
)
from tests.test_browser_s14_list import team_of
from tests.test_browser_s15_phone import OFF_SCREEN, WIDTHS

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

UNBROKEN_NAME = "acustomerwithaverylongnamethatneverusesahyphenatall.example"
# The table against the box it scrolls in (.table-scroll): wider means a sideways scroll.
TABLE_IN_BOX = """(table) => [Math.round(table.scrollWidth),
  Math.round(table.closest('.table-scroll').clientWidth)]"""


# Each name link's line breaks, as the character before each break (review: with
# `overflow-wrap: anywhere` alone, 28 of 50 names at 700 px broke inside a word,
# "bücher6.exa|mple"; a <wbr> after each dot gives them their own places to break).
BREAKS = """(links) => links.map((link) => {
  const chars = [];
  const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (rect) chars.push([node.data[i], Math.round(rect.top)]);
    }
  }
  const before = [];
  for (let i = 1; i < chars.length; i++) {
    if (chars[i][1] > chars[i - 1][1]) before.push(chars[i - 1][0]);
  }
  return [link.textContent, before];
})"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 700, 1280])
def test_fifty_domains_and_a_long_name_fit_the_window(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = owner()
    team = team_of(alice)
    make_domains(team, 49, seed=3)
    Domain.objects.create(team=team, name=UNBROKEN_NAME, verified_at=None)
    context = signed_in(browser, live_server, alice, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/domains/")
    table = page.locator("table.domains")
    expect(table.locator("tbody tr")).to_have_count(50)
    test_browser_s11_readiness.settled(page)
    assert csp_violations(page) == []
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    inside, box = table.evaluate(TABLE_IN_BOX)
    if width != 700:
        # At a tablet's 700 px the table may scroll inside its own box by a few pixels (the
        # page does not): ordinary names keep their width rather than break inside a word.
        assert inside <= box, (inside, box)
        off = page.evaluate(OFF_SCREEN, "table.domains td, table.domains th")
        assert off == [], off
    link = table.get_by_role("link", name=UNBROKEN_NAME)
    expect(link).to_be_visible()
    # Ordinary names break between their labels only; the 50-letter label may break inside.
    broken = table.locator("tbody th a").evaluate_all(BREAKS)
    inside_words = [
        name for name, before in broken if name != UNBROKEN_NAME and set(before) - {".", "-"}
    ]
    assert inside_words == [], inside_words
