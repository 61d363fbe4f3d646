"""Accessibility of the pages people use every day, audited with axe-core in a real browser.

Each page is opened as a person reaches it (signed in where it needs it, with the data an admin
of a small team has: several domains with history, changes, TLS reports, an invitation, a
hosted policy; a free-check report with findings of every status; a form sent back with its
error) and axe-core (the engine bundled by the pinned axe-playwright-python package) runs on it.
The test fails on any violation of impact serious or critical, and lists them: rule, impact,
the elements and what axe says is wrong.

A violation that cannot sensibly be fixed is let through only for that rule on that element
(ALLOWED below, with the reason), never by turning a rule off. Needs Debian's chromium, not the
lab: DNS answers are the stubs of tests/test_hosting.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mailsec.accounts.models import Invite
from mailsec.domains.models import CheckRun, Domain
from mailsec.freecheck import views as freecheck_views
from mailsec.freecheck.models import FreeCheck
from mailsec.hosting import service
from reports.models import TlsReport
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations, signed_in
from tests.test_freecheck import sample_report
from tests.test_hosting import fake_dns
from tests.test_page_queries import F01, Msp, make_msp, run, set_last_runs

# Run in the one process beside the lab tests (scripts/test.sh): the two parts then end
# closer together (see the marker in pyproject.toml).
pytestmark = [pytest.mark.browser, pytest.mark.serial]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser

SERIOUS = {"serious", "critical"}
# (page, rule id, CSS target as axe names the element) -> why it stays. Empty: nothing is
# let through today; add an entry only for a violation with no sensible fix.
ALLOWED: dict[tuple[str, str, str], str] = {}


@dataclass
class World:
    msp: Msp
    unverified: Domain
    unscored: Domain  # its last check gave no score
    checking: Domain  # a check under way, some mechanisms done
    freecheck: FreeCheck
    running: FreeCheck  # a free check under way, some mechanisms done
    report: TlsReport


def every_status_report() -> dict[str, Any]:
    """The f01 lab report with a finding of each status the engine gives, and the mechanism
    verdicts that follow (a badge of every colour on the page)."""
    report = copy.deepcopy(F01)
    report["domain"] = "example.org"
    extra = [
        ("SPF-30", "warn", "spf", "The SPF record needs 11 DNS lookups; receivers stop at 10."),
        ("DMARC-10", "fail", "dmarc", "The DMARC record's p= is missing."),
        ("SMTP-01", "error", "smtp", "mx2.example.org did not answer on port 25."),
        ("BIMI-01", "na", "bimi", "BIMI does not apply without DMARC enforcement."),
    ]
    for check_id, status, mech, summary in extra:
        report["findings"].append(
            {
                "id": check_id,
                "status": status,
                "mechanism": mech,
                "summary": summary,
                "subject": "example.org",
                "evidence": {"note": "generated"},
                "fix": 'example.org. TXT "v=spf1 mx -all"' if status == "fail" else "",
            }
        )
        report["mechanisms"][mech] = status
    return report


EVERY_STATUS = every_status_report()


def running_freecheck(done: tuple[str, ...] = ("mx", "mta-sts", "spf")) -> FreeCheck:
    """A free check under way: the mechanisms `done` have their findings, the rest wait."""
    started = timezone.now() - timedelta(seconds=5)
    return FreeCheck.objects.create(
        domain="example.net",
        status=FreeCheck.State.RUNNING,
        created=started,
        started=started,
        partial=partial_findings(done),
    )


def partial_findings(done: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    return {m: [f for f in EVERY_STATUS["findings"] if f["mechanism"] == m] for m in done}


def build_world() -> World:
    msp = make_msp("alice", n_domains=4, history_days=20, members=2)
    unverified = Domain.objects.create(team=msp.team, name="new.example")
    now = timezone.now()
    unscored = Domain.objects.create(team=msp.team, name="unscored.example", verified_at=now)
    run(unscored, now - timedelta(hours=1), score=None).save()
    set_last_runs([unscored])
    checking = msp.domains[1]
    CheckRun.objects.create(
        domain=checking,
        status=CheckRun.Status.RUNNING,
        started=now,
        mechanisms={
            m: EVERY_STATUS["mechanisms"][m] for m in ("mx", "spf", "dmarc", "smtp", "bimi")
        },
    )
    freecheck = FreeCheck.objects.create(
        domain="example.org",
        status=FreeCheck.State.DONE,
        report=EVERY_STATUS,
        created=now - timedelta(seconds=30),
        started=now - timedelta(seconds=30),
        finished=now - timedelta(seconds=20),
    )
    Invite.objects.create(team=msp.team, email="dana@example.org", invited_by=msp.user)
    report = TlsReport.objects.filter(address=msp.address).order_by("-start").first()
    assert report is not None
    host(msp.busy)
    return World(msp, unverified, unscored, checking, freecheck, running_freecheck(), report)


def host(domain: Domain) -> None:
    """Hosting on for `domain`, synced once, as tests/test_browser_s11_forms.py does it: in a
    thread (the service runs its DNS questions with asyncio.run, which cannot start inside the
    event loop sync_playwright keeps running in this one)."""

    def enable_and_sync() -> None:
        started = timezone.now() - timedelta(minutes=10)
        try:
            with fake_dns([f"mx1.{domain.name}"], record="cname"):
                policy = service.enable(domain, now=started)
                service.sync(policy, now=started + timedelta(minutes=5))
        finally:
            connections.close_all()  # this thread's own

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(enable_and_sync).result()


# How to reach each page: (browser, server URL, world) -> the page, ready to audit.
Opener = Callable[[Browser, str, World], Page]


def anonymous(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(WATCH_CSP)
    return context.new_page()


def signed_in_page(browser: Browser, url: str, world: World) -> Page:
    return signed_in(browser, Server(url), world.msp.user).new_page()


@dataclass
class Server:
    """What signed_in reads of pytest-django's live server."""

    url: str


