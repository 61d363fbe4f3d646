"""Two usability defects an accessibility audit found, in a real browser (Debian's chromium, no
lab): the free check's progress poll re-rendered the results once a second and closed every
<details> the visitor had opened (a finding's evidence could not be read until the check
ended), and the Copy buttons said "Copied" only on the button, which a screen reader does not
announce (and a second press within 2 s left "Copied" on the button for good). Also: the
domain page's run progress poll, which swaps only its own box and so already kept them."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import CheckRun, Domain
from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, clipboard, csp_violations, signed_in
from tests.test_browser_s12_a11y import EVERY_STATUS, Server, anonymous
from tests.test_page_queries import run, set_last_runs

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

# An evidence long enough to scroll in its box (max-height 24rem).
LONG_EVIDENCE = {"policy": "\n".join(f"mx: mx{i}.example.net" for i in range(120))}


def long_evidence_report() -> dict[str, Any]:
    report = copy.deepcopy(EVERY_STATUS)
    report["domain"] = "example.net"
    first = next(f for f in report["findings"] if f["mechanism"] == "mta-sts")
    first["evidence"] = LONG_EVIDENCE
    return report


def partial(report: dict[str, Any], done: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    return {m: [f for f in report["findings"] if f["mechanism"] == m] for m in done}


def scroll_to(page: Page, box: Locator, top: int) -> None:
    """Scrolls the box as a visitor would, once it can scroll that far. On a loaded machine
    (CI at about five times its usual time) the first try once read 0 straight after setting 150:
    the box was not yet laid out as scrollable. Each try sets and reads in one task, so no poll
    swap can come between; what the test is about (the polls keep it) is asserted after."""
    for _ in range(50):
        if box.evaluate("(el, top) => { el.scrollTop = top; return el.scrollTop; }", top) == top:
            return
        page.wait_for_timeout(200)
    sizes = box.evaluate("el => [el.scrollHeight, el.clientHeight, el.isConnected]")
    raise AssertionError(f"the evidence box never scrolled to {top}: {sizes}")


def is_open(page: Page, selector: str) -> bool:
    return bool(page.locator(selector).first.evaluate("el => el.open"))


@pytest.mark.django_db(transaction=True)
def test_the_free_check_poll_leaves_opened_details_open(browser: Browser, live_server: Any) -> None:
    report = long_evidence_report()
    started = timezone.now() - timedelta(seconds=5)
    check = FreeCheck.objects.create(
        domain="example.net",
        status=FreeCheck.State.RUNNING,
        created=started,
        started=started,
        partial=partial(report, ("mx", "mta-sts")),
    )
    page = anonymous(browser)
    page.goto(f"{live_server.url}/check/{check.code}")
    expect(page.locator(".fc-state")).to_contain_text("2 of")

    # The visitor unfolds MTA-STS's passes, opens the first one's evidence and scrolls in it.
    more = "#m-mta-sts details.fc-more"
    evidence = f"{more} details.fc-evidence"
    page.locator(f"{more} > summary").click()
    page.locator(f"{evidence} > summary").first.click()
    box = page.locator(f"{evidence} pre").first
    expect(box).to_contain_text("mx0.example.net")
    scroll_to(page, box, 150)
    assert not is_open(page, "#m-mx details.fc-more")  # one left closed

    # Two polls, each swapping in new results (the counter moves on).
    for done, counter in (
        (("mx", "mta-sts", "spf"), "3 of"),
        (("mx", "mta-sts", "spf", "dmarc"), "4 of"),
    ):
        FreeCheck.objects.filter(pk=check.pk).update(partial=partial(report, done))
        expect(page.locator(".fc-state")).to_contain_text(counter)
        assert is_open(page, more)
        assert is_open(page, evidence)
        assert box.evaluate("el => el.scrollTop") == 150
        assert not is_open(page, "#m-mx details.fc-more")

    # The check ends: the last swap (the final report, no more polling) keeps them too.
    FreeCheck.objects.filter(pk=check.pk).update(
        status=FreeCheck.State.DONE, report=report, partial={}, finished=timezone.now()
    )
    expect(page.locator(".fc-state")).to_contain_text("Checked in")
    assert is_open(page, more)
    assert is_open(page, evidence)
    assert box.evaluate("el => el.scrollTop") == 150
    assert not is_open(page, "#m-mx details.fc-more")
    # Only what the visitor opened: the other evidence of the fold stays closed.
    assert page.locator(f"{evidence}[open]").count() == 1
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_domain_progress_poll_leaves_the_panels_as_they_were(
    browser: Browser, live_server: Any
) -> None:
    """The domain page's poll swaps only the progress box, which holds no <details>: the
    mechanism panels of the last run stay as the visitor set them."""
    user = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    domain = Domain.objects.create(team=team, name="example.org", verified_at=timezone.now())
    run(domain, timezone.now() - timedelta(hours=1)).save()
    set_last_runs([domain])
    checking = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.RUNNING, started=timezone.now(), mechanisms={}
    )
    page = signed_in(browser, Server(live_server.url), user).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    expect(page.locator("#progress")).to_contain_text("0 of 10")
    panels = page.locator("details.panel")
    opened = [i for i in range(panels.count()) if panels.nth(i).evaluate("el => el.open")]
    closed = [i for i in range(panels.count()) if i not in opened]
    assert len(closed) >= 2
    panels.nth(closed[0]).locator("summary").click()  # the visitor opens one
    if opened:
        panels.nth(opened[0]).locator("summary").click()  # and closes one the page opened
    want = [panels.nth(i).evaluate("el => el.open") for i in range(panels.count())]

    for mechanisms, counter in (
        ({"mx": "pass"}, "1 of 10"),
        ({"mx": "pass", "spf": "info"}, "2 of 10"),
    ):
        CheckRun.objects.filter(pk=checking.pk).update(mechanisms=mechanisms)
        expect(page.locator("#progress")).to_contain_text(counter)
        assert [panels.nth(i).evaluate("el => el.open") for i in range(panels.count())] == want
    assert csp_violations(page) == []


def copy_page(
    browser: Browser, live_server: Any, *, clipboard_allowed: bool, clock: bool = False
) -> Page:
    when = timezone.now() - timedelta(minutes=1)
    check = FreeCheck.objects.create(
        domain="example.org",
        status=FreeCheck.State.DONE,
        report=EVERY_STATUS,
        created=when,
        started=when,
        finished=when,
    )
    permissions = ["clipboard-read", "clipboard-write"] if clipboard_allowed else []
    context = browser.new_context(viewport={"width": 1100, "height": 900}, permissions=permissions)
    context.add_init_script(WATCH_CSP)
    if not clipboard_allowed:
        # The clipboard refuses, and so does the copy command copy.js tries next.
        context.add_init_script(
            "navigator.clipboard.writeText = () => Promise.reject(new Error('refused'));"
            "Document.prototype.execCommand = () => false;"
        )
    page = context.new_page()
    if clock:
        page.clock.install()  # the page's timers move only when the test says so
    page.goto(f"{live_server.url}/check/{check.code}")
    expect(page.locator(".fc-state")).to_contain_text("Checked in")
    return page


def live_region(page: Page) -> Any:
    region = page.locator("[aria-live='polite'][data-copy-status]")
    expect(region).to_have_count(1)
    return region


@pytest.mark.django_db(transaction=True)
def test_copy_is_announced_in_a_live_region(browser: Browser, live_server: Any) -> None:
    page = copy_page(browser, live_server, clipboard_allowed=True)
    region = live_region(page)
    expect(region).to_have_text("")
    # Present (and empty) before anything is copied: a screen reader announces changes only of
    # a live region it already knows. Not seen: it changes nothing of the look.
    box = region.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1

    button = page.locator("button[data-copy-target='fc-permalink']")
    button.click()
    expect(region).to_have_text("Copied")
    expect(button).to_have_text("Copied")
    assert clipboard(page) == page.locator("#fc-permalink").inner_text()
    expect(button).to_have_text("Copy link")

    # The fix of a finding: the same region says it.
    fix = page.get_by_role("button", name="Copy the fix for DMARC-10")
    fix.click()
    expect(region).to_have_text("Copied")
    assert "v=spf1" in clipboard(page)
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_copy_refused_is_announced_too(browser: Browser, live_server: Any) -> None:
    page = copy_page(browser, live_server, clipboard_allowed=False)
    region = live_region(page)
    button = page.locator("button[data-copy-target='fc-permalink']")
    button.click()
    expect(region).to_have_text("Press Ctrl+C")
    expect(button).to_have_text("Press Ctrl+C")
    selected = page.evaluate("String(window.getSelection())")
    assert selected.strip() == page.locator("#fc-permalink").inner_text()
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_copy_pressed_twice_gets_its_label_back(browser: Browser, live_server: Any) -> None:
    page = copy_page(browser, live_server, clipboard_allowed=True, clock=True)
    button = page.locator("button[data-copy-target='fc-permalink']")
    button.click()
    expect(button).to_have_text("Copied")
    page.clock.run_for(1000)
    button.click()  # again, while it still says Copied
    expect(button).to_have_text("Copied")
    # Past both presses' 2 s: the button's own label, not the "Copied" the second press saw.
    page.clock.run_for(5000)
    expect(button).to_have_text("Copy link")
