"""s24n, in Debian's chromium: an MSP makes a team for a client from the team switcher (the
Account page's "Your teams", where the header's team name leads), lands on its empty domain
list with the team named in the header, and double-clicking "Create team" makes one team."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Team
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_a_new_team_from_the_switcher_becomes_the_current_one(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    page = signed_in(browser, live_server, alice, {"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/account/")
    page.locator("#teams-title").locator("..").get_by_role("link", name="New team").click()
    expect(page.get_by_role("heading", name="New team")).to_be_visible()
    page.get_by_label("Team name").fill("Acme client")
    page.get_by_role("button", name="Create team").dblclick()
    expect(page.locator(".message-success, .message-info").first).to_contain_text(
        "You created Acme client"
    )
    assert page.url == f"{live_server.url}/domains/"
    # The header names the new current team, and leads back to the switcher.
    expect(page.locator(".nav-team")).to_contain_text("Acme client")
    assert Team.objects.filter(name="Acme client").count() == 1
    # The switcher (s32w) opens on the name; its last link is the Account page's list.
    page.locator(".nav-team").click()
    page.get_by_role("link", name="All your teams, and a new one").click()
    teams = page.locator("#teams-title").locator("..")
    expect(teams).to_contain_text("Acme client")
    expect(teams.get_by_role("button", name="Switch to this team")).to_have_count(1)
    assert csp_violations(page) == []
