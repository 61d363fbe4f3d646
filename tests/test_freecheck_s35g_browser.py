"""Task s35g in Debian's chromium: the offer under a free check's results follows the run as
it finishes (htmx out-of-band swap of the poll's answer). A page loaded while the run was under
way offered "Monitor <d> — sign up free"; once the run finds that the name does not exist, the
offer says so and offers nothing to monitor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_freecheck_s9_results import engine_report
from tests.test_mx import FakeDns

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

TYPO = "exmaple-typo.example.org"


@pytest.mark.django_db(transaction=True)
def test_the_offer_changes_when_the_run_finds_no_such_name(
    browser: Browser, live_server: Any
) -> None:
    check = FreeCheck.objects.create(
        domain=TYPO, status=FreeCheck.State.RUNNING, started=timezone.now()
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + check.get_absolute_url())
    offer = page.locator(".fc-cta")
    expect(offer.get_by_role("link", name=f"Monitor {TYPO} — sign up free")).to_be_visible()

    # The engine's own asyncio loop, beside Playwright's.
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(engine_report, TYPO, FakeDns({})).result()
    FreeCheck.objects.filter(pk=check.pk).update(
        status=FreeCheck.State.DONE, report=report.to_dict(), finished=timezone.now()
    )
    expect(offer.get_by_role("heading")).to_have_text("Nothing to monitor yet", timeout=10_000)
    expect(offer).to_contain_text(f"{TYPO} does not exist in the DNS")
    expect(offer.get_by_role("link")).to_have_count(0)
    expect(page.locator(".fc-cta")).to_have_count(1)
    expect(page.locator("#fc-results")).to_contain_text("does not exist in the DNS")