def visit(path: str, *, signed: bool = True) -> Opener:
    def open_(browser: Browser, url: str, world: World) -> Page:
        page = signed_in_page(browser, url, world) if signed else anonymous(browser)
        page.goto(url + path.format(w=world))
        return page

    return open_


def add_domain_with_error(browser: Browser, url: str, world: World) -> Page:
    page = signed_in_page(browser, url, world)
    page.goto(f"{url}/domains/")
    page.get_by_label("Add a domain").fill("not a domain!")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
    return page


def verify_refused(browser: Browser, url: str, world: World) -> Page:
    """The unverified domain's page after a Verify that found no record (its error shown)."""
    page = signed_in_page(browser, url, world)
    page.goto(f"{url}/domains/{world.unverified.code}/")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_be_visible()
    return page


def login_code_entry(browser: Browser, url: str, world: World) -> Page:
    page = anonymous(browser)
    page.goto(f"{url}/accounts/login/code/")
    page.get_by_label("Email").fill(world.msp.user.email)
    page.get_by_role("button", name="Request Code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    return page


PAGES: dict[str, Opener] = {
    "home": visit("/", signed=False),
    "freecheck-form": visit("/check", signed=False),
    "freecheck-report": visit("/check/{w.freecheck.code}", signed=False),
    "freecheck-running": visit("/check/{w.running.code}", signed=False),
    "login": visit("/accounts/login/", signed=False),
    "login-code": visit("/accounts/login/code/", signed=False),
    "login-code-entry": login_code_entry,
    "signup": visit("/accounts/signup/", signed=False),
    "domains": visit("/domains/"),
    "domain-details": visit("/domains/{w.msp.busy.code}/"),
    "domain-unscored": visit("/domains/{w.unscored.code}/"),
    "domain-checking": visit("/domains/{w.checking.code}/"),
    "add-domain-error": add_domain_with_error,
    "verify": visit("/domains/{w.unverified.code}/"),
    "verify-refused": verify_refused,
    "dashboard": visit("/tlsrpt/{w.msp.address.token}/dashboard/"),
    "report": visit("/tlsrpt/{w.msp.address.token}/reports/{w.report.report_id}/"),
    "hosting": visit("/hosting/{w.msp.busy.code}/"),
    "alerts": visit("/alerts/"),
    "team": visit("/team/"),
    "account": visit("/account/"),
    "scoring": visit("/scoring/", signed=False),
}


# Ids used more than once: axe-core 4.12 no longer reports them (its duplicate-id rules are
# deprecated), but a label, aria-describedby or htmx target pointing at one reaches the first.
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.entries(seen).filter(([, n]) => n > 1).map(([id, n]) => `#${id} (${n} times)`);
}"""


# Where the keyboard's focus is, whether its ring can be seen: an outline removed, or one whose
# colour has less than 3:1 against what is behind it (WCAG 1.4.11). Browsers' own `auto` ring
# counts as seen. Marks each element it looked at, to know when Tab has come round.
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el.dataset.a11yVisited) return null;
  el.dataset.a11yVisited = '1';
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let behind = [255, 255, 255];
  for (let p = el.parentElement; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length === 3 || c[3] > 0) { behind = c.slice(0, 3); break; }
  }
  const style = getComputedStyle(el);
  const what = el.outerHTML.slice(0, 120);
  if (style.outlineStyle === 'auto') return {problem: null};
  if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) {
    if (style.boxShadow !== 'none') return {problem: null};
    return {problem: `no focus outline (${style.outlineStyle} ${style.outlineWidth}): ${what}`};
  }
  const [a, b] = [lum(rgb(style.outlineColor)), lum(behind)];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio >= 3) return {problem: null};
  return {problem: `focus outline ${style.outlineColor} has ${ratio.toFixed(2)}:1 against`
    + ` rgb(${behind.join(', ')}), needs 3:1: ${what}`};
}"""


