"""The domain list's filter in a real browser (Debian's chromium, no lab): typing a name and
choosing a status or an order update the list alone and the address bar (typing replaces the
history's step, choosing adds one), the back and forward buttons walk the filters with the
form showing each one, the pager keeps the filter, an empty result clears; without JavaScript
the same form filters by a plain GET; after a switch of team in another tab the filter loads
the whole page, and signed out it goes to the login page. No Content-Security-Policy
violation, and a phone-sized window reads the form without scrolling sideways."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from mailsec.accounts.models import Membership, Profile, Team
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import (
    PHONE,
    WIDER_THAN_WINDOW,
    csp_violations,
    owner,
    signed_in,
)
from tests.test_domains_s14_list_filter import make

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

ROWS = "table.domains tbody th a"


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def team_of(user: User) -> Team:
    return Team.objects.get(memberships__user=user)


def msp() -> User:
    """alice's team: two shops (one failing), a blog needing attention, a domain not verified,
    and 56 more good ones, so the whole list has two pages."""
    alice = owner()
    team = team_of(alice)
    make(team, "shop.example", score=35, worst="fail")
    make(team, "xn--shop-mnchen-yhb.example", score=92)  # shop-münchen.example
    make(team, "blog.example", score=70, worst="warn")
    make(team, "new.example", verified=False)
    for i in range(56):
        make(team, f"customer{i}.example", score=90 + i % 10)
    return alice


@pytest.mark.django_db(transaction=True)
def test_the_filter_updates_the_list_and_the_address_and_back_walks_it(
    browser: Browser, live_server: Any
) -> None:
    page = signed_in(browser, live_server, msp()).new_page()
    page.goto(f"{live_server.url}/domains/")
    expect(page.locator(".list-count")).to_have_text("60 domains")
    # A mark that a full page load would lose: the filter swaps the list alone.
    page.evaluate("window.stayed = true")
    steps = page.evaluate("history.length")

    # Typed with a pause between "sh" and "op": the address bar follows, its step replaced,
    # so Back does not walk back through what was typed a pause at a time.
    page.locator("#id_q").press_sequentially("sh")
    expect(page).to_have_url(f"{live_server.url}/domains/?q=sh&sort=name")
    page.locator("#id_q").press_sequentially("op")
    expect(page.locator(".list-count")).to_contain_text("2 of 60 domains")
    expect(page.locator(ROWS)).to_have_text(["shop-münchen.example", "shop.example"])
    expect(page).to_have_url(f"{live_server.url}/domains/?q=shop&sort=name")
    expect(page.locator("#list-live")).to_have_text(
        "2 of 60 domains: with \u201cshop\u201d in the name. Sorted by name."
    )
    assert page.evaluate("history.length") == steps

    # Choosing is a step of its own.
    page.locator("#id_status").select_option("failing")
    expect(page.locator(ROWS)).to_have_text(["shop.example"])
    assert params(page) == {"q": ["shop"], "status": ["failing"], "sort": ["name"]}
    assert page.evaluate("history.length") == steps + 1
    assert page.evaluate("window.stayed") is True

    # Back: the shops again, the form as it was then; forward: the failing one again.
    page.go_back()
    expect(page.locator(ROWS)).to_have_text(["shop-münchen.example", "shop.example"])
    expect(page).to_have_url(f"{live_server.url}/domains/?q=shop&sort=name")
    expect(page.locator("#id_q")).to_have_value("shop")
    expect(page.locator("#id_status")).to_have_value("")
    page.go_forward()
    expect(page.locator(ROWS)).to_have_text(["shop.example"])
    expect(page.locator("#id_q")).to_have_value("shop")
    expect(page.locator("#id_status")).to_have_value("failing")
    page.locator("#id_status").select_option("")
    expect(page.locator(ROWS)).to_have_text(["shop-münchen.example", "shop.example"])

    # The A-label finds the IDN; the worst first.
    page.locator("#id_q").fill("xn--shop")
    expect(page.locator(ROWS)).to_have_text(["shop-münchen.example"])
    page.locator("#id_q").fill("")
    page.locator("#id_sort").select_option("score")
    expect(page.locator(ROWS).first).to_have_text("shop.example")
    expect(page.locator(ROWS).nth(1)).to_have_text("blog.example")

    # The pager keeps the order; a reload of its URL shows the same page.
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".pager")).to_contain_text("Page 2 of 2")
    assert params(page)["sort"] == ["score"]
    assert params(page)["page"] == ["2"]
    expect(page.locator("#id_sort")).to_have_value("score")
    expect(page.locator(ROWS).last).to_have_text("new.example")  # no score: last

    # Nothing found: why, and a way back that keeps the order.
    page.locator("#id_q").fill("nothing-like-this")
    expect(page.locator(".list-empty")).to_contain_text(
        "No domain matches the filter: with \u201cnothing-like-this\u201d in the name."
    )
    page.get_by_role("link", name="Clear the filter").click()
    expect(page.locator(".list-count")).to_have_text("60 domains")
    expect(page).to_have_url(f"{live_server.url}/domains/?sort=score")
    expect(page.locator("#id_q")).to_have_value("")
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_filter_works_without_javascript(browser: Browser, live_server: Any) -> None:
    client = Client()
    client.force_login(msp())
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/domains/")
    page.locator("#id_q").fill("example")
    page.locator("#id_status").select_option("attention")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{live_server.url}/domains/?q=example&status=attention&sort=name")
    expect(page.locator(ROWS)).to_have_text(["blog.example"])
    expect(page.locator(".list-count")).to_contain_text("1 of 60 domains")
    expect(page.locator("#id_status")).to_have_value("attention")


@pytest.mark.django_db(transaction=True)
def test_a_phone_reads_the_filter_without_scrolling_sideways(
    browser: Browser, live_server: Any
) -> None:
    page = signed_in(browser, live_server, msp(), viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/domains/?q=shop&status=failing")
    expect(page.locator(ROWS)).to_have_text(["shop.example"])
    assert page.evaluate(WIDER_THAN_WINDOW) == []
    # One field under another, each as wide as the form.
    boxes = [page.locator(s).bounding_box() for s in ("#id_q", "#id_status", "#id_sort")]
    assert all(box is not None for box in boxes)
    tops = [box["y"] for box in boxes if box]
    assert tops == sorted(tops) and len(set(tops)) == 3
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_filter_of_a_page_of_another_team_loads_the_whole_page(
    browser: Browser, live_server: Any
) -> None:
    """Switched to another team in another tab: typing in this tab's box shows the other
    team's page as a whole (its name at the top), never its list under this team's name."""
    alice = msp()
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/")
    expect(page.locator(".page-head .muted")).to_have_text(team_of(alice).name)
    other = Team.objects.create(name="Other customers")
    Membership.objects.create(team=other, user=alice, role=Membership.Role.OWNER)
    make(other, "othershop.example")
    Profile.objects.filter(user=alice).update(current_team=other)

    page.locator("#id_q").fill("shop")
    expect(page.locator(".page-head .muted")).to_have_text("Other customers")
    expect(page.locator(ROWS)).to_have_text(["othershop.example"])
    expect(page.locator(".messages")).to_contain_text("Your current team changed")
    expect(page).to_have_url(f"{live_server.url}/domains/?q=shop&sort=name")
    expect(page.locator("#id_q")).to_have_value("shop")
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_signed_out_filter_goes_to_the_login_page(browser: Browser, live_server: Any) -> None:
    """An expired session: the login page as a page, never inside the list."""
    context = signed_in(browser, live_server, msp())
    page = context.new_page()
    page.goto(f"{live_server.url}/domains/?sort=score")
    context.clear_cookies()
    page.locator("#id_q").fill("shop")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/domains/%3Fsort%3Dscore$"))
    expect(page.locator("#domain-list")).to_have_count(0)
    expect(page.locator("form[action='/accounts/login/']")).to_have_count(1)
