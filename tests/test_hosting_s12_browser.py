"""The hosting page's records in a real browser: the page gives the values at once and htmx
fills in their live state from the records partial (hosting:records), under the site's CSP;
when that request never comes back, the values and a plain link to the partial are still
there. Needs Debian's chromium, not the lab; DNS answers are the stubs of tests/test_hosting."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect

from tests import test_browser_s11_readiness
from tests.test_browser_s11_forms import hosted, verified_domain
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_hosting import fake_dns

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser


@pytest.mark.django_db(transaction=True)
def test_the_records_state_is_filled_in_after_the_page(browser: Browser, live_server: Any) -> None:
    alice = owner()
    domain = verified_domain(alice)
    policy = hosted(domain, "txt")
    page = signed_in(browser, live_server, alice).new_page()
    with fake_dns(["mx1.example.org"], record="txt"):
        page.goto(f"{live_server.url}/hosting/{domain.code}/")
        row = page.get_by_role("row").filter(has=page.locator("code", has_text="_mta-sts."))
        expect(row.get_by_role("cell").nth(3)).to_contain_text("yes")
        expect(row.get_by_role("cell").nth(3)).to_contain_text("stub txt")  # the lookup's detail
        expect(page.get_by_text("looking up…")).to_have_count(0)
        expect(page.locator("#records")).to_have_count(1)
        expect(page.locator("#records[hx-get]")).to_have_count(0)  # swapped in once, for good
        expect(row.get_by_role("cell").nth(2)).to_contain_text(f"v=STSv1; id={policy.policy_id};")
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_without_the_partial_the_values_and_a_link_are_there(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    domain = verified_domain(alice)
    policy = hosted(domain, "txt")
    page = signed_in(browser, live_server, alice).new_page()
    asked: list[str] = []

    def never_answered(route: Route) -> None:
        asked.append(route.request.url)
        route.abort()

    page.route("**/records/", never_answered)
    with fake_dns(["mx1.example.org"], record="txt"):
        page.goto(f"{live_server.url}/hosting/{domain.code}/")
        expect(page.locator("#record-value-2")).to_have_text(f"v=STSv1; id={policy.policy_id};")
        expect(page.get_by_text("looking up…")).to_have_count(3)
        link = page.get_by_role("link", name="Look them up")
        expect(link).to_have_attribute("href", f"/hosting/{domain.code}/records/")
        assert asked, "htmx did not ask for the records' state"
        page.unroute("**/records/")
        link.click()
        row = page.get_by_role("row").filter(has=page.locator("code", has_text="_mta-sts."))
        expect(row.get_by_role("cell").nth(3)).to_contain_text("yes")
        expect(page.get_by_role("heading", name="The policy we serve")).to_be_visible()
    assert csp_violations(page) == []
