"""Blind round s35f in Debian's chromium (tests/test_freecheck_s35f_blind.py has the rest):
the back button and reload on a result, and Back after htmx's Check again now. Expectations
written before the product ran."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations
from tests.test_freecheck_s32c_blind import TARGET_ADDR, ZoneDNS, harness_for

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_reload_and_back_never_run_the_check_again(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    """The form posts and redirects (post/redirect/get): reloading the result asks nothing
    again (no "resubmit the form?" dialog, no second run); Back shows the form, Forward the
    same result."""
    with harness_for(settings, ZoneDNS(default_a=TARGET_ADDR)) as h:
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{live_server.url}/check")
        page.get_by_label("Domain to check").fill("  Bob@Example.COM ")
        page.get_by_role("button", name="Check", exact=True).click()
        run = FreeCheck.objects.get()
        expect(page).to_have_url(f"{live_server.url}{run.get_absolute_url()}")
        expect(page.locator(".fc-domain").first).to_have_text("example.com")
        asked = len(h.stub.questions)
        page.reload()
        expect(page.locator(".fc-domain").first).to_have_text("example.com")
        page.go_back()
        expect(page).to_have_url(f"{live_server.url}/check")
        page.go_forward()
        expect(page).to_have_url(f"{live_server.url}{run.get_absolute_url()}")
        assert dialogs == []
        assert FreeCheck.objects.count() == 1 and len(h.stub.questions) == asked
        assert csp_violations(page) == []
        context.close()


@pytest.mark.django_db(transaction=True)
def test_back_after_check_again_now_shows_the_older_report(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    """htmx swaps in the new run and pushes its permalink; Back returns to the old permalink
    and shows the old run's report (its own link), not the new one under the old address."""
    with harness_for(settings, ZoneDNS(default_a=TARGET_ADDR)):
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.goto(f"{live_server.url}/check")
        page.get_by_label("Domain to check").fill("example.org")
        page.get_by_role("button", name="Check", exact=True).click()
        old = FreeCheck.objects.get()
        expect(page).to_have_url(f"{live_server.url}{old.get_absolute_url()}")
        page.goto(f"{live_server.url}{old.get_absolute_url()}?reused=1")
        page.get_by_role("button", name="Check again now").click()
        new_url = None
        for _ in range(50):
            if FreeCheck.objects.count() == 2:
                break
            page.wait_for_timeout(100)
        new = FreeCheck.objects.exclude(pk=old.pk).get()
        new_url = f"{live_server.url}{new.get_absolute_url()}"
        expect(page).to_have_url(new_url)
        expect(page.locator("#fc-permalink")).to_have_text(new_url)
        page.go_back()
        old_url = f"{live_server.url}{old.get_absolute_url()}"
        expect(page).to_have_url(f"{old_url}?reused=1")
        expect(page.locator("#fc-permalink")).to_have_text(old_url)
        assert FreeCheck.objects.count() == 2
        assert csp_violations(page) == []
        context.close()
