"""The enforce-readiness card of the reports dashboard in a real browser, signed in: its
verdict, the Copy button that copies the change to make (the policy file in mode enforce and
the _mta-sts record with a new id, as copy.js puts it on the clipboard), no
Content-Security-Policy violation, and a page that a phone-sized window (375 px) reads
without scrolling the whole page sideways. The data is built as
tests/test_readiness_s11_self_hosted.py builds it: TLS reports fed through ingestion and the
engine's f01 lab report moved to example.com in mode testing. Needs Debian's chromium, not
the lab."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connections
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from tests.conftest import PHASE_REPORTS
from tests.test_page_queries import F01
from tests.test_readiness_s11_self_hosted import CARD, DOMAIN, engine_findings, sts
from tests.test_reports_dash_s8_figures import detail, post, report

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PHONE = {"width": 375, "height": 812}
# Every securitypolicyviolation the page raises, kept where the test can read it.
WATCH_CSP = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push("
    "e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':'"
    " + e.lineNumber));"
)
# The elements wider than the window, for a message that says which one overflows.
WIDER_THAN_WINDOW = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .filter(el => !el.closest('.table-scroll, .chart, pre'))
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className : '')
      + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
}"""


@pytest.fixture
def browser(chromium: Browser, settings: Any, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """The module's chromium (tests/conftest.py), with sessions and page caches private to
    this test; what the test left open is closed after it, so no page of it polls the next
    test's server. A test that failed leaves a screenshot of each page it had open
    (screenshots_of_a_failure)."""
    settings.CACHES = LOCMEM
    # Emptied as conftest's _fresh_cache empties the default cache (which ran before the
    # switch): local-memory caches of one name share their store for the whole process, so
    # allauth's rate-limit counters (by IP, 127.0.0.1 for every browser test) and cached pages
    # of earlier browser tests would carry over, and whether a code mail is sent would depend
    # on which files the parallel run put in this worker before this test.
    caches["default"].clear()
    yield chromium
    screenshots_of_a_failure(chromium, request.node)
    for context in chromium.contexts:
        context.close()
    # Inside Playwright's block the test ran in the contextvars context its greenlets left
    # it in, so Django's connections (context-local) were fresh ones: close what the test
    # opened, or the orphaned connection outlives the session and the test database cannot
    # be dropped ("being accessed by other users").
    connections.close_all()


# No htmx request in flight, no swap or settle under way (htmx's own classes on the elements
# concerned), the page loaded. What a test waits for before it measures or audits the page as a
# whole, once what it reads is shown: networkidle waited at least 500 ms past the last request
# (polling pages until a gap between polls) and said nothing about htmx's swap.
HTMX_QUIET = (
    "() => document.readyState === 'complete'"
    " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
)


def settled(page: Page) -> None:
    """Wait until the page is loaded and htmx has nothing in flight (HTMX_QUIET)."""
    page.wait_for_function(HTMX_QUIET)


def screenshots_of_a_failure(browser: Browser, test: pytest.Item) -> None:
    """If the test failed, each page it left open as it was then, for whoever reads the
    failure: ARTIFACTS/failed/<test>-<n>.png. The browser tests take no other screenshot: none
    read them, and a full-page one costs a tenth of a second or more. A browser that crashed
    takes none; the test's own failure is what is reported."""
    if not any(report.failed for report in test.stash.get(PHASE_REPORTS, {}).values()):
        return
    folder = ARTIFACTS / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "-", test.nodeid)
    pages = [page for context in browser.contexts for page in context.pages]
    for n, page in enumerate(pages, 1):
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=str(folder / f"{name}-{n}.png"), full_page=True, timeout=5000)


def box(locator: Locator) -> dict[str, float]:
    """The element's bounding box (x, y, width, height in CSS pixels); it must be shown."""
    found = locator.bounding_box()
    assert found is not None
    return found


