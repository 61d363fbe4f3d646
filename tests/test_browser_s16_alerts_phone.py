"""The alerts page's per-domain menus on a phone (390 px), in Debian's chromium. A walkthrough
in session 15 found each domain's menu squeezed into a narrow column beside the domain's name,
its choice cut to "Email m" / "Daily d". Each menu must show its whole choice, nothing of the
page may stick out sideways, and a row's Save works where it is. The world and helpers are
tests/test_browser_s12_a11y.py's and tests/test_browser_s15_phone.py's."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.alerts.models import AlertSetting
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WIDER_THAN_WINDOW, csp_violations
from tests.test_browser_s12_a11y import build_world
from tests.test_browser_s15_phone import OFF_SCREEN, PHONE, WIDTHS, phone_page

pytestmark = [pytest.mark.browser]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser

LONG_NAME = "a-customer-with-a-rather-long-name.example"
# Each menu of the per-domain table whose box is narrower than the menu needs to show its
# longest choice whole (its width with nothing constraining it), as (id, width, needed).
CLIPPED = """(table) => [...table.querySelectorAll('select')].map(select => {
  const free = select.cloneNode(true);
  free.removeAttribute('id');
  free.style.width = 'auto';
  free.style.minWidth = '0';
  free.style.maxWidth = 'none';
  free.style.position = 'absolute';
  free.style.visibility = 'hidden';
  document.body.appendChild(free);
  const needed = free.getBoundingClientRect().width;
  free.remove();
  return [select.id, Math.round(select.getBoundingClientRect().width), Math.round(needed)];
}).filter(([id, width, needed]) => width + 0.5 < needed)"""


@pytest.mark.django_db(transaction=True)
def test_the_per_domain_menus_fit_a_phone(browser: Browser, live_server: Any) -> None:
    world = build_world()
    long = Domain.objects.create(team=world.msp.team, name=LONG_NAME)
    target = world.msp.domains[0]
    AlertSetting.objects.update_or_create(
        user=world.msp.user, domain=target, defaults={"mode": AlertSetting.Mode.IMMEDIATE}
    )
    page = phone_page(browser, live_server.url, world, "/alerts/")
    table = page.locator("section[aria-labelledby=per-domain] table")
    expect(table).to_contain_text(LONG_NAME)
    test_browser_s11_readiness.settled(page)
    assert csp_violations(page) == []
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    assert page.evaluate(WIDER_THAN_WINDOW) == []
    cells = "section[aria-labelledby=per-domain] table"
    off = page.evaluate(OFF_SCREEN, f"{cells} td, {cells} th, {cells} select, {cells} button")
    assert off == [], off
    assert table.locator("select").count() == len(world.msp.domains) + 3  # + new, unscored, long
    clipped = table.evaluate(CLIPPED)
    assert clipped == [], clipped
    # The long name is read whole, on screen.
    link = table.get_by_role("link", name=LONG_NAME)
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # A row's menu and Save are used where they are: the choice is saved and the page comes
    # back to that row.
    row = page.locator(f"#alerts-{target.code}")
    row.get_by_label(f"Alerts for {target.display_name}").select_option("off")
    row.get_by_role("button", name=f"Save for {target.display_name}").click()
    page.wait_for_url(f"**#alerts-{target.code}")
    expect(page.locator(f"#mode-{target.code}")).to_have_value("off")
    assert AlertSetting.objects.get(user=world.msp.user, domain=target).mode == "off"
    expect(page.locator(f"#alerts-{long.code}")).to_be_visible()
