"""The Content-Security-Policy in a real browser: htmx still polls, Remove still asks first,
and the browser reports no violation. No lab: the pages need no network.

Debian's chromium through Playwright's plain sync API, as tests/test_browser_webapp.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, sync_playwright

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import CheckRun, Domain
from tests.test_domains import finished_run

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"]
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh", pytrace=False)
    # sync_playwright keeps an event loop running in this thread; the ORM calls made here
    # are plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.CACHES = LOCMEM  # sessions and page caches private to this test
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_htmx_and_the_remove_question_work_under_the_policy(
    browser: Browser, live_server: Any
) -> None:
    assert not django_settings.DEBUG  # the policy is sent
    alice = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team)
    domain = Domain.objects.create(team=team, name="example.org", verified_at=timezone.now())
    finished_run(domain)
    running = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.RUNNING, started=timezone.now()
    )
    client = Client()
    client.force_login(alice)
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    url = f"{live_server.url}/domains/{domain.code}/"
    # htmx polls the running check's progress (hx-get, every 2 s, with its X-CSRFToken header
    # read from hx-headers): the vendored script runs, and its requests are allowed.
    progress = f"/runs/{running.code}/progress/"
    with page.expect_request(lambda r: progress in r.url, timeout=8000) as polled:
        response = page.goto(url)
    assert polled.value.headers.get("x-csrftoken")
    assert response is not None
    assert "script-src" in response.headers["content-security-policy"]
    CheckRun.objects.filter(pk=running.pk).update(
        status=CheckRun.Status.DONE, finished=timezone.now()
    )
    # Remove asks first (static/js/confirm.js): dismissed, nothing is removed.
    questions: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.goto(url)
    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Remove example.org").click()
    page.wait_for_timeout(500)
    assert questions == ["Remove example.org and its check history?"]
    assert Domain.objects.filter(pk=domain.pk).exists()
    page.once("dialog", lambda d: answer(d, True))
    with page.expect_navigation():
        page.get_by_role("button", name="Remove example.org").click()
    assert len(questions) == 2
    assert not Domain.objects.filter(pk=domain.pk).exists()
    # The browser refused nothing: no inline script, handler or style the policy blocks.
    assert [m for m in console if "Content Security Policy" in m] == []
