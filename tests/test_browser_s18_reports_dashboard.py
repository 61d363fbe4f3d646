"""The TLS reports dashboard in Debian's chromium, at 390 px (a phone) and 1280 px, with a
month of reports of every kind (blind round s18d's scenarios): nothing cut off, no sideways
page scroll, words a domain owner can read."""

from __future__ import annotations

import gzip
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from mailsec.domains.models import CheckRun, Domain
from reports.models import RawReport, ReportAddress
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import signed_in
from tests.test_browser_s12_a11y import Server
from tests.test_browser_s15_phone import PHONE
from tests.test_reports_s18_dashboard_blind import DATA, TABLE, dated, dated_tree
from tests.test_web_s10_verify import person

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser
WIDE = {"width": 1280, "height": 900}
FILES = [
    "cert_expired_mx2.json",
    "two_days.json",
    "next_midnight.json",
    "seven_days.json",
    "google_d2.json",
    "microsoft_d2.json",
    "yahoo_d2.json",
    "every_type.json",
    "receivers.json",
    "csv.json",
    "future.json",
    "parked.json",
]


def month_of_reports() -> tuple[Any, ReportAddress]:
    from django.utils import timezone

    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())
    finished = timezone.now() - timedelta(hours=1)
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        created=finished,
        finished=finished,
        findings=dated_tree(TABLE["checks"]["saw_expired"]),
    )
    domain.set_last_run(run)
    address = ReportAddress.for_domain(domain)
    for name in FILES:
        body = dated((DATA / "s18_dashboard" / name).read_text()).encode()
        raw, _ = RawReport.store(address, gzip.compress(body), source=RawReport.HTTPS)
        raw.process()
    return user, address


# For each result-type name in the report tables, the characters before which a line breaks:
# a name may break after a hyphen only ("certificate-/host-mismatch"), never inside a word.
BREAKS = """() => [...document.querySelectorAll("table.tlsrpt td code")].map(code => {
  const text = code.firstChild, out = [];
  if (!text) return [code.textContent, out];
  let top = null;
  for (let i = 0; i < text.length; i++) {
    const range = document.createRange();
    range.setStart(text, i); range.setEnd(text, i + 1);
    const rect = range.getBoundingClientRect();
    if (top !== null && rect.top > top + 2) out.push(text.data.slice(0, i));
    top = rect.top;
  }
  return [code.textContent, out];
})"""

# Table boxes whose content is wider than the box (cut off, only seen by scrolling it).
CUT = """() => [...document.querySelectorAll(".table-scroll")]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => box.previousElementSibling ? box.closest("section").querySelector("h2").textContent : "?")"""


def sideways(page: Page) -> int:
    """How far the page itself scrolls sideways (tables may scroll inside their box)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1280"])
def test_the_dashboard_fits_and_reads(
    browser: Browser, live_server: Any, viewport: dict[str, int]
) -> None:
    user, address = month_of_reports()
    page = signed_in(browser, Server(live_server.url), user, viewport=viewport).new_page()
    page.goto(f"{live_server.url}/tlsrpt/{address.token}/dashboard/")
    assert sideways(page) <= 0
    # Every column of every table is on screen: no table scrolls inside its box (on a phone
    # the rows stack, each value led by its column's name).
    assert page.evaluate(CUT) == []
    names = page.evaluate(BREAKS)
    assert len(names) > 20
    for name, before in names:
        assert all(b.endswith("-") for b in before), (name, before)
    # A report's day is one line, not "2026-/11-30".
    days = page.locator("table.tlsrpt-reports td:first-child a")
    assert days.count() == 12
    for i in range(days.count()):
        assert days.nth(i).evaluate("a => a.getClientRects().length") == 1
    if viewport is PHONE:
        # Stacked: each value says which column it is.
        rate = page.locator("table.tlsrpt-orgs td:nth-child(5)").first
        label = rate.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Failure rate: "', label
        box = rate.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
