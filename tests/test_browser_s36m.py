"""s36m in Debian's chromium: an MSP finds domains by name on the TLS reports of all its
domains (/tlsrpt/all-domains/): typing swaps the list and keeps the address shareable (the
address bar holds ?q=), Back after Apply returns the list of before, and the address opened
anew shows the same filtered list."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Team
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_reports_s35t import add_domain, add_report

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_find_a_domain_among_many(browser: Browser, live_server: Any) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    today = timezone.now().date()
    for n in range(12):
        _, address = add_domain(team, f"client{n:02d}.example")
        add_report(address, today, ok=10, failed=n % 2)
    _, shop = add_domain(team, "shop-one.example")
    add_report(shop, today, ok=10, failed=4)
    add_domain(team, "shop-quiet.example")

    page = signed_in(browser, live_server, alice).new_page()
    url = f"{live_server.url}/tlsrpt/all-domains/"
    page.goto(url)
    rows = page.locator("#all-domains-list tbody tr")
    expect(rows).to_have_count(13)
    page.get_by_role("searchbox", name="Find").fill("shop")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text("shop-one.example")
    expect(page).to_have_url(f"{url}?q=shop")
    expect(page.locator("#no-report")).to_contain_text(
        "1 domain with \u201cshop\u201d in the name received no report"
    )
    # Apply adds a step; Back returns to the list of before it.
    page.get_by_role("searchbox", name="Find").fill("client0")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{url}?q=client0")
    expect(rows).to_have_count(10)
    page.go_back()
    expect(page).to_have_url(f"{url}?q=shop")
    expect(rows).to_have_count(1)
    # The address shared: the same list, the text in its box.
    other = signed_in(browser, live_server, alice).new_page()
    other.goto(f"{url}?q=shop")
    expect(other.locator("#all-domains-list tbody tr")).to_have_count(1)
    expect(other.get_by_role("searchbox", name="Find")).to_have_value("shop")
    assert csp_violations(page) == []
