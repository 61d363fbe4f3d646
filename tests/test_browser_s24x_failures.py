"""s24x: a failed poll is said once, not every second.

static/js/failures.js removed and re-inserted its role="alert" note on every failed request:
on the free check's 1 s poll a screen reader read the same alert out every second while the
server kept failing. A note for the same part of the page with the same words now stays as
it is (inserted once); different words replace it.

The failures are made by the browser's own request routing (a 500 answer) in front of the
real live server; everything else is the real app."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect

from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in

# serial: runs beside the lab tests, to even out the two parts of scripts/test.sh (CI at
# 8b29114e: the workers' part 19:11, the lab's 17:13).
pytestmark = [pytest.mark.browser, pytest.mark.serial]

browser = test_browser_s11_readiness.browser

# Counts every .htmx-failure element put into the page (each insertion is an announcement).
COUNT_INSERTIONS = """
window.failureInsertions = 0;
new MutationObserver(records => {
  for (const r of records) for (const n of r.addedNodes)
    if (n.nodeType === 1 && n.classList.contains("htmx-failure")) window.failureInsertions += 1;
}).observe(document, {childList: true, subtree: true});
"""


@pytest.mark.django_db(transaction=True)
def test_a_poll_failing_again_and_again_says_so_once(browser: Browser, live_server: Any) -> None:
    check = FreeCheck.objects.create(domain="example.com")  # pending: the page polls every 1 s
    page = signed_in(browser, live_server, owner()).new_page()
    page.add_init_script(COUNT_INSERTIONS)
    failed = []

    def server_error(route: Route) -> None:
        failed.append(route.request.url)
        route.fulfill(status=500, body="<h1>Server Error (500)</h1>", content_type="text/html")

    page.route("**/results", server_error)
    page.goto(f"{live_server.url}/check/{check.code}")
    note = page.locator(".htmx-failure")
    expect(note).to_contain_text("the server had a problem (error 500)")
    for _ in range(150):  # until the poll has failed four times
        if len(failed) >= 4:
            break
        page.wait_for_timeout(100)
    assert len(failed) >= 4, failed
    page.wait_for_timeout(300)  # the last failure's handler has run
    expect(note).to_have_count(1)
    assert page.evaluate("window.failureInsertions") == 1

    # Another failure of the same part, in other words, replaces the note.
    page.unroute("**/results")
    page.route("**/results", lambda route: route.abort("internetdisconnected"))
    expect(note).to_contain_text("mailsec could not be reached")
    expect(note).to_have_count(1)
    assert page.evaluate("window.failureInsertions") == 2
    assert csp_violations(page) == []
