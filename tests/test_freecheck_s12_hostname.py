"""The free check of mta-sts.example.org or www.example.org: checked as typed (it may really
receive mail), with a notice that it looks like a host name and a button to check the mail
domain above it, by the rule the Domains page warns with (checks.domainname)."""

from __future__ import annotations

import re
from typing import Any
from unittest.mock import patch

from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


class HostNameNoticeTestCase(FreeCheckTestCase):
    def test_a_host_name_gets_the_notice_and_a_button_for_its_domain(self) -> None:
        for typed, name, parent in (
            ("mta-sts.example.org", "mta-sts.example.org", "example.org"),
            ("https://www.example.org/contact", "www.example.org", "example.org"),
        ):
            with self.subTest(typed=typed), patch(DELAY) as delay:
                r = self.submit(typed)
                check = FreeCheck.objects.get(domain=name)
                delay.assert_called_once_with(str(check.code))  # checked as typed
                page = text(self.client.get(r["Location"]))
                self.assertIn(
                    f"<strong>{name} looks like a host name, not the domain after the @ in email "
                    f"addresses: for mail to …@{parent}, check {parent} instead.</strong>",
                    page,
                )
                form = re.search(r'<form method="post" action="/check">(.*?)</form>', page)
                assert form is not None
                self.assertIn("csrfmiddlewaretoken", form.group(1))
                self.assertIn(f'name="domain" value="{parent}"', form.group(1))
                self.assertIn(f"Check {parent}</button>", form.group(1))

    def test_the_button_checks_the_parent(self) -> None:
        with patch(DELAY):
            r = self.client.post("/check", {"domain": "example.org"})
        self.assertTrue(FreeCheck.objects.filter(domain="example.org").exists())
        self.assertNotIn("looks like a host name", text(self.client.get(r["Location"])))

    def test_the_mta_sts_host_notice_names_the_record_nobody_publishes(self) -> None:
        check = done_check("mta-sts.example.org")
        page = text(self.client.get(check.get_absolute_url()))
        self.assertIn("_mta-sts.mta-sts.example.org, which nobody publishes", page)

    def test_an_idn_parent_is_shown_as_people_write_it(self) -> None:
        check = done_check("www.xn--bcher-kva.de")
        page = text(self.client.get(check.get_absolute_url()))
        self.assertIn("for mail to …@bücher.de, check bücher.de instead", page)
        self.assertIn('name="domain" value="xn--bcher-kva.de"', page)

    def test_other_names_get_no_notice(self) -> None:
        for name in ("mail.example.org", "www.co.uk", "example.org"):
            with self.subTest(name=name):
                check = done_check(name)
                page = text(self.client.get(check.get_absolute_url()))
                self.assertNotIn("looks like a host name", page)

    def test_the_api_has_the_key_the_cli_json_has(self) -> None:
        done_check("www.example.org")
        r = self.client.get("/api/v1/check", {"domain": "www.example.org"})
        self.assertEqual(r.json()["looks_like_host_of"], "example.org")
        done_check("example.org")
        r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertIsNone(r.json()["looks_like_host_of"])
