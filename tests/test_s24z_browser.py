"""s24z in a real browser: the account page preselects the browser's own time zone for someone
who never chose one (static/js/timezone.js), saves nothing until they press Save, and leaves
a chosen zone alone. Needs Debian's chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect

from mailsec.accounts.models import Profile
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations, owner

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


def in_zone(browser: Browser, live_server: Any, user: Any, zone: str) -> BrowserContext:
    """A context signed in as `user` whose browser says it is in `zone`."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(timezone_id=zone, viewport={"width": 1100, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(WATCH_CSP)
    return context


@pytest.mark.django_db(transaction=True)
def test_the_browsers_zone_is_suggested_and_saved_only_on_save(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    # (Chromium names some zones by their old links, "Asia/Calcutta" for Asia/Kolkata: the
    # list has those too, so they are suggested as named.)
    page = in_zone(browser, live_server, alice, "Europe/Berlin").new_page()
    page.goto(f"{live_server.url}/account/")
    select = page.locator("#id_time_zone")
    expect(select).to_have_value("Europe/Berlin")
    expect(page.locator("#time-zone-suggested")).to_contain_text(
        "Your browser's time zone, Europe/Berlin, is selected"
    )
    assert csp_violations(page) == []
    assert Profile.objects.get(user=alice).time_zone == "UTC"  # nothing saved by looking
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("status").first).to_contain_text("Times are now shown in Europe/Berlin")
    assert Profile.objects.get(user=alice).time_zone == "Europe/Berlin"


@pytest.mark.django_db(transaction=True)
def test_a_chosen_zone_is_left_alone(browser: Browser, live_server: Any) -> None:
    alice = owner()
    Profile.objects.filter(user=alice).update(time_zone="UTC", time_zone_chosen_at=timezone.now())
    page = in_zone(browser, live_server, alice, "Asia/Tokyo").new_page()
    page.goto(f"{live_server.url}/account/")
    expect(page.locator("#id_time_zone")).to_have_value("UTC")
    expect(page.locator("#time-zone-suggested")).to_be_hidden()
    assert csp_violations(page) == []
