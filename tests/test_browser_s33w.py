"""Task s33w item 3 in Debian's chromium: the domain page's "Copy all records" puts exactly
the records its fixes still ask for on the clipboard, as zone-file lines, and nothing else:
no words, no record to delete, none with a value to fill in, none of another zone, and not
two different DMARC records. tests/test_webapp_s33w.py has the rest."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Profile
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import clipboard, csp_violations, owner, signed_in
from tests.test_webapp_s32w import run_of
from tests.test_webapp_s33w import ALL_RECORDS, still_to_fix

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1100, 375])
def test_copy_all_records_copies_exactly_the_zone_file_lines(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    domain = Domain.objects.create(team=team, name="shop.example.com")
    run_of(domain, 0, still_to_fix)
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    card = page.locator("section.records-to-publish")
    expect(card.get_by_role("heading", level=2)).to_have_text("Records to publish")
    button = card.get_by_role("button", name="Copy all records")
    button.click()
    expect(button).to_have_text("Copied")
    assert clipboard(page) == ALL_RECORDS
    # What is shown is what is copied.
    assert card.locator("pre#all-records").inner_text().strip() == ALL_RECORDS
    expect(card.locator("#records-left-out li")).to_have_count(4)
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_box_with_a_placeholder_copies_nothing_until_it_is_filled_in(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    domain = Domain.objects.create(team=team, name="shop.example.com")
    run_of(domain, 0, still_to_fix)
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    page.evaluate("navigator.clipboard.writeText('what was there')")
    box = page.locator(".fix-box").filter(has_text="TXT record at sel._domainkey.shop.example.com")
    expect(box.locator(".fill-note")).to_contain_text("Fill in <the public key> in the box first")
    button = box.get_by_role("button")
    field = box.get_by_role("textbox", name="the public key")
    button.click()
    expect(button).to_have_text("Fill in first")
    expect(field).to_be_focused()
    assert clipboard(page) == "what was there"  # nothing copied

    field.fill("  MIIBIjANBgkq  ")
    button.click()
    expect(button).to_have_text("Copied")
    assert clipboard(page) == "v=DKIM1; p=MIIBIjANBgkq"
    # A box without one copies as before.
    page.get_by_role("button", name="Copy the fix for SPF-09").click()
    assert clipboard(page) == "v=spf1 mx -all"
    assert csp_violations(page) == []
