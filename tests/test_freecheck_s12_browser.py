""" "Check again now" in a real browser: a visitor who fixed a record checks the domain again,
lands on the result from 4 minutes ago, reads that it is that old, and presses the button. htmx
swaps the new run's report into the page (no reload) and moves the address bar to its
permalink; when the domain's allowance is spent, the refusal and the wait appear in the notice.
Needs Debian's chromium, not the lab: the runs are queued, never run (delay is a no-op)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.freecheck import views
from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations
from tests.test_freecheck import sample_report

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_check_again_now_swaps_in_a_fresh_run(
    browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MAILSEC_FREE_CHECK_DOMAIN_RATE = 1
    queued: list[str] = []
    monkeypatch.setattr(views.run_free_check, "delay", queued.append)
    when = timezone.now() - timedelta(minutes=4)
    old = FreeCheck.objects.create(
        domain="example.org",
        status=FreeCheck.State.DONE,
        report=sample_report("example.org"),
        created=when,
        started=when,
        finished=when,
    )
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()

    # The visitor asks again from the form: the finished run is shown, and says how old it is.
    page.goto(f"{live_server.url}/check")
    page.get_by_label("Domain to check").fill("example.org")
    page.get_by_role("button", name="Check", exact=True).click()
    notice = page.locator("#fc-reuse")
    expect(notice).to_contain_text("This is the check from 4 minutes ago")
    expect(notice).to_contain_text("Just changed a DNS record?")
    assert queued == []

    # Check again now: the new run's report in place of the old one, polling, its permalink.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Check again now").click()
    expect(page.locator(".fc-state")).to_contain_text("Queued")
    new = FreeCheck.objects.exclude(pk=old.pk).get()
    assert queued == [str(new.code)]
    expect(page).to_have_url(f"{live_server.url}/check/{new.code}")
    expect(page.locator("#fc-permalink")).to_have_text(f"{live_server.url}/check/{new.code}")
    expect(page.locator("#fc-reuse")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    # That run failed; example.org's one fresh run in this window is spent: the old report's
    # button says so, with the wait, and stays where it was.
    FreeCheck.objects.filter(pk=new.pk).update(
        status=FreeCheck.State.ERROR, finished=timezone.now()
    )
    page.goto(f"{live_server.url}/check/{old.code}")
    page.get_by_role("button", name="Check again now").click()
    error = page.locator("#fc-again-error")
    expect(error).to_contain_text("example.org has been checked once")
    expect(error).to_contain_text("please try again in")
    expect(page).to_have_url(f"{live_server.url}/check/{old.code}")
    assert FreeCheck.objects.count() == 2
    assert csp_violations(page) == []
    context.close()
