"""What a walk through the product as an MSP admin found in session 24 (s24w), at 390 and
1280 px in Debian's chromium:

- an htmx request that failed swapped nothing and said nothing: with the server answering
  500, choosing "Failing" in the domain list's filter left every domain listed under a filter
  that said "Failing"; with the connection gone, "Check now" seemed to do nothing. Each now
  says so just before the part of the page that was not updated (static/js/failures.js), and
  the message goes with the next request for that part that succeeds;
- a TLS report's policy lines (<pre><code>) each started at the box's edge except the first,
  pushed right by the inline code's padding, and each line was tinted separately;
- on the TLS reports dashboard the "Last 30 days" heading sat against the record box above it.

The failures are made by the browser's own request routing (a 500 answer, a dropped
connection) in front of the real live server; everything else is the real app."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, Route, expect

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.models import ReportAddress, TlsReport
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_page_queries import run
from tests.test_reports_dash_s8_figures import post
from tests.test_web_s13_domains_polish import store, unreachable_report

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

SIZES = pytest.mark.parametrize("width", [390, 1280])
SAMPLE = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())


def team_of(user: Any) -> Team:
    return Team.objects.get(memberships__user=user)


def checked_domains(team: Team, names: list[str]) -> list[Domain]:
    """Verified domains, each with one finished run (the engine's f01 report)."""
    domains = []
    for name in names:
        domain = Domain.objects.create(team=team, name=name, verified_at=timezone.now())
        last = run(domain, timezone.now())
        last.save()
        Domain.objects.filter(pk=domain.pk).update(**Domain.last_run_fields(last))
        domains.append(domain)
    return domains


def failure_notes(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".htmx-failure").all_inner_texts()]


def placed_before(page: Page) -> str:
    """The id of what the failure message stands just before."""
    return str(page.evaluate("document.querySelector('.htmx-failure').nextElementSibling.id"))