def signed_in(
    browser: Browser, live_server: Any, user: User, viewport: dict[str, int] | None = None
) -> BrowserContext:
    """A browser context signed in as `user`, allowed to read and write the clipboard, whose
    pages record their CSP violations in window.cspViolations."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport=viewport or {"width": 1100, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(WATCH_CSP)
    return context


def csp_violations(page: Page) -> list[str]:
    return list(page.evaluate("window.cspViolations"))


def clipboard(page: Page) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def owner() -> User:
    alice = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team)
    return alice


def self_hosted_in_testing(user: User, failing: dict[str, int] | None = None) -> ReportAddress:
    """example.com, serving its own policy in mode testing (the latest check says so), with
    8 days of reports from 2 organisations; `failing`: per MX, sessions failed each day."""
    team = Team.objects.get(memberships__user=user)
    domain = Domain.objects.create(team=team, name=DOMAIN, verified_at=timezone.now())
    now = timezone.now()
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        created=now,
        finished=now,
        findings=engine_findings(),
        mechanisms=F01["mechanisms"],
    )
    Domain.objects.filter(pk=domain.pk).update(last_run=run)
    address = ReportAddress.for_domain(domain)
    today = now.date()
    for n in range(1, 9):
        day = today - timedelta(days=n)
        for i, org in enumerate(("Google Inc.", "Microsoft Corporation")):
            details = [
                detail("sts-webpki-invalid", count, mx=host, ip="192.0.2.25")
                for host, count in (failing or {}).items()
                if i == 0
            ]
            failed = sum(d["failed-session-count"] for d in details)
            raw = post(address, report(org, f"{day}_{org}", day, [sts(40 + n, failed, details)]))
            assert raw.parse_status == "parsed", raw.error
    return address


@pytest.mark.django_db(transaction=True)
def test_a_ready_card_reads_ready_and_copies_the_change(browser: Browser, live_server: Any) -> None:
    alice = owner()
    address = self_hosted_in_testing(alice)
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/tlsrpt/{address.token}/dashboard/")

    card = page.locator("section.readiness")
    expect(card.get_by_role("heading", name=CARD)).to_be_visible()
    expect(card).to_contain_text("Ready: 8 days of reports from 2 organisations")
    expect(card).not_to_contain_text("Not yet")

    # What the card shows, one copy box each (task s32k): the whole policy file in mode
    # enforce, then the record's value, its name in the box's head.
    change = card.locator("#enforce-change")
    button = card.get_by_role("button", name="Copy the policy file of the change to enforce")
    button.click()
    expect(button).to_have_text("Copied")
    copied = clipboard(page)
    assert copied == change.inner_text().strip()
    policy_lines = ["version: STSv1", "mode: enforce", "mx: mx1.example.com"]
    policy_lines += ["mx: mx2.example.com", "max_age: 604800"]
    assert copied.splitlines() == policy_lines, copied
    expect(button).to_have_text("Copy", timeout=5000)  # the label comes back
    expect(card).to_contain_text("TXT record at _mta-sts.example.com")
    record = card.get_by_role("button", name=re.compile("Copy the TXT record at _mta-sts"))
    record.click()
    expect(record).to_have_text("Copied")
    assert re.fullmatch(r"v=STSv1; id=\d{8}T\d{6}", clipboard(page)), clipboard(page)
    assert csp_violations(page) == []
    # The watch itself works: an inline script, which the policy forbids, is reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_function("window.cspViolations.length > 0")
    assert csp_violations(page)[0].startswith("script-src"), csp_violations(page)
    assert page.evaluate("window.ran") is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failing", [None, {"mx2.example.com": 3}], ids=["ready", "not-ready"])
def test_the_dashboard_with_its_card_fits_a_phone(
    browser: Browser, live_server: Any, failing: dict[str, int] | None
) -> None:
    alice = owner()
    address = self_hosted_in_testing(alice, failing)
    page = signed_in(browser, live_server, alice, viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/tlsrpt/{address.token}/dashboard/")
    card = page.locator("section.readiness")
    expect(card.get_by_role("heading", name=CARD)).to_be_visible()
    expect(card).to_contain_text("Not yet" if failing else "Ready:")
    # The page as a whole does not scroll sideways; wide tables scroll in their own box.
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], (widths, page.evaluate(WIDER_THAN_WINDOW))
    assert page.evaluate(WIDER_THAN_WINDOW) == []
    # Each MX of the per-MX table reads as one name, not "mx1.ex/amp/le./com" squeezed into
    # a narrow column (code may wrap anywhere); a table too wide scrolls in its own box.
    lines_per_mx = card.locator("table tbody td:first-child code").evaluate_all(
        "codes => codes.map(c => [c.textContent, c.getClientRects().length])"
    )
    assert lines_per_mx == [["mx1.example.com", 1], ["mx2.example.com", 1]], lines_per_mx
    if not failing:
        button = card.get_by_role("button", name="Copy the policy file of the change to enforce")
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        button.click()
        expect(button).to_have_text("Copied")
        assert "mode: enforce" in clipboard(page)
    assert csp_violations(page) == []
