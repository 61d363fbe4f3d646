"""s31w in Debian's chromium: the Domains page left open while the session ended (it expired,
or the person signed out in another tab). Pressing Add led through the sign-in to
/domains/add/, where Chrome showed "HTTP ERROR 405" on an empty page and the name typed was
gone; now the sign-in leads back to the list with the name in its add field
(mailsec.middleware.BackAfterSignInMiddleware)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, expect

from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_add_after_the_session_ended_comes_back_with_the_name(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    alice.set_password("correct horse battery staple")
    alice.save()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    context = signed_in(browser, live_server, alice)
    page = context.new_page()
    page.goto(f"{live_server.url}/domains/")
    # The session ends while the page is open: the browser no longer sends its cookie.
    context.clear_cookies(name="sessionid")
    page.get_by_label("Add a domain").fill("shop.example.com")
    page.get_by_role("button", name="Add domain").click()
    page.wait_for_url("**/accounts/login/**")

    page.get_by_label("Email address").fill(alice.email)
    page.get_by_label("Password (optional)").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/domains/?add=*")
    expect(page.get_by_label("Add a domain")).to_have_value("shop.example.com")
    assert not Domain.objects.filter(name="shop.example.com").exists()  # not on its own

    page.get_by_role("button", name="Add domain").click()
    page.wait_for_url("**/domains/*-*/")
    expect(page.get_by_role("heading", name="shop.example.com", exact=True)).to_be_visible()
    assert csp_violations(page) == []
