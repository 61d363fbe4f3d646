"""s39j, item 2 in a real browser (Debian's chromium, no lab): the domain page's DKIM panel of a
domain whose DNS answers nothing shows the first "could not check" finding of DKIM-01 and a
closed fold counting the others, which opens to show each with its selector; no
Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from checks.findings import Finding, Mechanism, Status
from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from mailsec.scoring.explain import OPEN_ERRORS_OF_ONE_CHECK
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_domains import scored_run

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

SELECTORS = ["default", "google", "selector1", "selector2", "k1", "s1", "mail", "dkim"]


@pytest.mark.django_db(transaction=True)
def test_the_dkim_panel_folds_its_many_could_not_checks(browser: Browser, live_server: Any) -> None:
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    domain = Domain.objects.create(team=team, name="example.org", verified_at=timezone.now())
    findings = [Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok")] + [
        Finding(
            "DKIM-01",
            Status.ERROR,
            Mechanism.DKIM,
            f"Could not look up the DKIM selector '{s}' (TIMEOUT for {s}._domainkey.example.org "
            "TXT (no answer from our resolver within 8 s)); it was not checked.",
            subject=f"{s}._domainkey.example.org",
        )
        for s in SELECTORS
    ]
    assert len(SELECTORS) > OPEN_ERRORS_OF_ONE_CHECK
    domain.set_last_run(scored_run(domain, findings))
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")

    dkim = page.locator("#mech-dkim")
    if not dkim.evaluate("el => el.open"):
        dkim.locator("> summary").click()
    fold = dkim.locator("details.more-findings")
    expect(fold).to_have_count(1)
    expect(fold.locator("> summary")).to_have_text(
        f"{len(SELECTORS) - 1} more DKIM-01 findings: could not check"
    )
    folded = fold.locator("article.finding-error")
    expect(folded).to_have_count(len(SELECTORS) - 1)
    expect(folded.first).not_to_be_visible()
    visible = dkim.locator("article.finding-error:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("'default'")
    fold.locator("> summary").click()
    expect(dkim.locator("article.finding-error:visible")).to_have_count(len(SELECTORS))
    for selector in SELECTORS:
        expect(dkim).to_contain_text(f"{selector}._domainkey.example.org")
    assert csp_violations(page) == []