def focus_ring_problems(page: Page, limit: int = 800) -> list[str]:
    """Tab through the page as a keyboard user does, and say where the focus cannot be seen."""
    problems = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen = page.evaluate(FOCUS_RING)
        if seen is None:  # back on <body> or on an element seen before: the round is done
            break
        if seen["problem"]:
            problems.append(f"focus-visible: {seen['problem']}")
    return problems


def serious_violations(page: Page, name: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is, one readable line per
    element, less the ALLOWED ones, and duplicate ids. Every <details> is opened first, so
    what a person reads after a click (findings, evidence) is audited too."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    lines = [f"duplicate-id: {d}" for d in page.evaluate(DUPLICATE_IDS)]
    lines += focus_ring_problems(page)
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for v in results["violations"]:
        if v["impact"] not in SERIOUS:
            continue
        for node in v["nodes"]:
            target = " ".join(
                json.dumps(t) if not isinstance(t, str) else t for t in node["target"]
            )
            if (name, v["id"], target) in ALLOWED:
                continue
            why = "; ".join(
                c["message"]
                for c in node.get("any", []) + node.get("all", []) + node.get("none", [])
            )
            lines.append(
                f"{v['id']} ({node.get('impact') or v['impact']}): {target}\n"
                f"    {node['html'][:200]}\n    {why}\n    {v['helpUrl']}"
            )
    return lines


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_has_no_serious_accessibility_violation(
    browser: Browser, live_server: Any, name: str, unanswered_lookups_end_soon: None
) -> None:
    world = build_world()
    with fake_dns([f"mx1.{world.msp.busy.name}"], record="cname"):
        page = PAGES[name](browser, live_server.url, world)
        test_browser_s11_readiness.settled(page)
        problems = serious_violations(page, name)
    assert not problems, f"{len(problems)} serious accessibility problem(s) on {name}:\n" + (
        "\n".join(problems)
    )
    assert csp_violations(page) == []


# What axe cannot see: where the focus goes when htmx swaps the part of the page that held it.


@pytest.mark.django_db(transaction=True)
def test_check_again_now_leaves_the_focus_on_the_new_report(
    browser: Browser, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(freecheck_views.run_free_check, "delay", lambda code: None)
    when = timezone.now() - timedelta(minutes=4)
    FreeCheck.objects.create(
        domain="example.org",
        status=FreeCheck.State.DONE,
        report=sample_report("example.org"),
        created=when,
        started=when,
        finished=when,
    )
    page = anonymous(browser)
    page.goto(f"{live_server.url}/check")
    page.get_by_label("Domain to check").fill("example.org")
    page.get_by_role("button", name="Check", exact=True).click()
    again = page.get_by_role("button", name="Check again now")
    # A keyboard user: the button has the focus, Enter presses it.
    again.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".fc-state")).to_contain_text("Queued")
    # The button went with the old report; the focus is on the new one's heading, not lost
    # on <body> (where the next Tab would start again from the top of the page).
    expect(page.locator("#fc-report h1")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Copy link")).to_be_focused()
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_progress_poll_keeps_the_focus_where_it_was(browser: Browser, live_server: Any) -> None:
    check = running_freecheck(done=("mx", "mta-sts"))
    page = anonymous(browser)
    page.goto(f"{live_server.url}/check/{check.code}")
    expect(page.locator(".fc-state")).to_contain_text("2 of")
    # A keyboard user reading the findings already in while the rest are checked.
    summary = page.locator("#m-mta-sts summary").first
    summary.focus()
    expect(summary).to_be_focused()
    FreeCheck.objects.filter(pk=check.pk).update(
        partial=partial_findings(("mx", "mta-sts", "spf", "dmarc"))
    )
    # The poll swapped the results (the counter moved on): the focus is on the same control
    # of the new content, not on <body>.
    expect(page.locator(".fc-state")).to_contain_text("4 of")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.closest('section').id") == "m-mta-sts"
    assert csp_violations(page) == []
