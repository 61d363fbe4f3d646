"""s36w in Debian's chromium: an MSP looking at one domain's TLS reports walks to the page of
all its domains' reports (/tlsrpt/all-domains/) from that dashboard, reads which domain fails
most and goes on to its dashboard; someone of another team sees none of it. And the free
check's Check again now: the offer under the report is the new run's, not the old one's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Profile, Team
from mailsec.freecheck import views
from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_freecheck_s9_results import engine_report
from tests.test_mx import FakeDns
from tests.test_reports_s35t import add_domain, add_report

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

TYPO = "exmaple-typo.example.org"


@pytest.mark.django_db(transaction=True)
def test_from_a_dashboard_to_all_domains_and_an_outsider_sees_none(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    today = timezone.now().date()
    _, calm = add_domain(team, "calm.example")
    add_report(calm, today, ok=500)
    _, shaky = add_domain(team, "shaky.example")
    add_report(shaky, today - timedelta(days=1), ok=80, failed=20)
    add_domain(team, "silent.example")
    charlie = User.objects.create_user("charlie", "charlie@example.org")
    theirs = Team.create_for(charlie)
    Profile.objects.create(user=charlie, current_team=theirs)
    _, secret = add_domain(theirs, "secret-client.example")
    add_report(secret, today, ok=3, failed=9)

    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/tlsrpt/{calm.token}/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("TLS reports for calm.example")
    page.get_by_role("link", name="TLS reports of all your domains").click()
    expect(page).to_have_url(f"{live_server.url}/tlsrpt/all-domains/")
    table = page.get_by_role("table", name="TLS reports received per domain, last 30 days")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    # The one with failed sessions first, with its rate and what failed most, in words.
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text("shaky.example")
    expect(rows.nth(0)).to_contain_text("20.00 %")
    expect(rows.nth(0)).to_contain_text("certificate-expired")
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text("calm.example")
    expect(page.locator("#no-report")).to_contain_text("1 domain received no report")
    expect(page.locator("main")).not_to_contain_text("secret-client")
    assert csp_violations(page) == []
    rows.nth(0).get_by_role("link", name="shaky.example").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TLS reports for shaky.example")

    # Another team's person: their own domain only, and alice's dashboards are not found.
    other = signed_in(browser, live_server, charlie).new_page()
    other.goto(f"{live_server.url}/tlsrpt/all-domains/")
    rows = other.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text("secret-client.example")
    for name in ("shaky.example", "calm.example", "silent.example"):
        expect(other.locator("main")).not_to_contain_text(name)
    expect(other.locator("#no-report")).to_have_count(0)
    response = other.goto(f"{live_server.url}/tlsrpt/{shaky.token}/dashboard/")
    assert response is not None and response.status == 404
    expect(other.locator("main")).not_to_contain_text("shaky.example")


@pytest.mark.django_db(transaction=True)
def test_check_again_now_shows_the_new_runs_offer(
    browser: Browser, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old run found no such name ("Nothing to monitor yet"); the owner registers it and
    presses Check again now: while the new run is under way the offer is what its permalink
    shows, and once it has finished, what it found."""
    monkeypatch.setattr(views.run_free_check, "delay", lambda code: None)
    with ThreadPoolExecutor(1) as pool:  # the engine's own asyncio loop, beside Playwright's
        report = pool.submit(engine_report, TYPO, FakeDns({})).result()
    when = timezone.now() - timedelta(minutes=4)
    old = FreeCheck.objects.create(
        domain=TYPO,
        status=FreeCheck.State.DONE,
        report=report.to_dict(),
        created=when,
        started=when,
        finished=when,
    )
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(live_server.url + old.get_absolute_url())
    offer = page.locator(".fc-cta")
    expect(offer.get_by_role("heading")).to_have_text("Nothing to monitor yet")

    page.get_by_role("button", name="Check again now").click()
    expect(page.locator(".fc-state")).to_contain_text("Queued")
    new = FreeCheck.objects.exclude(pk=old.pk).get()
    expect(page).to_have_url(live_server.url + new.get_absolute_url())
    expect(page.locator(".fc-cta")).to_have_count(1)
    expect(offer.get_by_role("heading")).to_have_text(f"Keep watching {TYPO}")
    expect(offer).not_to_contain_text("does not exist")
    expect(offer.get_by_role("link", name=f"Monitor {TYPO} — sign up free")).to_be_visible()

    with ThreadPoolExecutor(1) as pool:
        found = pool.submit(engine_report, TYPO, FakeDns({(TYPO, "TXT"): ['"x"']})).result()
    FreeCheck.objects.filter(pk=new.pk).update(
        status=FreeCheck.State.DONE, report=found.to_dict(), finished=timezone.now()
    )
    expect(page.locator(".fc-state")).to_contain_text("Checked in", timeout=10_000)
    expect(offer.get_by_role("link", name=f"Monitor {TYPO} — sign up free")).to_be_visible()
    expect(page.locator(".fc-cta")).to_have_count(1)
