"""allauth's pages in a real browser: the password reset by code from the sign-in page to the
new password, and the pages of a signed-in account (email addresses, set a password, sign
out), each in the site's layout and with no Content-Security-Policy violation. The policy now
allows no style attribute (tests/test_web_s14_csp.py), so a page that still had one, or an
allauth page that brought its inline script, would show here. Needs Debian's chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser
PASSWORD = "Plenty-of-entropy-42"


def last_code() -> str:
    match = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert match, mail.outbox[-1].body
    return match.group(1)


def assert_sites_page(page: Page, heading: str) -> None:
    expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible()
    expect(page.locator("header.site-header a.brand")).to_be_visible()
    expect(page.locator("footer.site-footer")).to_be_visible()
    assert csp_violations(page) == [], (page.url, csp_violations(page))


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_by_code_in_the_sites_layout(browser: Browser, live_server: Any) -> None:
    alice = owner()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()

    assert_sites_page(page, "Reset your password")
    page.get_by_label("Email address").fill("alice@example.org")
    page.get_by_role("button", name="Email me a code").click()

    page.wait_for_url("**/accounts/password/reset/confirm/")
    assert_sites_page(page, "Reset your password")
    expect(page.locator("main")).to_contain_text("sent a code to alice@example.org")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#id_code_error")).to_be_visible()
    assert csp_violations(page) == []
    page.get_by_label("Code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/accounts/password/reset/complete/")
    assert_sites_page(page, "Choose a new password")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password, again").fill(PASSWORD)
    page.get_by_role("button", name="Set new password").click()

    page.wait_for_url("**/accounts/password/reset/done/")
    assert_sites_page(page, "Password changed")
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
    page.locator("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill("alice@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/domains/")
    assert csp_violations(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_account_pages_of_a_signed_in_person(browser: Browser, live_server: Any) -> None:
    alice = owner()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Change email address").click()
    assert_sites_page(page, "Email addresses")
    # The only address, verified and primary: listed, with no action to take on it.
    expect(page.locator("ul.addresses li")).to_have_count(1)
    expect(page.locator("ul.addresses li")).to_contain_text("alice@example.org")
    expect(page.locator("ul.addresses li")).to_contain_text("primary")
    expect(page.locator("ul.addresses button")).to_have_count(0)

    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Set a password").click()
    # Setting a password asks to confirm it's you first (ACCOUNT_REAUTHENTICATION_REQUIRED);
    # with no password yet, by a code mailed to the address.
    assert_sites_page(page, "Confirm it's you")
    mail.outbox.clear()
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    mailed = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert mailed, mail.outbox[-1].body
    page.get_by_label("Code").fill(mailed[1])
    page.get_by_role("button", name="Confirm").click()
    assert_sites_page(page, "Set a password")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password, again").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Password set.")
    assert csp_violations(page) == []

    page.goto(f"{live_server.url}/accounts/logout/")
    assert_sites_page(page, "Sign out")
    page.locator("main").get_by_role("button", name="Sign out").click()
    expect(page.locator("header nav").get_by_role("link", name="Sign in")).to_be_visible()
    assert csp_violations(page) == []
