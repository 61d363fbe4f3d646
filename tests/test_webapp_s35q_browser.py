"""Task s35q in Debian's chromium: an MSP admin pastes 120 clients' names as a spreadsheet
gives them, copies every record at once, and on another day, the result page long closed,
gets the records of every domain not verified from the list of those (records.csv) rather
than from 120 domain pages. The teammate gets the same file; the outsider an empty one.
tests/test_webapp_s35q.py has the rest of the walk."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import (
    clipboard,
    csp_violations,
    owner,
    signed_in,
)
from tests.test_webapp_s35q import spreadsheet_paste

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


def downloaded_rows(page: Any, link: Any) -> list[dict[str, str]]:
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


@pytest.mark.django_db(transaction=True)
@override_settings(MAILSEC_MAX_UNVERIFIED=500, MAILSEC_ADDS_PER_DAY=500)
def test_120_names_pasted_then_their_records_another_day(
    browser: Browser, live_server: Any
) -> None:
    from django.contrib.auth.models import User

    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    assert team is not None
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/")
    page.get_by_text("Add several domains at once").click()
    page.get_by_role("textbox", name="Domain names").fill(spreadsheet_paste())
    page.get_by_role("button", name="Add these domains").click()
    expect(page.get_by_role("status")).to_contain_text("Added 120.")
    expect(page.get_by_role("status")).to_contain_text("Listed twice: 14.")
    page.get_by_role("button", name="Copy every record").click()
    lines = clipboard(page).splitlines()
    assert len(lines) == 120
    assert lines[0].startswith("_mailsec-challenge.client000.example.net. 3600 IN TXT ")

    # Another day: the list of the domains not verified gives every record in one file.
    page.goto(f"{live_server.url}/domains/")
    page.get_by_label("Show").select_option("unverified")
    link = page.get_by_role("link", name="Download the TXT record to publish")
    expect(link).to_be_visible()
    rows = downloaded_rows(page, link)
    assert len(rows) == 120
    assert rows[7]["domain"] == "client007.example.net"
    assert (rows[7]["zone"], rows[7]["host"], rows[7]["type"]) == (
        "example.net",
        "_mailsec-challenge.client007",
        "TXT",
    )
    domain = Domain.objects.get(team=team, name="client007.example.net")
    assert rows[7]["value"] == domain.challenge_value
    assert csp_violations(page) == []

    # The teammate gets the same records; the outsider, none of them.
    bob = User.objects.create_user("bob", "bob@example.org")
    Membership.objects.create(team=team, user=bob, role=Membership.Role.MEMBER)
    Profile.objects.create(user=bob, current_team=team)
    bobs = signed_in(browser, live_server, bob).new_page()
    bobs.goto(f"{live_server.url}/domains/?status=unverified")
    expect(bobs.get_by_text("120 of 120 domains")).to_be_visible()
    assert len(downloaded_rows(bobs, bobs.get_by_role("link", name="Download the TXT"))) == 120
    charlie = User.objects.create_user("charlie", "charlie@example.org")
    Profile.objects.create(user=charlie, current_team=Team.create_for(charlie))
    theirs = signed_in(browser, live_server, charlie).new_page()
    theirs.goto(f"{live_server.url}/domains/?status=unverified")
    expect(theirs.get_by_text("No domains yet.")).to_be_visible()
    assert "client0" not in theirs.content()
    theirs.goto(f"{live_server.url}/domains/{domain.code}/")
    assert "client007" not in theirs.content()
    assert "client007" not in theirs.title()


@pytest.mark.django_db(transaction=True)
def test_the_admin_finds_the_domains_needing_action_among_300(
    browser: Browser, live_server: Any
) -> None:
    """Judged fine: filter, sort, search and pages of a list of 300 in chromium (htmx swaps
    the list; the URL keeps what was chosen, so a page and a reload keep it)."""
    from tests.test_webapp_s35q import msp_domains

    alice = owner()
    team = Profile.objects.get(user=alice).current_team
    msp_domains(team)
    failing = team.domains.filter(last_worst__status="fail").count()
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/")
    expect(page.locator(".list-count")).to_have_text("300 domains")
    page.get_by_label("Show").select_option("failing")
    expect(page.locator(".list-count")).to_contain_text(f"{failing} of 300 domains")
    page.get_by_label("Sort by").select_option("score")
    expect(page).to_have_url(re.compile(r"/domains/\?status=failing&sort=score$"))
    scores = page.locator("table.domains .score-pill").all_inner_texts()
    assert scores == sorted(scores, key=int), scores
    page.get_by_label("Show").select_option("")
    expect(page.locator(".list-count")).to_have_text("300 domains")
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"/domains/\?sort=score&page=2$"))
    expect(page.locator(".pager")).to_contain_text("Page 2 of 6")
    page.get_by_role("searchbox", name="Find").fill("client12")
    expect(page.locator(".list-count")).to_contain_text("10 of 300 domains")
    page.reload()
    expect(page.locator(".list-count")).to_contain_text("10 of 300 domains")
    assert csp_violations(page) == []
