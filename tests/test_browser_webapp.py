"""The customer journey in a real browser: sign up with an emailed code, add a lab domain,
publish its challenge TXT in the lab, verify, run a check, read the score, a mechanism panel
and the history chart.

Debian's chromium through Playwright's plain sync API (with `-p no:playwright` if the
pytest-playwright plugin is installed: its session event loop clashes with sync_playwright),
a real Celery worker in a thread, the hermetic lab as the Internet. Screenshots of each page
land in var/test-artifacts/browser/; look at them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connections
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.lab]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in a container
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
]
LAB_DOMAIN = "f01.lab.test"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Inside this block the test ran in the contextvars context Playwright's greenlets left
        # it in, so Django's connections (context-local) were fresh ones: close what the test
        # opened here, or the orphaned connection outlives the session and the test database
        # cannot be dropped ("being accessed by other users").
        connections.close_all()


@pytest.fixture
def lab_site(lab: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Point the engine at the lab, and take the challenge record out again afterwards."""
    # sync_playwright keeps an event loop running in this thread; the ORM calls made here
    # (reading the outbox, the worker's writes) are plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    # Rate limits count in a private cache, not in the shared file cache of var/.
    settings.CACHES = LOCMEM
    yield lab
    lab.update(LAB_DOMAIN, delete=[("_mailsec-challenge", "TXT")])
    lab.flush(LAB_DOMAIN)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def last_code() -> str:
    match = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert match, mail.outbox[-1].body
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_sign_up_add_verify_check_and_read_the_report(
    lab_site: Any, live_server: Any, celery_worker: Any, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.set_default_timeout(30_000)

    # Sign up: an email address, then the code from the mail.
    page.goto(f"{live_server.url}/accounts/signup/")
    shot(page, "01-signup.png")
    page.get_by_label("Email").fill("erin@example.org")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Enter the code we emailed you")).to_be_visible()
    assert page.url.endswith("/accounts/code/")
    shot(page, "02-enter-code.png")
    page.get_by_label("Code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Domains")).to_be_visible()

    # Add the lab domain; the page shows the record to publish.
    page.get_by_label("Add a domain").fill(LAB_DOMAIN.upper() + ".")
    page.get_by_role("button", name="Add domain").click()
    expect(page.get_by_role("heading", name=f"Prove you control {LAB_DOMAIN}")).to_be_visible()
    expect(page.locator("#challenge-name")).to_have_text(f"_mailsec-challenge.{LAB_DOMAIN}")
    shot(page, "03-verify.png")

    # Verify before publishing: a plain explanation, still unverified.
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("No TXT record found")

    # Publish the challenge in the lab's DNS (a TSIG update to knot), then verify.
    value = page.locator("#challenge-value").inner_text().strip()
    lab_site.update(LAB_DOMAIN, replace=[("_mailsec-challenge", 60, "TXT", f'"{value}"')])
    lab_site.flush(LAB_DOMAIN)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text(f"{LAB_DOMAIN} is verified")).to_be_visible()

    # The first check was queued by the verification; the page shows it running and
    # reloads itself when it ends (the progress partial polls only while it is pending).
    expect(page.locator(".score-big")).to_have_text(re.compile(r"^\d+$"), timeout=90_000)
    expect(page.locator("#progress[hx-trigger]")).to_have_count(0)

    # A second check with the button, for a chart with two points.
    page.get_by_role("button", name="Check now").click()
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator(".chart circle")).to_have_count(2, timeout=90_000)
    expect(page.locator("#mech-mta-sts summary")).to_contain_text("MTA-STS")
    expect(page.get_by_role("img", name="Score over the last 90 days")).to_be_visible()
    shot(page, "04-domain.png")

    # The list shows the score and when it was checked.
    page.get_by_role("navigation").get_by_role("link", name="Domains").click()
    row = page.get_by_role("row", name=re.compile(LAB_DOMAIN))
    expect(row.locator(".score-pill")).to_have_text(re.compile(r"^\d+$"))
    shot(page, "05-domains.png")

    # A phone-sized window gets the same pages, readable.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    shot(phone, "06-domains-phone.png")
    phone.get_by_role("link", name=LAB_DOMAIN).click()
    expect(phone.locator(".score-big")).to_be_visible()
    shot(phone, "07-domain-phone.png")
