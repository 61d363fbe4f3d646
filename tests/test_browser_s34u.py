"""Task s34u in Debian's chromium: an MSP pastes more names than its team may have waiting to be
verified. The names not added stay in the form, so once some domains are verified the same
form is sent again as it is, with nothing to pick out of the table. tests/test_webapp_s34u.py
has the rest of what the walk found."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Profile
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_names_over_the_limit_are_sent_again_from_the_form(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    for i in range(49):
        Domain.objects.create(team=team, name=f"waiting{i:02d}.example.com")
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/")
    page.get_by_text("Add several domains at once").click()
    names = page.get_by_role("textbox", name="Domain names")
    names.fill("shop.example.com\nhttps://Bücher.de/\nCLIENT.example.org.")
    page.get_by_role("button", name="Add these domains").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Not added, over your team's limits: 2. They are in the box below"
    )
    names = page.get_by_role("textbox", name="Domain names")
    expect(names).to_have_value("bücher.de\nclient.example.org")

    # Two of the waiting domains are verified: room for two.
    for domain in Domain.objects.filter(
        name__in=["waiting00.example.com", "waiting01.example.com"]
    ):
        domain.verified_at = domain.next_check_at = timezone.now()
        domain.save()
    page.get_by_role("button", name="Add these domains").click()
    expect(page.get_by_role("status")).to_contain_text("Added 2.")
    expect(page.get_by_role("textbox", name="Domain names")).to_have_value("")
    assert set(
        team.domains.filter(name__in=["xn--bcher-kva.de", "client.example.org"]).values_list(
            "name", flat=True
        )
    ) == {"xn--bcher-kva.de", "client.example.org"}
    assert csp_violations(page) == []
