"""Blind round s41h in Debian's chromium (tests/test_freecheck_s41h_blind.py has the rest): two
of the round's pastes typed into the free check form, expectations written before it ran.

- "_dmarc.example.com" (a record's name copied from a DNS panel): the reason beside the field,
  naming example.com as the domain to enter; the field keeps what was typed; no run.
- "  https://Bücher.DE/path  " (a URL of an IDN, in capitals, with blanks around it): the page
  lands on the report's permalink, whose heading is the U-label bücher.de with its A-label
  beside it. The run itself is not started (no lookups leave the test).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from playwright.sync_api import Browser, Page, expect

from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.fixture(autouse=True)
def own_counters() -> Iterator[None]:
    with patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
        yield


def type_and_check(page: Page, base: str, typed: str) -> None:
    page.goto(f"{base}/check")
    page.get_by_label("Domain to check").fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Check", exact=True).click()


@pytest.mark.django_db(transaction=True)
def test_s41h_a_record_name_is_refused_beside_the_field(browser: Browser, live_server: Any) -> None:
    context = browser.new_context()
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    with patch("mailsec.freecheck.views.run_free_check.delay") as started:
        type_and_check(page, live_server.url, "_dmarc.example.com")
    error = page.locator("#fc-error")
    expect(error).to_be_visible()
    said = error.inner_text()
    assert "DNS record" in said and "example.com" in said, said
    assert page.get_by_label("Domain to check").input_value() == "_dmarc.example.com"
    assert page.get_by_label("Domain to check").get_attribute("aria-invalid") == "true"
    assert not started.called and not FreeCheck.objects.exists()
    assert csp_violations(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_s41h_an_idn_url_lands_on_its_report(browser: Browser, live_server: Any) -> None:
    context = browser.new_context()
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    with patch("mailsec.freecheck.views.run_free_check.delay") as started:
        type_and_check(page, live_server.url, "  https://Bücher.DE/path  ")
    run = FreeCheck.objects.get()
    assert run.domain == "xn--bcher-kva.de"
    assert started.called
    assert page.url.rstrip("/").endswith(run.get_absolute_url().rstrip("/"))
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "bücher.de" in heading and "xn--bcher-kva.de" in heading, heading
    assert csp_violations(page) == []
    context.close()
