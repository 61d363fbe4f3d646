"""Blind round s41j in Debian's chromium: an MSP's first hour, as a person clicks it. Signs up
by code, pastes a messy list of client names, copies the records to publish (all at once, a
panel's host name, one value from a domain's page) and reads the clipboard, sorts the list by
score, invites a teammate and sets an alert address for the team. Someone of another team
(charlie) opens the same pages and sees none of it. Written before it ran, with
tests/test_webapp_s41j_blind.py, from docs/webapp.md; no lab."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import clipboard, csp_violations, signed_in
from tests.test_domains import finished_run
from tests.test_domains_s14_list_filter import make
from tests.test_webapp_s41j_blind import ADDED, PASTE

# serial: runs beside the lab tests, to even out the two parts of scripts/test.sh (CI at
# 8b29114e: the workers' part 19:11, the lab's 17:13).
pytestmark = [pytest.mark.browser, pytest.mark.serial]

browser = test_browser_s11_readiness.browser


def last_code() -> str:
    match = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert match, mail.outbox[-1].body
    return match.group(1)


def outsider_sees_none(page: Page, base: str, path: str, names: list[str]) -> None:
    page.goto(base + path)
    for name in names:
        expect(page.locator("main")).not_to_contain_text(name)


@pytest.mark.django_db(transaction=True)
def test_s41j_an_msps_first_hour(
    browser: Browser, live_server: Any, unanswered_lookups_end_soon: None
) -> None:
    base = live_server.url
    charlie = User.objects.create_user("charlie", "charlie@other-s41j.org")
    theirs = Team.create_for(charlie)
    Profile.objects.create(user=charlie, current_team=theirs)
    Domain.objects.create(team=theirs, name="taken-s41j.com", verified_at=timezone.now())
    outsider = signed_in(browser, live_server, charlie).new_page()

    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.add_init_script(test_browser_s11_readiness.WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Email").fill("msp@msp-s41j.com")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_label("Code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Domains")).to_be_visible()

    # The messy paste: six added, the second acme and gamma listed twice.
    page.get_by_text("Add several domains at once").click()
    page.get_by_label("Domain names").fill(PASTE)
    page.get_by_role("button", name="Add these domains").click()
    main = page.locator("main")
    expect(main).to_contain_text(re.compile("listed twice", re.I))
    team = Team.objects.get(memberships__user__email="msp@msp-s41j.com")
    assert sorted(team.domains.values_list("name", flat=True)) == sorted(ADDED)

    # Copy all records: every record, each with its value, ready for a zone file.
    page.get_by_role("button", name="Copy every record").click()
    copied = clipboard(page)
    for name in ADDED:
        d = team.domains.get(name=name)
        line = next((x for x in copied.splitlines() if f"_mailsec-challenge.{name}" in x), "")
        assert "TXT" in line and d.challenge_value in line, (name, copied)
    # The host to type in a DNS panel for www.epsilon: relative to its zone.
    page.get_by_role(
        "button", name="Copy the host name in epsilon-s41j.com for www.epsilon-s41j.com"
    ).click()
    assert clipboard(page) == "_mailsec-challenge.www"
    outsider_sees_none(outsider, base, "/domains/", ADDED[:4])

    # One domain's page: the value copied is the value, nothing around it.
    acme = team.domains.get(name="acme-s41j.com")
    page.goto(f"{base}/domains/{acme.code}/")
    page.get_by_role("button", name="Copy the record value").click()
    assert clipboard(page).strip('"') == acme.challenge_value
    answer = outsider.goto(f"{base}/domains/{acme.code}/")
    assert answer is not None and answer.status == 404
    expect(outsider.locator("main")).not_to_contain_text("acme-s41j.com")

    # Verify all before anything is published, our resolver not answering (second batch,
    # written before it ran): none verified, each row "Lookup failed", not "Not verified",
    # the page says to press again in a minute, and links every record as CSV.
    page.goto(f"{base}/domains/")
    page.get_by_role("link", name="6 not verified").click()
    page.get_by_role("button", name=re.compile("Verify all")).click()
    expect(main).to_contain_text("Verified 0 of 6 domains not verified before")
    expect(page.get_by_role("row").filter(has_text="Lookup failed")).to_have_count(6)
    expect(main).to_contain_text("in a minute")
    expect(page.get_by_role("link", name="Every record still to publish, as CSV")).to_be_visible()
    assert not team.domains.filter(verified_at__isnull=False).exists()
    outsider_sees_none(outsider, base, "/domains/?status=unverified", ADDED[:4])

    # Checked domains, sorted by score, worst first, from the list's own control.
    make(team, "bad-s41j.com", score=35, worst="fail")
    make(team, "ok-s41j.com", score=96, worst="pass")
    page.goto(f"{base}/domains/")
    page.get_by_label("Sort by").select_option(label="Score, worst first")
    expect(page).to_have_url(re.compile(r"sort=score"))
    rows = page.locator("tbody tr")
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text("bad-s41j.com")
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text("ok-s41j.com")
    expect(main).to_contain_text("1 failing")
    outsider_sees_none(outsider, base, "/domains/?sort=score", ["bad-s41j.com", "ok-s41j.com"])

    # One domain's history (second batch, written before it ran): the chart, and Compare
    # from the list's defaults (the run before the last, and the last) shows both scores.
    hist = make(team, "hist-s41j.com", score=90, worst="pass", days_ago=3)
    finished_run(hist, score=60, days_ago=2)
    hist.set_last_run(finished_run(hist, score=85, days_ago=1))
    page.goto(f"{base}/domains/{hist.code}/")
    expect(page.get_by_role("img").first).to_be_visible()
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(rf"/domains/{hist.code}/compare/"))
    expect(main).to_contain_text("60")
    expect(main).to_contain_text("85")
    answer = outsider.goto(page.url)
    assert answer is not None and answer.status == 404

    # A teammate invited from the team page.
    page.goto(f"{base}/team/")
    page.get_by_label("Email address").fill("bob@msp-s41j.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(main).to_contain_text("Invitation sent to bob@msp-s41j.com")
    outsider_sees_none(outsider, base, "/team/", ["bob@msp-s41j.com", "msp@msp-s41j.com"])

    # The team's alert address, from Alerts.
    page.goto(f"{base}/alerts/")
    page.get_by_label("Email address").fill("noc@msp-s41j.com")
    page.get_by_role("button", name="Send a confirmation link").click()
    expect(main).to_contain_text("noc@msp-s41j.com")
    assert mail.outbox[-1].to == ["noc@msp-s41j.com"]
    outsider_sees_none(outsider, base, "/alerts/", ["noc@msp-s41j.com", "acme-s41j.com"])
    assert csp_violations(page) == []
