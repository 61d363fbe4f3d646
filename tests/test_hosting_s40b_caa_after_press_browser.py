"""Task s40b, item 5: after pressing "Host MTA-STS", does the page the press returns say what
CAA allows, or only the next view of the records panel?

It does, as soon as the panel's lookups end: the press redirects to the hosting page, which
gives the records' values at once and loads their live state (hosting:records, CAA beside the
three other lookups, within service.HOSTING_WEB_BUDGET) in place, without another view. A CAA
record that forbids our CA is a row of that panel, with the record to add; CAA that allows it
is no row. Without JavaScript the page has the link "Look them up" to the same state, for
every record alike (the page never waits for DNS), so nothing is missing there either. Needs
Debian's chromium, not the lab; DNS answers (CAA included) are the stubs of tests/test_hosting.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from mailsec.hosting import caa
from mailsec.hosting.models import HostedPolicy
from tests import test_browser_s11_readiness
from tests.test_browser_s11_forms import verified_domain
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_hosting import fake_dns

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", [caa.BLOCKED, caa.UNKNOWN, caa.ALLOWED])
def test_the_page_the_press_returns_shows_the_caa_verdict(
    browser: Browser, live_server: Any, state: str
) -> None:
    alice = owner()
    domain = verified_domain(alice)
    page = signed_in(browser, live_server, alice).new_page()
    with fake_dns(["mx1.example.org"], caa_state=state):
        page.goto(f"{live_server.url}/hosting/{domain.code}/")
        page.get_by_role("button", name="Host MTA-STS for example.org").click()
        expect(page.get_by_role("status").first).to_contain_text("Hosting is on")
        assert HostedPolicy.objects.filter(domain=domain).exists()
        records = page.locator("#records")
        # The panel's live state came in place (its "Look again" link), on this same page.
        expect(records.get_by_role("link", name="Look again")).to_be_visible()
        caa_rows = records.locator("tbody tr").filter(
            has=page.get_by_role("cell", name="CAA", exact=True)
        )
        if state == caa.ALLOWED:
            expect(caa_rows).to_have_count(0)
        else:
            expect(caa_rows).to_have_count(1)
            expect(caa_rows).to_contain_text(f"stub caa {state}")
            expect(caa_rows).to_contain_text(f'0 issue "{caa.identity()}"')
            # The stub's BLOCKED reading has no record to add (a critical property): "stale".
            words = {caa.UNKNOWN: "could not check", caa.BLOCKED: "stale"}[state]
            expect(caa_rows).to_contain_text(words)
    assert csp_violations(page) == []
