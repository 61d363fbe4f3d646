"""The alerts page at 700 px (a tablet, a half-screen window), in Debian's chromium, with a
domain whose name is 58 characters without a hyphen: the name is one word a browser does not
break by itself, so the table's first column took its whole width and the page scrolled
sideways. The name must break instead, the page fit the window, each menu show its whole
choice. The world and helpers are tests/test_browser_s16_alerts_phone.py's."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WIDER_THAN_WINDOW, csp_violations, signed_in
from tests.test_browser_s12_a11y import Server, build_world
from tests.test_browser_s15_phone import OFF_SCREEN, WIDTHS
from tests.test_browser_s16_alerts_phone import CLIPPED

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

WIDE = {"width": 700, "height": 900}
UNBROKEN_NAME = "customerwithaverylongnamethatneverusesahyphenatall.example"


@pytest.mark.django_db(transaction=True)
def test_a_long_name_without_hyphens_breaks_instead_of_the_page(
    browser: Browser, live_server: Any
) -> None:
    assert len(UNBROKEN_NAME) == 58
    world = build_world()
    Domain.objects.create(team=world.msp.team, name=UNBROKEN_NAME)
    context = signed_in(browser, Server(live_server.url), world.msp.user, viewport=WIDE)
    page = context.new_page()
    page.goto(live_server.url + "/alerts/")
    table = page.locator("section[aria-labelledby=per-domain] table")
    expect(table).to_contain_text(UNBROKEN_NAME)
    test_browser_s11_readiness.settled(page)
    assert csp_violations(page) == []
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    assert page.evaluate(WIDER_THAN_WINDOW) == []
    off = page.evaluate(OFF_SCREEN, "table.alert-modes td, table.alert-modes select, main button")
    assert off == [], off
    assert table.evaluate(CLIPPED) == []
    # The name is all there, on more than one line.
    link = table.get_by_role("link", name=UNBROKEN_NAME)
    box = link.bounding_box()
    assert box is not None and box["height"] > 1.5 * link.evaluate(
        "a => parseFloat(getComputedStyle(a).lineHeight) || 16"
    )
