"""Review of the free check's focus keeping and copy buttons (static/js/forms.js, copy.js), in a
real browser (Debian's chromium, no lab), while the 1 s progress poll replaces the results:

- copying a fix left the focus on a button whose text had become "Copied"; the poll's new
  content has no such button, so the focus went to the first heading and the page jumped to
  the top;
- the "N more findings" summary with the focus changes its text at the final swap, with the
  same effect;
- with no Clipboard API (plain http), the text was only selected ("Press Ctrl+C") and the next
  poll cleared the selection within a second.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, clipboard, csp_violations
from tests.test_browser_s12_a11y import EVERY_STATUS, partial_findings, running_freecheck

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

# In the page's order (checks.findings.Mechanism): DMARC is the 7th, DNSSEC and DANE come after
# it, so what the polls add is below the button and moves nothing above it.
SEVEN = ("mx", "mta-sts", "tls-rpt", "smtp", "spf", "dkim", "dmarc")
POLLS = ((*SEVEN, "dnssec"), "8 of"), ((*SEVEN, "dnssec", "dane"), "9 of")
FIX = "Copy the fix for DMARC-10"
# The record's value alone: its type and name are in the box's head (task s32k).
FIX_TEXT = "v=spf1 mx -all"
# The element with the focus, as a test message can show it.
ACTIVE = "(document.activeElement.getAttribute('aria-label') || document.activeElement.outerHTML)"


def context(browser: Browser, *, clipboard_allowed: bool = True) -> BrowserContext:
    permissions = ["clipboard-read", "clipboard-write"] if clipboard_allowed else []
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, permissions=permissions)
    ctx.add_init_script(WATCH_CSP)
    return ctx


def running_page(ctx: BrowserContext, url: str) -> tuple[Page, FreeCheck]:
    check = running_freecheck(done=SEVEN)
    page = ctx.new_page()
    page.goto(f"{url}/check/{check.code}")
    expect(page.locator(".fc-state")).to_contain_text("7 of")
    return page, check


def scroll_to_fix(page: Page) -> int:
    """Scroll as a reader does, so the DMARC fix is on screen and the page is well down."""
    # The page polls while the check runs: a swap landing between finding the button and
    # scrolling to it detaches it (seen at load 5), so find it again.
    for attempt in range(5):
        try:
            page.get_by_role("button", name=FIX).scroll_into_view_if_needed()
            break
        except PlaywrightError as e:
            if "not attached" not in str(e) or attempt == 4:
                raise
    return scroll_on(page)


def scroll_on(page: Page) -> int:
    """A bit further down (at once, not smoothly as the wheel does); the place reached."""
    y = int(page.evaluate("window.scrollBy(0, 200), window.scrollY"))
    assert y > 500  # far from the top
    return y


@pytest.mark.django_db(transaction=True)
def test_copying_a_fix_during_the_poll_keeps_the_place_and_the_focus(
    browser: Browser, live_server: Any
) -> None:
    page, check = running_page(context(browser), live_server.url)
    y = scroll_to_fix(page)
    fix = page.get_by_role("button", name=FIX)
    fix.click()
    # The live region, outside what the poll swaps: the button itself is replaced within 1 s.
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert clipboard(page) == FIX_TEXT

    for done, counter in POLLS:
        FreeCheck.objects.filter(pk=check.pk).update(partial=partial_findings(done))
        expect(page.locator(".fc-state")).to_contain_text(counter)
        # Same place on the page, the focus on the same button (a new element: the old one
        # went with the old content), not on a heading at the top.
        assert page.evaluate("window.scrollY") == y
        expect(fix).to_be_focused()
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_more_findings_summary_keeps_the_focus_when_the_check_ends(
    browser: Browser, live_server: Any
) -> None:
    page, check = running_page(context(browser), live_server.url)
    summary = page.locator("#m-dmarc details.fc-more > summary")
    summary.scroll_into_view_if_needed()
    y = scroll_on(page)
    summary.focus()
    before = summary.inner_text()

    # The check ends with one more DMARC finding than the last poll showed: the fold's summary
    # reads "9 more findings" now, and the poll stops.
    report = copy.deepcopy(EVERY_STATUS)
    report["findings"].append({**report["findings"][-1], "id": "DMARC-99", "mechanism": "dmarc"})
    report["findings"][-1].update(status="pass", fix="")
    FreeCheck.objects.filter(pk=check.pk).update(
        status=FreeCheck.State.DONE, report=report, partial={}, finished=timezone.now()
    )
    expect(page.locator(".fc-state")).to_contain_text("Checked in")
    assert summary.inner_text() != before  # what made the focus fall off before
    expect(summary).to_be_focused()
    assert page.evaluate("window.scrollY") == y
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_control_gone_from_the_new_content_leaves_the_focus_in_its_section(
    browser: Browser, live_server: Any
) -> None:
    """The fold with the focus is not in the final report (DMARC ends with its failure only):
    the focus goes to DMARC's heading, without scrolling, not to the page's first heading."""
    page, check = running_page(context(browser), live_server.url)
    summary = page.locator("#m-dmarc details.fc-more > summary")
    for attempt in range(5):
        # The running page's poll may swap the results between finding the fold and
        # scrolling to it (CI, loaded): find it again in the new content.
        try:
            summary.scroll_into_view_if_needed()
            break
        except PlaywrightError as e:
            if "not attached" not in str(e) or attempt == 4:
                raise
    y = scroll_on(page)
    summary.focus()
    report = copy.deepcopy(EVERY_STATUS)
    report["findings"] = [
        f for f in report["findings"] if f["mechanism"] != "dmarc" or f["status"] == "fail"
    ]
    FreeCheck.objects.filter(pk=check.pk).update(
        status=FreeCheck.State.DONE, report=report, partial={}, finished=timezone.now()
    )
    expect(page.locator(".fc-state")).to_contain_text("Checked in")
    expect(page.locator("#m-dmarc details.fc-more")).to_have_count(0)
    expect(page.locator("#m-dmarc h3")).to_be_focused()
    assert page.evaluate("window.scrollY") == y
    assert csp_violations(page) == []


# What plain http gives a page: no navigator.clipboard at all (it exists in secure contexts
# only). The test keeps the real one aside to read what was copied.
NO_CLIPBOARD_API = (
    "window.testClipboard = navigator.clipboard; delete Navigator.prototype.clipboard;"
)
# A browser that refuses execCommand("copy") too: only selecting the text is left.
NO_COPY_COMMAND = "Document.prototype.execCommand = () => false;"
SELECTED = "String(window.getSelection()).trim()"


def without_clipboard_api(browser: Browser, *scripts: str) -> BrowserContext:
    ctx = context(browser)
    for script in (NO_CLIPBOARD_API, *scripts):
        ctx.add_init_script(script)
    return ctx


@pytest.mark.django_db(transaction=True)
def test_without_the_clipboard_api_the_copy_command_copies(
    browser: Browser, live_server: Any
) -> None:
    page, check = running_page(without_clipboard_api(browser), live_server.url)
    assert page.evaluate("navigator.clipboard === undefined")
    scroll_to_fix(page)
    page.get_by_role("button", name=FIX).click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("window.testClipboard.readText()") == FIX_TEXT
    # Nothing left selected: the copy is done.
    assert page.evaluate(SELECTED) == ""
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_text_to_copy_by_hand_stays_selected_across_the_poll(
    browser: Browser, live_server: Any
) -> None:
    page, check = running_page(without_clipboard_api(browser, NO_COPY_COMMAND), live_server.url)
    scroll_to_fix(page)
    page.get_by_role("button", name=FIX).click()
    expect(page.locator("[data-copy-status]")).to_have_text("Press Ctrl+C")
    assert page.evaluate(SELECTED) == FIX_TEXT

    for done, counter in POLLS:
        FreeCheck.objects.filter(pk=check.pk).update(partial=partial_findings(done))
        expect(page.locator(".fc-state")).to_contain_text(counter)
        # Still selected, in the new content (the old <pre> went with the swap): Ctrl+C
        # copies what the page says it will.
        assert page.evaluate(SELECTED) == FIX_TEXT
        assert page.evaluate(
            "document.getElementById('fix-dmarc-1').contains("
            "window.getSelection().getRangeAt(0).commonAncestorContainer)"
        )
    assert csp_violations(page) == []
