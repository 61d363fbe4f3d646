"""s32w in Debian's chromium: an MSP with a team per client switches teams in the header, on
a wide screen and on a phone, and the domain list says why a row has no trend and where a
first check is (tests/test_webapp_s32w.py has the rules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import box, csp_violations, owner, signed_in
from tests.test_webapp_s32w import run_of, starttls_not_checked

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


def msp() -> Any:
    alice = owner()
    for name in ("Client 2", "Client 10", "Bäckerei Müller GmbH, a client with a long name"):
        team = Team.objects.create(name=name)
        Membership.objects.create(team=team, user=alice, role=Membership.Role.OWNER)
        Domain.objects.create(team=team, name=f"{team.pk}.example.com")
    return alice


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_an_msp_switches_teams_in_the_header(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = msp()
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/alerts/")
    switcher = page.locator(".nav-team")
    expect(switcher).to_contain_text("alice@example.org's team")
    switcher.click()
    teams = page.locator(".nav-team-list")
    expect(teams).to_be_visible()
    # Inside the window, on a phone too.
    found = box(teams)
    assert found["x"] >= 0 and found["x"] + found["width"] <= width
    page.get_by_role("button", name="Client 10").click()
    page.wait_for_url("**/alerts/")
    expect(page.locator(".nav-team")).to_contain_text("Client 10")
    assert Profile.objects.get(user=alice).current_team.name == "Client 10"
    # The list is closed on the new page, and every link of the header still fits.
    expect(page.locator(".nav-team-list")).to_be_hidden()
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_list_says_why_there_is_no_trend_and_where_a_first_check_is(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    partial = Domain.objects.create(team=team, name="partial.example.com")
    run_of(partial, 8)
    run_of(partial, 0, starttls_not_checked)
    now = timezone.now()
    Domain.objects.create(
        team=team, name="new.example.com", verified_at=now, next_check_at=now + timedelta(hours=6)
    )
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/")
    trend = page.locator("tr", has_text="partial.example.com").locator(
        '[data-label="Since last week"] span[title]'
    )
    expect(trend).to_contain_text("not comparable")
    assert "STARTTLS on the MX hosts could not be checked" in (trend.get_attribute("title") or "")
    expect(page.locator("tr", has_text="new.example.com")).to_contain_text(
        "Not checked yet: its first check is under way."
    )
    assert csp_violations(page) == []
