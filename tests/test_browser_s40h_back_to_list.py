"""s40h, in Debian's chromium: the domain list (private, no-cache until s40h, now no-store as
every signed-in answer) is not shown again from the browser's copies after signing out,
neither its first page nor an entry its filter pushed (htmx); and the browser is told
`private, no-store` for the list and the CSV export. As tests/test_browser_s40e_back_after_
sign_out.py for the domain page and the account page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


def directives(value: str | None) -> set[str]:
    return {d.strip() for d in (value or "").split(",") if d.strip()}


@pytest.mark.django_db(transaction=True)
def test_back_after_signing_out_shows_no_list(browser: Browser, live_server: Any) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    for name in ("shared-s40h.example", "other-s40h.example"):
        Domain.objects.create(team=team, name=name, verified_at=timezone.now())
    context = signed_in(browser, live_server, alice)
    page = context.new_page()
    answer = page.goto(f"{live_server.url}/domains/")
    assert answer is not None
    assert {"private", "no-store"} <= directives(answer.headers.get("cache-control"))
    export = context.request.get(f"{live_server.url}/domains/export.csv")
    assert export.ok and "shared-s40h.example" in export.text()
    assert {"private", "no-store"} <= directives(export.headers.get("cache-control"))
    # The filter's own entry in the history (htmx pushes it).
    page.locator("#id_sort").select_option("score")
    expect(page).to_have_url(f"{live_server.url}/domains/?sort=score")
    expect(page.locator("body")).to_contain_text("shared-s40h.example")
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/account/" not in page.url, page.url
    page.go_back()  # the account page: asked again, sends to sign in (as s40e)
    page.wait_for_load_state()
    assert "/accounts/login/?next=/account/" in page.url, page.url
    page.go_back()  # the list as its filter left it
    page.wait_for_load_state()
    assert "/accounts/login/?next=/domains/" in page.url, page.url
    assert "shared-s40h.example" not in page.content(), (page.url, "the list came back")
    page.go_back()  # the list's first page
    page.wait_for_load_state()
    assert "/accounts/login/?next=/domains/" in page.url, page.url
    assert "shared-s40h.example" not in page.content(), (page.url, "the list came back")
