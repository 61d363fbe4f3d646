"""Task s32k in Debian's chromium: on the free check page, each Copy button of the MTA-STS
setup fix puts exactly one thing on the clipboard, the policy file's content or the record's
value, never the words around them ("Publish these three, in this order: …"), which blind
round s32c found pasted into DNS panels. tests/test_fixparts_s32k.py has the rest."""

from __future__ import annotations

import re
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
def test_s32k_each_copy_button_copies_one_record_or_the_file(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    domain = "shop.example.com"
    records = {**mx_to(domain, "A", TARGET_ADDR), (domain, "TXT"): ['"v=spf1 mx -all"']}
    with harness_for(settings, ZoneDNS(records), lab=True):
        run = FreeCheck.objects.create(domain=domain)
        run.run()
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.goto(f"{live_server.url}{run.get_absolute_url()}")
        expect(page.locator(".fc-state")).to_contain_text("Checked in")
        fix = page.locator(".fc-fix").filter(has_text="Publish these three, in this order")
        expect(fix).to_have_count(1)
        # The words are shown, outside any box.
        expect(fix.locator("p.fix-step").first).to_have_text("Publish these three, in this order:")

        fix.get_by_role("button", name=re.compile("Copy the policy file")).click()
        assert clipboard(page) == (
            f"version: STSv1\nmode: testing\nmx: mx.{domain}\nmax_age: 604800"
        )

        record = fix.locator(".fix-box").filter(has_text=f"TXT record at _mta-sts.{domain}")
        record.get_by_role("button").click()
        copied = clipboard(page)
        assert re.fullmatch(r"v=STSv1; id=\d{8}T\d{6}", copied), copied
        assert copied == record.locator("pre").inner_text()

        # A one-record fix: the DMARC record's value alone, its name in the box's head.
        dmarc = page.locator(".fix-box").filter(has_text=f"TXT record at _dmarc.{domain}")
        dmarc.get_by_role("button").click()
        assert clipboard(page).startswith("v=DMARC1; p=")
        assert csp_violations(page) == []
