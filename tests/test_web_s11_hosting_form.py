"""A hosting settings form with a mistake in it comes back with what was typed, and the error
beside the field it is about: a redirect to a fresh form threw away the other extra patterns
the owner had typed (and the max_age), leaving only a message at the top of a long page."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import DAY, WEEK, HostingCase, fake_dns


def field_value(html: str, name: str) -> str:
    """What the browser shows in the field `name` (an <input> value or a <textarea>)."""
    textarea = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    if textarea is not None:
        return unescape(textarea.group(1)).strip()
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return unescape(found.group(1)) if found else ""


class SettingsFormTests(HostingCase):
    def post(self, data: dict[str, str]) -> tuple[int, str]:
        self.client.force_login(self.alice)
        with fake_dns(["mx1.example.org"]):
            response = self.client.post(
                reverse("hosting:update", args=[self.domain.code]), data, follow=True
            )
        return response.status_code, response.content.decode()

    def test_a_bad_pattern_keeps_what_was_typed(self) -> None:
        policy = self.host(["mx1.example.org"])
        typed = "mx9.example.net\n*.mx.example.com\nbad..pattern"
        status, html = self.post({"mode": "none", "max_age": str(DAY), "extra": typed})
        assert status == 400
        assert field_value(html, "extra").split() == typed.split()
        assert field_value(html, "max_age") == str(DAY)
        assert re.search(r'<option value="none"[^>]*selected', html)
        # The error is on the page, beside the field, and names the line at fault.
        assert "bad..pattern" in unescape(re.sub(r"<[^>]+>", " ", html))
        assert 'class="errorlist' in html
        # Nothing saved, nothing told.
        policy.refresh_from_db()
        assert policy.mode == "testing" and policy.max_age == WEEK and policy.mx_extra == []
        assert not policy.events.filter(kind__in=["mode", "settings"]).exists()

    def test_a_max_age_out_of_range_keeps_the_patterns(self) -> None:
        self.host(["mx1.example.org"])
        status, html = self.post({"mode": "testing", "max_age": "60", "extra": "mx9.example.net"})
        assert status == 400
        assert field_value(html, "extra") == "mx9.example.net"
        assert field_value(html, "max_age") == "60"
        assert "greater than or equal to" in html

    def test_a_valid_form_still_saves_and_redirects(self) -> None:
        policy = self.host(["mx1.example.org"])
        self.client.force_login(self.alice)
        with fake_dns(["mx1.example.org"]):
            response = self.client.post(
                reverse("hosting:update", args=[self.domain.code]),
                {"mode": "testing", "max_age": str(DAY), "extra": "mx9.example.net"},
            )
        assert response.status_code == 302
        policy = HostedPolicy.objects.get(pk=policy.pk)
        assert policy.max_age == DAY and policy.mx_extra == ["mx9.example.net"]
