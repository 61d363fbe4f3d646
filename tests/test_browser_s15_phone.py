"""Record tables and the verify hint on a phone (390 px), in Debian's chromium, as a reviewer
found them in session 15: the hosting page's records, the bulk add's result and the free
check's score table must not widen the page (no sideways scroll of the whole page), each record
readable and its Copy buttons on screen; the verify hint's prose wraps between words ("where
we do not look", not "w here"), only record values may break anywhere; the history chart, which
scrolls in its own box on a phone, opens on its newest end. The world and helpers are
tests/test_browser_s12_a11y.py's."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WIDER_THAN_WINDOW, csp_violations, signed_in
from tests.test_browser_s12_a11y import Server, World, build_world
from tests.test_hosting import fake_dns

pytestmark = [pytest.mark.browser]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}

# The page's width against the window's, and what sticks out (tables and the chart included:
# WIDER_THAN_WINDOW lets them scroll in their own box, which is not what a record table
# should need to be read on a phone).
WIDTHS = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
OFF_SCREEN = """(selector) => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll(selector)]
    .filter(el => el.getClientRects().length)
    .filter(el => el.getBoundingClientRect().right > width + 0.5
                  || el.getBoundingClientRect().left < -0.5)
    .map(el => el.outerHTML.slice(0, 80) + ' ' + Math.round(el.getBoundingClientRect().right));
}"""
# The table's caption and cells narrower than the table: a squeezed column (stacked rows take
# the table's whole width each).
NARROW = """(table) => [...table.querySelectorAll('caption, td, th')]
  .filter(el => el.getClientRects().length && !el.closest('.visually-hidden, thead'))
  .filter(el => el.getBoundingClientRect().width < 0.8 * table.getBoundingClientRect().width)
  .map(el => el.outerHTML.slice(0, 80) + ' ' + Math.round(el.getBoundingClientRect().width))"""
# Each record value or name as (text, lines it takes): "text broken every 3-4 chars" shows as
# many more lines than the text's length needs in a column of a sensible width.
LINES = "codes => codes.map(c => [c.textContent.trim(), c.getClientRects().length])"


def costly(check: FreeCheck) -> None:
    """The check's STARTTLS category costs 23.5 points with a few finding ids (the widest
    content the reviewer saw: "−23.5 points" cut off the screen's edge)."""
    report = copy.deepcopy(check.report)
    smtp = report["score_detail"]["categories"]["smtp"]
    smtp.update(points=0.0, lost=20.0, score_lost=23.5, reason="not deployed")
    smtp["costs"] = ["SMTP-01", "SMTP-02", "SMTP-11"]
    check.report = report
    check.save(update_fields=["report"])


def phone_page(browser: Browser, url: str, world: World, path: str) -> Page:
    page = signed_in(browser, Server(url), world.msp.user, viewport=PHONE).new_page()
    page.goto(url + path)
    return page


