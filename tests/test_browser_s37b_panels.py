"""Task s37b in a real browser (Debian's chromium, no lab): a mechanism that is not deployed
shows its finding's "Missing" badge in the warning colours, not a note's; an unsigned zone's
DNSSEC panel is one line whose checks open under it; no Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from checks.findings import Finding, Mechanism, Status
from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_domains import scored_run

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_missing_badge_is_a_warning_and_the_unsigned_zone_is_one_line(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    domain = Domain.objects.create(team=team, name="example.org", verified_at=timezone.now())
    unsigned = "example.org is not signed; nothing to check."
    findings = [
        Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
        Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record"),
        Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
        Finding("SPF-09", Status.INFO, Mechanism.SPF, "An informational SPF note"),
        Finding("DNSSEC-01", Status.INFO, Mechanism.DNSSEC, "example.org is not signed."),
    ] + [
        Finding(f"DNSSEC-0{n}", Status.NA, Mechanism.DNSSEC, unsigned, subject="example.org")
        for n in range(2, 7)
    ]
    domain.set_last_run(scored_run(domain, findings))
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")

    missing = page.locator("#mech-mta-sts article .status").first
    expect(missing).to_have_text("Missing")
    page.locator("#mech-spf summary").click()
    note = page.locator("#mech-spf article.finding-info .status")
    expect(note).to_have_text("Note")
    colour = "el => getComputedStyle(el).backgroundColor + '|' + getComputedStyle(el).color"
    assert missing.evaluate(colour) != note.evaluate(colour)

    dnssec = page.locator("#mech-dnssec")
    if not dnssec.evaluate("el => el.open"):  # open already when the score counts it missing
        dnssec.locator("> summary").click()
    expect(dnssec.locator("article.finding-na")).to_have_count(1)
    expect(dnssec).to_contain_text("example.org is not DNSSEC-signed")
    rules = dnssec.locator("details.collapsed-checks li")
    expect(rules.first).not_to_be_visible()
    dnssec.locator("details.collapsed-checks summary").click()
    expect(rules).to_have_count(5)
    expect(rules.first).to_be_visible()
    assert csp_violations(page) == []
