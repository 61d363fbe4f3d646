"""What a browser walkthrough as a new user and as an MSP found in session 18, at 390 and
1280 px in Debian's chromium: the scoring page's table stacked on a phone with no column
names; the header's menu wrapped onto a second line inside a box one line high, its links
over the page's heading; the free check's "Check again now" with its limits squeezed beside
it. And the walk itself (home, free check, sign up by code, add, verify, domain, alerts,
account): no page scrolls sideways, every control has a name."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mailsec.accounts.models import Membership, Team
from mailsec.domains.models import Domain
from mailsec.freecheck import views as freecheck_views
from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import signed_in
from tests.test_browser_s12_a11y import Server
from tests.test_domains import stub_dns
from tests.test_web_s10_verify import person

# serial: runs beside the lab tests, to even out the two parts of scripts/test.sh (CI at
# 8b29114e: the workers' part 19:11, the lab's 17:13).
pytestmark = [pytest.mark.browser, pytest.mark.serial]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser

ROOT = Path(__file__).resolve().parent.parent
# A real report of the engine (the lab's f01), as a finished free check of another name.
F01 = (ROOT / "bench" / "web_f01_report.json").read_text()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
# Screenshots for a person to look at, when S18_SHOTS names a directory.
SHOTS = os.environ.get("S18_SHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def report_for(domain: str) -> dict[str, Any]:
    return dict(json.loads(F01.replace("f01.lab.test", domain)))


# The header's links and brand as boxes, for the overlap and edge checks: the ones shown (the
# team switcher's list is laid out but not shown while its <details> is closed).
HEADER_BOXES = """() => {
  const box = el => { const r = el.getBoundingClientRect();
    return {text: el.innerText.trim(), x: r.x, y: r.y, right: r.right, bottom: r.bottom}; };
  const header = document.querySelector('.site-header');
  return {header: box(header), width: document.documentElement.clientWidth,
          items: [...header.querySelectorAll('a.brand, nav a, nav summary')].filter(el => el.checkVisibility())
                   .map(box)};
}"""


def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return not (
        a["right"] <= b["x"]
        or b["right"] <= a["x"]
        or a["bottom"] <= b["y"]
        or b["bottom"] <= a["y"]
    )


def assert_header_fits(page: Page) -> list[str]:
    """Every link of the header inside the window and inside the header's box (not hanging
    over the page below it), none over another; the links' names."""
    boxes = page.evaluate(HEADER_BOXES)
    header, items = boxes["header"], boxes["items"]
    for item in items:
        assert item["x"] >= 0 and item["right"] <= boxes["width"] + 0.5, item
        assert item["y"] >= header["y"] and item["bottom"] <= header["bottom"] + 0.5, (item, header)
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            assert not overlaps(a, b), (a, b)
    return [item["text"] for item in items]


