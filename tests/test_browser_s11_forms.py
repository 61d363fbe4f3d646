"""Forms with a mistake in them, in a real browser, signed in: the DKIM selectors form of the
domain page, the hosting settings form and the team invitation. Each bad value is typed and
submitted as a person would (it passes the browser's own checks, so the server judges it); the
page comes back with the error beside the field, the field marked invalid and tied to that
error, what was typed still in it, and nothing saved; the corrected value then saves. And after
a Save on the hosting page, a customer with a plain `_mta-sts` TXT reads the exact record with
the new id at the top, and the records table's Copy button copies that value. Needs Debian's
chromium, not the lab; DNS answers are the stubs of tests/test_hosting.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from mailsec.accounts.models import Invite, Membership, Team
from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import (
    clipboard,
    csp_violations,
    owner,
    signed_in,
)
from tests.test_hosting import DAY, WEEK, fake_dns

pytestmark = [pytest.mark.browser]

# The same fixture: Debian's chromium, sessions and page caches private to the test.
browser = test_browser_s11_readiness.browser


def error_beside(page: Page, field: Locator) -> Locator:
    """The element the field names as its error (aria-describedby), which must be on the page,
    marked invalid, and be the field's own error: right after it in the form."""
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    errors = [i for i in described if page.locator(f"#{i}").count() and "error" in i]
    assert errors, f"no error named by aria-describedby={described!r}"
    error = page.locator(f"#{errors[0]}")
    expect(error).to_be_visible()
    # Beside the field: within a few lines of it on the page, not in the messages at the top.
    field_box, error_box = field.bounding_box(), error.bounding_box()
    assert field_box is not None and error_box is not None
    assert abs(error_box["y"] - field_box["y"]) < 120, (field_box, error_box)
    return error


def verified_domain(user: User, name: str = "example.org", **kw: Any) -> Domain:
    team = Team.objects.get(memberships__user=user)
    return Domain.objects.create(team=team, name=name, verified_at=timezone.now(), **kw)


@pytest.mark.django_db(transaction=True)
def test_the_selectors_form_keeps_what_was_typed(browser: Browser, live_server: Any) -> None:
    alice = owner()
    domain = verified_domain(alice, dkim_selectors="s1")
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/domains/{domain.code}/")

    field = page.get_by_label("Selectors we should look up, besides common ones")
    typed = "google selector1 bad_sel!!"
    field.fill(typed)
    field.press("Enter")
    error = error_beside(page, field)
    expect(error).to_contain_text("'bad_sel!!' is not a valid DKIM selector")
    expect(field).to_have_value(typed)
    expect(page.get_by_role("status")).to_contain_text("The DKIM selectors were not saved")
    domain.refresh_from_db()
    assert domain.dkim_selectors == "s1"

    # Corrected in place (the rest of what was typed still there), then saved.
    field.fill(typed.replace(" bad_sel!!", " s2048"))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("DKIM selectors saved")
    expect(field).to_have_value("google selector1 s2048")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_count(0)
    domain.refresh_from_db()
    assert domain.dkim_selectors == "google selector1 s2048"
    assert csp_violations(page) == []


def hosted(domain: Domain, record: str) -> HostedPolicy:
    """Hosting on for `domain` in mode testing, synced once with `_mta-sts` found as `record`
    ("txt": a plain TXT record the customer keeps, "cname": into our zone)."""

    def enable_and_sync() -> HostedPolicy:
        started = timezone.now() - timedelta(minutes=10)
        try:
            with fake_dns(["mx1.example.org"], record=record):
                policy = service.enable(domain, now=started)
                service.sync(policy, now=started + timedelta(minutes=5))
            return policy
        finally:
            connections.close_all()  # this thread's own

    # The service runs its DNS questions with asyncio.run, which cannot start inside the
    # event loop sync_playwright keeps running in this thread: in a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        policy = pool.submit(enable_and_sync).result()
    policy.refresh_from_db()
    assert policy.record_state == record
    return policy


