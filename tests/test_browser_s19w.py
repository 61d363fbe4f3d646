"""Round 19 (s19w) in Debian's chromium at 390 and 1280 px: the free check of a host name
offers its mail domain (and checks it from that offer); a first-time user's empty domain list
has no filter bar, and the bar comes with the first domain added."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.freecheck.models import FreeCheck, signup_url
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_browser_s15_phone import WIDTHS
from tests.test_freecheck import done_check

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_a_host_name_s_report_offers_its_mail_domain(
    browser: Browser, live_server: Any, width: int
) -> None:
    check = done_check("www.example.org")
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(live_server.url + check.get_absolute_url())
    offer = page.locator(".fc-cta")
    expect(offer.get_by_role("heading")).to_have_text("Keep watching example.org")
    monitor = offer.get_by_role("link", name="Monitor example.org — sign up free")
    expect(monitor).to_have_attribute("href", signup_url("example.org"))
    expect(offer.get_by_text("www.example.org", exact=False)).to_be_visible()
    assert "Monitor www.example.org" not in page.content()
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], widths

    # Its "check that instead" checks the mail domain: a new run's page.
    offer.get_by_role("button", name="Check example.org first").click()
    page.wait_for_url("**/check/*")
    run = FreeCheck.objects.get(domain="example.org")
    assert page.url.endswith(run.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("Mail security of example.org")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_first_domain_brings_the_filter_bar(
    browser: Browser, live_server: Any, width: int
) -> None:
    context = signed_in(browser, live_server, owner(), viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/domains/")
    expect(page.get_by_text("No domains yet.")).to_be_visible()
    expect(page.get_by_role("search", name="Find domains")).to_have_count(0)
    expect(page.get_by_label("Add a domain")).to_be_visible()

    page.get_by_label("Add a domain").fill("example.org")
    page.get_by_role("button", name="Add domain").click()
    page.goto(live_server.url + "/domains/")
    expect(page.get_by_role("search", name="Find domains")).to_be_visible()
    expect(page.get_by_role("link", name="example.org")).to_be_visible()
    assert csp_violations(page) == []
