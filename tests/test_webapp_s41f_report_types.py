"""Task s41f, item 4: a TLS report's own page says what its result types mean.

Users of other tools say of TLS reports: "no clue how to read them", "what does validation
failure mean? is it normal?" (/work/shared/notes/product-lessons.md). The dashboard explains
every result type (its by-type table, "Result types explained"), but the page of one report,
where an alert's or the dashboard's link leads, listed `certificate-expired` and an OpenSSL
reason code with no word of what they mean or what usually causes them. It now explains each
type the report carries, once, as the dashboard does (reports.explain), and no other."""

from __future__ import annotations

import html
import re

from django.test import override_settings
from django.urls import reverse

from reports.explain import explain
from reports.models import FailureDetail
from tests.test_access_sweep import LOCMEM, SweepCase

HEADING = "What these result types mean"


def text_of(content: bytes) -> str:
    page = content.decode()
    page = page[page.find("<main") : page.find("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@override_settings(CACHES=LOCMEM)
class ReportPageTypesTestCase(SweepCase):
    def page(self) -> str:
        self.client.force_login(self.alice)
        url = reverse(
            "reports:report",
            kwargs={"token": self.o.address.token, "report_id": self.o.report.public_id},
        )
        r = self.client.get(url)
        self.assertEqual(r.status_code, 200)
        return text_of(r.content)

    def test_s41f_each_type_of_the_report_is_explained_once(self) -> None:
        text = self.page()
        self.assertIn(HEADING, text)
        explained = text[text.index(HEADING) :]
        domain = self.o.report.policy_domain or self.o.address.domain_name
        for name in ("certificate-expired", "certificate-host-mismatch"):
            with self.subTest(name=name):
                about = explain(name).about(domain)
                self.assertEqual(explained.count(f"{name} ("), 1)
                self.assertIn(about.meaning, explained)
                self.assertIn(f"Likely cause: {about.likely_cause}", explained)
        # Only the types this report carries.
        self.assertNotIn("starttls-not-supported", explained)
        self.assertNotIn(explain("starttls-not-supported").meaning, text)

    def test_s41f_a_type_outside_rfc_8460_gets_the_generic_words(self) -> None:
        detail = FailureDetail.objects.filter(policy__report=self.o.report).first()
        assert detail is not None
        FailureDetail.objects.filter(pk=detail.pk).update(result_type="vendor-special-failure")
        text = self.page()
        explained = text[text.index(HEADING) :]
        self.assertIn("vendor-special-failure (not in RFC 8460)", explained)
        self.assertIn(explain("vendor-special-failure").meaning, explained)

    def test_s41f_a_report_without_failures_has_no_such_section(self) -> None:
        FailureDetail.objects.filter(policy__report=self.o.report).delete()
        self.assertNotIn(HEADING, self.page())
