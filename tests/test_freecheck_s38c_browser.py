"""Blind round s38c in Debian's chromium (tests/test_freecheck_s38c_blind.py has the rest): a
visitor types a lab domain into the free check, watches the page while the check runs (htmx
polling) and reads it after. Expectations written before the product ran on these zones.

- s38c-testdead: MTA-STS testing, the only MX silent on port 25. While the check runs the page
  says it is checking and no card or finding ever says "fail"; after, the STARTTLS card says
  "could not check", polling stops, and no raw exception text is shown.
- s38c-mxpartial: the policy names only the primary MX. The MTASTS-30 fix shows the policy
  with both mx lines, and its Copy button copies exactly the text shown.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, expect

from mailsec.freecheck.models import FreeCheck
from mailsec.freecheck.tasks import run_free_check
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, clipboard, csp_violations
from tests.test_freecheck_s38c_blind import RAW_ERROR

pytestmark = [pytest.mark.browser, pytest.mark.lab]

browser = test_browser_s11_readiness.browser


@contextmanager
def lab_site(lab: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The engine on the lab; the form's run started in a thread of its own, as a worker
    would take it, so the page polls while it runs."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    settings.MAILSEC_ENGINE = {**settings.MAILSEC_ENGINE, "allow_private_targets": True}
    threads: list[threading.Thread] = []

    def run_in_a_thread(code: str) -> None:
        def run() -> None:
            try:
                run_free_check(code)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, daemon=True)
        threads.append(thread)
        thread.start()

    with patch("mailsec.freecheck.views.run_free_check.delay", side_effect=run_in_a_thread):
        yield
    for thread in threads:
        thread.join(timeout=60)


def submit(page: Page, base: str, domain: str) -> FreeCheck:
    page.goto(f"{base}/check")
    page.get_by_label("Domain to check").fill(domain)
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_url("**/check/*")
    return FreeCheck.objects.get()


def card_badge(page: Page, mechanism: str) -> str:
    return page.locator(f"#m-{mechanism} .fc-mech-head .fc-badge").inner_text().strip()


@pytest.mark.django_db(transaction=True)
def test_a_silent_mx_under_testing_never_reads_as_a_failure(
    lab: Any, browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lab_site(lab, settings, monkeypatch):
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        run = submit(page, live_server.url, "s38c-testdead.lab.test")

        # While it runs: polling, a state line that says so, the STARTTLS card waiting, and
        # never a "fail" badge (sampled until the run ends).
        expect(page.locator("#fc-results[hx-trigger]")).to_have_count(1)
        states: set[str] = set()
        smtp_badges: set[str] = set()
        failed: list[str] = []
        deadline = time.monotonic() + 60
        while "Checked in" not in (state := page.locator(".fc-state").inner_text()):
            assert time.monotonic() < deadline, f"not finished after 60 s: {state}"
            states.add((state.split() or [""])[0])
            smtp_badges.add(card_badge(page, "smtp"))
            failed += page.locator(".fc-badge-fail").all_inner_texts()
            page.wait_for_timeout(150)
        assert "Checking…" in states, states
        assert {"checking…"} <= smtp_badges, smtp_badges
        assert failed == [], failed

        # After: the verdict words, no polling, nothing raw.
        expect(page.locator("#fc-results[hx-trigger]")).to_have_count(0)
        assert card_badge(page, "smtp") == "could not check"
        assert card_badge(page, "mta-sts") != "fail"
        assert page.locator(".fc-badge-fail").count() == 0
        assert "could not be checked" in page.locator(".fc-state").inner_text()
        mta_sts = page.locator("#m-mta-sts").inner_text().lower()
        assert "testing" in mta_sts and "deliver" in mta_sts, mta_sts
        body = page.locator("body").inner_text()
        raw = RAW_ERROR.search(body)
        assert raw is None, body[max(0, raw.start() - 300) : raw.end() + 300]
        assert csp_violations(page) == []
        FreeCheck.objects.get(pk=run.pk)
        context.close()


@pytest.mark.django_db(transaction=True)
def test_the_policy_offered_for_an_uncovered_backup_copies_as_shown(
    lab: Any, browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lab_site(lab, settings, monkeypatch):
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        submit(page, live_server.url, "s38c-mxpartial.lab.test")
        expect(page.locator(".fc-state")).to_contain_text("Checked in", timeout=60_000)
        assert card_badge(page, "mta-sts") == "warning"
        finding = page.locator("li.fc-finding").filter(
            has=page.locator("code.fc-id", has_text=re.compile("^MTASTS-30$"))
        )
        box = finding.locator(".fix-box").filter(has_text="mx: mx2.s38c-mxpartial.lab.test")
        expect(box).to_have_count(1)
        pre = box.locator("pre[id^='fix-']")
        page.locator(f"button[data-copy-target='{pre.get_attribute('id')}']").click()
        copied = clipboard(page)
        assert copied == pre.inner_text().strip()
        assert "mx: mx1.s38c-mxpartial.lab.test" in copied
        assert "mx: mx2.s38c-mxpartial.lab.test" in copied
        assert "mode: enforce" in copied
        assert csp_violations(page) == []
        context.close()
