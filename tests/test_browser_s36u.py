"""Task s36u in Debian's chromium: the first hour of someone who runs one mail domain and has
never heard of MTA-STS. The free check of their domain, Monitor … sign up free, the code by
email, Add domain, the challenge record (copied), Verify, the first check and which findings
cost how many points, Hosted MTA-STS switched on, its records published and ticked off with
Look again (the focus kept on it), the Mode card's Check now, the TLS reports page before any
report, the alert settings; on a desktop window and at 390 px. DNS is a stub on 127.0.77.1
(tests/test_freecheck_s32c_blind.ZoneDNS), the MX a listener that hangs up (STARTTLS "could
not check"). tests/test_webapp_s36u.py has the fixes the walk led to without a browser."""

from __future__ import annotations

import re
from typing import Any
from unittest.mock import patch

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from mailsec.domains import tasks as domain_tasks
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import (
    WATCH_CSP,
    WIDER_THAN_WINDOW,
    clipboard,
    csp_violations,
)
from tests.test_freecheck_s32c_blind import DNS_ADDR, TARGET_ADDR, ZoneDNS, harness_for, mx_to

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

DOMAIN = "bakery-mail.example.com"
EMAIL = f"owner@{DOMAIN}"


def fits(page: Page) -> None:
    assert page.evaluate(f"({WIDER_THAN_WINDOW})()") == [], page.url


@pytest.mark.parametrize("width", [1100, 390])
@pytest.mark.django_db(transaction=True)
def test_first_hour_of_a_one_domain_admin(
    browser: Browser, live_server: Any, settings: Any, width: int
) -> None:
    stub = ZoneDNS({**mx_to(DOMAIN, "A", TARGET_ADDR), (DOMAIN, "TXT"): ['"v=spf1 mx ~all"']})
    errors: list[str] = []
    with (
        harness_for(settings, stub, lab=True) as h,
        # Monitoring, verification and hosting ask the same stub; a check runs at once.
        patch("checks.tasks.engine_config", h.engine_config),
        patch.dict("os.environ", {"MAILSEC_RESOLVER": f"{DNS_ADDR}:{stub.port}"}),
        patch.object(
            domain_tasks, "enqueue_run", lambda run: domain_tasks.run_check(str(run.code))
        ),
    ):
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            permissions=["clipboard-read", "clipboard-write"],
        )
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        # The free check, then the offer under it.
        page.goto(live_server.url + "/")
        page.get_by_role("textbox").first.fill(DOMAIN)
        page.keyboard.press("Enter")
        expect(page.locator(".fc-state")).to_contain_text("Checked in", timeout=30_000)
        fits(page)
        page.locator(".fc-cta").get_by_role("link", name=f"Monitor {DOMAIN} — sign up free").click()

        # Sign up by code: the domain comes along to the add field.
        page.get_by_role("textbox", name="Email address").fill(EMAIL)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code we emailed you")
        code = re.search(r"^(\w{6})$", mail.outbox[-1].body, re.M)
        assert code is not None, mail.outbox[-1].body
        page.get_by_role("textbox", name="Code").fill(code.group(1))
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("main")).to_contain_text(f"Press Add domain to add {DOMAIN}")
        page.get_by_role("button", name="Add domain").click()

        # The challenge: its exact name and value, each copied alone.
        expect(page.get_by_role("heading", name=f"Prove you control {DOMAIN}")).to_be_visible()
        domain = Domain.objects.get()
        page.get_by_role("button", name=re.compile("Copy")).first.click()
        assert clipboard(page) == domain.challenge_name
        value = page.locator("code, pre").filter(has_text=domain.challenge_value)
        expect(value).to_have_count(1)
        fits(page)
        stub.records[(domain.challenge_name, "TXT")] = [f'"{domain.challenge_value}"']
        page.get_by_role("button", name="Verify").click()

        # Verified, checked: the score and what each finding cost.
        expect(page.locator("main")).to_contain_text("Points lost on the 0–100 score")
        lost = page.locator("main").inner_text()
        for line in ("MTA-STS −", "DMARC −", "STARTTLS on the MX hosts not counted"):
            assert line in lost, line
        # DMARC's record names an invented mailbox: said under it, and not copied with the rest.
        dmarc = page.locator("#mech-dmarc")
        expect(dmarc).to_contain_text(f"dmarc-reports@{DOMAIN} is an example")
        expect(page.locator("#all-records")).not_to_contain_text("dmarc-reports@")
        expect(page.locator("#records-left-out")).to_contain_text(f"_dmarc.{DOMAIN} (TXT)")
        fits(page)
        assert csp_violations(page) == []

        # Hosting on, then the records it needs, ticked off once published.
        page.get_by_role("link", name="Hosted MTA-STS").last.click()
        page.get_by_role("button", name=f"Host MTA-STS for {DOMAIN}").click()
        expect(page.get_by_role("status").first).to_contain_text("Hosting is on")
        records = page.locator("#records")
        again = records.get_by_role("link", name="Look again")
        expect(again).to_be_visible()
        rows = records.locator("tbody tr")
        expect(rows.nth(1)).to_contain_text("not yet")
        expect(rows.nth(2)).to_contain_text("not yet")
        sts = rows.nth(1).locator("code").filter(has_text="v=STSv1").inner_text()
        tlsrpt = rows.nth(2).locator("code").filter(has_text="v=TLSRPTv1").inner_text()
        stub.records[(f"_mta-sts.{DOMAIN}", "TXT")] = [f'"{sts}"']
        stub.records[(f"_smtp._tls.{DOMAIN}", "TXT")] = [f'"{tlsrpt}"']
        again.focus()
        page.keyboard.press("Enter")
        expect(rows.nth(1).locator("td").last).to_contain_text("yes")
        expect(rows.nth(2).locator("td").last).to_contain_text("yes")
        expect(page.get_by_role("link", name="Look again")).to_be_focused()
        # What the last check could not test has its button here, not two links away.
        mode = page.locator("section").filter(has=page.get_by_role("heading", name="Mode"))
        expect(mode).to_contain_text("Run a check again")
        expect(mode).to_contain_text("No TLS reports yet: senders send them once")
        expect(mode.get_by_role("button", name="Check now")).to_be_visible()
        fits(page)
        assert csp_violations(page) == []
        mode.get_by_role("button", name="Check now").click()
        expect(page).to_have_url(f"{live_server.url}/domains/{domain.code}/")
        # The check's MTA-STS fixes (a web server of one's own) are said not to be theirs.
        expect(page.locator(".hosted-note")).to_contain_text(
            f"We host the MTA-STS policy of {DOMAIN}"
        )

        # The TLS reports page before any report, and the alerts.
        page.get_by_role("link", name=f"TLS reports dashboard for {DOMAIN}").click()
        expect(page.get_by_role("heading", name="No reports yet")).to_be_visible()
        fits(page)
        page.go_back()
        page.get_by_role("link", name=f"Alert settings for {DOMAIN}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
        fits(page)
        assert csp_violations(page) == []
    assert errors == []
