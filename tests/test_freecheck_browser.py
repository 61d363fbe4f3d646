"""The free check in a real browser: submit a lab domain, watch the page fill in, see a score.

Debian's chromium through Playwright's plain sync API (run with `-p no:playwright` if the
pytest-playwright plugin is installed: its session event loop clashes with sync_playwright),
a real Celery worker in a thread, and the hermetic lab as the Internet.
Screenshots land in var/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

from mailsec.freecheck.models import FreeCheck, signup_url

pytestmark = [pytest.mark.browser, pytest.mark.lab]

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in a container
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
]


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
def slow_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lab answers in milliseconds, faster than the page polls: pause after each
    mechanism's findings are stored, as a slow network would, so the filling in is visible."""
    record = FreeCheck.record_progress

    def slowly(self: FreeCheck, *args: Any) -> None:
        record(self, *args)
        time.sleep(0.4)

    monkeypatch.setattr(FreeCheck, "record_progress", slowly)


@pytest.fixture
def lab_site(lab: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the engine at the lab (its resolver, CA, suffixes; private targets allowed)."""
    # sync_playwright keeps an event loop running in this thread; our own ORM calls here are
    # plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    settings.MAILSEC_ENGINE = {**settings.MAILSEC_ENGINE, "allow_private_targets": True}


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.django_db(transaction=True)
def test_the_free_check_fills_in_and_ends_with_a_score(
    lab_site: None, slow_progress: None, live_server: Any, celery_worker: Any, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(live_server.url + "/")
    page.get_by_label("Check a domain").fill("f01.lab.test")
    page.get_by_role("button", name="Check").click()

    page.wait_for_url("**/check/*")
    page.evaluate("window.__loadedOnce = true")
    assert page.locator("#fc-results[hx-trigger]").count() == 1, "the page should poll"

    # Watch the cards fill in: how many are still waiting, sampled until the score shows.
    waiting: list[int] = []
    deadline = time.monotonic() + 60
    while not page.locator(".fc-score-value").count():
        assert time.monotonic() < deadline, f"no score after 60 s; waiting cards: {waiting}"
        count = page.locator(".fc-mech-waiting").count()
        if not waiting or waiting[-1] != count:
            waiting.append(count)
        page.wait_for_timeout(50)
    # The score and the last cards can land in consecutive swaps: give the page a moment to
    # settle, then every card must be filled (a card left waiting once polling stops is a bug).
    settle_until = time.monotonic() + 5
    while page.locator(".fc-mech-waiting").count() and time.monotonic() < settle_until:
        page.wait_for_timeout(50)
    waiting.append(page.locator(".fc-mech-waiting").count())
    shot(page, "freecheck-f01-desktop.png")

    # Filled in by htmx in place (no reload), monotonically, and no longer polling.
    assert page.evaluate("window.__loadedOnce") is True
    assert page.locator("#fc-results[hx-trigger]").count() == 0
    if waiting[-1]:
        stuck = FreeCheck.objects.get()
        waiting_ids = page.locator(".fc-mech-waiting").evaluate_all("els => els.map(e => e.id)")
        raise AssertionError(
            f"cards still waiting {waiting_ids} after the score showed: status={stuck.status} "
            f"report mechanisms={sorted((stuck.report or {}).get('mechanisms', {}))} "
            f"partial={sorted(stuck.partial)} samples={waiting}"
        )
    assert waiting[0] == 10 and waiting[-1] == 0, waiting
    assert waiting == sorted(waiting, reverse=True), waiting
    print("waiting cards as the page filled in:", waiting)

    check = FreeCheck.objects.get()
    assert check.status == FreeCheck.State.DONE
    assert page.locator(".fc-score-value").inner_text() == str(check.report["score"])
    assert check.report["score"] == 100, check.report["score_detail"]
    assert page.locator(".fc-mech").count() == 10
    assert page.locator(".fc-breakdown tbody tr").count() >= 9
    signup = page.get_by_role("link", name="Monitor f01.lab.test — sign up free")
    assert signup.get_attribute("href") == signup_url("f01.lab.test")

    # Readable on a phone: nothing wider than the screen.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(page.url)
    phone.locator(".fc-score-value").wait_for()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    shot(phone, "freecheck-f01-phone.png")


@pytest.mark.django_db(transaction=True)
def test_a_queued_check_says_so_honestly_without_a_worker(
    lab_site: None, live_server: Any, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(live_server.url + "/check")
    page.get_by_label("Domain to check").fill("f01.lab.test")
    page.get_by_role("button", name="Check").click()
    page.wait_for_url("**/check/*")
    time.sleep(1.5)  # a poll or two, and still nobody picks it up
    assert "Queued" in page.locator(".fc-state").inner_text()
    assert FreeCheck.objects.get().status == FreeCheck.State.PENDING
