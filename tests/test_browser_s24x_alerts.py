"""s24x, in Debian's chromium at 1280 px: on the alerts page "Set for all" and "Save" (small
buttons, bottom-aligned in their row) sat out of line with the menus beside them; each now
stands as tall as its menu, on the same line."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import box, csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

DESKTOP = {"width": 1280, "height": 900}


def middle(b: dict[str, float]) -> float:
    return b["y"] + b["height"] / 2


@pytest.mark.django_db(transaction=True)
def test_the_alerts_buttons_stand_in_line_with_their_menus(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    for name in ("acme-dental.com", "zulu-zoo.org"):
        Domain.objects.create(team=team, name=name)
    page = signed_in(browser, live_server, alice, DESKTOP).new_page()
    page.goto(f"{live_server.url}/alerts/")
    for menu, button in (
        ("#mode-all", page.get_by_role("button", name="Set for all 2")),
        ("#mode-later", page.get_by_role("button", name="Save for domains added later")),
        ("#id_address_mode", page.get_by_role("button", name="Send a confirmation link")),
    ):
        with_menu, of_button = box(page.locator(menu)), box(button)
        assert abs(middle(with_menu) - middle(of_button)) < 1, (menu, with_menu, of_button)
        assert of_button["x"] > with_menu["x"] + with_menu["width"], (menu, with_menu, of_button)
    assert csp_violations(page) == []