@pytest.mark.django_db(transaction=True)
def test_the_hosting_settings_form_keeps_what_was_typed(browser: Browser, live_server: Any) -> None:
    alice = owner()
    domain = verified_domain(alice)
    policy = hosted(domain, "cname")
    page = signed_in(browser, live_server, alice).new_page()
    with fake_dns(["mx1.example.org"], record="cname"):
        page.goto(f"{live_server.url}/hosting/{domain.code}/")
        settings_form = page.locator("section.settings form")
        extra = settings_form.get_by_label("Extra mx patterns")
        max_age = settings_form.get_by_label("Max age")
        typed = "mx9.example.net\n*.mx.example.com\nbad..pattern"
        extra.fill(typed)
        max_age.fill(str(DAY))
        settings_form.get_by_role("button", name="Save").click()

        error = error_beside(page, extra)
        expect(error).to_contain_text("bad..pattern")
        # The cursor lands in the field with the mistake, far down the page (static/js/forms.js).
        expect(extra).to_be_focused()
        expect(extra).to_be_in_viewport()
        expect(extra).to_have_value(typed)
        expect(max_age).to_have_value(str(DAY))
        expect(page.get_by_role("status")).to_contain_text("Nothing was saved")
        policy.refresh_from_db()
        assert policy.max_age == WEEK and policy.mx_extra == []

        extra.fill(typed.replace("\nbad..pattern", ""))
        settings_form.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("Saved.")
        expect(extra).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator(".errorlist")).to_have_count(0)
        expect(max_age).to_have_value(str(DAY))
        policy.refresh_from_db()
        assert policy.max_age == DAY
        assert policy.mx_extra == ["mx9.example.net", "*.mx.example.com"]
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_invitation_keeps_the_address_typed(browser: Browser, live_server: Any) -> None:
    alice = owner()
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/team/")
    field = page.get_by_label("Email address")
    # The browser's own check passes it (type=email wants no dot); ours refuses it.
    field.fill("friend@example")
    page.get_by_role("button", name="Send invitation").click()
    # Said once, beside the field (1109d80): no banner repeating it.
    expect(page.locator("#invite-email-error")).to_contain_text(
        "friend@example is not an email address we can send to"
    )
    expect(page.get_by_text("is not an email address we can send to")).to_have_count(1)
    expect(field).to_have_value("friend@example")
    error_beside(page, field)
    assert not Invite.objects.exists()

    field.fill("friend@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).not_to_contain_text("not an email address")
    expect(page.get_by_text("friend@example.org", exact=False).first).to_be_visible()
    expect(field).to_have_value("")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    assert Invite.objects.filter(email="friend@example.org").exists()
    assert not Membership.objects.filter(user__email="friend@example.org").exists()
    assert csp_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_plain_txt_customer_reads_and_copies_the_new_record_after_save(
    browser: Browser, live_server: Any
) -> None:
    alice = owner()
    domain = verified_domain(alice)
    policy = hosted(domain, "txt")
    old_id = policy.policy_id
    page = signed_in(browser, live_server, alice).new_page()
    with fake_dns(["mx1.example.org"], record="stale"):
        page.goto(f"{live_server.url}/hosting/{domain.code}/")
        settings_form = page.locator("section.settings form")
        settings_form.get_by_label("Max age").fill(str(DAY))
        settings_form.get_by_role("button", name="Save").click()
        status = page.get_by_role("status")
        expect(status).to_contain_text("Saved.")
        policy.refresh_from_db()
        assert policy.policy_id != old_id
        record = f'_mta-sts.example.org TXT "v=STSv1; id={policy.policy_id};"'
        expect(status).to_contain_text(record)

        # The records table gives the same value, with a Copy button that copies it.
        row = page.get_by_role("row").filter(has=page.locator("code", has_text="_mta-sts."))
        expect(row.get_by_role("cell").nth(1)).to_have_text("TXT")
        button = row.get_by_role("button", name="Copy the value for _mta-sts.example.org")
        button.click()
        expect(button).to_have_text("Copied")
        assert clipboard(page) == f"v=STSv1; id={policy.policy_id};"
    assert csp_violations(page) == []
