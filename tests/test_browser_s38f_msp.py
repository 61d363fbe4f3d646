"""s38f in Debian's chromium, against the lab: an MSP with 40 customer domains walks from
sign-up. It pastes the 40 names (25 lab zones, 15 that do not exist), publishes three
challenge records, presses Verify all, reads the list once their checks are done (sorted worst
first), downloads the CSV export, invites a teammate who joins and sees the same 40 domains and
the TLS reports page, while someone of another team sees none of them.

What the walk found (tests/test_domains_s38f_not_in_dns.py tests it without a browser): the 15
names not in the DNS were told once, on the bulk add's answer; the list then showed them as
every domain waiting for its record, and Verify all said "No TXT record found" of each."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from mailsec.domains import existence
from mailsec.domains.models import Domain
from tests import test_browser_webapp
from tests.test_browser_webapp import last_code, shot

pytestmark = [pytest.mark.browser, pytest.mark.lab]

browser = test_browser_webapp.browser
lab_site = test_browser_webapp.lab_site

ZONES = [
    "f01",
    "f02",
    "f03",
    "f05",
    "f06a",
    "f06b",
    "f08",
    "f09a",
    "f11",
    "f12a",
    "f13",
    "f15a",
    "f16",
    "f18",
    "f19",
    "f20",
    "f21a",
    "f22a",
    "f23",
    "f25",
    "f26",
    "f28",
    "f29",
    "f31",
    "f33",
]
REAL = [f"{z}.lab.test" for z in ZONES]
TYPOS = [f"client{i:02d}-typo.lab.test" for i in range(15)]  # NXDOMAIN in lab.test
VERIFIED = REAL[:3]  # f01 (all good), f02 (null MX), f03 (null MX beside real MX: failing)


def sign_up(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_label("Code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()


def row(page: Page, name: str) -> Any:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


@pytest.mark.django_db(transaction=True)
def test_an_msp_of_40_domains_from_sign_up_to_its_team(
    lab_site: Any,
    live_server: Any,
    celery_worker: Any,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(existence, "LOOKUP_SECONDS", 3.0)  # off in tests unless asked for
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    sign_up(page, base, "msp@example.org")
    expect(page.get_by_role("heading", name="Domains")).to_be_visible()

    # Forty names pasted at once; the fifteen typos are said to be missing from the DNS.
    page.get_by_text("Add several domains at once").click()
    page.get_by_label("Domain names").fill("\n".join(REAL + TYPOS))
    page.get_by_role("button", name="Add these domains").click()
    expect(page.locator("main")).to_contain_text("Added 40. 15 of them do not exist in the DNS")
    shot(page, "s38f-01-bulk-added.png")

    # The list, back from the add's answer, still tells the typos from the names waiting.
    page.goto(f"{base}/domains/")
    expect(page.get_by_text("40 domains", exact=True)).to_be_visible()
    for name in TYPOS[:3]:
        expect(row(page, name)).to_contain_text("Not in the DNS")
        expect(row(page, name)).to_contain_text("check the spelling")
    expect(row(page, REAL[5])).to_contain_text("Checks start once its TXT record is published")
    expect(row(page, REAL[5])).not_to_contain_text("Not in the DNS")
    shot(page, "s38f-02-list-unverified.png")

    # Three records published; Verify all, from the list of the domains not verified.
    for name in VERIFIED:
        domain = Domain.objects.get(name=name)
        lab_site.update(
            name, replace=[("_mailsec-challenge", 60, "TXT", f'"{domain.challenge_value}"')]
        )
        lab_site.flush(name)
    # The list's "To look at" line leads to them, where Verify all is.
    page.get_by_role("link", name="40 not verified").click()
    page.get_by_role("button", name="Verify all").click()
    found = page.locator("main")
    expect(found).to_contain_text("Verified 3 of 40 domains not verified before")
    typo = page.get_by_role("row").filter(has_text=TYPOS[0])
    expect(typo).to_contain_text("does not exist in the DNS (NXDOMAIN)")
    expect(typo).not_to_contain_text("No TXT record found")
    expect(page.get_by_role("row").filter(has_text=REAL[5])).to_contain_text("No TXT record found")
    shot(page, "s38f-03-verify-all.png")

    # Their checks done, worst first: the three checked rows lead, each with its score or n/a.
    deadline = time.monotonic() + 120
    while Domain.objects.filter(name__in=VERIFIED, last_checked_at=None).exists():
        assert time.monotonic() < deadline, "the first checks did not finish in 2 minutes"
        time.sleep(1)
    page.goto(f"{base}/domains/?sort=score")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(40)
    expect(rows.nth(0).get_by_role("rowheader")).to_contain_text("f03.lab.test")
    expect(rows.nth(0)).to_contain_text("Failing")
    expect(rows.nth(1).get_by_role("rowheader")).to_contain_text("f01.lab.test")
    shot(page, "s38f-04-list-by-score.png")

    # The CSV export: all 40, the typos marked as not in the DNS.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export all your team's domains as CSV").click()
    text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    exported = {r["domain"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(exported) == 40
    assert {n for n, r in exported.items() if r["does_not_exist"] == "yes"} == set(TYPOS)
    assert exported["f01.lab.test"]["verified"] == "yes"
    assert exported["f01.lab.test"]["score"] == "100"

    # A teammate invited: signs up from the mail's link, joins, sees the same 40 domains.
    page.goto(f"{base}/team/")
    page.get_by_label("Email address").fill("bob@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("main")).to_contain_text("Invitation sent to bob@example.org")
    link = re.search(r"/invite/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    bob = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    bob.set_default_timeout(30_000)
    sign_up(bob, base, "bob@example.org")
    bob.goto(base + link.group(0))
    bob.get_by_role("button", name="Join the team").click()
    expect(bob.locator("main")).to_contain_text("You joined msp@example.org's team")
    bob.goto(f"{base}/domains/")
    expect(bob.get_by_text("40 domains", exact=True)).to_be_visible()
    expect(row(bob, TYPOS[0])).to_contain_text("Not in the DNS")
    bob.goto(f"{base}/tlsrpt/all-domains/")
    expect(bob.locator("#no-report")).to_contain_text("3 domains received no report")

    # Someone of another team: none of it, and the domain pages are not found.
    outsider = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_up(outsider, base, "eve@example.net")
    outsider.goto(f"{base}/domains/")
    expect(outsider.locator("main")).to_contain_text("No domains yet")
    f01 = Domain.objects.get(name="f01.lab.test")
    answer = outsider.goto(f"{base}/domains/{f01.code}/")
    assert answer is not None and answer.status == 404
    outsider.goto(f"{base}/tlsrpt/all-domains/")
    for name in VERIFIED:
        expect(outsider.locator("main")).not_to_contain_text(name)
    expect(outsider.locator("#no-report")).to_have_count(0)
