"""The admin in a real browser under the Content-Security-Policy: no violation reported while
its pages load and their scripts run (the change list's action counter, the change form's
date and time shortcuts, the delete confirmation). Needs Debian's chromium, not the lab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from playwright.sync_api import Browser, sync_playwright

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()
        connections.close_all()  # see tests/test_browser_webapp.py


@pytest.mark.django_db(transaction=True)
def test_the_admin_runs_without_a_policy_violation(
    live_server: Any, browser: Browser, monkeypatch: pytest.MonkeyPatch, client: Any
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    root = User.objects.create_superuser("root", "root@example.org", "pw-123456789")
    domain = Domain.objects.create(team=Team.create_for(root), name="example.org")
    client.force_login(root)
    session = client.cookies["sessionid"].value
    context = browser.new_context()
    host = live_server.url.split("://", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )

    page.goto(f"{live_server.url}/admin/domains/domain/")
    assert page.locator("#result_list").is_visible()
    page.locator("#action-toggle").check()
    # The action counter is written by actions.js with gettext from the JavaScript catalog.
    assert "1 of 1 selected" in page.locator(".action-counter").inner_text()

    page.goto(f"{live_server.url}/admin/domains/domain/{domain.pk}/change/")
    shortcuts = page.locator(".datetimeshortcuts")
    assert shortcuts.count() > 0  # DateTimeShortcuts.js ran
    page.goto(f"{live_server.url}/admin/domains/domain/{domain.pk}/delete/")
    assert page.get_by_text("Are you sure").count() > 0
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    page.goto(f"{live_server.url}/admin/")
    assert violations == []