def sideways_scroll(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def rows(page: Page, names: list[str]) -> set[float]:
    """The rows (tops, rounded) the header's links `names` sit on."""
    nav = page.get_by_role("navigation", name="Main")
    tops = set()
    for name in names:
        box = nav.get_by_role("link", name=name, exact=True).bounding_box()
        assert box is not None, name
        tops.add(round(box["y"]))
    return tops


@SIZES
@pytest.mark.django_db(transaction=True)
def test_the_header_menu_fits_signed_out(
    browser: Browser, live_server: Any, viewport: dict[str, int]
) -> None:
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/")
    assert assert_header_fits(page) == ["mailsec", "Sign in", "Sign up"]
    assert len(rows(page, ["Sign in", "Sign up"])) == 1
    assert sideways_scroll(page) == 0


@SIZES
@pytest.mark.parametrize("teams", [1, 2], ids=["one-team", "two-teams"])
@pytest.mark.django_db(transaction=True)
def test_the_header_menu_fits_signed_in(
    browser: Browser, live_server: Any, viewport: dict[str, int], teams: int
) -> None:
    user, team = person("alice")
    if teams > 1:
        # A second team, current, with a name as long as the header shows (40 characters).
        other = Team.objects.create(name="Northwind Managed Services — client desk")
        Membership.objects.create(team=other, user=user, role=Membership.Role.MEMBER)
        user.profile.current_team = other
        user.profile.save()
    page = signed_in(browser, Server(live_server.url), user, viewport=viewport).new_page()
    page.goto(f"{live_server.url}/account/")
    shot(page, f"header-{viewport['width']}-{teams}")
    names = assert_header_fits(page)
    assert names[-4:] == ["Domains", "Alerts", "Team", "Account"], names
    # The four links on one row: not "Account" alone on a second line under the others.
    assert len(rows(page, ["Domains", "Alerts", "Team", "Account"])) == 1
    # The page's heading starts below the header with room between them (main's padding-top
    # was zeroed by .wrap's shorthand: headings sat 1 px under the header's line).
    heading = page.get_by_role("heading", level=1).bounding_box()
    header = page.locator(".site-header").bounding_box()
    assert heading is not None and header is not None
    assert heading["y"] >= header["y"] + header["height"] + 16, (heading, header)
    assert sideways_scroll(page) == 0


# Each cell of a table and what its ::before shows (the label a stacked row reads by).
CELL_LABELS = """sel => [...document.querySelectorAll(sel + ' tbody tr')].map(tr => [...tr.cells].map(td => ({
  text: td.innerText.trim(),
  label: getComputedStyle(td, '::before').content,
  display: getComputedStyle(td).display,
})))"""


@pytest.mark.django_db(transaction=True)
def test_the_scoring_table_names_each_stacked_cell_on_a_phone(
    browser: Browser, live_server: Any
) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/scoring/")
    shot(page, "scoring-390")
    rows_ = page.evaluate(CELL_LABELS, "table.rubric-weights")
    assert len(rows_) >= 8
    for category, weight, costs, absent, what in rows_:
        assert category["label"] == "none" and category["display"] == "block"  # the row's title
        assert weight["display"] == "block"  # stacked, one line each
        assert weight["label"] == '"Weight: "', weight
        assert costs["label"] == '"Each warning costs: "', costs
        assert absent["label"] == '"Not deployed when: "', absent
        assert what["label"] == '"What it is: "', what
    assert sideways_scroll(page) == 0
    # On a desktop the table has its column heads, and no labels in the cells.
    page.set_viewport_size(DESKTOP)
    first = page.evaluate(CELL_LABELS, "table.rubric-weights")[0]
    assert first[1]["label"] == "none" and first[1]["display"] == "table-cell"


def finished_check(domain: str, minutes_ago: float) -> FreeCheck:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    return FreeCheck.objects.create(
        domain=domain,
        status=FreeCheck.State.DONE,
        report=report_for(domain),
        created=when,
        started=when,
        finished=when,
    )


@SIZES
@pytest.mark.django_db(transaction=True)
def test_check_again_now_has_its_limits_under_it(
    browser: Browser, live_server: Any, viewport: dict[str, int]
) -> None:
    check = finished_check("acme-mail.org", minutes_ago=2)
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}{check.get_absolute_url()}?reused=1")
    box = page.locator("#fc-reuse")
    if SHOTS:
        box.screenshot(path=f"{SHOTS}/reuse-{viewport['width']}.png")
    button = box.get_by_role("button", name="Check again now").bounding_box()
    limits = box.locator("#fc-again-limits").bounding_box()
    assert button is not None and limits is not None
    # Under the button, from the box's left edge: not a line squeezed beside it.
    assert limits["y"] >= button["y"] + button["height"], (button, limits)
    assert abs(limits["x"] - button["x"]) < 1, (button, limits)
    expect(box).to_contain_text("To check it now, press Check again now.")
    for jargon in ("resolver", "negative-caching", "previous answer's time to live"):
        expect(box).not_to_contain_text(jargon)
    assert sideways_scroll(page) == 0


