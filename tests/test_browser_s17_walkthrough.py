"""Pressing Verify on a phone (390 × 844), in Debian's chromium. A walkthrough in session 17
found the page reloaded at its top after a Verify that found no record, the sentence saying so
("No TXT record found at _mailsec-challenge… yet") below the fold: the person saw nothing
happen. The page must come back with that sentence on screen."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import pytest
from playwright.sync_api import Browser, expect

from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import signed_in
from tests.test_browser_s12_a11y import Server
from tests.test_browser_s15_phone import PHONE
from tests.test_domains import stub_dns
from tests.test_web_s10_verify import person

pytestmark = [pytest.mark.browser]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_a_failed_verify_shows_its_result_on_a_phone(browser: Browser, live_server: Any) -> None:
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="client.example")
    page = signed_in(browser, Server(live_server.url), user, viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    # A resolver of our own answering NXDOMAIN at once: the lookup fails fast, no lab needed.
    with stub_dns({}) as resolver, mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver}):
        page.get_by_role("button", name="Verify").click()
        result = page.locator("#verify-result")
        expect(result).to_contain_text("No TXT record found at _mailsec-challenge")
    page.wait_for_load_state("load")
    box = result.bounding_box()
    assert box is not None
    scrolled = page.evaluate("window.scrollY")
    top = box["y"]  # relative to the viewport
    assert top >= 0 and top + min(box["height"], 40) <= PHONE["height"], (top, scrolled)
