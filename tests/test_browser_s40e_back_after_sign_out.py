"""Blind round s40e, in Debian's chromium: what the test client cannot see, the browser's own
copies of a team's pages. Someone signs out at a shared computer; the next person presses
Back. Expectation (written before running): the pages of the team (a domain's page, the
account page with the person's teams) are not shown again from the browser's memory or cache:
Back shows no team's domain and no address; the server, asked again, sends to sign in."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_back_after_signing_out_shows_no_team_page(browser: Browser, live_server: Any) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    domain = Domain.objects.create(
        team=team, name="shared-s40e.example", verified_at=timezone.now()
    )
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    assert "shared-s40e.example" in page.content()
    page.goto(f"{live_server.url}/account/")
    assert "alice@example.org" in page.content()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/account/" not in page.url, page.url
    page.go_back()  # to the account page
    page.wait_for_load_state()
    # Asked again (the copy is not reused): the server sends to sign in.
    assert "/accounts/login/?next=/account/" in page.url, page.url
    assert "alice@example.org" not in page.content(), (page.url, "the account page came back")
    page.go_back()  # to the domain's page
    page.wait_for_load_state()
    assert f"/accounts/login/?next=/domains/{domain.code}/" in page.url, page.url
    assert "shared-s40e.example" not in page.content(), (page.url, "the domain page came back")