# What a page shows that a person cannot use or read: controls with no name, and the width
# the page scrolls sideways by.
PAGE_PROBLEMS = """() => {
  const named = el => (el.labels && el.labels.length) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.title
    || (el.tagName === 'BUTTON' && el.textContent.trim());
  return {
    unnamed: [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button')]
      .filter(el => !named(el)).map(el => el.outerHTML.slice(0, 120)),
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


def looks_right(page: Page, name: str, visited: list[str]) -> None:
    page.wait_for_load_state("load")
    shot(page, name)
    problems = page.evaluate(PAGE_PROBLEMS)
    assert problems == {"unnamed": [], "sideways": 0}, (name, page.url, problems)
    assert_header_fits(page)
    visited.append(name)


@SIZES
@pytest.mark.django_db(transaction=True)
def test_a_new_user_walks_from_the_free_check_to_the_account(
    browser: Browser,
    live_server: Any,
    viewport: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Home, a free check of acme-mail.org (finished at once with a real report), sign up from
    its "Monitor" button with the code from the mail, add the domain, a Verify that finds
    nothing and one that finds the record, the domain page, alerts, account: every page
    without a sideways scroll or a control without a name, the header fitting."""
    cache.clear()  # allauth's rate limits count in the cache

    def finish(code: str) -> None:
        FreeCheck.objects.filter(code=code).update(
            status=FreeCheck.State.DONE,
            report=report_for("acme-mail.org"),
            started=timezone.now(),
            finished=timezone.now(),
        )

    monkeypatch.setattr(freecheck_views.run_free_check, "delay", finish)
    width = viewport["width"]
    visited: list[str] = []
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/")
    looks_right(page, f"walk-{width}-1-home", visited)
    page.get_by_label("Check a domain").fill("acme-mail.org")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator(".fc-score-value")).to_be_visible()
    looks_right(page, f"walk-{width}-2-free-check", visited)

    page.get_by_role("link", name="Monitor acme-mail.org — sign up free").click()
    looks_right(page, f"walk-{width}-3-sign-up", visited)
    page.get_by_label("Email address").fill(f"new{width}@example.org")
    page.get_by_role("button", name="Sign up").click()
    looks_right(page, f"walk-{width}-4-code", visited)
    code = re.search(r"^\s*([A-Z0-9]{4,12})\s*$", mail.outbox[-1].body, re.M)
    assert code, mail.outbox[-1].body
    page.get_by_label("Code").fill(code.group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_label("Add a domain")).to_have_value("acme-mail.org")
    looks_right(page, f"walk-{width}-5-domains", visited)

    page.get_by_role("button", name="Add domain").click()
    looks_right(page, f"walk-{width}-6-verify", visited)
    domain = Domain.objects.get(name="acme-mail.org")
    with stub_dns({}) as resolver, mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver}):
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#verify-result")).to_contain_text("No TXT record found")
    looks_right(page, f"walk-{width}-7-verify-failed", visited)
    published = {domain.challenge_name: [domain.challenge_value]}
    with (
        stub_dns(published) as resolver,
        mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver}),
    ):
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_text("acme-mail.org is verified")).to_be_visible()
    looks_right(page, f"walk-{width}-8-domain", visited)
    expect(page.locator("#progress")).to_contain_text("Check queued: it starts as soon as")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Alerts").click()
    looks_right(page, f"walk-{width}-9-alerts", visited)
    nav.get_by_role("link", name="Account").click()
    looks_right(page, f"walk-{width}-10-account", visited)
    page.goto(f"{live_server.url}/domains/add-many/")
    looks_right(page, f"walk-{width}-11-bulk", visited)
    page.goto(f"{live_server.url}/scoring/")
    looks_right(page, f"walk-{width}-12-scoring", visited)
    assert len(visited) == 12
