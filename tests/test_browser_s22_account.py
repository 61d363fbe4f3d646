"""In a real browser: someone who has just signed in with a code sets a password and opens
turning two-factor sign-in on without being asked to confirm it's them again (the sign-in
did); and the team page offers no "Make owner" for a deactivated member, saying why. Needs
Debian's chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from mailsec.accounts.models import Membership, Team
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations, owner, signed_in
from tests.test_browser_s14_account import PASSWORD, assert_sites_page

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_just_signed_in_by_code_is_not_asked_again(browser: Browser, live_server: Any) -> None:
    alice = owner()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/code/")
    page.get_by_label("Email address").fill("alice@example.org")
    page.get_by_role("button", name="Request code").click()
    enter_code_then_set_a_password(page, live_server.url)

    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Turn two-factor sign-in on").click()
    assert_sites_page(page, "Turn on two-factor sign-in")
    assert csp_violations(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_no_make_owner_for_a_deactivated_member(browser: Browser, live_server: Any) -> None:
    alice = owner()
    bob = User.objects.create_user("bob", "bob@example.org", is_active=False)
    Membership.objects.create(
        team=Team.objects.get(memberships__user=alice), user=bob, role=Membership.Role.MEMBER
    )
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/team/")
    row = page.locator("section[aria-labelledby=members-title] li").filter(
        has_text="bob@example.org"
    )
    expect(row).to_contain_text("Can't be made the owner: this account is deactivated.")
    expect(row.get_by_role("button", name=re.compile("Make owner"))).to_have_count(0)
    expect(row.get_by_role("button", name=re.compile("Remove"))).to_have_count(1)
    assert csp_violations(page) == []


def enter_code_then_set_a_password(page: Page, site: str) -> None:
    """Enter the code just mailed, then set a first password: no "confirm it's you" between."""
    mailed = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert mailed, mail.outbox[-1].body
    page.get_by_label("Code").fill(mailed[1])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/domains/")

    page.goto(f"{site}/account/")
    page.get_by_role("link", name="Set a password").click()
    assert_sites_page(page, "Set a password")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password, again").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Password set.")
