"""Blind round s32c in Debian's chromium (tests/test_freecheck_s32c_blind.py has the rest):
an anonymous visitor's report page, opened while the run is queued, fills in by itself
(htmx polling) when the run finishes, stops polling, and a fix's Copy button puts exactly
the record shown on the clipboard. Expectations written before the product ran."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, clipboard, csp_violations
from tests.test_freecheck_s32c_blind import TARGET_ADDR, ZoneDNS, harness_for, mx_to

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_the_page_fills_in_and_the_fix_copies(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    domain = "shop.example.com"
    records = {**mx_to(domain, "A", TARGET_ADDR), (domain, "TXT"): ['"v=spf1 mx -all"']}
    with harness_for(settings, ZoneDNS(records), lab=True):
        run = FreeCheck.objects.create(domain=domain)
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{live_server.url}{run.get_absolute_url()}")
        expect(page.locator(".fc-state")).to_contain_text("Queued")
        run.run()
        expect(page.locator(".fc-state")).to_contain_text("Checked in", timeout=10_000)
        # Finished: it stops asking.
        polled = len(requests)
        page.wait_for_timeout(2500)
        assert len(requests) == polled, requests[polled:]
        # No reload: the address is still the permalink.
        assert page.url == f"{live_server.url}{run.get_absolute_url()}"
        # Since task s32k: the record's name in the box's head, its value copied.
        box = page.locator(".fix-box").filter(has_text=f"TXT record at _mta-sts.{domain}").first
        fix = box.locator("pre[id^='fix-']")
        fix_id = fix.get_attribute("id")
        page.locator(f"button[data-copy-target='{fix_id}']").click()
        assert clipboard(page) == fix.inner_text().strip()
        assert clipboard(page).startswith("v=STSv1; id=")
        assert csp_violations(page) == []
