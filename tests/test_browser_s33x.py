"""Task s33x item 1 in Debian's chromium: "Copy all records" puts no record on the clipboard
that replaces a published one (a corrected SPF record, a stricter DMARC record); each of those
has its own box under "Replace these records", copying its value alone.
tests/test_webapp_s33x.py has the rest."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Profile
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import clipboard, csp_violations, owner, signed_in
from tests.test_webapp_s32w import run_of
from tests.test_webapp_s33x import DOMAIN, TLSA_RECORD, published_now

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1100, 375])
def test_copy_all_records_holds_no_replacement(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    domain = Domain.objects.create(team=team, name=DOMAIN)
    run_of(domain, 0, published_now)
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    card = page.locator("section.records-to-publish")
    button = card.get_by_role("button", name="Copy all records")
    button.click()
    expect(button).to_have_text("Copied")
    copied = clipboard(page)
    assert copied.strip() == TLSA_RECORD
    assert "v=spf1" not in copied and "DMARC1" not in copied
    replace = card.locator("#records-to-replace")
    expect(card.get_by_role("heading", name="Replace these records")).to_be_visible()
    spf = replace.get_by_role("button", name=f"Copy the TXT record at {DOMAIN} to replace")
    spf.click()
    expect(spf).to_have_text("Copied")
    assert clipboard(page) == "v=spf1 mx include:x.example -all"
    expect(replace).to_contain_text('In place of _dmarc.shop.example.com. TXT "v=DMARC1; p=none')
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_filled_in_txt_record_over_255_octets_is_copied_as_quoted_strings(
    browser: Browser, live_server: Any
) -> None:
    # Task s33x item 3: a DKIM key typed into "<the public key>" made a value of one string
    # over 255 octets, which zone files and most DNS panels refuse (RFC 1035 §3.3.14); every
    # other box copies such a value as quoted strings (checks.dns.quote_txt).
    from checks.dns import quote_txt
    from tests.test_webapp_s33w import still_to_fix

    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    domain = Domain.objects.create(team=team, name="shop.example.com")
    run_of(domain, 0, still_to_fix)
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    box = page.locator(".fix-box").filter(has_text="TXT record at sel._domainkey.shop.example.com")
    button = box.get_by_role("button")
    key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 350
    box.get_by_role("textbox", name="the public key").fill(key)
    button.click()
    expect(button).to_have_text("Copied")
    assert clipboard(page) == quote_txt(f"v=DKIM1; p={key}")
    # A short key stays one unquoted value, as the box shows it.
    box.get_by_role("textbox", name="the public key").fill("MIIBIjANBgkq")
    button.click()
    assert clipboard(page) == "v=DKIM1; p=MIIBIjANBgkq"
    assert csp_violations(page) == []
