"""s24x, in Debian's chromium at 1280 px: the team page's invitation. The "Joins as" choice
sat after "Send invitation", in the browser's default grooved box with bold choices, unlike
the site's other forms; it now comes before the button, its legend set as the form's labels
are, with no box."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests import test_browser_s11_readiness
from tests.test_browser_s11_readiness import box, csp_violations, owner, signed_in

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.django_db(transaction=True)
def test_the_invitation_asks_the_role_before_sending(browser: Browser, live_server: Any) -> None:
    alice = owner()
    page = signed_in(browser, live_server, alice, DESKTOP).new_page()
    page.goto(f"{live_server.url}/team/")
    choice = page.locator("fieldset.role-choice")
    send = page.get_by_role("button", name="Send invitation")
    expect(page.get_by_role("radio", name="Viewer")).to_be_visible()
    # The choice, then the button under it.
    assert box(send)["y"] >= box(choice)["y"] + box(choice)["height"], (box(choice), box(send))
    # No box of its own; its legend reads as the form's labels do, the choices as text.
    style = "e => { const s = getComputedStyle(e); return [s.borderTopStyle, s.paddingLeft]; }"
    assert choice.evaluate(style) == ["none", "0px"]
    label_font = "e => [getComputedStyle(e).fontWeight, getComputedStyle(e).fontSize]"
    email_label = page.locator("label[for=id_email]")
    assert choice.locator("legend").evaluate(label_font) == email_label.evaluate(label_font)
    weight = "e => getComputedStyle(e).fontWeight"
    assert choice.locator("label").first.evaluate(weight) == "400"
    # The legend starts where the email's label does.
    assert abs(box(choice.locator("legend"))["x"] - box(email_label)["x"]) < 1
    assert csp_violations(page) == []
