"""A viewer of a team (read-only) in Debian's chromium: the domain page shows the domain and
its results, and no button that changes anything, the read-only note in their place."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Membership, Profile
from mailsec.domains.models import CheckRun, Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, signed_in
from tests.test_browser_s12_a11y import Server
from tests.test_web_s10_verify import person

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


def teammate_of_alice(name: str, role: str) -> tuple[User, Domain]:
    """`name`, with `role` in alice's team, and the team's checked domain example.com."""
    from django.utils import timezone

    _, team = person("alice")
    user = User.objects.create_user(name, f"{name}@example.org")
    Membership.objects.create(team=team, user=user, role=role)
    Profile.objects.create(user=user, current_team=team)
    now = timezone.now()
    domain = Domain.objects.create(team=team, name="example.com", verified_at=now)
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        score=80,
        score_version=1,
        mechanisms={"mx": "pass"},
        findings=[{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"}],
        finished=now,
    )
    domain.set_last_run(run)
    return user, domain


@pytest.mark.django_db(transaction=True)
def test_a_viewer_sees_the_domain_page_without_its_buttons(
    browser: Browser, live_server: Any
) -> None:
    vera, domain = teammate_of_alice("vera", Membership.Role.VIEWER)
    page = signed_in(browser, Server(live_server.url), vera).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    expect(page.get_by_role("heading", name="example.com", exact=True)).to_be_visible()
    expect(page.get_by_text("You have read-only access to this team.").first).to_be_visible()
    for name in ("Check now", "Remove example.com", "Save"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    page.goto(f"{live_server.url}/domains/")
    expect(page.get_by_role("link", name="example.com")).to_be_visible()
    expect(page.get_by_role("button", name="Add domain")).to_have_count(0)
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_member_made_a_viewer_while_the_page_is_open_is_told_on_check_now(
    browser: Browser, live_server: Any
) -> None:
    # htmx 2 swaps no 4xx answer: a 403 left the button doing nothing at all.
    bob, domain = teammate_of_alice("bob", Membership.Role.MEMBER)
    page = signed_in(browser, Server(live_server.url), bob).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    Membership.objects.filter(team=domain.team, user=bob).update(role=Membership.Role.VIEWER)
    page.get_by_role("button", name="Check now").click()
    expect(page.locator("#progress-slot")).to_contain_text("You have read-only access to this team")
    assert domain.runs.count() == 1
    assert csp_violations(page) == []