def assert_fits(page: Page, name: str, cells: str) -> None:
    """The page does not scroll sideways, and every cell and button of the `cells` table is on
    screen (not in a box to scroll), each of its codes a few lines, not one per 3-4 letters."""
    test_browser_s11_readiness.settled(page)
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    assert page.evaluate(WIDER_THAN_WINDOW) == []
    off = page.evaluate(OFF_SCREEN, f"{cells} td, {cells} th, {cells} button")
    assert off == [], off
    narrow = page.locator(cells).evaluate(NARROW)
    assert narrow == [], narrow
    codes = page.locator(f"{cells} code").evaluate_all(LINES)
    assert codes
    # 390 px less the margins holds some 35 monospace characters; 15 a line is generous.
    squeezed = [(text, lines) for text, lines in codes if lines > len(text) // 15 + 1]
    assert squeezed == [], squeezed
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_hosting_records_fit_a_phone(
    browser: Browser, live_server: Any, unanswered_lookups_end_soon: None
) -> None:
    world = build_world()
    with fake_dns([f"mx1.{world.msp.busy.name}"], record="cname"):
        page = phone_page(browser, live_server.url, world, f"/hosting/{world.msp.busy.code}/")
        expect(page.locator("#records")).not_to_have_attribute("aria-busy", "true")
        expect(page.locator("table.records")).to_contain_text("yes")
        assert_fits(page, "hosting", "table.records")
    # Each Copy button can be pressed where it is.
    buttons = page.locator("table.records button")
    assert buttons.count() >= 3
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.django_db(transaction=True)
def test_the_bulk_add_result_fits_a_phone(browser: Browser, live_server: Any) -> None:
    world = build_world()
    page = phone_page(browser, live_server.url, world, "/domains/add-many/")
    names = "customer-one.example.org\nsecond-customer-with-a-long-name.example.net\nintranet"
    page.get_by_label("Domain names").fill(names)
    page.get_by_role("button", name="Add these domains").click()
    expect(page.get_by_role("heading", name="What was added")).to_be_visible()
    assert_fits(page, "bulk", "section[aria-labelledby=bulk-result] table")


@pytest.mark.django_db(transaction=True)
def test_the_free_check_score_table_fits_a_phone(browser: Browser, live_server: Any) -> None:
    world = build_world()
    costly(world.freecheck)
    page = phone_page(browser, live_server.url, world, f"/check/{world.freecheck.code}")
    expect(page.locator("table.fc-breakdown")).to_contain_text("point")
    test_browser_s11_readiness.settled(page)
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    off = page.evaluate(OFF_SCREEN, "table.fc-breakdown td, table.fc-breakdown th")
    assert off == [], off
    narrow = page.locator("table.fc-breakdown").evaluate(NARROW)
    assert narrow == [], narrow
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_verify_hint_wraps_between_words(
    browser: Browser, live_server: Any, viewport: dict[str, int]
) -> None:
    world = build_world()
    page = signed_in(browser, Server(live_server.url), world.msp.user, viewport=viewport)
    page = page.new_page()
    page.goto(f"{live_server.url}/domains/{world.unverified.code}/")
    hint = page.locator("dl.record dd p")
    expect(hint).to_contain_text("where we do not look")
    assert hint.evaluate("p => getComputedStyle(p).wordBreak") != "break-all"
    # Each word of the prose on one line: a word cut in two has a line break inside it.
    split_words = hint.evaluate(
        """p => {
          const words = [];
          const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
          for (let node; (node = walker.nextNode());) {
            if (node.parentElement.closest('code, button')) continue;
            for (const m of node.textContent.matchAll(/[A-Za-z']{2,}/g)) {
              const range = document.createRange();
              range.setStart(node, m.index);
              range.setEnd(node, m.index + m[0].length);
              if (range.getClientRects().length > 1) words.push(m[0]);
            }
          }
          return words;
        }"""
    )
    assert split_words == [], split_words
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))


@pytest.mark.django_db(transaction=True)
def test_the_history_chart_opens_on_its_newest_end(browser: Browser, live_server: Any) -> None:
    world = build_world()
    page = phone_page(browser, live_server.url, world, f"/domains/{world.msp.busy.code}/")
    chart = page.locator(".chart")
    expect(chart).to_be_visible()
    scroll = chart.evaluate("c => [c.scrollWidth, c.clientWidth]")
    assert scroll[0] > scroll[1], scroll  # it does scroll on a phone (the svg's min-width)
    # The newest point is in the visible part of the box, without a swipe.
    visible = chart.evaluate(
        """c => {
          const box = c.getBoundingClientRect();
          const dots = [...c.querySelectorAll('circle')];
          const newest = dots.reduce((a, b) => (+b.getAttribute('cx') > +a.getAttribute('cx') ? b : a));
          const r = newest.getBoundingClientRect();
          return r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
        }"""
    )
    assert visible
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    assert csp_violations(page) == []
