"""Blind round s45g in chromium: the hosting records of one client ticked off as the product
sees them in DNS, without a reload. Written before it ran, with tests/test_webapp_s45g_blind.py
(its DNS server on 127.0.155.1 and its MSP), from docs/hosting.md ("loads the 'in place?'
column as an htmx partial ... Look again fetches it anew in place (no reload after publishing
a record; the focus stays on the link)") and docs/webapp.md (each Copy button copies one
value as a DNS panel's value field takes it).

  B01 The hosting page of a verified client fills its "In place" column by itself: "not yet"
      for mta-sts, _mta-sts and _smtp._tls (only the client's old TLS-RPT record is there).
      Corrected after the run: _smtp._tls reads "stale" (the client's record without our
      address), as tests/test_webapp_s45g_blind.py G10 found.
  B02 The _smtp._tls row's Copy button copies the value alone: the client's own rua first, then
      ours.
  B03 Once the three are published as listed, Look again shows "yes" for all three in place:
      the same document (nothing reloaded), the focus still on Look again, no CSP violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.domains.models import Domain
from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import clipboard, csp_violations, signed_in
from tests.test_webapp_s45g_blind import CLIENTS, OWN_RUA, POLICY_HOST, POLICY_ZONE, msp, stub

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser
__all__ = ["msp", "stub"]  # the blind module's fixtures, used here


@pytest.mark.django_db(transaction=True)
def test_s45g_records_ticked_off_in_place(
    browser: Browser, live_server: Any, msp: dict[str, Any]
) -> None:
    d = Domain.objects.create(team=msp["team"], name=CLIENTS[0], verified_at=timezone.now())
    records = msp["dns"].records
    records[(f"_smtp._tls.{d.name}", "TXT")] = [f'"v=TLSRPTv1; rua={OWN_RUA}"']
    page = signed_in(browser, live_server, msp["mara"]).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/hosting/{d.code}/")
    page.evaluate("window.s45gMarker = 1")
    rows = page.locator("#records tbody tr")

    def states() -> list[str]:
        return [
            page.locator("#records tbody tr")
            .nth(i)
            .locator("td[data-label='In place']")
            .inner_text()
            .strip()
            .splitlines()[0]
            for i in range(3)
        ]

    # B01
    expect(page.locator("#records-again")).to_be_visible()
    assert states() == ["not yet", "not yet", "stale"], states()
    # B02
    page.get_by_role("button", name=f"Copy the value for _smtp._tls.{d.name}").click()
    copied = clipboard(page)
    assert re.fullmatch(rf"v=TLSRPTv1; ?rua={re.escape(OWN_RUA)}, ?mailto:\S+", copied), copied
    # B03
    records[(f"mta-sts.{d.name}", "CNAME")] = [f"{POLICY_HOST}."]
    records[(f"_mta-sts.{d.name}", "CNAME")] = [f"{d.name}.{POLICY_ZONE}."]
    records[(f"{d.name}.{POLICY_ZONE}", "TXT")] = ['"v=STSv1; id=20261205000000;"']
    records[(f"_smtp._tls.{d.name}", "TXT")] = [f'"{copied}"']
    page.locator("#records-again").click()
    expect(rows.first.locator("td[data-label='In place']")).to_have_text(re.compile("yes"))
    assert states() == ["yes", "yes", "yes"], states()
    assert page.evaluate("window.s45gMarker") == 1
    assert page.evaluate("document.activeElement && document.activeElement.id") == "records-again"
    assert csp_violations(page) == []
