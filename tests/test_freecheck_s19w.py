"""The free check, round 19 (s19w).

a) A host name's report (www.example.org, mta-sts.example.org) offers to monitor the mail
   domain its notice suggests, with the button that checks that domain, not the host name.
"""

from __future__ import annotations

import re
from typing import Any
from unittest.mock import patch

from mailsec.freecheck.models import FreeCheck, signup_url
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def offer(page: str) -> str:
    found = re.search(r'<aside class="fc-cta".*?</aside>', page)
    assert found is not None, page
    return found.group(0)


class HostNameOfferTestCase(FreeCheckTestCase):
    def test_a_host_name_offers_to_monitor_its_mail_domain(self) -> None:
        for name, parent in (
            ("www.example.org", "example.org"),
            ("mta-sts.example.org", "example.org"),
        ):
            with self.subTest(name=name):
                check = done_check(name)
                cta = offer(text(self.client.get(check.get_absolute_url())))
                self.assertIn(f"Keep watching {parent}</h2>", cta)
                href = signup_url(parent).replace("&", "&amp;")
                self.assertIn(f'href="{href}">Monitor {parent} — sign up free</a>', cta)
                self.assertNotIn(f"Monitor {name}", cta)
                self.assertNotIn(f"add%3D{name}", cta)
                # The same "check that instead" as the notice above: a POST of the parent.
                form = re.search(
                    r'<form class="fc-cta-check" method="post" action="/check">'
                    r"(.*?)</form>",
                    cta,
                )
                assert form is not None, cta
                self.assertIn("csrfmiddlewaretoken", form.group(1))
                self.assertIn(f'name="domain" value="{parent}"', form.group(1))
                self.assertIn(f"Check {parent} first</button>", form.group(1))

    def test_the_offer_s_button_checks_the_mail_domain(self) -> None:
        check = done_check("www.example.org")
        self.client.get(check.get_absolute_url())
        with patch(DELAY) as delay:
            r = self.client.post("/check", {"domain": "example.org"})
        run = FreeCheck.objects.get(domain="example.org")
        delay.assert_called_once_with(str(run.code))
        self.assertEqual(r["Location"], run.get_absolute_url())

    def test_an_idn_host_name_offers_its_domain_as_people_write_it(self) -> None:
        check = done_check("www.xn--bcher-kva.de")
        cta = offer(text(self.client.get(check.get_absolute_url())))
        self.assertIn("Monitor bücher.de — sign up free", cta)
        self.assertIn("add%3Dxn--bcher-kva.de", cta)
        self.assertIn('name="domain" value="xn--bcher-kva.de"', cta)

    def test_other_names_offer_themselves_with_no_check_button(self) -> None:
        for name in ("mail.example.org", "example.org", "www.co.uk"):
            with self.subTest(name=name):
                check = done_check(name)
                cta = offer(text(self.client.get(check.get_absolute_url())))
                self.assertIn(f"Monitor {name} — sign up free", cta)
                self.assertNotIn("fc-cta-check", cta)

    def test_signing_up_from_the_offer_prefills_the_mail_domain(self) -> None:
        check = done_check("www.example.org")
        self.client.force_login(self.alice)
        r = self.client.get(f"/domains/?add={check.monitor_domain}")
        self.assertContains(r, 'value="example.org"')
