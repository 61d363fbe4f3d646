"""Accessibility of the pages added or changed in session 14, audited as
tests/test_browser_s12_a11y.py audits the everyday ones (axe-core in Debian's chromium, no
serious or critical violation, no duplicate id, a focus ring that can be seen, no
Content-Security-Policy violation), with its helpers.

The pages: allauth's account pages in the site's layout (password reset by code from the
request to the done page, change and set a password, email addresses, signing out, confirming
it's you by password and by code, a switched-off account, a sign-up's code), each also with a
form sent back with its error where it has one; the error pages as a visitor meets them with
DEBUG off (404, 403, 400, 500, the CSRF failure page, allauth's 429); and the domain list
filtered, by htmx and by a plain GET, with an empty result and a second page.

And what axe cannot see: the keyboard on the list's filter (the order of Tab, the focus after
the list is swapped, the live region saying the count once per change and nothing else
announcing it) and on the code entry pages (a numeric keyboard and the browser's one-time-code
fill, the label, the error tied to the field and focused)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from playwright.sync_api import Browser, Page, expect

from tests import test_browser_s11_readiness
from tests.test_accounts_s21_security import confirm_its_you
from tests.test_browser_s11_readiness import csp_violations, signed_in
from tests.test_browser_s12_a11y import Server, anonymous, serious_violations
from tests.test_browser_s14_list import ROWS, msp

# Run in the one process beside the lab tests (scripts/test.sh): the two parts then end
# closer together (see the marker in pyproject.toml).
pytestmark = [pytest.mark.browser, pytest.mark.serial]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser

PASSWORD = "Plenty-of-entropy-42"


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def unreadable(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a request we cannot read")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("broken on purpose")


# The site's URLs, and views that fail in each way (ROOT_URLCONF=this module), as
# tests/test_web_s14_error_pages.py reaches Django's 403, 400 and 500 handlers.
urlpatterns = [
    path("test/refused", refused),
    path("test/unreadable", unreadable),
    path("test/broken", broken),
    path("", include("mailsec.urls")),
]


@pytest.fixture(autouse=True)
def failing_views(settings: Any) -> Iterator[None]:
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False  # as a visitor meets the error pages (the live server's default)
    yield


def world() -> User:
    """alice: owner of a team of 60 domains (tests/test_browser_s14_list.py), her address
    verified, no password yet (she signs in with codes)."""
    # The rate limits' counts are in the cache, which outlives a test (LocMemCache by name):
    # the password resets of earlier tests would make this one's a 429.
    cache.clear()
    alice = msp()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    return alice


def last_code() -> str:
    match = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert match, mail.outbox[-1].body
    return match.group(1)


def with_password(alice: User) -> User:
    alice.set_password(PASSWORD)
    alice.save()
    return alice


# How to reach each page: (browser, server URL, alice) -> the page, ready to audit.
Opener = Callable[[Browser, str, User], Page]


def visit(
    path: str, *, signed: bool = True, password: bool = False, confirmed: bool = False
) -> Opener:
    """`confirmed`: as if alice had just confirmed it's her, which the pages that change
    addresses or set a password ask first (ACCOUNT_REAUTHENTICATION_REQUIRED)."""

    def open_(browser: Browser, url: str, alice: User) -> Page:
        if password:
            with_password(alice)  # before signing in: it changes the session's hash
        if not signed:
            page = anonymous(browser)
        else:
            context = signed_in(browser, Server(url), alice)
            if confirmed:
                client = Client()
                [key] = [c["value"] for c in context.cookies() if c["name"] == "sessionid"]
                client.cookies["sessionid"] = key
                confirm_its_you(client, alice)
            page = context.new_page()
        page.goto(url + path)
        return page

    return open_


def reset_code(browser: Browser, url: str, alice: User, *, wrong: bool = False) -> Page:
    page = anonymous(browser)
    page.goto(f"{url}/accounts/password/reset/")
    page.get_by_label("Email address").fill(alice.email)
    page.get_by_role("button", name="Email me a code").click()
    page.wait_for_url("**/accounts/password/reset/confirm/")
    if wrong:
        page.get_by_label("Code").fill("000000")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("#id_code_error")).to_be_visible()
    return page


def reset_new_password(browser: Browser, url: str, alice: User, *, wrong: bool = False) -> Page:
    page = reset_code(browser, url, alice)
    page.get_by_label("Code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/password/reset/complete/")
    if wrong:
        page.get_by_label("New password", exact=True).fill(PASSWORD)
        page.get_by_label("New password, again").fill(PASSWORD + "!")
        page.get_by_role("button", name="Set new password").click()
        expect(page.locator("#id_password2_error")).to_be_visible()
    return page


def reset_done(browser: Browser, url: str, alice: User) -> Page:
    page = reset_new_password(browser, url, alice)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password, again").fill(PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_url("**/accounts/password/reset/done/")
    return page


def change_password_refused(browser: Browser, url: str, alice: User) -> Page:
    page = visit("/accounts/password/change/", password=True)(browser, url, alice)
    page.get_by_label("Current password").fill("not it")
    page.get_by_label("New password", exact=True).fill("An0ther-long-one")
    page.get_by_label("New password, again").fill("An0ther-long-one")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#id_oldpassword_error")).to_be_visible()
    return page


def reauthenticate_refused(browser: Browser, url: str, alice: User) -> Page:
    page = visit("/accounts/reauthenticate/", password=True)(browser, url, alice)
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#id_password_error")).to_be_visible()
    return page


def reauthenticate_code(browser: Browser, url: str, alice: User) -> Page:
    page = visit("/accounts/reauthenticate/code/")(browser, url, alice)
    page.get_by_role("button", name="Email me a code").click()
    page.wait_for_url("**/accounts/reauthenticate/code/confirm/")
    return page


def signup_code(browser: Browser, url: str, alice: User) -> Page:
    page = anonymous(browser)
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("Email address").fill("dana@example.net")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_label("Code")).to_be_visible()
    return page


def email_two_addresses(browser: Browser, url: str, alice: User) -> Page:
    """The primary address and one not verified yet (the badges of both)."""
    EmailAddress.objects.create(user=alice, email="alice@example.net", verified=False)
    return visit("/accounts/email/")(browser, url, alice)


def add_email(browser: Browser, url: str, alice: User, address: str) -> Page:
    page = visit("/accounts/email/", confirmed=True)(browser, url, alice)
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Add address").click()
    return page


def add_email_refused(browser: Browser, url: str, alice: User) -> Page:
    page = add_email(browser, url, alice, alice.email)  # hers already
    expect(page.locator("#id_email_error")).to_be_visible()
    return page


def add_email_code(browser: Browser, url: str, alice: User) -> Page:
    """A signed-in person adding an address: its code (code_entry_base.html's other ending)."""
    page = add_email(browser, url, alice, "alice@example.net")
    expect(page.get_by_label("Code")).to_be_visible()
    return page


def csrf_refused(browser: Browser, url: str, alice: User) -> Page:
    """A sign-in form whose token no longer matches (signed in or out in another tab)."""
    page = anonymous(browser)
    page.goto(f"{url}/accounts/login/")
    page.locator("input[name=csrfmiddlewaretoken]").evaluate("el => el.value = 'x'.repeat(64)")
    page.get_by_label("Email address").fill(alice.email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This form could not be sent")).to_be_visible()
    return page


def rate_limited(browser: Browser, url: str, alice: User) -> Page:
    """A fourth password reset for one address within the minute (ACCOUNT_RATE_LIMITS)."""
    page = anonymous(browser)
    for _ in range(4):
        page.goto(f"{url}/accounts/password/reset/")
        page.get_by_label("Email address").fill(alice.email)
        page.get_by_role("button", name="Email me a code").click()
        page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Too many tries")).to_be_visible()
    return page


def filtered(q: str) -> Opener:
    """The list after typing `q` in the filter (htmx: the list swapped, the live region said)."""

    def open_(browser: Browser, url: str, alice: User) -> Page:
        page = visit("/domains/")(browser, url, alice)
        page.locator("#id_q").fill(q)
        expect(page.locator("#list-live")).not_to_be_empty()
        return page

    return open_


PAGES: dict[str, Opener] = {
    "password-reset": visit("/accounts/password/reset/", signed=False),
    "password-reset-code": reset_code,
    "password-reset-code-wrong": lambda b, u, a: reset_code(b, u, a, wrong=True),
    "password-reset-new": reset_new_password,
    "password-reset-new-mismatch": lambda b, u, a: reset_new_password(b, u, a, wrong=True),
    "password-reset-done": reset_done,
    "password-change": visit("/accounts/password/change/", password=True),
    "password-change-refused": change_password_refused,
    "password-set": visit("/accounts/password/set/", confirmed=True),
    "email": visit("/accounts/email/"),
    "email-two-addresses": email_two_addresses,
    "email-add-refused": add_email_refused,
    "email-add-code": add_email_code,
    "logout": visit("/accounts/logout/"),
    "reauthenticate": visit("/accounts/reauthenticate/", password=True),
    "reauthenticate-refused": reauthenticate_refused,
    "reauthenticate-by-code": visit("/accounts/reauthenticate/code/"),
    "reauthenticate-code": reauthenticate_code,
    "account-inactive": visit("/accounts/inactive/", signed=False),
    "signup-code": signup_code,
    "404": visit("/no/such/page", signed=False),
    "404-signed-in": visit("/no/such/page"),
    "403": visit("/test/refused"),
    "400": visit("/test/unreadable"),
    "500": visit("/test/broken"),
    "csrf-failure": csrf_refused,
    "429": rate_limited,
    "domains-filtered": filtered("shop"),
    "domains-filter-empty": filtered("nothing-like-this"),
    "domains-filtered-get": visit("/domains/?q=shop&status=failing&sort=score"),
    "domains-sorted-page-2": visit("/domains/?sort=score&page=2"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_has_no_serious_accessibility_violation(
    browser: Browser, live_server: Any, name: str
) -> None:
    page = PAGES[name](browser, live_server.url, world())
    test_browser_s11_readiness.settled(page)
    problems = serious_violations(page, name)
    assert not problems, f"{len(problems)} serious accessibility problem(s) on {name}:\n" + (
        "\n".join(problems)
    )
    assert csp_violations(page) == []


# The keyboard on the code entry pages: every "enter the code we emailed you" step.


def login_code(browser: Browser, url: str, alice: User) -> Page:
    page = anonymous(browser)
    page.goto(f"{url}/accounts/login/code/")
    page.get_by_label("Email address").fill(alice.email)
    page.get_by_role("button", name="Request code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    return page


CODE_PAGES: dict[str, Opener] = {
    "sign-in": login_code,
    "sign-up": signup_code,
    "password-reset": reset_code,
    "reauthenticate": reauthenticate_code,
    "new-address": add_email_code,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(CODE_PAGES))
def test_the_code_is_typed_on_a_numeric_keyboard_or_filled_by_the_browser(
    browser: Browser, live_server: Any, name: str
) -> None:
    page = CODE_PAGES[name](browser, live_server.url, world())
    # Named by its label (not by the placeholder alone, which goes once something is typed).
    code = page.get_by_label("Code", exact=True)
    assert code.evaluate("el => [...el.labels].map(l => l.textContent.trim())") == ["Code"]
    # A phone shows digits (the codes are 6 digits, ALLAUTH_USER_CODE_FORMAT), and the
    # browser offers the code from the mail or message it just got.
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("required", "")
    # Enter in the field sends it with Confirm (the form's first button, not Cancel or
    # "Send a new code", which belong to forms of their own).
    code.fill("000000")
    code.press("Enter")
    error = page.locator("#id_code_error")
    expect(error).to_have_text("Incorrect code.")
    # The error is said with the field, and the cursor is back in it (forms.js).
    code = page.get_by_label("Code", exact=True)
    expect(code).to_have_attribute("aria-invalid", "true")
    assert "id_code_error" in (code.get_attribute("aria-describedby") or "").split()
    expect(code).to_be_focused()
    assert csp_violations(page) == []


# The keyboard on the domain list's filter.

# Every text the live region was given, as a screen reader hears it: one entry per change of
# its content that leaves it with words (an emptying and a refilling in one swap are one).
WATCH_LIVE = """() => {
  window.said = [];
  window.swaps = 0;
  document.body.addEventListener('htmx:afterSettle', () => window.swaps++);
  const live = document.getElementById('list-live');
  new MutationObserver(() => {
    const text = live.textContent.trim();
    if (text) window.said.push(text);
  }).observe(live, {childList: true, characterData: true, subtree: true});
}"""

# The elements of <main> that a screen reader announces when their content changes.
LIVE_REGIONS = """() => [...document.querySelectorAll(
    'main [aria-live], main [role=status], main [role=alert], main [role=log], main output')]
  .filter(el => el.getAttribute('aria-live') !== 'off')
  .map(el => el.id || el.outerHTML.slice(0, 80))"""


def said(page: Page, swaps: int = 1) -> list[str]:
    """What the live region said since the last call, once `swaps` more swaps of htmx have
    settled and the filter's typing delay (300 ms) has passed with no other."""
    page.wait_for_function(f"() => window.swaps >= {swaps}")
    page.wait_for_timeout(500)
    page.evaluate("window.swaps = 0")
    return list(page.evaluate("window.said.splice(0)"))


def focused(page: Page) -> str:
    return str(
        page.evaluate(
            "(el => el.id || el.textContent.trim() || el.tagName)(document.activeElement)"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_the_list_filter_by_keyboard(browser: Browser, live_server: Any) -> None:
    page = signed_in(browser, live_server, world()).new_page()
    page.goto(f"{live_server.url}/domains/")
    page.evaluate(WATCH_LIVE)
    # Tab goes through the filter in the order it reads, then into the list: its line of what
    # to look at (s24w), then the domains.
    statuses = page.locator(".list-statuses a").all_inner_texts()
    assert statuses, "the world has domains to look at"
    page.locator("#id_q").focus()
    order = [focused(page)]
    for _ in range(4 + len(statuses)):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["id_q", "id_status", "id_sort", "Apply", *statuses, "blog.example"], order

    # Typing: the list changes, the cursor stays in the box, the count is said once.
    page.locator("#id_q").focus()
    page.keyboard.type("shop")
    expect(page.locator(ROWS)).to_have_text(["shop-münchen.example", "shop.example"])
    expect(page.locator("#id_q")).to_be_focused()
    assert said(page) == ["2 of 60 domains: with \u201cshop\u201d in the name. Sorted by name."]
    # Said by the live region alone: the count in the list is not a live region too (it would
    # be said twice), and the region is outside the list, so a swap never replaces it.
    assert page.evaluate(LIVE_REGIONS) == ["list-live"]
    expect(page.locator("#domain-list #list-live")).to_have_count(0)

    # Enter in the box applies it (the form's submit): the same list, said again, focus kept.
    page.keyboard.press("Enter")
    expect(page.locator("#id_q")).to_be_focused()
    assert said(page) == ["2 of 60 domains: with \u201cshop\u201d in the name. Sorted by name."]

    # A status chosen with the arrow keys: each choice updates the list, the focus stays on
    # the select (the next arrow goes on from there), each count is said once.
    page.keyboard.press("Tab")
    expect(page.locator("#id_status")).to_be_focused()
    page.keyboard.press("ArrowDown")  # "Failing"
    expect(page.locator(ROWS)).to_have_text(["shop.example"])
    expect(page.locator("#id_status")).to_be_focused()
    assert said(page) == [
        "1 of 60 domains: failing, with \u201cshop\u201d in the name. Sorted by name."
    ]

    # Nothing found: said, and Tab from the filter reaches the way back.
    page.locator("#id_q").fill("nothing-like-this")
    expect(page.locator(".list-empty")).to_be_visible()
    assert said(page) == [
        "No domain matches the filter: failing, with \u201cnothing-like-this\u201d in the name."
    ]
    page.locator("#id_sort").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Clear the filter")).to_be_focused()
    assert csp_violations(page) == []
