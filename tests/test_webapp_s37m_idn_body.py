"""Task s37m, item 1: the TLS reports dashboard names an IDN by its Unicode name
(bücher.example) in its body text too, as its title and heading do since s37i; the A-label
appears only in the muted <code> beside the heading."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.conftest import BaseTestCase
from tests.test_reports_domain_page import null_mx_run
from tests.test_reports_s35t import add_domain


class DashboardIdnBodyTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain, self.address = add_domain(self.team, "xn--bcher-kva.example")
        self.client.force_login(self.alice)

    def dashboard(self) -> str:
        url = reverse("reports:dashboard", args=[self.address.token])
        return self.client.get(url).content.decode()

    def a_labels_outside_code(self, html: str) -> list[str]:
        body = html.split("<h1>", 1)[1]
        return re.findall(r"(?<!<code>)xn--bcher-kva\.example(?!</code>)", body)

    def test_no_mail_text_names_the_unicode_name(self) -> None:
        null_mx_run(self.domain)
        html = self.dashboard()
        self.assertIn("TLS reporting does not apply: bücher.example receives no mail.", html)
        self.assertIn("as none will: bücher.example receives no mail.", html)
        self.assertEqual(self.a_labels_outside_code(html), [])

    def test_no_reports_yet_text_names_the_unicode_name(self) -> None:
        html = self.dashboard()
        self.assertIn("delivered mail to bücher.example:", html)
        self.assertEqual(self.a_labels_outside_code(html), [])
