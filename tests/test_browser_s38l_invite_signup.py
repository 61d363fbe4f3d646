"""Task s38l, item 1, in Debian's chromium (no lab): an invitee without an account opens the
invitation's link, presses its first button, Sign in, and finds the invited address filled
in; signing in by code with it (no account yet) mails a sign-up link, whose page starts with
that address too, and the sign-up ends on the invitation, where Join works. Before s38l the
sign-in field was empty and the mail's link was a bare sign-up page (empty field, no way back
to the invitation). tests/test_accounts_s38l_invite_signup.py has the same through Django's
test client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import caches
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Membership, Team
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import owner
from tests.test_browser_webapp import last_code

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

INVITED = "new.member@example.org"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db(transaction=True)
def test_an_invitee_signs_in_signs_up_and_joins_with_the_invited_address(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    settings.CACHES = LOCMEM  # allauth's rate limits: this test's own
    caches["default"].clear()
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    invite = team.invite(INVITED, alice)
    mail.outbox.clear()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/invite/{invite.token}/")
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    field = page.get_by_label("Email address")
    expect(field).to_have_value(INVITED)
    page.get_by_role("button", name="Sign in").click()

    link = re.search(r"https?://\S*/accounts/signup/\S*", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    # The mail names the site by SITE_ROOT; the page is this test's server.
    page.goto(live_server.url + "/accounts/signup/" + link.group(0).split("/accounts/signup/")[1])
    expect(page.get_by_label("Email")).to_have_value(INVITED)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_label("Code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/invite/{invite.token}/")
    page.get_by_role("button", name="Join the team").click()
    expect(page.locator("main")).to_contain_text(f"You joined {team.name}")
    assert Membership.objects.filter(team=team, user__email=INVITED).exists()