@SIZES
@pytest.mark.django_db(transaction=True)
def test_a_list_update_that_failed_says_so_beside_the_list(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = owner()
    checked_domains(team_of(alice), ["acme-dental.com", "zulu-zoo.org"])
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/domains/")
    expect(page.locator(".list-count")).to_have_text("2 domains")

    def server_error(route: Route) -> None:
        if route.request.headers.get("hx-request"):
            route.fulfill(status=500, body="<h1>Server Error (500)</h1>", content_type="text/html")
        else:
            route.continue_()

    page.route("**/domains/?*", server_error)
    page.get_by_label("Show").select_option("unverified")
    note = page.locator(".htmx-failure")
    expect(note).to_have_count(1)
    expect(note).to_have_attribute("role", "alert")
    expect(note).to_contain_text("the server had a problem (error 500)")
    expect(note).to_contain_text("What is shown below is what was shown before.")
    # Said just before the list it concerns, in view, above the list it did not change.
    assert placed_before(page) == "domain-list"
    expect(page.locator(".list-count")).to_have_text("2 domains")

    # The next request that succeeds takes the message away, and the list follows the filter.
    page.unroute("**/domains/?*")
    page.get_by_label("Show").select_option("")
    expect(page.locator(".list-count")).to_have_text("2 domains")
    expect(note).to_have_count(0)
    page.get_by_label("Show").select_option("unverified")
    expect(page.locator("#domain-list")).to_contain_text("No domain matches the filter")
    assert failure_notes(page) == []
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_check_now_without_a_connection_says_so(browser: Browser, live_server: Any) -> None:
    alice = owner()
    (domain,) = checked_domains(team_of(alice), ["acme-dental.com"])
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    page.route("**/check/", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="Check now").click()
    note = page.locator(".htmx-failure")
    expect(note).to_contain_text("mailsec could not be reached. Check your connection")
    assert placed_before(page) == "progress-slot"
    # Once the connection is back the press works and the message goes.
    page.unroute("**/check/")
    page.get_by_role("button", name="Check now").click()
    expect(page.locator("#progress")).to_contain_text("Check queued")
    expect(note).to_have_count(0)
    assert csp_violations(page) == []


# Where each line of an element's text starts: the left edge of each of its line boxes.
LINE_STARTS = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const tops = new Map();
  for (const r of rects) {
    const top = Math.round(r.top);
    tops.set(top, Math.min(tops.has(top) ? tops.get(top) : Infinity, r.left));
  }
  return [...tops.values()];
}"""


@SIZES
@pytest.mark.django_db(transaction=True)
def test_a_report_s_policy_lines_start_at_one_edge(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = owner()
    domain = Domain.objects.create(
        team=team_of(alice), name="example.com", verified_at=timezone.now()
    )
    address = ReportAddress.for_domain(domain)
    raw = post(address, SAMPLE)
    assert raw.parse_status == "parsed", raw.error
    report = TlsReport.objects.get(address=address)
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(live_server.url + reverse("reports:report", args=[address.token, report.public_id]))
    policy = page.locator("main pre code").first
    expect(policy).to_contain_text("version: STSv1")
    for block in page.locator("main pre code").all():
        starts = block.evaluate(LINE_STARTS)
        assert len(starts) >= 2, starts
        assert max(starts) - min(starts) < 1, starts
        # One box for the block, not a tinted strip per line.
        assert block.evaluate("c => getComputedStyle(c).backgroundColor") == "rgba(0, 0, 0, 0)"


@SIZES
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_s_sections_keep_apart(
    browser: Browser, live_server: Any, width: int
) -> None:
    alice = owner()
    domain = Domain.objects.create(
        team=team_of(alice), name="example.com", verified_at=timezone.now()
    )
    address = ReportAddress.for_domain(domain)
    day = (timezone.now().date() - timedelta(days=1)).isoformat()
    sample = {
        **SAMPLE,
        "date-range": {"start-datetime": f"{day}T00:00:00Z", "end-datetime": f"{day}T23:59:59Z"},
    }
    assert post(address, sample).parse_status == "parsed"
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/tlsrpt/{address.token}/dashboard/")
    record = page.locator("#report-record .fix").bounding_box()
    heading = page.get_by_role("heading", name="Last 30 days").bounding_box()
    assert record is not None and heading is not None
    assert heading["y"] - (record["y"] + record["height"]) >= 16, (record, heading)


# The score box's parts: the score itself (pill and words) and the first line of what each
# category cost or why it was not counted.
SCORE_BOX = """() => {
  const box = el => { const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y, bottom: r.bottom}; };
  return {block: box(document.querySelector('.score-block')),
          pill: box(document.querySelector('.score-big')),
          first: box(document.querySelector('.score-costs li'))};
}"""


@SIZES
@pytest.mark.django_db(transaction=True)
def test_what_was_not_counted_stays_with_the_score(
    browser: Browser, live_server: Any, width: int
) -> None:
    """A check that could make none of the scored lookups: "n/a", why, and the list of what
    was not counted. That list sat some 70 px under the score, indented 40 px past it, a gap
    that read as the end of the box (the list's own margins and padding)."""
    alice = owner()
    domain = Domain.objects.create(
        team=team_of(alice), name="example.org", verified_at=timezone.now()
    )
    # The engine in a thread of its own: Playwright's event loop runs in this one.
    with ThreadPoolExecutor(1) as pool:
        store(domain, pool.submit(unreachable_report, "example.org").result())
    page = signed_in(browser, live_server, alice, {"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")
    expect(page.locator(".score-costs li").first).to_contain_text("not counted")
    parts = page.evaluate(SCORE_BOX)
    assert parts["first"]["y"] - parts["block"]["bottom"] <= 30, parts
    assert parts["first"]["x"] - parts["pill"]["x"] <= 24, parts


@pytest.mark.django_db(transaction=True)
def test_the_compare_form_is_one_line_on_a_desktop(browser: Browser, live_server: Any) -> None:
    """'What changed' between two checks: its two checks and Compare wrapped onto two lines
    at 1280 px, in a form kept to 32rem as if it were a narrow sign-in form."""
    alice = owner()
    (domain,) = checked_domains(team_of(alice), ["juliet-vet.com"])
    earlier = run(domain, timezone.now() - timedelta(days=1))
    earlier.save()
    page = signed_in(browser, live_server, alice, {"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/compare/")
    tops = {
        round(box["y"] + box["height"] / 2)
        for box in (
            page.locator(selector).bounding_box()
            for selector in ("#cmp-from", "#cmp-to", ".compare-form button")
        )
        if box is not None
    }
    assert len(tops) == 1, tops


@pytest.mark.django_db(transaction=True)
def test_the_served_policy_keeps_off_the_host_button(
    browser: Browser, live_server: Any, unanswered_lookups_end_soon: None
) -> None:
    """The hosting page's offer: 'The policy you serve now' (a fold) sat against the button
    under it, the two reading as one control."""
    from tests.test_browser_s18_walkthrough import report_for

    alice = owner()
    domain = Domain.objects.create(
        team=team_of(alice), name="acme-dental.com", verified_at=timezone.now()
    )
    store(domain, report_for("acme-dental.com"))
    page = signed_in(browser, live_server, alice, {"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/hosting/{domain.code}/")
    fold = page.get_by_text("The policy you serve now").bounding_box()
    button = page.get_by_role("button", name=re.compile("^Host MTA-STS for")).bounding_box()
    assert fold is not None and button is not None
    assert button["y"] - (fold["y"] + fold["height"]) >= 12, (fold, button)
