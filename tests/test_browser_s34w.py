"""s34w, in Debian's chromium: the alerts page and the resume page name a team address's
stopped domains with the one helper the weekly summary uses (emails.domain_names, which
replaced alerts/views.py's own _names): "a.test and b.test", as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Team
from mailsec.alerts.models import TeamAlertAddress
from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

TICKETS = "tickets@msp.example"


@pytest.mark.django_db(transaction=True)
def test_the_stopped_domains_are_named_in_one_sentence(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_ROOT = live_server.url
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    now = timezone.now()
    stopped = [
        Domain.objects.create(team=team, name=name, verified_at=now)
        for name in ("a.test", "b.test")
    ]
    address = TeamAlertAddress.objects.create(
        team=team, email=TICKETS, added_by=alice, confirmation_sent_at=now, confirmed_at=now
    )
    address.muted_domains.set(stopped)
    page = signed_in(browser, live_server, alice).new_page()
    page.goto(f"{live_server.url}/alerts/")
    page.get_by_role("button", name="Ask it to get them again").click()
    expect(
        page.get_by_text(f"We sent {TICKETS} a link to get the alerts about a.test and b.test")
    ).to_be_visible()
    assert csp_violations(page) == []
    (sent,) = [m for m in mail.outbox if TICKETS in m.to]
    link = next(word for word in sent.body.split() if "/alerts/address/" in word)
    page.goto(link)
    expect(
        page.get_by_role("heading", name="Get alerts about a.test and b.test again?")
    ).to_be_visible()
    assert csp_violations(page) == []
