"""Task s37i, item 1: the TLS reports pages show an IDN as the domain pages do: the Unicode
name (bücher.example), with the A-label beside it in muted small text, not the A-label alone."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.conftest import BaseTestCase
from tests.test_reports_s35t import add_domain, add_report


class ReportsIdnNameTestCase(BaseTestCase):
    def setUp(self) -> None:
        _, self.address = add_domain(self.team, "xn--bcher-kva.example")
        add_report(self.address, timezone.now().date() - timedelta(days=1), ok=10, failed=1)
        self.client.force_login(self.alice)

    def test_all_domains_list_shows_the_unicode_name_and_the_a_label(self) -> None:
        html = self.client.get("/tlsrpt/all-domains/").content.decode()
        names = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)
        self.assertEqual(names, ["bücher.example"])
        self.assertIn("<code>xn--bcher-kva.example</code>", html)

    def test_dashboard_title_and_heading_show_the_unicode_name(self) -> None:
        html = self.client.get(
            reverse("reports:dashboard", args=[self.address.token])
        ).content.decode()
        self.assertIn("<title>TLS reports for bücher.example", html)
        self.assertIn("<h1>TLS reports for bücher.example</h1>", html)
        self.assertIn("<code>xn--bcher-kva.example</code>", html)
